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
