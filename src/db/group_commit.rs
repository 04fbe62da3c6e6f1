//! Group commit for SQLite: every write goes to one writer thread, which runs whatever has
//! queued up meanwhile in one transaction (each write in a savepoint of its own) and
//! commits them with one fsync. A write is acknowledged only after its batch commits;
//! if the commit fails, every write of the batch fails with it.
//!
//! SQLite allows one writer at a time anyway, and a durable commit costs an fsync, so on
//! exam day — thousands of saves a second — sharing that fsync is what keeps saves fast.
//!
//! Under stress: the queue is bounded (a full queue answers 503 `unavailable` with
//! `Retry-After` at once, rather than letting waits grow without end); a write still
//! queued past its deadline is answered 503 and never run; a batch that cannot begin is
//! answered 503 and the writer backs off before the next; and a write that fails alone (a
//! constraint, a refusal) fails only itself, while one after which SQLite has rolled the
//! whole transaction back (a full disk, an I/O error, a busy or out-of-memory database)
//! ends the batch, since what followed would run outside any transaction.

use super::{write_transaction, DbConn, Pool};
use crate::error::{ApiError, ApiResult};
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// One queued write.
struct Job {
    /// Past this instant the caller has waited long enough: the write is not run.
    deadline: Instant,
    run: Box<dyn FnOnce(&mut DbConn) -> Ran + Send>,
}

/// What a write left behind in its batch.
struct Ran {
    /// Answers the caller once the batch's fate is known.
    deliver: Box<dyn FnOnce(Result<(), String>) + Send>,
    /// SQLite rolled the whole transaction back when the write failed: nothing more may
    /// run in the batch, or it would run outside any transaction.
    aborts_batch: bool,
}

/// The most writes one batch takes, so that one transaction stays short.
const MAX_BATCH: usize = 512;
/// The longest pause after batches that could not begin.
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// How to size and time the writer.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Writes that may wait for the writer; one more is refused with 503.
    pub queue: usize,
    /// How long a write may wait in the queue before it is answered 503 unrun.
    pub deadline: Duration,
}

/// What `/health` reports of the writer.
#[derive(Clone, Copy, Debug)]
pub struct WriterState {
    /// Writes waiting now.
    pub queued: usize,
    pub capacity: usize,
    /// Batches in a row that could not begin or commit; 0 when the last one committed.
    pub failing_batches: u64,
}

#[derive(Default)]
struct Gauges {
    queued: AtomicUsize,
    failing_batches: AtomicU64,
}

#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::SyncSender<Job>,
    gauges: Arc<Gauges>,
    limits: Limits,
}

impl GroupCommit {
    /// Starts the writer thread over `pool` (SQLite's single writer connection).
    pub fn start(pool: Pool, limits: Limits) -> std::io::Result<GroupCommit> {
        let (jobs, queue) = mpsc::sync_channel::<Job>(limits.queue.max(1));
        let gauges = Arc::new(Gauges::default());
        let writer_gauges = gauges.clone();
        std::thread::Builder::new()
            .name("invigil-writer".into())
            .spawn(move || run(pool, queue, &writer_gauges))?;
        Ok(GroupCommit {
            jobs,
            gauges,
            limits,
        })
    }

    pub fn state(&self) -> WriterState {
        WriterState {
            queued: self.gauges.queued.load(Ordering::Relaxed),
            capacity: self.limits.queue,
            failing_batches: self.gauges.failing_batches.load(Ordering::Relaxed),
        }
    }

    /// Queues `f` and waits, without blocking the async worker, until its batch commits.
    /// Errors: 503 `unavailable` when the queue is full (with `Retry-After`), when the
    /// write waited past its deadline, or when its batch could not begin or commit.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel::<ApiResult<T>>();
        let run = Box::new(move |conn: &mut DbConn| {
            let (outcome, aborts_batch) =
                match std::panic::catch_unwind(AssertUnwindSafe(|| in_savepoint(conn, f))) {
                    Ok(ran) => ran,
                    Err(_) => (Err(ApiError::internal("a database write panicked")), true),
                };
            Ran {
                deliver: Box::new(move |committed: Result<(), String>| {
                    let result = match committed {
                        Ok(()) => outcome,
                        // Nothing of the batch is on disk: no write of it may look done.
                        Err(cause) => outcome.and(Err(ApiError::Unavailable(cause))),
                    };
                    let _ = reply.send(result);
                }),
                aborts_batch,
            }
        });
        let job = Job {
            deadline: Instant::now() + self.limits.deadline,
            run,
        };
        self.gauges.queued.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.jobs.try_send(job) {
            self.gauges.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(match e {
                mpsc::TrySendError::Full(_) => ApiError::Busy {
                    retry_after_secs: 1,
                },
                mpsc::TrySendError::Disconnected(_) => {
                    ApiError::Unavailable("the writer has stopped".into())
                }
            });
        }
        // A write dropped unanswered never ran: its batch could not begin, or it waited
        // past its deadline.
        answer.await.map_err(|_| {
            ApiError::Unavailable("the write could not be run in time; nothing was written".into())
        })?
    }
}

/// Runs `f` in a savepoint of its own, so that its failure undoes only its own writes.
/// Returns its outcome and whether the batch must end: the savepoint cannot be rolled
/// back to because SQLite has already rolled back the whole transaction (which it does
/// for SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY and SQLITE_NOMEM: "Response To Errors Within
/// A Transaction", sqlite.org/lang_transaction.html). That, not the error's wording, is
/// what tells a storage failure from a write's own (a constraint, a refusal).
/// The savepoint statements go through diesel's statement cache (compiled once per
/// connection), where diesel's own nested transactions would compile them for every write.
fn in_savepoint<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> ApiResult<T>,
) -> (ApiResult<T>, bool) {
    use diesel::RunQueryDsl;
    let run = |conn: &mut DbConn, sql: &'static str| diesel::sql_query(sql).execute(conn);
    if let Err(e) = run(conn, "SAVEPOINT invigil_write") {
        return (Err(e.into()), true);
    }
    match f(conn) {
        Ok(value) => match run(conn, "RELEASE invigil_write") {
            Ok(_) => (Ok(value), false),
            Err(e) => (Err(e.into()), true),
        },
        Err(e) => {
            let transaction_lost = run(conn, "ROLLBACK TO invigil_write").is_err()
                || run(conn, "RELEASE invigil_write").is_err();
            (Err(e), transaction_lost)
        }
    }
}

fn run(pool: Pool, queue: mpsc::Receiver<Job>, gauges: &Gauges) {
    // Writes that an aborted batch did not reach go first into the next one.
    let mut batch: VecDeque<Job> = VecDeque::new();
    let take = |batch: &mut VecDeque<Job>, job: Job| {
        gauges.queued.fetch_sub(1, Ordering::Relaxed);
        batch.push_back(job);
    };
    loop {
        if batch.is_empty() {
            match queue.recv() {
                Ok(job) => take(&mut batch, job),
                Err(_) => return,
            }
        }
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => take(&mut batch, job),
                Err(_) => break,
            }
        }
        // Dropping a job answers its caller 503 `unavailable`.
        let now = Instant::now();
        batch.retain(|job| job.deadline > now);
        if batch.is_empty() {
            continue;
        }
        let batch_len = batch.len();
        let failed = match pool.get() {
            Ok(mut conn) => run_batch(&mut conn, &mut batch, gauges).err(),
            Err(e) => Some(e.to_string()),
        };
        if let Some(cause) = failed {
            let failures = gauges.failing_batches.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::warn!(cause = %cause, failures, "a batch of writes could not begin or commit");
            // Writes that never ran because the batch could not begin are answered now
            // (503) rather than retried into a hang; those after a write that ended the
            // batch go into the next one.
            if batch.len() == batch_len {
                batch.clear();
            }
            let exponent = failures.min(5) as u32;
            std::thread::sleep((Duration::from_millis(30) * 2u32.pow(exponent)).min(MAX_BACKOFF));
        }
    }
}

/// Runs the batch's writes in one transaction; those that ran are answered here, whatever
/// its fate. Writes left in `batch` (after one that ended it, or all of them when it could
/// not begin) are the caller's to deal with.
fn run_batch(conn: &mut DbConn, batch: &mut VecDeque<Job>, gauges: &Gauges) -> Result<(), String> {
    let mut pending = Vec::with_capacity(batch.len());
    let committed = write_transaction(conn, |conn| {
        while let Some(job) = batch.pop_front() {
            let ran = (job.run)(conn);
            pending.push(ran.deliver);
            if ran.aborts_batch {
                return Err(ApiError::Unavailable(
                    "a write failed in the database; its batch was rolled back".into(),
                ));
            }
        }
        Ok(())
    })
    .map_err(|e| e.to_string());
    if committed.is_ok() {
        // Before anyone hears of it: a caller answered may at once ask for `/health`.
        gauges.failing_batches.store(0, Ordering::Relaxed);
    }
    for deliver in pending {
        deliver(committed.clone());
    }
    committed
}

#[cfg(test)]
mod tests;
