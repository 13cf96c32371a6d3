//! Exact integer arithmetic for pro-rata splits: `a × b / d` with a 256-bit intermediate, so no weight is
//! ever rounded before the final floor. The relayer's PPLNS split and the stranded-round claim use this one
//! implementation (README, "PPLNS").

/// `a × b` as a 256-bit `(hi, lo)` pair.
pub fn mul_u64_u128(a: u64, b: u128) -> (u128, u128) {
    let (b_hi, b_lo) = (b >> 64, b & u64::MAX as u128);
    let lo = a as u128 * b_lo;
    let mid = a as u128 * b_hi;
    let (lo_full, carry) = lo.overflowing_add(mid << 64);
    ((mid >> 64) + carry as u128, lo_full)
}

/// `(hi, lo) / d` and its remainder by bitwise long division; `None` when `d == 0` or the quotient does not
/// fit 128 bits (`hi >= d`).
pub fn div_256_by_128(hi: u128, lo: u128, d: u128) -> Option<(u128, u128)> {
    if d == 0 || hi >= d {
        return None;
    }
    let mut rem = hi;
    let mut q: u128 = 0;
    for i in (0..128).rev() {
        let top = rem >> 127;
        rem = (rem << 1) | ((lo >> i) & 1);
        q <<= 1;
        if top == 1 || rem >= d {
            rem = rem.wrapping_sub(d);
            q |= 1;
        }
    }
    Some((q, rem))
}

/// `floor(a × b / d)` and the remainder `a × b mod d`, exact. `None` when `d == 0` or `b > d` (the share
/// would exceed the whole).
pub fn pro_rata(a: u64, b: u128, d: u128) -> Option<(u64, u128)> {
    if b > d {
        return None;
    }
    let (hi, lo) = mul_u64_u128(a, b);
    let (q, r) = div_256_by_128(hi, lo, d)?;
    // b <= d, so q <= a fits u64.
    u64::try_from(q).ok().map(|q| (q, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pro_rata_table() {
        assert_eq!(pro_rata(100, 1, 3), Some((33, 1)));
        assert_eq!(pro_rata(100, 3, 3), Some((100, 0)));
        assert_eq!(pro_rata(0, 5, 7), Some((0, 0)));
        assert_eq!(pro_rata(u64::MAX, u128::MAX, u128::MAX), Some((u64::MAX, 0)));
        assert_eq!(pro_rata(u64::MAX, u128::MAX - 1, u128::MAX).map(|x| x.0), Some(u64::MAX - 1));
        assert_eq!(pro_rata(7, 1 << 100, 1 << 101), Some((3, 1 << 100)));
        assert_eq!(pro_rata(1, 2, 1), None, "a part above the whole");
        assert_eq!(pro_rata(1, 0, 0), None, "an empty whole");
    }

    #[test]
    fn pro_rata_matches_u128_where_it_fits() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let a = x >> 20;
            let d = (x as u128 % 1_000_000_007) + 1;
            let b = (x.rotate_left(17) as u128) % (d + 1);
            let exact = a as u128 * b;
            assert_eq!(pro_rata(a, b, d), Some(((exact / d) as u64, exact % d)));
        }
    }
}
