//! Log output of the binaries (`trez-relayer`, `trez-localnet`): `tracing` lines on stderr, filtered by
//! `RUST_LOG` (default `info`, with the Solana runtime's chatter at `warn`).

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable; coloured only when stderr is a terminal.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Install the global subscriber. Call once, first thing in `main`.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        "info,tarpc=error,solana_runtime=warn,solana_program_runtime=warn,solana_rbpf=warn,solana_metrics=warn,solana_accounts_db=warn".into()
    });
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init(),
        LogFormat::Json => logs.json().init(),
    }
}

/// Cancelled on SIGINT (Ctrl-C) or SIGTERM: a pipeline then stops accepting, finishes in-flight shares,
/// flushes the ledger and returns.
pub fn shutdown_on_signal() -> tokio_util::sync::CancellationToken {
    let token = tokio_util::sync::CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            r = tokio::signal::ctrl_c() => if r.is_err() { return },
            _ = term => {}
        }
        eprintln!("signal received: shutting down gracefully");
        t.cancel();
    });
    token
}
