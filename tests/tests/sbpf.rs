//! Both programs as SBPF bytecode (issue 24): `target/sbpf/trez_mining.so` and `target/sbpf/trez_pool.so`, which
//! `scripts/sbf.sh` builds through upstream LLVM and `sbpf-linker`, run in solana-program-test's real VM (with
//! the real SPL Token and ATA programs). Every instruction of both programs runs on its success path, the pool's
//! batch instructions at the relayer's size (20 credits, 12 payout pairs) and at the program's caps
//! ([`MAX_CREDIT_BATCH`], [`MAX_PAYOUT_PAIRS`]); balances are checked, and the compute units each one consumed
//! are printed and written to `target/sbpf/cu.json` (README, Toolchain, has the table).
//!
//! Without the ELFs the test says so and passes, unless `TREZ_REQUIRE_SBPF=1` (then it fails): building them
//! needs root and a Debian chroot, which the test command does not set up.
//!
//! The ELFs pass a function's sixth and later arguments just above the caller's stack frame, where an SBPF v0
//! VM keeps an unmapped gap; this test turns the gaps off (`TREZ_SBPF_NO_STACK_FRAME_GAPS`, read by the vendored
//! agave-syscalls) and changes nothing else in the VM. Compute units do not depend on the gaps.

#![allow(deprecated)] // program-test 3.x marks its API "unstable"; it is the pinned harness here.

use solana_sdk::account::Account;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::rent::Rent;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_sdk::transaction::{Transaction, VersionedTransaction};
use trez_pool::constants::{MAX_CREDIT_BATCH, MAX_PAYOUT_PAIRS};
use trez_relayer::config::{ChainOptions, MAX_CREDIT_PER_TX, MAX_PAYOUT_PER_TX};
use trez_tests::*;

/// One measured transaction.
struct Row {
    what: String,
    /// Compute units the named program's top-level invocation consumed (its CPIs included).
    program_cu: u64,
    /// Compute units of the whole transaction.
    tx_cu: u64,
    /// The relayer sends this transaction (under `[onchain] cu_limit`).
    relayer_sends: bool,
}

struct Meter {
    env: Env,
    rows: Vec<Row>,
}

impl Meter {
    /// Land `ixs` (with a 1.4M CU limit, so a large case is measured rather than cut off) and record what
    /// `program` consumed. Panics with the logs when the transaction fails.
    async fn run(&mut self, what: &str, program: Pubkey, ixs: &[Instruction], signers: &[&Keypair], relayer_sends: bool) -> u64 {
        self.run_with(what, program, ixs, signers, relayer_sends, None).await
    }

    /// [`Meter::run`] as a v0 transaction through `table` (an address lookup table) when given: the only way
    /// a batch at the program's cap fits a transaction (1,232 bytes; program ids must stay in the first 38
    /// account keys).
    async fn run_with(
        &mut self,
        what: &str,
        program: Pubkey,
        ixs: &[Instruction],
        signers: &[&Keypair],
        relayer_sends: bool,
        table: Option<&AddressLookupTableAccount>,
    ) -> u64 {
        // The two compute-budget instructions the relayer adds to everything it sends.
        let mut all = vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(1_400_000),
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(1),
        ];
        all.extend_from_slice(ixs);
        let blockhash = self.env.fresh_blockhash().await;
        // The relayer pays for what it sends, as `PoolChain::send` does; otherwise the bank's payer.
        let payer = match signers.first() {
            Some(first) if relayer_sends => first.insecure_clone(),
            _ => self.env.ctx.payer.insecure_clone(),
        };
        let mut keys: Vec<&Keypair> = vec![&payer];
        keys.extend(signers.iter().copied().filter(|k| k.pubkey() != payer.pubkey()));
        let tx: VersionedTransaction = match table {
            None => Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), &keys, blockhash).into(),
            Some(t) => {
                let msg = v0::Message::try_compile(&payer.pubkey(), &all, std::slice::from_ref(t), blockhash).expect("v0 message");
                VersionedTransaction::try_new(VersionedMessage::V0(msg), &keys).expect("sign")
            }
        };
        let bytes = bincode::serialized_size(&tx).expect("size");
        assert!(bytes <= 1_232, "{what}: a {bytes}-byte transaction is larger than a packet");
        let out = self.env.ctx.banks_client.process_transaction_with_metadata(tx).await.expect("banks");
        let meta = out.metadata.expect("metadata");
        if let Err(e) = out.result {
            panic!("{what} failed on SBPF: {e:?}\n{}", meta.log_messages.join("\n"));
        }
        let prefix = format!("Program {program} consumed ");
        let program_cu: u64 = meta
            .log_messages
            .iter()
            .filter_map(|l| l.strip_prefix(&prefix))
            .map(|rest| rest.split(' ').next().and_then(|n| n.parse::<u64>().ok()).expect("a CU count"))
            .sum();
        assert!(program_cu > 0, "{what}: no 'consumed' line for {program}:\n{}", meta.log_messages.join("\n"));
        self.rows.push(Row { what: what.into(), program_cu, tx_cu: meta.compute_units_consumed, relayer_sends });
        program_cu
    }
}

/// Put an active address lookup table holding `addresses` into the bank (as the lookup-table program would
/// leave it after create + extend, one slot earlier) and return it. Layout: the program's state tag (1: a
/// table), deactivation slot (none), last extended slot 0, start index, no authority, padding: 56 bytes, then
/// the addresses.
async fn lookup_table(env: &mut Env, addresses: Vec<Pubkey>) -> AddressLookupTableAccount {
    let mut data = vec![0u8; 56];
    data[0..4].copy_from_slice(&1u32.to_le_bytes());
    data[4..12].copy_from_slice(&u64::MAX.to_le_bytes());
    for a in &addresses {
        data.extend_from_slice(a.as_ref());
    }
    let key = Pubkey::new_unique();
    let owner = solana_sdk::pubkey!("AddressLookupTab1e1111111111111111111111111");
    let lamports = Rent::default().minimum_balance(data.len());
    env.ctx.set_account(&key, &Account { lamports, data, owner, executable: false, rent_epoch: 0 }.into());
    env.fresh_blockhash().await; // a later slot: addresses are usable from the slot after they were added
    AddressLookupTableAccount { key, addresses }
}

/// Bytes at the bottom of a frame where a callee finds its sixth and later arguments (sbpf-linker places them
/// there, and refuses a function whose locals reach them).
const ARG_AREA: u32 = 64;

/// Largest stack offset (bytes below r10) any instruction of the ELF's `.text` uses for locals: the deepest
/// frame in use of the 4,096 bytes an SBPF v0 frame has, [`ARG_AREA`] not counted. Reads the section headers
/// (ELF64, little-endian).
fn deepest_frame(elf: &[u8]) -> u32 {
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(elf[o..o + 4].try_into().unwrap()) as usize;
    let u64_at = |o: usize| u64::from_le_bytes(elf[o..o + 8].try_into().unwrap()) as usize;
    let (shoff, shentsize, shnum, shstrndx) = (u64_at(0x28), u16_at(0x3A), u16_at(0x3C), u16_at(0x3E));
    let names = u64_at(shoff + shstrndx * shentsize + 24);
    let text = (0..shnum)
        .map(|i| shoff + i * shentsize)
        .find(|&sh| elf[names + u32_at(sh)..].starts_with(b".text\0"))
        .expect("a .text section");
    let (off, size) = (u64_at(text + 24), u64_at(text + 32));
    let code = &elf[off..off + size];
    let mut deepest = 0u32;
    let mut pc = 0;
    while pc + 8 <= code.len() {
        let insn = &code[pc..pc + 8];
        pc += if insn[0] == 0x18 { 16 } else { 8 }; // lddw takes two slots
        let (class, dst, src) = (insn[0] & 7, insn[1] & 0xf, insn[1] >> 4);
        let disp = i16::from_le_bytes([insn[2], insn[3]]);
        // ldx (class 1) reads [src + off]; st/stx (classes 2, 3) write [dst + off].
        let base = match class {
            1 => src,
            2 | 3 => dst,
            _ => continue,
        };
        let depth = u32::from(disp.unsigned_abs());
        if base == 10 && disp < 0 && depth <= 4096 - ARG_AREA {
            deepest = deepest.max(depth);
        }
    }
    deepest
}

#[tokio::test]
async fn every_instruction_runs_as_sbpf_bytecode_within_its_compute_budget() {
    let Some(pt) = sbpf_program_test(false) else { return };
    let params = test_trez_params();
    let env = Env::start(pt, test_trez_params(), TEST_SUPPLY).await; // TREZ initialize ran on SBPF
    let mut m = Meter { env, rows: vec![] };
    let mint = m.env.mint;
    let (trez, pool_id) = (ids::trez(), ids::pool());

    // The pool: initialize_pool, then the authority's TREZ MinerData.
    let admin = Keypair::new();
    let relayer = Keypair::new();
    m.env.fund(&admin.pubkey(), 5_000_000_000).await;
    m.env.fund(&relayer.pubkey(), 5_000_000_000).await;
    let fee_bps = 250u16;
    let args = pool::InitializePoolArgs {
        relayer: relayer.pubkey(),
        fee_bps,
        max_fee_bps: 1_000,
        fee_timelock_seconds: 0,
        min_payout: 1,
        strand_timeout_slots: trez_pool::constants::DEFAULT_STRAND_TIMEOUT_SLOTS,
    };
    let pk = pda::pool(&admin.pubkey());
    m.run("initialize_pool", pool_id, &[pool::initialize_pool(admin.pubkey(), mint, args)], &[&admin], false).await;
    m.run("register_trez_miner", pool_id, &[pool::register_trez_miner(admin.pubkey(), pk)], &[&admin], false).await;
    let p = PoolKeys { admin: admin.insecure_clone(), relayer: relayer.insecure_clone(), pool: pk, authority: pda::authority(&pk), escrow: pda::escrow(&pk) };

    // Members: one alone, then 8 per transaction as the relayer registers them.
    let n = MAX_CREDIT_BATCH;
    let mut wallets: Vec<Keypair> = (0..n).map(|_| Keypair::new()).collect();
    wallets.sort_by_key(|k| k.pubkey());
    let keys: Vec<Pubkey> = wallets.iter().map(|k| k.pubkey()).collect();
    m.run("register_member", pool_id, &[pool::register_member(relayer.pubkey(), pk, keys[0])], &[&relayer], false).await;
    for (i, chunk) in keys[1..].chunks(8).enumerate() {
        let ixs: Vec<Instruction> = chunk.iter().map(|w| pool::register_member(relayer.pubkey(), pk, *w)).collect();
        if i == 0 {
            m.run("register_member x8", pool_id, &ixs, &[&relayer], true).await;
        } else {
            m.env.send(&ixs, &[&relayer]).await.expect("register_member");
        }
    }
    let mut atas = vec![];
    for w in &keys {
        atas.push(m.env.ata(w, &mint).await);
    }
    // An address lookup table with every Member and associated token account, for the batches at the caps.
    let members: Vec<Pubkey> = keys.iter().map(|w| pda::member(&pk, w)).collect();
    let table = lookup_table(&mut m.env, members.iter().chain(atas.iter()).copied().collect()).await;

    // Two blocks through submit_solution (TREZ claim_reward by CPI: the reward and bonus land in escrow).
    let payout = test_block_payout();
    let fee = payout * u64::from(fee_bps) / 10_000;
    let dist = payout - fee;
    let mut rounds = vec![];
    for _ in 0..2 {
        let nonce = m.env.mine_for(&p.authority).await;
        let bc = m.env.trez_state().await.block_count;
        let submitter = m.env.ctx.payer.pubkey();
        m.run("submit_solution", pool_id, &[pool::submit_solution(submitter, pk, mint, bc, nonce)], &[], true).await;
        rounds.push(bc);
    }
    assert_eq!(m.env.balance(&p.escrow).await, 2 * payout, "reward + bonus of two blocks in escrow");

    // Round A credits the relayer's batch size, round B the program's cap, in one batch each.
    let split = |total: u64, k: usize| -> Vec<u64> { (0..k).map(|i| total / k as u64 + u64::from((i as u64) < total % k as u64)).collect() };
    let (a, b) = (rounds[0], rounds[1]);
    let small = MAX_CREDIT_PER_TX;
    m.run("begin_credit", pool_id, &[pool::begin_credit(relayer.pubkey(), pk, a, [1; 32], small as u32, 2, small as u128)], &[&relayer], true).await;
    let amounts_a = split(dist, small);
    let what = format!("credit_batch {small} members (relayer)");
    m.run(&what, pool_id, &[pool::credit_batch(relayer.pubkey(), pk, a, 0, &keys[..small], amounts_a.clone())], &[&relayer], true).await;
    m.env.send(&[pool::begin_credit(relayer.pubkey(), pk, b, [2; 32], n as u32, 2, n as u128)], &[&relayer]).await.expect("begin_credit B");
    let amounts_b = split(dist, n);
    let what = format!("credit_batch {n} members (cap)");
    let ix = pool::credit_batch(relayer.pubkey(), pk, b, 0, &keys, amounts_b.clone());
    m.run_with(&what, pool_id, &[ix], &[&relayer], false, Some(&table)).await;
    let round_b: trez_pool::state::Round = m.env.anchor(&pda::round(&pk, b)).await;
    assert_eq!((round_b.status, round_b.credited), (RoundStatus::Credited, dist));
    let owed = |i: usize| amounts_b[i] + if i < small { amounts_a[i] } else { 0 };

    // Payouts: the relayer's 12 pairs, then the program's cap.
    let pairs: Vec<(Pubkey, Pubkey)> = keys.iter().copied().zip(atas.iter().copied()).collect();
    let small_pay = MAX_PAYOUT_PER_TX;
    let what = format!("payout {small_pay} pairs (relayer)");
    m.run(&what, pool_id, &[pool::payout(pk, mint, &pairs[..small_pay])], &[], true).await;
    let cap = MAX_PAYOUT_PAIRS;
    let what = format!("payout {cap} pairs (cap)");
    m.run_with(&what, pool_id, &[pool::payout(pk, mint, &pairs[small_pay..small_pay + cap])], &[], false, Some(&table)).await;
    for i in 0..small_pay + cap {
        assert_eq!(m.env.balance(&atas[i]).await, owed(i), "member {i} paid what it was credited");
    }

    // A member claims itself; the admin's settings and fee withdrawal.
    let last = n - 1;
    let w = wallets[last].insecure_clone();
    m.env.fund(&w.pubkey(), 10_000_000).await;
    m.run("claim", pool_id, &[pool::claim(w.pubkey(), pk, mint, atas[last])], &[&w], false).await;
    assert_eq!(m.env.balance(&atas[last]).await, owed(last));
    let admin_ata = m.env.ata(&admin.pubkey(), &mint).await;
    m.run("withdraw_fees", pool_id, &[pool::withdraw_fees(admin.pubkey(), pk, mint, admin_ata, 2 * fee)], &[&admin], false).await;
    assert_eq!(m.env.balance(&admin_ata).await, 2 * fee);
    m.run("set_relayer", pool_id, &[pool::set_relayer(admin.pubkey(), pk, relayer.pubkey())], &[&admin], false).await;
    m.run("set_min_payout", pool_id, &[pool::set_min_payout(admin.pubkey(), pk, 2)], &[&admin], false).await;
    m.run("propose_fee", pool_id, &[pool::propose_fee(admin.pubkey(), pk, 300)], &[&admin], false).await;
    m.run("apply_fee", pool_id, &[pool::apply_fee(admin.pubkey(), pk)], &[&admin], false).await;
    let pl: trez_pool::state::Pool = m.env.anchor(&pk).await;
    assert_eq!((pl.fee_bps, pl.min_payout), (300, 2));
    let escrow_balance = m.env.balance(&p.escrow).await;
    pl.invariant(escrow_balance).expect("the pool's books balance");
    assert_eq!(escrow_balance, pl.owed().unwrap(), "escrow holds exactly what is owed");

    // TREZ alone: a solo miner registers, sets a referrer and claims a block.
    let solo = Keypair::new();
    let referrer = Keypair::new();
    m.env.fund(&solo.pubkey(), 1_000_000_000).await;
    let payer = m.env.ctx.payer.pubkey();
    m.run("trez register_miner", trez, &[mining::register_miner(payer, solo.pubkey())], &[&solo], false).await;
    m.run("trez set_referrer", trez, &[mining::set_referrer(solo.pubkey(), referrer.pubkey())], &[&solo], false).await;
    let solo_ata = m.env.ata(&solo.pubkey(), &mint).await;
    let referrer_ata = m.env.ata(&referrer.pubkey(), &mint).await;
    let nonce = m.env.mine_for(&solo.pubkey()).await;
    let ix = mining::claim_reward(solo.pubkey(), mint, solo_ata, Some(referrer_ata), nonce);
    m.run("trez claim_reward", trez, &[ix], &[&solo], false).await;
    assert_eq!(m.env.balance(&solo_ata).await, params.initial_reward);
    assert_eq!(m.env.balance(&referrer_ata).await, params.referral_bonus);

    // The table, and the relayer's limit: every transaction it sends must fit `[onchain] cu_limit`.
    let limit = u64::from(ChainOptions::default().cu_limit);
    println!("\n{:<36} {:>12} {:>12}", "instruction (SBPF v0)", "program CU", "tx CU");
    for r in &m.rows {
        println!("{:<36} {:>12} {:>12}{}", r.what, r.program_cu, r.tx_cu, if r.relayer_sends { "  (relayer)" } else { "" });
    }
    let dir = sbpf_elf_dir();
    let frames: Vec<(String, u32)> = ["trez_mining", "trez_pool"]
        .iter()
        .map(|name| (name.to_string(), deepest_frame(&std::fs::read(dir.join(format!("{name}.so"))).unwrap())))
        .collect();
    for (name, deepest) in &frames {
        println!("{name}: deepest stack frame in use {deepest} of 4096 bytes");
        assert!(*deepest > 0 && *deepest <= 4096 - ARG_AREA, "{name}: a frame of {deepest} bytes");
    }
    let json = serde_json::json!({
        "arch": "sbpf-v0",
        "relayer_cu_limit": limit,
        "rows": m.rows.iter().map(|r| serde_json::json!({"instruction": r.what, "program_cu": r.program_cu, "tx_cu": r.tx_cu, "relayer_sends": r.relayer_sends})).collect::<Vec<_>>(),
        "deepest_frame_bytes": frames.iter().map(|(n, d)| (n.clone(), *d)).collect::<std::collections::BTreeMap<_, _>>(),
    });
    std::fs::write(dir.join("cu.json"), serde_json::to_string_pretty(&json).unwrap()).expect("write cu.json");
    for r in m.rows.iter().filter(|r| r.relayer_sends) {
        assert!(r.tx_cu <= limit, "{} needs {} CU, above the relayer's cu_limit {limit}", r.what, r.tx_cu);
    }
    for r in &m.rows {
        assert!(r.tx_cu <= 1_400_000, "{} needs {} CU, above Solana's per-transaction maximum", r.what, r.tx_cu);
    }
}
