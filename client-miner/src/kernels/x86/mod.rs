//! x86-64 kernels: SHA-NI with 2, 3 or 4 nonces interleaved, AVX2 (8 lanes) and AVX-512 (16 lanes).
//!
//! This is the only module with `unsafe` besides `aarch64`. Every `unsafe` block calls `#[target_feature]`
//! functions, which is sound only on a CPU with those features: the kernel entry points are reached only
//! through `Kernel::scan`/`Kernel::states`/`Kernel::raw_compressions`, which check `Kernel::available`
//! (`has_sha_ni`, `has_avx2`, `has_avx512`) first. Loads and stores go through unaligned intrinsics on arrays
//! of the vector's length, so no pointer can go out of bounds.

pub(crate) mod avx2;
pub(crate) mod avx512;
pub(crate) mod sha_ni;
mod sliced;

pub(crate) fn has_sha_ni() -> bool {
    std::is_x86_feature_detected!("sha") && std::is_x86_feature_detected!("sse4.1") && std::is_x86_feature_detected!("ssse3")
}

pub(crate) fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

pub(crate) fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw")
}
