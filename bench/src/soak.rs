//! `trez-bench soak`: run `trez-relayer run` and/or `trez-localnet` for a while under pool load and report the
//! slope per hour of their memory, file descriptors, threads, ledger, WAL and log after warm-up, then audit
//! (see `trez_localnet::soak`). Both subjects run at once when `--subject both`.

use std::time::Duration;

use anyhow::Result;
use clap::{Args as ClapArgs, ValueEnum};
use trez_localnet::soak::{self, SoakOptions, SoakReport};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Subject {
    Relayer,
    Localnet,
    Both,
}

#[derive(ClapArgs, Debug, Clone)]
pub struct Args {
    /// How long each subject runs, minutes.
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,
    #[arg(long, value_enum, default_value_t = Subject::Both)]
    pub subject: Subject,
    /// Miners per subject.
    #[arg(long, default_value_t = 3)]
    pub miners: usize,
    /// Shares per second per scripted miner (relayer subject).
    #[arg(long, default_value_t = 20.0)]
    pub shares_per_sec: f64,
    /// Seconds between samples.
    #[arg(long, default_value_t = 5)]
    pub sample_secs: u64,
}

pub fn run(a: &Args) -> Result<Vec<SoakReport>> {
    let bin_dir = std::env::current_exe()?.parent().map(|p| p.to_path_buf()).unwrap_or_default();
    let o = SoakOptions {
        duration: Duration::from_secs_f64(a.minutes * 60.0),
        sample_every: Duration::from_secs(a.sample_secs.max(1)),
        miners: a.miners,
        shares_per_sec: a.shares_per_sec,
        net_bits: 16,
        bin_dir,
    };
    println!("soak: {} min per subject, {} miners, samples every {} s (binaries in {})", a.minutes, a.miners, a.sample_secs, o.bin_dir.display());
    if std::env::var_os("RUST_LOG").is_none() {
        // program-test turns on the runtime's per-instruction debug log in this process unless told otherwise.
        std::env::set_var("RUST_LOG", "error");
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let reports = rt.block_on(async {
        match a.subject {
            Subject::Relayer => Ok::<_, anyhow::Error>(vec![soak::soak_relayer(&o).await?]),
            Subject::Localnet => Ok(vec![soak::soak_localnet(&o).await?]),
            Subject::Both => {
                let (r, l) = tokio::join!(soak::soak_relayer(&o), soak::soak_localnet(&o));
                Ok(vec![r?, l?])
            }
        }
    })?;
    for r in &reports {
        println!("\n{r}");
    }
    Ok(reports)
}
