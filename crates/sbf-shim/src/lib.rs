//! Symbols that upstream Rust std references when it is built for the `zkvm` OS, which is what
//! `scripts/sbf.sh` builds the programs against (upstream LLVM + `sbpf-linker`, no Solana platform-tools).
//!
//! A Solana program reaches none of them on a success path: its heap, panic handler and logging are the
//! Solana entrypoint's. Each maps to the nearest Solana syscall (`sol_log_`) or to `abort`, so a path that
//! does reach one stops the program instead of running on.
//!
//! It also holds the 128-bit multiply and divide routines LLVM calls ([`mul128`], [`udivmod128`]; the
//! `__multi3`-family symbols exist only on `zkvm`). The arithmetic is plain Rust on every target, so the host
//! tests check it against native `u128`/`i128`; everything else is compiled only for `zkvm`.
#![no_std]
#![cfg_attr(target_os = "zkvm", feature(abi_unadjusted))]
#![cfg_attr(target_os = "zkvm", allow(internal_features))]

#[cfg(target_os = "zkvm")]
mod zkvm;

/// `a * b mod 2^128` with 64-bit multiplies only (a `u128` `*` would call `__multi3`, i.e. itself).
pub fn mul128(a: u128, b: u128) -> u128 {
    let (a_hi, a_lo) = split(a);
    let (b_hi, b_lo) = split(b);
    const M: u64 = 0xffff_ffff;
    let (a0, a1, b0, b1) = (a_lo & M, a_lo >> 32, b_lo & M, b_lo >> 32);
    let (p00, p01, p10, p11) = (mul32(a0, b0), mul32(a0, b1), mul32(a1, b0), mul32(a1, b1));
    let mid = (p00 >> 32) + (p10 & M) + (p01 & M);
    let lo = a_lo.wrapping_mul(b_lo);
    let hi = p11 + (p10 >> 32) + (p01 >> 32) + (mid >> 32);
    let hi = hi.wrapping_add(a_hi.wrapping_mul(b_lo)).wrapping_add(a_lo.wrapping_mul(b_hi));
    join((hi, lo))
}

/// `(n / d, n % d)` with 64-bit operations only; `d = 0` gives `(0, n)` (Rust checks divisors before it
/// divides, so no call from Rust code divides by zero).
pub fn udivmod128(n: u128, d: u128) -> (u128, u128) {
    let (q, r) = udivmod(split(n), split(d));
    (join(q), join(r))
}

/// `(n / d, n % d)` for signed operands: the quotient rounds towards zero, the remainder takes `n`'s sign
/// (Rust's `/` and `%`); wrapping like them at `i128::MIN / -1`.
pub fn idivmod128(n: i128, d: i128) -> (i128, i128) {
    let (q, r) = udivmod128(n.unsigned_abs(), d.unsigned_abs());
    let q = if (n < 0) != (d < 0) { (q as i128).wrapping_neg() } else { q as i128 };
    let r = if n < 0 { (r as i128).wrapping_neg() } else { r as i128 };
    (q, r)
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
        // r < d before the shift; a bit shifted out of r's top means r now exceeds any 128-bit d.
        let carry = r.0 >> 63;
        r = ((r.0 << 1) | (r.1 >> 63), (r.1 << 1) | bit);
        if carry == 1 || r.0 > d.0 || (r.0 == d.0 && r.1 >= d.1) {
            let (lo, borrow) = r.1.overflowing_sub(d.1);
            r = (r.0.wrapping_sub(d.0).wrapping_sub(borrow as u64), lo);
            if i >= 64 {
                q.0 |= 1 << (i - 64);
            } else {
                q.1 |= 1 << i;
            }
        }
    }
    (q, r)
}

/// `a * b` for `a, b < 2^32`. Out of line on purpose: inlined, LLVM recognises the four partial products of
/// [`mul128`] as a 64 × 64 → 128-bit multiply and calls `__multi3` from inside `__multi3`.
#[inline(never)]
fn mul32(a: u64, b: u64) -> u64 {
    a * b
}


#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Operands spread over every magnitude, from 0 to the top bit (one random number would almost always be
    /// near 2^128).
    fn wide() -> impl Strategy<Value = u128> {
        (any::<u128>(), 0u32..=128).prop_map(|(x, bits)| if bits == 128 { x } else { x & ((1u128 << bits) - 1) })
    }

    #[test]
    fn edges_match_native() {
        let edges = [0, 1, 2, 3, u64::MAX as u128, 1u128 << 64, (1u128 << 64) + 1, 1u128 << 127, u128::MAX - 1, u128::MAX];
        for &a in &edges {
            for &b in &edges {
                assert_eq!(mul128(a, b), a.wrapping_mul(b), "{a} * {b}");
                if b != 0 {
                    assert_eq!(udivmod128(a, b), (a / b, a % b), "{a} / {b}");
                    let (x, y) = (a as i128, b as i128);
                    assert_eq!(idivmod128(x, y), (x.wrapping_div(y), x.wrapping_rem(y)), "{x} / {y}");
                }
            }
        }
        assert_eq!(udivmod128(7, 0), (0, 7), "a zero divisor is documented as (0, n)");
    }

    proptest! {
        #[test]
        fn mul_matches_native(a in wide(), b in wide()) {
            prop_assert_eq!(mul128(a, b), a.wrapping_mul(b));
        }

        #[test]
        fn div_matches_native(n in wide(), d in wide()) {
            prop_assume!(d != 0);
            prop_assert_eq!(udivmod128(n, d), (n / d, n % d));
            let (x, y) = (n as i128, d as i128);
            prop_assert_eq!(idivmod128(x, y), (x.wrapping_div(y), x.wrapping_rem(y)));
        }
    }
}
