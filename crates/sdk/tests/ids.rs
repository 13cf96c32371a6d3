//! Runtime program ids (`ids::set`, the binaries' `--pool-program` / `--trez-program`): every PDA and
//! instruction of the SDK follows them. Its own test binary, so the process-wide setting touches no other test.

use anchor_lang::prelude::Pubkey;
use trez_sdk::{ids, pda, pool};

#[test]
fn runtime_ids_move_every_pda_and_instruction_and_are_set_once() {
    let admin = Pubkey::new_unique();
    let (compiled_pool, compiled_escrow, compiled_state) = (pda::pool(&admin), pda::escrow(&pda::pool(&admin)), pda::trez_state());
    assert_eq!((ids::pool(), ids::trez()), (ids::POOL, ids::TREZ), "the compiled ids by default");
    let (p, t) = (Pubkey::new_unique(), Pubkey::new_unique());
    ids::set(p, t).unwrap();
    assert_eq!((ids::pool(), ids::trez()), (p, t));
    assert_eq!(pda::pool(&admin), Pubkey::find_program_address(&[b"pool", admin.as_ref()], &p).0);
    assert_ne!(pda::pool(&admin), compiled_pool);
    assert_ne!(pda::escrow(&pda::pool(&admin)), compiled_escrow);
    assert_eq!(pda::trez_state(), Pubkey::find_program_address(&[b"state"], &t).0);
    assert_ne!(pda::trez_state(), compiled_state);
    let ix = pool::submit_solution(admin, pda::pool(&admin), Pubkey::new_unique(), 7, 9);
    assert_eq!(ix.program_id, p);
    assert!(ix.accounts.iter().any(|m| m.pubkey == t), "the CPI target is the TREZ id in use");
    assert!(ids::set(p, t).is_ok(), "the same ids again is fine");
    assert!(ids::set(Pubkey::new_unique(), t).is_err(), "other ids once set: refused");
}
