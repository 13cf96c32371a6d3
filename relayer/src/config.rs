//! Relayer configuration: defaults < TOML file < environment < flags (clap `#[arg(long, env)]` in `main`).
//! Every field is documented with its unit and default in `relayer/config.example.toml`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// Smallest `server.send_queue`: room for the most messages one frame can draw (3) twice, plus a job.
pub const MIN_SEND_QUEUE: usize = 8;

/// The miner-facing server's settings.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// WebSocket listen address.
    pub listen: SocketAddr,
    /// Set on each relayer that shares a PostgreSQL ledger, distinct per relayer (0–255): its nonce ranges
    /// are then the 2^16 ranges of 2^40 nonces whose top 8 bits are this index, disjoint from the others'.
    /// Unset: any of the 2^24 ranges (one relayer).
    pub relayer_index: Option<u8>,
    /// HTTP API and `/metrics` listen address (none: no API).
    pub api_listen: Option<SocketAddr>,
    /// Cluster name used in the dashboard's explorer links (`mainnet-beta`, `devnet`, `custom`).
    pub explorer_cluster: String,
    /// Seconds the chain may be unreachable (every RPC URL failing) before `/health` answers 503.
    pub health_max_chain_outage_secs: u64,
    /// Lamports the relayer key must hold (it pays every transaction fee and members' rent); below this
    /// `/health` answers 503. 0 turns the check off.
    pub health_min_relayer_lamports: u64,
    /// Most simultaneous connections.
    pub max_connections: usize,
    /// Most simultaneous connections from one IP address.
    pub max_connections_per_ip: usize,
    /// Seconds a new connection has to authenticate.
    pub handshake_timeout_secs: u64,
    /// Seconds without any frame from the miner before it is disconnected (pings count).
    pub idle_timeout_secs: u64,
    /// Largest frame accepted, bytes (the protocol's own cap is 4 KiB; this may only lower it).
    pub max_frame_bytes: usize,
    /// Submits per second a connection may sustain (token bucket; burst = 2 × this).
    pub max_submits_per_sec: u32,
    /// Other frames (ping, ...) per second a connection may sustain before it is dropped.
    pub max_frames_per_sec: u32,
    /// Minimum submits before the invalid-share ratio is judged.
    pub ban_min_submits: u32,
    /// Invalid (rejected, except `stale` and `rate_limited`) over all submits at or above which the
    /// connection is banned.
    pub ban_invalid_ratio: f64,
    /// Seconds an IP stays banned.
    pub ban_secs: u64,
    /// Seconds old jobs stay valid after a new challenge.
    pub stale_grace_secs: u64,
    /// Outgoing messages queued per connection. A connection whose queue lacks room for the answers to
    /// one more frame is not read from until the miner reads its answers (backpressure, not a disconnect).
    pub send_queue: usize,
    /// Seconds one outgoing frame may wait for the miner to read before the connection is closed as a slow
    /// consumer (a miner that never reads cannot hold a connection, its task or shutdown).
    pub write_timeout_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "0.0.0.0:7070".parse().expect("valid"),
            relayer_index: None,
            api_listen: Some("0.0.0.0:7071".parse().expect("valid")),
            explorer_cluster: "devnet".into(),
            health_max_chain_outage_secs: 30,
            health_min_relayer_lamports: 50_000_000,
            max_connections: 20_000,
            max_connections_per_ip: 256,
            handshake_timeout_secs: 10,
            idle_timeout_secs: 120,
            max_frame_bytes: trez_protocol::MAX_FRAME_BYTES,
            max_submits_per_sec: 50,
            max_frames_per_sec: 100,
            ban_min_submits: 20,
            ban_invalid_ratio: 0.5,
            ban_secs: 600,
            stale_grace_secs: 5,
            send_queue: 64,
            write_timeout_secs: 10,
        }
    }
}

/// Vardiff: per-connection share difficulty.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct VardiffConfig {
    /// Share difficulty of a new connection, bits.
    pub initial_bits: u32,
    /// Lowest share difficulty, bits.
    pub min_bits: u32,
    /// Highest share difficulty, bits.
    pub max_bits: u32,
    /// Shares per minute per connection the difficulty aims at.
    pub target_shares_per_min: f64,
    /// Seconds between retargets of one connection.
    pub retarget_secs: u64,
    /// Hysteresis: retarget only when the observed rate is off by more than this factor (e.g. 2 = outside
    /// [target/2, target×2]).
    pub tolerance: f64,
}

impl Default for VardiffConfig {
    fn default() -> Self {
        VardiffConfig {
            initial_bits: 16,
            min_bits: 8,
            max_bits: 40,
            target_shares_per_min: 20.0,
            retarget_secs: 30,
            tolerance: 2.0,
        }
    }
}

/// The share ledger.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LedgerConfig {
    /// SQLite file (WAL mode), when `url` is unset. Created with its schema on first start.
    pub path: PathBuf,
    /// A PostgreSQL ledger, `postgres://user[:password]@host[:port]/db`, shared by any number of relayers
    /// (README, "Scaling out"); unset: the SQLite file at `path`. Migrated on start.
    pub url: Option<String>,
    /// Most shares in one group commit.
    pub max_batch: usize,
    /// `true`: fsync at every commit (SQLite `synchronous=FULL`), surviving power loss; `false`: `NORMAL`,
    /// surviving process crashes only.
    pub fsync: bool,
    /// Days a share is kept unless a round's window holds it (those are the published record and are
    /// kept); pruned hourly. Must exceed the time the pool takes to fill one PPLNS window. 0 keeps all.
    pub retention_days: u64,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig { path: PathBuf::from("trez-pool.db"), url: None, max_batch: 1024, fsync: true, retention_days: 30 }
    }
}

/// Which chain and pool `run` serves.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ChainConfig {
    /// HTTP JSON-RPC URLs, tried in order (failover).
    pub rpc_urls: Vec<String>,
    /// PubSub URLs (default: derived from the RPC URLs).
    pub ws_urls: Vec<String>,
    /// The relayer's hot keypair (Solana CLI JSON): fee payer and the pool's `relayer` key.
    pub relayer_keypair: Option<PathBuf>,
    /// The pool account address (printed by `init-pool`).
    pub pool: Option<String>,
}

/// Settings of the on-chain loop (the `[chain]` table of the config).
#[derive(Clone, Debug, serde::Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ChainOptions {
    /// Compute-unit limit of every transaction the relayer sends.
    pub cu_limit: u32,
    /// Priority fee, micro-lamports per CU (the floor when `cu_price_percentile` is set).
    pub cu_price_micro_lamports: u64,
    /// When set (1..=100), the priority fee is this percentile of the recent prioritization fees paid on the
    /// pool's and TREZ's accounts (`getRecentPrioritizationFees`), never below `cu_price_micro_lamports` nor
    /// above `cu_price_max_micro_lamports`.
    pub cu_price_percentile: Option<u8>,
    /// Ceiling of the priority fee, micro-lamports per CU: of the fee taken from recent fees, and of a
    /// solution's resends, each of which bids a quarter of the way from the base fee to this ceiling more
    /// (`poolchain::escalated_fee`).
    pub cu_price_max_micro_lamports: u64,
    /// Seconds to wait for a transaction's confirmation before resending.
    pub confirm_timeout_secs: u64,
    /// PPLNS window: `pplns_factor × 2^network_bits` weight units.
    pub pplns_factor: u64,
    /// Members per `credit_batch` transaction (at most [`MAX_CREDIT_PER_TX`]).
    pub credit_batch: usize,
    /// Members per `payout` transaction (at most [`MAX_PAYOUT_PER_TX`]).
    pub payout_batch: usize,
    /// Seconds between payout crank runs.
    pub payout_interval_secs: u64,
    /// Milliseconds between polls of the TREZ state (fallback when the subscription is silent).
    pub poll_interval_ms: u64,
    /// The relayer pays rent for missing Member accounts and associated token accounts.
    pub pay_rent: bool,
    /// Attempts (fresh blockhash each) for a settlement or payout transaction before the run gives up and
    /// retries from the chain's state on the next run.
    pub send_attempts: u32,
}

impl Default for ChainOptions {
    fn default() -> Self {
        ChainOptions {
            cu_limit: 400_000,
            cu_price_micro_lamports: 1_000,
            cu_price_percentile: None,
            cu_price_max_micro_lamports: 1_000_000,
            confirm_timeout_secs: 30,
            pplns_factor: 2,
            credit_batch: 20,
            payout_batch: MAX_PAYOUT_PER_TX,
            payout_interval_secs: 60,
            poll_interval_ms: 2_000,
            pay_rent: true,
            send_attempts: 5,
        }
    }
}

/// Most members in one `credit_batch` the relayer sends: what fits a legacy transaction (1,232 bytes) with
/// the two compute-budget instructions [`PoolChain::send`] adds (21 do; `trez-bench onchain` measures it).
pub const MAX_CREDIT_PER_TX: usize = 20;
/// Most (member, destination) pairs in one `payout` the relayer sends, by the same rule (12 fit, 13 do not).
pub const MAX_PAYOUT_PER_TX: usize = 12;

/// The whole relayer configuration (the `[server]`, `[vardiff]`, `[ledger]`, `[chain]`, `[onchain]` tables of
/// the TOML file).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub vardiff: VardiffConfig,
    pub ledger: LedgerConfig,
    pub chain: ChainConfig,
    pub onchain: ChainOptions,
}

impl Config {
    /// Parse a TOML document; unknown keys are errors.
    pub fn from_toml(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
    }

    /// Checks the values make sense together; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let v = &self.vardiff;
        // PPLNS weighs shares as 2^bits in u128 arithmetic, up to 100 bits (crate::pplns::MAX_WEIGHT_BITS).
        if !(v.min_bits <= v.initial_bits && v.initial_bits <= v.max_bits && v.max_bits <= crate::pplns::MAX_WEIGHT_BITS) {
            return Err(format!("vardiff: need min_bits <= initial_bits <= max_bits <= {}", crate::pplns::MAX_WEIGHT_BITS));
        }
        if v.target_shares_per_min <= 0.0 || v.tolerance <= 1.0 {
            return Err("vardiff: target_shares_per_min > 0 and tolerance > 1 required".into());
        }
        let s = &self.server;
        if s.max_frame_bytes == 0 || s.max_frame_bytes > trez_protocol::MAX_FRAME_BYTES {
            return Err(format!("server.max_frame_bytes must be 1..={}", trez_protocol::MAX_FRAME_BYTES));
        }
        if s.max_connections == 0 || s.max_connections_per_ip == 0 || s.max_submits_per_sec == 0 || s.write_timeout_secs == 0 {
            return Err("server: limits must be positive".into());
        }
        if s.send_queue < MIN_SEND_QUEUE {
            return Err(format!("server.send_queue must be at least {MIN_SEND_QUEUE} (the answers to one frame plus a job)"));
        }
        if !(0.0..=1.0).contains(&s.ban_invalid_ratio) {
            return Err("server.ban_invalid_ratio must be within 0..=1".into());
        }
        if self.ledger.max_batch == 0 {
            return Err("ledger.max_batch must be positive".into());
        }
        Ok(())
    }
}

impl ServerConfig {
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_secs(self.handshake_timeout_secs)
    }
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }
    pub fn write_timeout(&self) -> Duration {
        Duration::from_secs(self.write_timeout_secs)
    }
    pub fn stale_grace(&self) -> Duration {
        Duration::from_secs(self.stale_grace_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses_and_equals_defaults() {
        let text = include_str!("../config.example.toml");
        let parsed = Config::from_toml(text).expect("example parses");
        assert_eq!(parsed, Config::default(), "config.example.toml documents the defaults");
        parsed.validate().unwrap();
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(Config::from_toml("[server]\nlisten_addr = \"1.2.3.4:5\"\n").is_err());
    }

    #[test]
    fn validation_names_the_field() {
        let mut c = Config::default();
        c.vardiff.min_bits = 50;
        assert!(c.validate().unwrap_err().contains("vardiff"));
        // Shares above PPLNS's weight limit could never be settled.
        let mut c = Config::default();
        c.vardiff.max_bits = crate::pplns::MAX_WEIGHT_BITS + 1;
        assert!(c.validate().unwrap_err().contains("max_bits"));
    }
}
