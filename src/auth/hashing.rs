//! A small pool of low-priority threads for password hashing.
//!
//! Argon2id takes ~20 MiB and tens of milliseconds of CPU per call by design. Running it
//! on a bounded pool caps that memory at one hash per core, however many logins arrive;
//! running the pool in the idle scheduling class lets answer saves and heartbeats go
//! first when a login storm and an exam share the machine, while idle cores still hash.
//!
//! The idle class alone is not enough: with every core hashing, answer saves measured
//! ten times their quiet latency on a two-core machine. So while an exam is sending
//! requests, only one hashing thread runs and the other cores are left to the exam;
//! when it is quiet, every core hashes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    jobs: mpsc::Sender<Job>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for i in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("invigil-hash-{i}"))
                .spawn(move || {
                    lower_priority();
                    // The first thread always hashes; the others only while no exam is running.
                    let always = i == 0;
                    loop {
                        if !always && !exam_quiet() {
                            std::thread::sleep(RECHECK);
                            continue;
                        }
                        let job = match queue.lock() {
                            Ok(q) if always => q.recv().map_err(|_| Stop),
                            Ok(q) => match q.recv_timeout(RECHECK) {
                                Ok(job) => Ok(job),
                                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                                Err(mpsc::RecvTimeoutError::Disconnected) => Err(Stop),
                            },
                            Err(_) => Err(Stop),
                        };
                        match job {
                            Ok(job) => job(),
                            Err(Stop) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a hashing thread");
            }
        }
        Pool { jobs }
    })
}

struct Stop;

/// How often a held-back hashing thread looks again whether the exam has gone quiet.
const RECHECK: Duration = Duration::from_millis(20);

/// How long after an exam's last request the exam counts as quiet.
const QUIET_AFTER: Duration = Duration::from_secs(1);

/// Milliseconds after `epoch()` of the last exam request, plus one (0: none yet).
static LAST_EXAM_REQUEST: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Marks a request that a candidate is waiting on during an exam (an answer save, a
/// proctoring event): for a moment, hashing keeps to one core.
pub fn exam_request_seen() {
    let now = epoch().elapsed().as_millis() as u64 + 1;
    LAST_EXAM_REQUEST.store(now, Ordering::Relaxed);
}

fn exam_quiet() -> bool {
    let last = LAST_EXAM_REQUEST.load(Ordering::Relaxed);
    last == 0 || epoch().elapsed().as_millis() as u64 + 1 >= last + QUIET_AFTER.as_millis() as u64
}

/// Moves the calling thread to the idle scheduling class (Linux): it runs whenever a
/// core has nothing else to do, and yields at once to request handling.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: changes only this thread's scheduling policy; a failure leaves it as is.
        let failed =
            unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_IDLE, &param) }
                != 0;
        if failed {
            // SAFETY: nice() only changes this thread's priority.
            unsafe {
                libc::nice(10);
            }
        }
    }
}

/// Runs `f` on the hashing pool and waits for it without blocking the async worker.
pub async fn run<T, F>(f: F) -> Option<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = reply.send(f());
    });
    pool().jobs.send(job).ok()?;
    answer.await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exam_request_holds_the_extra_hashing_threads_back() {
        exam_request_seen();
        assert!(!exam_quiet());
    }

    #[test]
    fn hashing_runs_jobs_and_returns_their_results() {
        let results: Vec<Option<u32>> = (0..8)
            .map(|i| actix_web::rt::System::new().block_on(run(move || i * 2)))
            .collect();
        assert_eq!(results, (0..8).map(|i| Some(i * 2)).collect::<Vec<_>>());
    }
}
