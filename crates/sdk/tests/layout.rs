//! Account positions that off-chain readers rely on.

use anchor_lang::prelude::Pubkey;
use trez_sdk::{pda, pool};

#[test]
fn submit_solution_round_is_at_the_published_index() {
    let p = Pubkey::new_unique();
    let ix = pool::submit_solution(Pubkey::new_unique(), p, Pubkey::new_unique(), 42, 9);
    assert_eq!(ix.accounts[pool::SUBMIT_SOLUTION_ROUND_INDEX].pubkey, pda::round(&p, 42));
    assert_eq!(ix.accounts.iter().filter(|m| m.pubkey == pda::round(&p, 42)).count(), 1);
}
