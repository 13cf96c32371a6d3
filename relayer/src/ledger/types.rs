//! The ledger's domain types: what goes in and comes out of [`super::Ledger`], with every state a typed
//! value (never a free-form string).

/// A share the validator accepted, to be made durable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewShare {
    pub wallet: [u8; 32],
    pub worker: String,
    pub challenge: [u8; 32],
    pub block_count: u64,
    pub nonce: u64,
    /// Share difficulty of the job, bits (weight 2^bits).
    pub bits: u32,
    /// Zero bits of the digest.
    pub zero_bits: u32,
    /// Meets network difficulty: also insert a pending solution.
    pub block: bool,
    /// The wallet's ed25519 signature over `trez_protocol::share_message` of this share.
    pub signature: [u8; 64],
}

/// Outcome of [`super::Ledger::record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Durable under this sequence number (and solution id when it was a block).
    Accepted { seq: i64, solution: Option<i64> },
    /// The (challenge, nonce) was already in the ledger.
    Duplicate,
}

/// A stored share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareRow {
    pub seq: i64,
    pub wallet: [u8; 32],
    pub worker: String,
    pub challenge: [u8; 32],
    pub block_count: u64,
    pub nonce: u64,
    /// Share difficulty, bits.
    pub bits: u32,
    /// Zero bits of the digest.
    pub zero_bits: u32,
    /// Unix ms.
    pub created_ms: i64,
    /// The wallet's signature over the share (None for shares recorded before protocol v2).
    pub signature: Option<[u8; 64]>,
}

/// Defines a state enum with its stored name (`as_str`) and the inverse (`parse`, None for a name this
/// version does not know: the backend reports that row as corrupt).
macro_rules! stored_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The stored (and serialized) name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            /// The value stored as `s`; None for a name this version does not know.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$v),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_enum! {
    /// Where a solution (a block-meeting share) stands.
    SolutionStatus {
        /// Durable, not landed yet: the submitter lands it (also after a restart).
        Pending = "pending",
        /// Its `submit_solution` landed: the round is the pool's.
        Confirmed = "confirmed",
        /// It cannot land (another solution won, or the challenge moved); the reason is stored.
        Lost = "lost",
        /// It landed but was not credited within the pool's `strand_timeout_slots`: someone stranded the
        /// round on-chain and the members of the fallback round claim it (README, "No reward stranded").
        Stranded = "stranded",
    }
}

stored_enum! {
    /// Where a stored round stands in the ledger (the on-chain Round is the source of truth).
    RoundState {
        /// Leaves and window computed and stored; crediting may be under way.
        Computed = "computed",
        /// Every batch credited on-chain.
        Credited = "credited",
    }
}

stored_enum! {
    /// How a member's tokens left the escrow.
    PayoutKind {
        /// The permissionless `payout` crank (pool guide: the pool pays members).
        Payout = "payout",
        /// The member's own `claim`.
        Claim = "claim",
        /// `claim_stranded`: a leaf's part of a stranded round (README, "No reward stranded"), imported from
        /// the escrow's history.
        Stranded = "stranded",
    }
}

stored_enum! {
    /// What a landed transaction the ledger records did.
    TxKind {
        /// `submit_solution` of a found block.
        Submit = "submit",
        /// `begin_credit`: a round's leaves root committed.
        BeginCredit = "begin_credit",
        /// `credit_batch`: one batch of a round's leaves credited.
        CreditBatch = "credit_batch",
        /// `register_member` for members the relayer paid rent for.
        Register = "register",
        /// Associated token accounts created for payouts.
        CreateAta = "create_ata",
        /// A `payout` crank run.
        Payout = "payout",
        /// A member's `claim` (imported from the escrow's history).
        Claim = "claim",
        /// A `claim_stranded` (imported from the escrow's history).
        StrandedClaim = "stranded_claim",
    }
}

impl From<PayoutKind> for TxKind {
    fn from(k: PayoutKind) -> TxKind {
        match k {
            PayoutKind::Payout => TxKind::Payout,
            PayoutKind::Claim => TxKind::Claim,
            PayoutKind::Stranded => TxKind::StrandedClaim,
        }
    }
}

/// A solution: a block-meeting share the submitter must land.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    pub id: i64,
    pub share_seq: i64,
    pub wallet: [u8; 32],
    pub challenge: [u8; 32],
    pub block_count: u64,
    pub nonce: u64,
    pub status: SolutionStatus,
    /// Why it was lost.
    pub reason: Option<String>,
    /// The `submit_solution` that landed it.
    pub signature: Option<String>,
    /// When the share was accepted, unix ms.
    pub found_ms: i64,
    /// When its status last changed (landed, lost, stranded), unix ms; `found_ms` while pending.
    pub settled_ms: i64,
}

/// One recorded transfer to a member (see `migrations/0003_payout_kind.sql`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutRow {
    pub signature: String,
    pub wallet: [u8; 32],
    /// Base units.
    pub amount: u64,
    pub kind: PayoutKind,
    /// When the relayer recorded it, unix ms.
    pub created_ms: i64,
}

/// A recorded landed transaction: signature, round (block_count) and batch index where they apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxRow {
    pub signature: String,
    pub block_count: Option<u64>,
    pub batch: Option<u32>,
}

/// A stored round (see `migrations/0002_rounds_payouts.sql`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundRow {
    pub block_count: u64,
    pub solution_id: i64,
    /// The block-finding share: the newest of the window.
    pub share_seq: i64,
    /// Network difficulty of the round, bits (the on-chain `Round.difficulty`).
    pub network_bits: u32,
    pub pplns_factor: u64,
    /// Base units.
    pub reward: u64,
    /// Base units.
    pub fee: u64,
    pub leaves_root: [u8; 32],
    pub leaf_count: u32,
    pub status: RoundState,
    /// Of `reward`, the TREZ referral bonus (the on-chain `Round.bonus`), base units.
    pub bonus: u64,
}

/// One time bucket of [`super::Ledger::share_series`].
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SeriesPoint {
    /// Bucket start, unix ms.
    pub t_ms: i64,
    /// Accepted shares in the bucket.
    pub shares: u64,
    /// Σ 2^share_bits of those shares: expected hashes.
    pub work: f64,
}

/// Fold `(bucket, bits, count)` rows (ordered by bucket) into points.
pub fn fold_series(rows: impl IntoIterator<Item = (i64, u32, i64)>) -> Vec<SeriesPoint> {
    let mut out: Vec<SeriesPoint> = vec![];
    for (t, bits, n) in rows {
        if out.last().map(|p| p.t_ms) != Some(t) {
            out.push(SeriesPoint { t_ms: t, ..Default::default() });
        }
        if let Some(p) = out.last_mut() {
            p.shares += n.max(0) as u64;
            p.work += n.max(0) as f64 * 2f64.powi(bits as i32);
        }
    }
    out
}

/// Fold `(worker, bucket, bits, count, last_ms)` rows (ordered by worker, bucket) into series, at most 100
/// workers.
pub fn fold_workers(rows: impl IntoIterator<Item = (String, i64, u32, i64, i64)>) -> Vec<WorkerSeries> {
    let mut out: Vec<WorkerSeries> = vec![];
    let mut rows_of: Vec<(i64, u32, i64)> = vec![];
    let flush = |out: &mut Vec<WorkerSeries>, rows_of: &mut Vec<(i64, u32, i64)>| {
        if let Some(w) = out.last_mut() {
            w.points = fold_series(rows_of.drain(..));
        }
    };
    for (worker, t, bits, n, last) in rows {
        if out.last().map(|w| &w.worker) != Some(&worker) {
            flush(&mut out, &mut rows_of);
            if out.len() == 100 {
                return out;
            }
            out.push(WorkerSeries { worker, last_share_ms: last, points: vec![] });
        }
        if let Some(w) = out.last_mut() {
            w.last_share_ms = w.last_share_ms.max(last);
        }
        rows_of.push((t, bits, n));
    }
    flush(&mut out, &mut rows_of);
    out
}

/// Fold `(wallet, bits, count, last_ms)` rows into each wallet's work, most work first (then by wallet).
pub fn fold_wallet_work(rows: impl IntoIterator<Item = ([u8; 32], u32, i64, i64)>) -> Vec<WalletWork> {
    let mut by: std::collections::BTreeMap<[u8; 32], WalletWork> = Default::default();
    for (wallet, bits, n, last) in rows {
        let w = by.entry(wallet).or_insert_with(|| WalletWork { wallet, ..Default::default() });
        w.shares += n.max(0) as u64;
        w.work += n.max(0) as f64 * 2f64.powi(bits as i32);
        w.last_share_ms = w.last_share_ms.max(last);
    }
    let mut out: Vec<WalletWork> = by.into_values().collect();
    out.sort_by(|a, b| b.work.total_cmp(&a.work).then(a.wallet.cmp(&b.wallet)));
    out
}

/// One worker's shares over time ([`super::Ledger::worker_series`]).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct WorkerSeries {
    pub worker: String,
    /// Unix ms of the worker's newest share in the range.
    pub last_share_ms: i64,
    pub points: Vec<SeriesPoint>,
}

/// A wallet's work over a span ([`super::Ledger::work_by_wallet`]).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct WalletWork {
    pub wallet: [u8; 32],
    pub shares: u64,
    /// Σ 2^share_bits, expected hashes.
    pub work: f64,
    /// Unix ms of its newest share in the span.
    pub last_share_ms: i64,
}

/// What a wallet was credited across credited rounds ([`super::Ledger::credited_by_wallet`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct WalletCredit {
    pub wallet: [u8; 32],
    /// Σ of its leaves' amounts in credited rounds, base units.
    pub credited: u64,
    /// Number of those rounds.
    pub rounds: u64,
}

/// A miner's activity in the ledger.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct MinerActivity {
    /// Accepted shares still in the ledger (all time, up to `[ledger] retention_days`).
    pub shares: u64,
    /// Unix ms of the last accepted share.
    pub last_share_ms: Option<i64>,
    /// Worker names seen.
    pub workers: Vec<String>,
    /// Σ 2^bits of shares in the last `window_secs`, expected hashes.
    pub recent_work: f64,
    /// Seconds those shares cover: from the oldest of them to now (at least 1), the whole window when
    /// there are none. `recent_work / recent_secs` is the hashrate estimate, hashes/s.
    pub recent_secs: f64,
}
