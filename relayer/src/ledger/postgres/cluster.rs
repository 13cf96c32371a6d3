//! A throwaway PostgreSQL cluster for tests and `trez-localnet --postgres auto`: `initdb` into a temporary
//! directory, `postgres` on a free loopback port (and a Unix socket in that directory), trust
//! authentication, no fsync (a commit survives the server process crashing, not the machine). The server binaries are PostgreSQL's own (`TREZ_PG_BIN`, else the newest
//! `/usr/lib/postgresql/<version>/bin`, else `PATH`); Debian's `postgresql` package has them
//! (`scripts/install-test-deps.sh` installs it). `initdb` and `postgres` refuse to run as root, so as root
//! they run as the `postgres` system user (`runuser`). The cluster stops and its directory is removed when
//! the [`Cluster`] drops, and also when this process dies without dropping it (a watchdog shell waits for
//! the process and then stops the server).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Errors starting a cluster: what was run and what it said.
#[derive(Debug, thiserror::Error)]
#[error("throwaway PostgreSQL cluster: {0}")]
pub struct ClusterError(pub String);

/// A running throwaway cluster.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    /// Loopback TCP port of the server.
    pub port: u16,
    as_postgres: bool,
}

/// Where the PostgreSQL server binaries are, if anywhere.
pub fn server_binaries() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TREZ_PG_BIN") {
        return Some(PathBuf::from(p));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, p): &(u32, PathBuf)| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p).or_else(|| {
        let found = Command::new("sh").args(["-c", "command -v initdb"]).output().ok()?;
        let path = String::from_utf8(found.stdout).ok()?;
        Path::new(path.trim()).parent().map(Path::to_path_buf)
    })
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

impl Cluster {
    /// For tests: [`Cluster::start`], or `None` (saying why on stderr) when it cannot start and PostgreSQL is
    /// not required. With `TREZ_REQUIRE_POSTGRES=1` (the README test command sets it) a cluster that cannot
    /// start panics instead, so no PostgreSQL test is silently skipped.
    pub fn start_or_skip() -> Option<Cluster> {
        match Cluster::start() {
            Ok(c) => Some(c),
            Err(e) if std::env::var("TREZ_REQUIRE_POSTGRES").as_deref() != Ok("1") => {
                eprintln!("skipping the PostgreSQL test: {e}");
                None
            }
            Err(e) => panic!("TREZ_REQUIRE_POSTGRES=1 and {e}"),
        }
    }

    /// `initdb` and start a cluster; returns once it accepts connections (at most 60 s).
    pub fn start() -> Result<Cluster, ClusterError> {
        let bin = server_binaries().ok_or_else(|| ClusterError("no PostgreSQL server binaries (install Debian's `postgresql`, or set TREZ_PG_BIN)".into()))?;
        let as_postgres = is_root();
        let dir = tempfile::Builder::new().prefix("trez-pg-").tempdir().map_err(|e| ClusterError(format!("temp dir: {e}")))?.keep();
        let cluster = Cluster { dir, bin, port: free_port()?, as_postgres };
        if as_postgres {
            let ok = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&cluster.dir).status().map(|s| s.success()).unwrap_or(false);
            if !ok {
                return Err(ClusterError(format!("chown postgres {}", cluster.dir.display())));
            }
        }
        let data = cluster.dir.join("data");
        cluster.run("initdb", &["-D", &data.to_string_lossy(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])?;
        cluster.restart()?;
        cluster.watchdog();
        Ok(cluster)
    }

    /// Connection URL of database `db` (user `postgres`, trust authentication).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Create database `name` (a fresh one per test); returns its URL.
    pub async fn create_database(&self, name: &str) -> Result<String, ClusterError> {
        let (client, conn) = tokio_postgres::connect(&self.url("postgres"), tokio_postgres::NoTls).await.map_err(|e| ClusterError(e.to_string()))?;
        tokio::spawn(conn);
        client.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await.map_err(|e| ClusterError(e.to_string()))?;
        Ok(self.url(name))
    }

    /// Stop the server now (immediate shutdown) — as a crash or an outage would; [`Cluster::restart`] brings
    /// it back with its data.
    pub fn stop(&self) -> Result<(), ClusterError> {
        self.run("pg_ctl", &["-D", &self.dir.join("data").to_string_lossy(), "-m", "immediate", "-w", "stop"])
    }

    /// Start the (initialized, stopped) server on the cluster's port; returns once it accepts TCP
    /// connections (at most 60 s).
    pub fn restart(&self) -> Result<(), ClusterError> {
        let data = self.dir.join("data");
        let log = self.dir.join("postgres.log");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        self.run("pg_ctl", &["-D", &data.to_string_lossy(), "-l", &log.to_string_lossy(), "-o", &opts, "-w", "-t", "60", "start"])?;
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if started.elapsed() > Duration::from_secs(60) {
                return Err(ClusterError(format!("the server did not listen on port {}; see {}", self.port, log.display())));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), ClusterError> {
        let out = self.command(tool).args(args).stdin(Stdio::null()).output().map_err(|e| ClusterError(format!("{tool}: {e}")))?;
        if !out.status.success() {
            return Err(ClusterError(format!("{tool} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))));
        }
        Ok(())
    }

    /// A detached shell that waits for this process to exit, then stops the server and removes the
    /// directory (what `Drop` does, for a process that is killed).
    fn watchdog(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.dir.join("data");
        let stop = if self.as_postgres {
            format!("runuser -u postgres -- {} -D {} -m immediate stop", pg_ctl.display(), data.display())
        } else {
            format!("{} -D {} -m immediate stop", pg_ctl.display(), data.display())
        };
        let script = format!("while kill -0 {} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {}", std::process::id(), self.dir.display());
        let _ = Command::new("sh").args(["-c", &script]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> Result<u16, ClusterError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| ClusterError(format!("free port: {e}")))?;
    l.local_addr().map(|a| a.port()).map_err(|e| ClusterError(e.to_string()))
}
