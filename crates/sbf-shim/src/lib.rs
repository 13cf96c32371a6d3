//! Symbols that upstream Rust std references when it is built for the `zkvm` OS, which is what
//! `scripts/sbf.sh` builds the programs against (upstream LLVM + `sbpf-linker`, no Solana platform-tools).
//!
//! A Solana program reaches none of them on a success path: its heap, panic handler and logging are the
//! Solana entrypoint's. Each maps to the nearest Solana syscall (`sol_log_`) or to `abort`, so a path that
//! does reach one stops the program instead of running on. On every target other than `zkvm` this crate is
//! empty.
#![no_std]
#![cfg(target_os = "zkvm")]
#![feature(abi_unadjusted)]

extern crate solana_compiler_builtins;

use solana_define_syscall::define_syscall;
use solana_define_syscall::definitions::sol_log_;

define_syscall!(fn abort());

/// 128-bit multiply, low 128 bits (`a * b mod 2^128`), for the calls LLVM emits for `i128`/`u128` `*`.
///
/// LLVM 23's BPF backend calls `__multi3` with `a` in r1:r2, `b` in r3:r4 (low, high) and takes the product
/// from r0:r2, LLVM's own convention for an `i128` signature. A Rust `fn(i128, i128) -> i128` built by rustc
/// for this target returns through a hidden pointer in r1 instead (the version `solana-compiler-builtins`
/// ships), so the call wrote its result through the caller's low half of `a` as an address. `"unadjusted"`
/// keeps the plain LLVM `i128 (i128, i128)` signature, which matches the call. Only 64-bit multiplies inside ([`mul32`]).
#[no_mangle]
pub extern "unadjusted" fn __multi3(a: i128, b: i128) -> i128 {
    let (a_lo, a_hi) = (a as u64, (a as u128 >> 64) as u64);
    let (b_lo, b_hi) = (b as u64, (b as u128 >> 64) as u64);
    const M: u64 = 0xffff_ffff;
    let (a0, a1, b0, b1) = (a_lo & M, a_lo >> 32, b_lo & M, b_lo >> 32);
    let (p00, p01, p10, p11) = (mul32(a0, b0), mul32(a0, b1), mul32(a1, b0), mul32(a1, b1));
    let mid = (p00 >> 32) + (p10 & M) + (p01 & M);
    let lo = a_lo.wrapping_mul(b_lo);
    let hi = p11 + (p10 >> 32) + (p01 >> 32) + (mid >> 32);
    let hi = hi.wrapping_add(a_hi.wrapping_mul(b_lo)).wrapping_add(a_lo.wrapping_mul(b_hi));
    (((hi as u128) << 64) | lo as u128) as i128
}

/// `n / d`, unsigned 128-bit (the calls LLVM emits for `u128` `/`), in LLVM's convention like [`__multi3`].
#[no_mangle]
pub extern "unadjusted" fn __udivti3(n: u128, d: u128) -> u128 {
    join(udivmod(split(n), split(d)).0)
}

/// `n % d`, unsigned 128-bit.
#[no_mangle]
pub extern "unadjusted" fn __umodti3(n: u128, d: u128) -> u128 {
    join(udivmod(split(n), split(d)).1)
}

/// `n / d`, signed 128-bit, rounding towards zero.
#[no_mangle]
pub extern "unadjusted" fn __divti3(n: i128, d: i128) -> i128 {
    let q = join(udivmod(split(n.unsigned_abs()), split(d.unsigned_abs())).0) as i128;
    if (n < 0) != (d < 0) {
        q.wrapping_neg()
    } else {
        q
    }
}

/// `n % d`, signed 128-bit; the remainder takes the sign of `n`.
#[no_mangle]
pub extern "unadjusted" fn __modti3(n: i128, d: i128) -> i128 {
    let r = join(udivmod(split(n.unsigned_abs()), split(d.unsigned_abs())).1) as i128;
    if n < 0 {
        r.wrapping_neg()
    } else {
        r
    }
}

/// (high, low) halves.
fn split(x: u128) -> (u64, u64) {
    ((x >> 64) as u64, x as u64)
}

fn join((hi, lo): (u64, u64)) -> u128 {
    ((hi as u128) << 64) | lo as u128
}

/// Quotient and remainder of two (high, low) 128-bit numbers by restoring binary long division over the
/// dividend's significant bits, with 64-bit operations only (a `u128` `/` here would call itself). A zero
/// divisor gives (0, n): Rust checks divisors before it divides, so no call from Rust code divides by zero.
fn udivmod(n: (u64, u64), d: (u64, u64)) -> ((u64, u64), (u64, u64)) {
    if d == (0, 0) {
        return ((0, 0), n);
    }
    if n.0 == 0 && d.0 == 0 {
        return ((0, n.1 / d.1), (0, n.1 % d.1));
    }
    let bits = if n.0 != 0 { 128 - n.0.leading_zeros() } else { 64 - n.1.leading_zeros() };
    let (mut q, mut r) = ((0u64, 0u64), (0u64, 0u64));
    for i in (0..bits).rev() {
        let bit = if i >= 64 { (n.0 >> (i - 64)) & 1 } else { (n.1 >> i) & 1 };
        r = ((r.0 << 1) | (r.1 >> 63), (r.1 << 1) | bit);
        if r.0 > d.0 || (r.0 == d.0 && r.1 >= d.1) {
            let (lo, borrow) = r.1.overflowing_sub(d.1);
            r = (r.0 - d.0 - borrow as u64, lo);
            if i >= 64 {
                q.0 |= 1 << (i - 64);
            } else {
                q.1 |= 1 << i;
            }
        }
    }
    (q, r)
}

/// `a * b` for `a, b < 2^32`. Out of line on purpose: inlined, LLVM recognises the four partial products above
/// as a 64 × 64 → 128-bit multiply and calls `__multi3` from inside `__multi3`.
#[inline(never)]
fn mul32(a: u64, b: u64) -> u64 {
    a * b
}

#[no_mangle]
pub extern "C" fn sys_halt() {
    unsafe { abort() }
}
#[no_mangle]
pub extern "C" fn sys_output(_id: u32, _v: u32) {}
#[no_mangle]
pub extern "C" fn sys_sha_compress(_a: *mut u32, _b: *const u32, _c: *const u32, _d: *const u32) {
    unsafe { abort() }
}
#[no_mangle]
pub extern "C" fn sys_sha_buffer(_a: *mut u32, _b: *const u32, _c: *const u8, _d: u32) {
    unsafe { abort() }
}
#[no_mangle]
pub extern "C" fn sys_rand(_buf: *mut u32, _w: usize) {
    unsafe { abort() }
}
/// # Safety
/// `p..p+n` must be readable.
#[no_mangle]
pub unsafe extern "C" fn sys_panic(p: *const u8, n: usize) -> ! {
    unsafe {
        sol_log_(p, n as u64);
        abort();
    }
    #[allow(clippy::empty_loop)]
    loop {}
}
/// # Safety
/// `p..p+n` must be readable.
#[no_mangle]
pub unsafe extern "C" fn sys_log(p: *const u8, n: usize) {
    unsafe { sol_log_(p, n as u64) }
}
#[no_mangle]
pub extern "C" fn sys_cycle_count() -> usize {
    0
}
#[no_mangle]
pub extern "C" fn sys_read(_fd: u32, _b: *mut u8, _n: usize) -> usize {
    0
}
/// # Safety
/// `p..p+n` must be readable.
#[no_mangle]
pub unsafe extern "C" fn sys_write(_fd: u32, p: *const u8, n: usize) {
    unsafe { sol_log_(p, n as u64) }
}
#[no_mangle]
pub extern "C" fn sys_getenv(_a: *mut u32, _b: usize, _c: *const u8, _d: usize) -> usize {
    usize::MAX
}
#[no_mangle]
pub extern "C" fn sys_argc() -> usize {
    0
}
#[no_mangle]
pub extern "C" fn sys_argv(_a: *mut u32, _b: usize, _c: usize) -> usize {
    0
}
#[no_mangle]
pub extern "C" fn sys_alloc_words(_n: usize) -> *mut u32 {
    unsafe { abort() };
    core::ptr::null_mut()
}
#[no_mangle]
pub extern "C" fn sys_alloc_aligned(_n: usize, _a: usize) -> *mut u8 {
    unsafe { abort() };
    core::ptr::null_mut()
}
