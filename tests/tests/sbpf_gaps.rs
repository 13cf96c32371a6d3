//! Why `tests/tests/sbpf.rs` turns the SBPF v0 stack-frame gaps off: with them, as every v0 validator runs,
//! the ELFs from `scripts/sbf.sh` fault at their first call with a sixth argument, because sbpf-linker puts
//! stack arguments just above the caller's frame, where a v0 VM keeps its guard gap (README, Toolchain). A
//! separate test binary, as the setting is process-wide. Skips without the ELFs, like `sbpf.rs`.

#![allow(deprecated)] // program-test 3.x marks its API "unstable"; it is the pinned harness here.

use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;
use trez_tests::*;

#[tokio::test]
async fn with_v0_frame_gaps_the_elfs_fault_at_their_first_stack_argument() {
    let Some(pt) = sbpf_program_test(true) else { return };
    let ctx = pt.start_with_context().await;
    let mut env = Env { ctx, trez_admin: Keypair::new(), mint: Default::default(), strand_timeout_slots: 0 };
    let admin = env.trez_admin.insecure_clone();
    env.fund(&admin.pubkey(), 10_000_000_000).await;
    env.mint = env.create_trez_mint(6, TEST_SUPPLY, true).await;
    let blockhash = env.fresh_blockhash().await;
    let payer = env.ctx.payer.insecure_clone();
    let ix = mining::initialize(admin.pubkey(), env.mint, test_trez_params());
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer, &admin], blockhash);
    let out = env.ctx.banks_client.process_transaction_with_metadata(tx).await.expect("banks");
    let logs = out.metadata.expect("metadata").log_messages.join("\n");
    assert!(out.result.is_err(), "TREZ initialize ran with the gaps on; README's explanation is out of date:\n{logs}");
    assert!(logs.contains("Access violation in stack frame"), "another failure than the stack-argument one:\n{logs}");
    let state = pda::trez_state();
    assert!(env.account(&state).await.is_none(), "the failed initialize created nothing");
}
