//! The `sha2` crate's compression function, one nonce at a time: hardware SHA-256 wherever that crate
//! detects it at run time (SHA-NI on x86-64; the ARMv8 SHA-2 instructions on aarch64, through the crate's
//! `asm` feature, which this package enables on aarch64 only), its portable code otherwise.
//!
//! It serves two purposes: on ARM it is the hardware path, correct by construction because it is the same
//! code `trez_pow` uses for the reference digest; on x86-64 it is an independent throughput figure for two
//! SHA-256 compressions per nonce, written outside this project, that `bench` compares every kernel with.

use sha2::digest::generic_array::GenericArray;
use trez_pow::{inner_block, outer_block, state_to_bytes, Midstate, IV};


#[inline(always)]
fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    sha2::compress256(state, core::slice::from_ref(GenericArray::from_slice(block)));
}

/// Final state of the TREZ digest of `nonce`.
pub(crate) fn digest_state(mid: &Midstate, nonce: u64) -> [u32; 8] {
    let mut inner = IV;
    compress(&mut inner, &inner_block(nonce));
    let mut outer = mid.state;
    compress(&mut outer, &outer_block(mid.block_count, &state_to_bytes(&inner)));
    outer
}

pub(crate) fn scan(mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
    super::portable::scan_with(digest_state, mid, start, count, bits, found)
}

pub(crate) fn raw(mid: &Midstate, count: u64) -> u32 {
    super::portable::raw_with(digest_state, mid, count)
}
