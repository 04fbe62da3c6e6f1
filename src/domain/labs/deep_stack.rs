//! Threads with room for deep recursion, kept for the life of the process.
//!
//! Parsers and the values they build recurse once per level of nesting, and a TOML
//! document can nest thousands of levels deep in a few kilobytes (dotted keys inside
//! inline tables escape its parser's recursion limit), so an artifact is read on a thread
//! with a 256 MiB stack. Such a thread used to be started for every reading, two per lab
//! save (diagnostics, then the grade): each start maps and each exit unmaps the stack,
//! and the unmapping interrupts every core to flush its address translations. A few
//! threads, one per core, now take the readings in turn.

use std::any::Any;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};

const STACK_BYTES: usize = 256 * 1024 * 1024;

type Job = Box<dyn FnOnce() + Send>;

/// Runs `work` on one of the deep-stack threads and returns what it returns (a panic in
/// it is resumed here). Where no such thread could be started, `work` runs here.
pub fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let work = Arc::new(Mutex::new(Some(work)));
    let take = {
        let work = work.clone();
        move || work.lock().ok().and_then(|mut w| w.take())
    };
    let (reply, replied) = mpsc::sync_channel::<Result<T, Box<dyn Any + Send>>>(1);
    let job: Job = Box::new(move || {
        if let Some(work) = take() {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = reply.send(outcome);
        }
    });
    let queued = threads()
        .and_then(|jobs| jobs.lock().ok())
        .is_some_and(|jobs| jobs.send(job).is_ok());
    if queued {
        match replied.recv() {
            Ok(Ok(value)) => return value,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            // The job was dropped unrun (its thread is gone): run it here below.
            Err(_) => {}
        }
    }
    match work.lock().ok().and_then(|mut w| w.take()) {
        Some(work) => work(),
        None => std::panic::resume_unwind(Box::new("deep-stack work was taken but not run")),
    }
}

/// The queue of the deep-stack threads, started on first use; None if none could start.
fn threads() -> Option<&'static Mutex<Sender<Job>>> {
    static JOBS: OnceLock<Option<Mutex<Sender<Job>>>> = OnceLock::new();
    JOBS.get_or_init(|| {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let wanted = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
        let started = (0..wanted)
            .filter(|_| {
                let queue = queue.clone();
                std::thread::Builder::new()
                    .name("lab-artifact".into())
                    .stack_size(STACK_BYTES)
                    .spawn(move || serve(&queue))
                    .is_ok()
            })
            .count();
        (started > 0).then(|| Mutex::new(jobs))
    })
    .as_ref()
}

fn serve(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recursion with about 1 KiB of stack per level.
    fn depth(n: u32) -> u32 {
        let pad = std::hint::black_box([0u8; 1024]);
        if n == 0 {
            0
        } else {
            1 + depth(n - 1) + u32::from(pad[1])
        }
    }

    #[test]
    fn work_runs_with_a_deep_stack_on_a_kept_thread() {
        // 100,000 levels need far more than the 2 MiB stack of an ordinary thread.
        assert_eq!(run(|| depth(100_000)), 100_000);
        let names: std::collections::HashSet<String> = (0..20)
            .map(|_| {
                run(|| {
                    std::thread::current()
                        .name()
                        .unwrap_or_default()
                        .to_string()
                })
            })
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names.contains("lab-artifact"));
        let ids: std::collections::HashSet<_> = (0..50)
            .map(|_| run(|| std::thread::current().id()))
            .collect();
        let wanted = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
        assert!(
            ids.len() <= wanted,
            "{} threads for {wanted} kept",
            ids.len()
        );
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller_and_the_threads_stay() {
        let caught = std::panic::catch_unwind(|| run(|| -> u32 { panic!("in the work") }));
        assert!(caught.is_err());
        assert_eq!(run(|| 7), 7, "the threads still take work");
    }
}
