//! A small pool of low-priority threads for password hashing.
//!
//! Argon2id takes ~20 MiB and tens of milliseconds of CPU per call by design. Running it
//! on a bounded pool caps that memory at one hash per core, however many logins arrive;
//! running the pool in the idle scheduling class lets answer saves and heartbeats go
//! first when a login storm and an exam share the machine, while idle cores still hash.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

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
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
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
