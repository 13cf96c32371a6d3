//! Hashing workers: `std::thread`s (never tokio), each scanning a disjoint stride of the job's nonce range in
//! chunks, checking a generation counter between chunks so a new job stops them within a chunk (~0.1–1 ms),
//! and sending found nonces to the single async task over a channel.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use tokio::sync::mpsc;
use trez_pow::Midstate;

use crate::kernels::Kernel;

/// Nonces per chunk: the unit of work between stop checks.
pub const CHUNK: u64 = 4096;

/// Work for the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineJob {
    pub job_id: String,
    pub mid: Midstate,
    /// Share difficulty, bits.
    pub share_bits: u32,
    /// Nonce range, half-open.
    pub start: u64,
    pub end: u64,
}

impl EngineJob {
    /// Jobs with the same work (challenge, key, block_count, range) continue where the previous left off;
    /// only the difficulty or job id differs.
    fn same_work(&self, other: &EngineJob) -> bool {
        self.mid == other.mid && self.start == other.start && self.end == other.end
    }

    fn chunks(&self) -> u64 {
        (self.end - self.start).div_ceil(CHUNK)
    }
}

/// A nonce found by a worker: (job id, nonce).
pub type Found = (String, u64);

struct State {
    job: Option<Arc<EngineJob>>,
    generation: u64,
    /// Next chunk index per worker (reset when the work changes).
    next_chunk: Vec<u64>,
}

struct Inner {
    state: Mutex<State>,
    wake: Condvar,
    generation: AtomicU64,
    shutdown: AtomicBool,
    hashes: AtomicU64,
}

/// The worker pool.
pub struct Engine {
    inner: Arc<Inner>,
    threads: Vec<JoinHandle<()>>,
    pub kernel: Kernel,
}

impl Engine {
    /// Start `threads` workers (at least one) hashing with `kernel`; found nonces go to `found`.
    pub fn start(threads: usize, kernel: Kernel, found: mpsc::UnboundedSender<Found>) -> Engine {
        let threads = threads.max(1);
        let inner = Arc::new(Inner {
            state: Mutex::new(State { job: None, generation: 0, next_chunk: vec![0; threads] }),
            wake: Condvar::new(),
            generation: AtomicU64::new(0),
            shutdown: AtomicBool::new(false),
            hashes: AtomicU64::new(0),
        });
        let handles = (0..threads)
            .map(|idx| {
                let inner = inner.clone();
                let found = found.clone();
                std::thread::Builder::new()
                    .name(format!("hash-{idx}"))
                    .spawn(move || worker(idx, threads as u64, kernel, inner, found))
                    .expect("spawn hashing thread")
            })
            .collect();
        Engine { inner, threads: handles, kernel }
    }

    /// Replace the job; every worker drops the old one at its next chunk boundary.
    pub fn set_job(&self, job: EngineJob) {
        let mut st = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        let keep = st.job.as_ref().is_some_and(|old| old.same_work(&job));
        if !keep {
            st.next_chunk.iter_mut().for_each(|c| *c = 0);
        }
        st.job = Some(Arc::new(job));
        st.generation += 1;
        self.inner.generation.store(st.generation, Ordering::Release);
        self.inner.wake.notify_all();
    }

    /// Stop hashing until the next `set_job`.
    pub fn pause(&self) {
        let mut st = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        st.job = None;
        st.generation += 1;
        self.inner.generation.store(st.generation, Ordering::Release);
    }

    /// Nonces hashed so far by all workers.
    pub fn hashes(&self) -> u64 {
        self.inner.hashes.load(Ordering::Relaxed)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.inner.shutdown.store(true, Ordering::Release);
        self.pause();
        self.inner.wake.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn worker(idx: usize, stride: u64, kernel: Kernel, inner: Arc<Inner>, found: mpsc::UnboundedSender<Found>) {
    let mut out = Vec::new();
    loop {
        // Wait for work.
        let (job, generation, mut chunk) = {
            let mut st = inner.state.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if inner.shutdown.load(Ordering::Acquire) {
                    return;
                }
                if let Some(job) = st.job.clone() {
                    let c = st.next_chunk[idx];
                    if idx as u64 + c * stride < job.chunks() {
                        break (job, st.generation, c);
                    }
                }
                st = inner.wake.wait(st).unwrap_or_else(|e| e.into_inner());
            }
        };
        // Chunks idx, idx + stride, idx + 2·stride, ... of the range: disjoint across workers.
        loop {
            if inner.generation.load(Ordering::Acquire) != generation || inner.shutdown.load(Ordering::Acquire) {
                break;
            }
            let index = idx as u64 + chunk * stride;
            if index >= job.chunks() {
                break;
            }
            let start = job.start + index * CHUNK;
            let count = CHUNK.min(job.end - start);
            kernel.scan(&job.mid, start, count, job.share_bits, &mut out);
            inner.hashes.fetch_add(count, Ordering::Relaxed);
            for nonce in out.drain(..) {
                let _ = found.send((job.job_id.clone(), nonce));
            }
            chunk += 1;
            let mut st = inner.state.lock().unwrap_or_else(|e| e.into_inner());
            if st.generation == generation {
                st.next_chunk[idx] = chunk;
            }
        }
        // The range is exhausted or the job changed; go wait (the loop above re-checks).
        let st = inner.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.generation == generation {
            drop(inner.wake.wait(st));
        }
    }
}

/// The chunk indices worker `idx` of `stride` workers covers for a range of `chunks` chunks (tests).
pub fn worker_chunks(idx: u64, stride: u64, chunks: u64) -> impl Iterator<Item = u64> {
    (0..).map(move |c| idx + c * stride).take_while(move |&i| i < chunks)
}
