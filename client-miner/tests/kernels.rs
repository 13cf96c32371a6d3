//! Every kernel equals `trez_pow::digest` on the shared vectors and on random inputs (a kernel the CPU lacks
//! is skipped, saying so); scanning finds exactly the nonces the reference finds; worker strides are disjoint
//! and cover the range; a job change stops the workers.

use std::time::Duration;

use proptest::prelude::*;
use trez_miner::engine::{self, Engine, EngineJob, CHUNK};
use trez_miner::kernels::{self, Kernel};
use trez_miner::selftest;

fn kernels_here() -> Vec<Kernel> {
    for k in Kernel::ALL {
        if !k.available() {
            eprintln!("skipping kernel {}: not supported by this CPU", k.name());
        }
    }
    kernels::available()
}

#[test]
fn every_kernel_passes_the_shared_vectors_on_every_lane() {
    let reports = selftest::run(&selftest::builtin()).unwrap();
    assert_eq!(reports.len(), kernels_here().len());
    for r in reports {
        assert!(r.failures.is_empty(), "{}: {:?}", r.kernel.name(), r.failures);
        assert_eq!(r.passed, selftest::builtin().len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn every_kernel_equals_the_reference(c in any::<[u8; 32]>(), k in any::<[u8; 32]>(),
                                         bc in prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()],
                                         n in prop_oneof![Just(0u64), Just(u64::MAX - 15), any::<u64>()]) {
        let mid = trez_pow::Midstate::new(&c, &k, bc);
        for kernel in kernels::available() {
            let base = n.min(u64::MAX - 15);
            let lanes = kernels::kernel_digests(kernel, &mid, base);
            for (i, d) in lanes.iter().enumerate() {
                prop_assert_eq!(*d, trez_pow::digest(&c, &k, bc, base + i as u64), "{} lane {}", kernel.name(), i);
            }
        }
    }
}

#[test]
fn scan_finds_exactly_the_reference_nonces() {
    let mid = trez_pow::Midstate::new(&[3; 32], &[4; 32], 77);
    for bits in [0u32, 1, 6, 10, 33] {
        let want: Vec<u64> = (1_000..1_000 + 5_003u64).filter(|&n| trez_pow::meets_difficulty(&mid.digest(n), bits)).collect();
        for kernel in kernels_here() {
            let mut got = vec![];
            kernel.scan(&mid, 1_000, 5_003, bits, &mut got);
            assert_eq!(got, want, "{} at {bits} bits", kernel.name());
        }
    }
}

#[test]
fn scan_across_a_low_word_wrap_and_at_the_top_of_the_nonce_space_finds_the_reference_nonces() {
    // The vector kernels build lanes from one low word plus lane offsets, with a separate path for a step
    // whose low word wraps (2^32 - 5 .. 2^32 + 11 in one 16-lane step); the last nonces before u64::MAX
    // exercise the high word's top.
    let mid = trez_pow::Midstate::new(&[7; 32], &[8; 32], 9);
    for start in [(1u64 << 32) - 5 - 48 * 32, u64::MAX - 48 * 40] {
        let count = 48 * 40;
        for bits in [0u32, 3, 7] {
            let want: Vec<u64> = (start..start + count).filter(|&n| trez_pow::meets_difficulty(&mid.digest(n), bits)).collect();
            for kernel in kernels_here() {
                let mut got = vec![];
                kernel.scan(&mid, start, count, bits, &mut got);
                assert_eq!(got, want, "{} from {start} at {bits} bits", kernel.name());
            }
        }
    }
}

#[test]
fn every_kernel_name_round_trips_and_the_picker_picks_an_available_kernel() {
    for k in Kernel::ALL {
        assert_eq!(Kernel::from_name(k.name()), Some(k));
    }
    assert_eq!(Kernel::from_name("sha-ni"), None);
    let best = kernels::best();
    assert!(best.available(), "{}", best.name());
    assert!(kernels::available().contains(&best));
    // Among kernels this CPU lacks, the picker falls back to portable rather than run foreign intrinsics.
    let missing: Vec<Kernel> = Kernel::ALL.into_iter().filter(|k| !k.available()).collect();
    assert_eq!(kernels::fastest_of(&missing, Duration::from_millis(5)), Kernel::Portable);
}

#[test]
fn a_slow_build_is_reported_and_the_documented_build_is_not() {
    use trez_miner::bench::Build;
    let slow = Build { profile: "debug", opt_level: "0", debug_assertions: true };
    assert!(slow.warning().is_some_and(|w| w.contains("opt-level 0") && w.contains("cargo install --locked --path client-miner")));
    assert!(Build { profile: "debug", opt_level: "3", debug_assertions: true }.warning().is_some());
    assert!(Build { profile: "release", opt_level: "3", debug_assertions: false }.warning().is_none());
    // This very test binary links the crate as built by the dev profile, which Cargo.toml sets to the
    // release speed for the miner (opt-level 3, no debug assertions).
    let here = Build::current();
    assert_eq!((here.opt_level, here.debug_assertions), ("3", false), "{here:?}");
}

#[test]
fn worker_strides_are_disjoint_and_cover_the_range() {
    for (threads, chunks) in [(1u64, 10u64), (2, 7), (3, 100), (8, 5)] {
        let mut seen = vec![0u32; chunks as usize];
        for t in 0..threads {
            for c in engine::worker_chunks(t, threads, chunks) {
                seen[c as usize] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n == 1), "{threads} threads over {chunks} chunks: {seen:?}");
    }
}

#[test]
fn engine_finds_shares_in_its_range_and_a_job_change_stops_the_workers() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::start(2, kernels::best(), tx);
    let mid = trez_pow::Midstate::new(&[1; 32], &[2; 32], 5);
    let (start, end) = (1u64 << 40, (1u64 << 40) + 64 * CHUNK);
    engine.set_job(EngineJob { job_id: "a".into(), mid, share_bits: 8, start, end });
    let (job, nonce) = rx.blocking_recv().expect("a share");
    assert_eq!(job, "a");
    assert!((start..end).contains(&nonce));
    assert!(trez_pow::meets_difficulty(&mid.digest(nonce), 8));

    // Job "a" again over the whole nonce space (it would yield shares forever), then job "b" with a difficulty
    // nobody meets. Once every worker has done plenty of "b" work, no share of "a" may arrive any more: each
    // worker drops the old job at its next chunk boundary. (Progress-based, not time-based: no timing
    // assumption about a loaded machine.)
    engine.set_job(EngineJob { job_id: "a".into(), mid, share_bits: 8, start: 0, end: u64::MAX });
    let mid_b = trez_pow::Midstate::new(&[9; 32], &[2; 32], 6);
    engine.set_job(EngineJob { job_id: "b".into(), mid: mid_b, share_bits: 192, start: 0, end: u64::MAX });
    let wait_for = |n: u64| {
        let h0 = engine.hashes();
        while engine.hashes() < h0 + n {
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    wait_for(200 * CHUNK);
    while let Ok((job, _)) = rx.try_recv() {
        assert_eq!(job, "a", "only late shares of the old job may still be queued");
    }
    wait_for(200 * CHUNK);
    let late = rx.try_recv();
    assert!(late.is_err(), "a share of job a after the switch: {late:?}");
    engine.pause();
}
