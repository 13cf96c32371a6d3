//! The end of a `--blocks` run (`run::run`'s last steps): settle and pay what is left as a restarted relayer
//! would, audit the published record, run each in-process miner's own check (`member verify`), and build
//! the summary.

use anyhow::Result;
use tokio_util::sync::CancellationToken;
use trez_relayer::audit::AuditReport;
use trez_relayer::ledger::{Ledger, SolutionStatus, TxKind};
use trez_relayer::poolchain::PoolChain;
use trez_relayer::tasks::{payouts, settler, submitter};

use crate::args::{MinerVerification, RoundSummary, Summary};
use crate::run::Progress;

/// Resume any pending solution and confirmed-but-unsettled round and pay everyone due, as a restarted
/// relayer would; then run the audit on the published record and print its verdicts.
pub(crate) async fn settle_and_audit(pc: &PoolChain, ledger: &dyn Ledger) -> Result<(AuditReport, trez_relayer::export::PoolExport)> {
    for s in ledger.solutions(SolutionStatus::Pending).await? {
        submitter::submit_one(pc, ledger, &s, &CancellationToken::new()).await;
    }
    settler::settle_all(pc, ledger).await?;
    payouts::payout_once(pc, ledger).await?;
    let record = trez_relayer::export::export(ledger, &pc.pool).await?;
    let report = trez_relayer::audit::audit(pc, &record).await?;
    for r in &report.rounds {
        eprintln!("audit round {}: {} ({} shares re-verified, {} leaves)", r.block_count, if r.ok { "ok" } else { "MISMATCH" }, r.shares_checked, r.leaf_count);
        for p in &r.problems {
            eprintln!("  {p}");
        }
    }
    for p in &report.problems {
        eprintln!("audit: {p}");
    }
    Ok((report, record))
}

/// Each in-process miner's own check, as `trez-relayer member verify --file <the export>` runs it: its
/// receipts file against the published record (the same record `/api/export` served) and the chain.
pub(crate) async fn verify_miners(pc: &PoolChain, record: &trez_relayer::export::PoolExport, wallets: &[(String, usize)], state_dir: &std::path::Path) -> Result<Vec<MinerVerification>> {
    let mut out = vec![];
    for (i, (wallet, _)) in wallets.iter().enumerate() {
        let path = state_dir.join(format!("miner-{i}.receipts.jsonl"));
        let receipts = if path.exists() { trez_protocol::receipts::read(&path)? } else { vec![] };
        let r = trez_relayer::commands::verify(pc.chain.clone(), pc.pool, record, wallet.parse()?, &receipts, None).await?;
        eprintln!("miner {i} verify: {r}");
        out.push(MinerVerification {
            wallet: r.wallet,
            receipts: r.receipts,
            in_windows: r.in_windows,
            found: r.found,
            omitted: r.omitted.len(),
            leaves_proved: r.leaves.iter().filter(|l| l.proof_ok).count(),
            leaves_credited: r.leaves_credited,
            credited_on_chain: r.credited_on_chain,
            findings: r.findings,
            ok: r.ok,
        });
    }
    Ok(out)
}

/// The `--blocks` summary: totals from the chain, rounds and signatures from the ledger, the audit verdict.
pub(crate) async fn summarize(
    pc: &PoolChain,
    ledger: &dyn Ledger,
    progress: &Progress,
    shares_by_relayer: Vec<u64>,
    report: AuditReport,
    miners_verified: Vec<MinerVerification>,
) -> Result<Summary> {
    let pool = pc.pool_account().await?;
    let escrow_balance = pc.token_balance(&trez_sdk::pda::escrow(&pc.pool)).await?;
    let payouts = ledger.payouts().await?;
    let mut paid_wallets: Vec<[u8; 32]> = payouts.iter().map(|p| p.wallet).collect();
    paid_wallets.sort();
    paid_wallets.dedup();
    let credit_txs = ledger.txs(TxKind::BeginCredit).await?.into_iter().chain(ledger.txs(TxKind::CreditBatch).await?).collect::<Vec<_>>();
    let mut rounds = vec![];
    for row in ledger.rounds().await? {
        let (_, leaves) = ledger.round(row.block_count).await?.unwrap_or((row.clone(), vec![]));
        let mut payout_signatures: Vec<String> = vec![];
        for p in payouts.iter().filter(|p| leaves.iter().any(|l| l.wallet == p.wallet)) {
            if !payout_signatures.contains(&p.signature) {
                payout_signatures.push(p.signature.clone());
            }
        }
        rounds.push(RoundSummary {
            block_count: row.block_count,
            reward: row.reward,
            bonus: row.bonus,
            fee: row.fee,
            leaves_root: hex::encode(row.leaves_root),
            leaf_count: row.leaf_count,
            credit_signatures: credit_txs.iter().filter(|t| t.block_count == Some(row.block_count)).map(|t| t.signature.clone()).collect(),
            payout_signatures,
        });
    }
    Ok(Summary {
        pool: pc.pool.to_string(),
        authority: pc.authority.to_string(),
        relayers: shares_by_relayer.len(),
        ledger_backend: ledger.backend().to_string(),
        blocks_by_relayer: progress.by_relayer.clone(),
        shares_accepted: shares_by_relayer.iter().sum(),
        shares_by_relayer,
        blocks_found: progress.found,
        solutions_lost: progress.lost,
        rounds_credited: rounds.len() as u64,
        members_paid: paid_wallets.len(),
        total_reward: pool.received,
        total_fee: pool.fees_accrued,
        total_credited: pool.credited,
        total_paid: pool.paid,
        escrow_balance,
        audit_ok: report.ok,
        audit_problems: report.rounds.iter().flat_map(|r| r.problems.clone()).chain(report.problems.clone()).collect(),
        rounds,
        miners_verified_ok: miners_verified.iter().all(|m| m.ok),
        miners_verified,
    })
}
