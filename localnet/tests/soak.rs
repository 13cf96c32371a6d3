//! The short soak of the test command (issue 22): `trez-relayer run` and `trez-localnet`, each its own
//! process, under pool load for 150 s at once, sampled every 5 s. A generous bound on growth over the last
//! 90 s would have caught the embedded chain's old leak (0.38 MB/s, about 34 MB in 90 s, idle or not); the
//! long figures are in README, Reliability (`trez-bench soak --minutes 60`). Both records audit OK.

use std::path::Path;
use std::time::Duration;

use trez_localnet::soak::{soak_localnet, soak_relayer, SoakOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relayer_and_localnet_stay_flat_over_a_short_soak() {
    if std::env::var_os("RUST_LOG").is_none() {
        // program-test turns on the runtime's per-instruction debug log in this process unless told otherwise;
        // 150 s of pool traffic would fill the test log with it.
        std::env::set_var("RUST_LOG", "error");
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_trez-localnet")).parent().unwrap().to_path_buf();
    assert!(
        bin_dir.join("trez-relayer").exists(),
        "{} missing: run through `cargo test --workspace` (or `cargo build --locked -p trez-relayer` first)",
        bin_dir.join("trez-relayer").display()
    );
    let o = SoakOptions { duration: Duration::from_secs(150), sample_every: Duration::from_secs(5), miners: 2, shares_per_sec: 20.0, net_bits: 14, bin_dir };
    let (relayer, localnet) = tokio::join!(soak_relayer(&o), soak_localnet(&o));
    for report in [relayer.expect("relayer soak"), localnet.expect("localnet soak")] {
        eprintln!("{report}");
        assert!(report.audit_ok, "{}: audit {:?}", report.subject, report.audit_problems);
        assert!(report.blocks >= 1, "{}: no block in the soak", report.subject);
        let rss = report.growth_over_last("rss", 90.0).unwrap();
        assert!(rss < 12.0, "{}: resident memory grew {rss:.1} MiB in the last 90 s", report.subject);
        let threads = report.growth_over_last("threads", 90.0).unwrap();
        assert!(threads <= 4.0, "{}: {threads} more threads in the last 90 s", report.subject);
        let fds = report.get("fds").unwrap().max;
        assert!(fds < 256.0, "{}: {fds} open descriptors", report.subject);
    }
}
