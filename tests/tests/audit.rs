//! The audit over a published pool record: a clean localnet run audits OK, and each tampering of the record
//! (a share's nonce, a window weight, an amount shifted between two miners, a dropped leaf, a missing payout,
//! an inflated payout, a made-up challenge with valid work on it, one proof of work listed twice, a
//! misstated network difficulty, a payout listed twice) is detected and named.

use tokio_util::sync::CancellationToken;
use trez_relayer::audit::{audit, AuditReport};
use trez_relayer::export::{self, PoolExport};
use trez_localnet::{self as localnet, LocalnetArgs};

fn args() -> LocalnetArgs {
    trez_tests::localnet_args(18)
}

fn problems(r: &AuditReport) -> String {
    let mut all: Vec<String> = r.problems.clone();
    for round in &r.rounds {
        all.extend(round.problems.iter().map(|p| format!("round {}: {p}", round.block_count)));
    }
    all.join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_record_audits_ok_and_every_tampering_is_named() {
    let f = localnet::run(args(), CancellationToken::new()).await.unwrap().unwrap();
    let clean = export::export(&*f.ledger, &f.pc.pool).await.unwrap();
    let report = audit(&f.pc, &clean).await.unwrap();
    assert!(report.ok, "clean record: {}", problems(&report));
    // On localnet the pool wins every block, so every share's challenge is anchored on-chain.
    assert!(report.rounds.iter().all(|r| r.challenges_unanchored == 0), "{:?}", report.rounds);
    // The record round-trips through JSON (what the API serves and `export` writes).
    let json = serde_json::to_string(&clean).unwrap();
    assert_eq!(serde_json::from_str::<PoolExport>(&json).unwrap(), clean);

    // Pick the round with the most leaves and at least two miners.
    let ri = (0..clean.rounds.len()).max_by_key(|&i| clean.rounds[i].leaves.len()).unwrap();
    assert!(clean.rounds[ri].leaves.len() >= 2, "need two miners in a round");
    let authority = f.pc.authority.to_bytes();

    type Tamper = Box<dyn Fn(&mut PoolExport)>;
    let cases: Vec<(&str, Tamper, &str)> = vec![
        (
            "a share's nonce changed",
            Box::new(move |e: &mut PoolExport| {
                let s = &mut e.rounds[ri].shares[0];
                let c: [u8; 32] = hex::decode(&s.challenge).unwrap().try_into().unwrap();
                s.nonce = (s.nonce + 1..)
                    .find(|&n| !trez_pow::meets_difficulty(&trez_pow::digest(&c, &authority, s.block_count, n), s.bits))
                    .unwrap();
            }),
            "proof of work",
        ),
        (
            "a weight changed",
            Box::new(move |e: &mut PoolExport| {
                let s = e.rounds[ri].shares.last_mut().unwrap();
                s.weight = (s.weight.parse::<u128>().unwrap() * 2).to_string();
            }),
            "window weights differ",
        ),
        (
            "an amount shifted between two miners",
            Box::new(move |e: &mut PoolExport| {
                e.rounds[ri].leaves[0].amount += 1_000;
                e.rounds[ri].leaves[1].amount -= 1_000;
            }),
            "published (weight",
        ),
        (
            "a leaf dropped",
            Box::new(move |e: &mut PoolExport| {
                e.rounds[ri].leaves.pop();
            }),
            "missing from the published leaves",
        ),
        (
            "a made-up challenge, with valid work on it",
            Box::new(move |e: &mut PoolExport| {
                let s = &mut e.rounds[ri].shares[0];
                let c = [0x5a; 32];
                s.challenge = hex::encode(c);
                s.nonce = (0..).find(|&n| trez_pow::meets_difficulty(&trez_pow::digest(&c, &authority, s.block_count, n), s.bits)).unwrap();
            }),
            "is not the one TREZ issued",
        ),
        (
            "one proof of work listed twice (under another seq)",
            Box::new(move |e: &mut PoolExport| {
                let mut copy = e.rounds[ri].shares[1].clone();
                copy.seq = e.rounds[ri].shares[0].seq - 1;
                e.rounds[ri].shares.insert(0, copy);
            }),
            "its proof of work",
        ),
        (
            "the network difficulty misstated",
            Box::new(move |e: &mut PoolExport| {
                e.rounds[ri].network_bits -= 1;
            }),
            "network difficulty: published",
        ),
        (
            "the PPLNS factor misstated",
            Box::new(move |e: &mut PoolExport| {
                e.rounds[ri].pplns_factor += 1;
            }),
            "pplns_factor: published",
        ),
        (
            "a share moved to another wallet (every listing of it)",
            Box::new(move |e: &mut PoolExport| {
                let moved = e.rounds[ri].shares.last().unwrap().clone();
                let to = e.rounds[ri].leaves.iter().find(|l| l.wallet != moved.wallet).unwrap().wallet.clone();
                for s in e.rounds.iter_mut().flat_map(|r| r.shares.iter_mut()).filter(|s| s.seq == moved.seq) {
                    s.wallet = to.clone();
                }
            }),
            "signature is not wallet",
        ),
        (
            "a share's signature removed (every listing of it)",
            Box::new(move |e: &mut PoolExport| {
                let seq = e.rounds[ri].shares[0].seq;
                for s in e.rounds.iter_mut().flat_map(|r| r.shares.iter_mut()).filter(|s| s.seq == seq) {
                    s.signature = None;
                }
            }),
            "unsigned",
        ),
        (
            "a payout listed twice",
            Box::new(|e: &mut PoolExport| {
                let p = e.payouts[0].clone();
                e.payouts.push(p);
            }),
            "listed 2 times for 1 transfer",
        ),
        (
            "a payout missing",
            Box::new(|e: &mut PoolExport| {
                e.payouts.pop();
            }),
            "missing from the published payouts",
        ),
        (
            "a payout's amount inflated",
            Box::new(|e: &mut PoolExport| {
                e.payouts[0].amount += 1;
            }),
            "no such transfer_checked",
        ),
    ];
    for (name, tamper, expect) in cases {
        let mut t = clean.clone();
        tamper(&mut t);
        let r = audit(&f.pc, &t).await.unwrap();
        assert!(!r.ok, "{name}: not detected");
        let text = problems(&r);
        assert!(text.contains(expect), "{name}: expected a problem mentioning {expect:?}, got:\n{text}");
    }
}
