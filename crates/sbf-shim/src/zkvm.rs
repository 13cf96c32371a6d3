//! What exists only in the SBPF build: std's `sys_*` symbols and LLVM's 128-bit libcalls.
extern crate solana_compiler_builtins;

use solana_define_syscall::define_syscall;
use solana_define_syscall::definitions::sol_log_;

define_syscall!(fn abort());

// LLVM 23's BPF backend calls these with `a` in r1:r2, `b` in r3:r4 (low, high) and takes the result from
// r0:r2: LLVM's own convention for an `i128 (i128, i128)` signature. A Rust `fn(i128, i128) -> i128` built by
// rustc for this target returns through a hidden pointer in r1 instead (the versions std's compiler-builtins
// and `solana-compiler-builtins` ship; the latter's are weak here so these win), and such a call wrote its
// result through the low half of `a` as an address. `extern "unadjusted"` keeps LLVM's plain signature.

/// `a * b mod 2^128` ([`crate::mul128`]).
#[no_mangle]
pub extern "unadjusted" fn __multi3(a: i128, b: i128) -> i128 {
    crate::mul128(a as u128, b as u128) as i128
}

/// `n / d`, unsigned ([`crate::udivmod128`]).
#[no_mangle]
pub extern "unadjusted" fn __udivti3(n: u128, d: u128) -> u128 {
    crate::udivmod128(n, d).0
}

/// `n % d`, unsigned.
#[no_mangle]
pub extern "unadjusted" fn __umodti3(n: u128, d: u128) -> u128 {
    crate::udivmod128(n, d).1
}

/// `n / d`, signed ([`crate::idivmod128`]).
#[no_mangle]
pub extern "unadjusted" fn __divti3(n: i128, d: i128) -> i128 {
    crate::idivmod128(n, d).0
}

/// `n % d`, signed.
#[no_mangle]
pub extern "unadjusted" fn __modti3(n: i128, d: i128) -> i128 {
    crate::idivmod128(n, d).1
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
