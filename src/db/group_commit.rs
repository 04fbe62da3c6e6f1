//! Group commit for SQLite: every write goes to one writer thread, which runs whatever has
//! queued up meanwhile in one transaction (each write in a savepoint of its own) and
//! commits them with one fsync. A write is acknowledged only after its batch commits;
//! if the commit fails, every write of the batch fails with it.
//!
//! SQLite allows one writer at a time anyway, and a durable commit costs an fsync, so on
//! exam day — thousands of saves a second — sharing that fsync is what keeps saves fast.

use super::{write_transaction, DbConn, Pool};
use crate::error::{ApiError, ApiResult};
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

/// Runs one write inside the batch.
type Job = Box<dyn FnOnce(&mut DbConn) -> Ran + Send>;

/// What a write left behind in its batch.
struct Ran {
    /// Answers the caller once the batch's fate is known.
    deliver: Box<dyn FnOnce(Result<(), String>) + Send>,
    /// The write failed in the database itself (a full disk, an I/O error), after which
    /// SQLite may have rolled back the whole transaction on its own: nothing more may run
    /// in the batch, or it would run outside any transaction.
    aborts_batch: bool,
}

/// The most writes one batch takes, so that one transaction stays short.
const MAX_BATCH: usize = 512;

#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writer thread over `pool` (SQLite's single writer connection).
    pub fn start(pool: Pool) -> std::io::Result<GroupCommit> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("invigil-writer".into())
            .spawn(move || run(pool, queue))?;
        Ok(GroupCommit { jobs })
    }

    /// Queues `f` and waits, without blocking the async worker, until its batch commits.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel::<ApiResult<T>>();
        let job: Job = Box::new(move |conn: &mut DbConn| {
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| in_savepoint(conn, f)))
                .unwrap_or_else(|_| Err(ApiError::internal("a database write panicked")));
            let aborts_batch = matches!(
                outcome,
                Err(ApiError::Unavailable(_) | ApiError::Internal(_))
            );
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
        self.jobs
            .send(job)
            .map_err(|_| ApiError::Unavailable("the writer has stopped".into()))?;
        // A write dropped unanswered never ran: no connection could be had for its batch.
        answer
            .await
            .map_err(|_| ApiError::Unavailable("no database connection for the write".into()))?
    }
}

/// Runs `f` in a savepoint of its own, so that its failure undoes only its own writes.
/// The savepoint statements go through diesel's statement cache (compiled once per
/// connection), where diesel's own nested transactions would compile them for every write.
fn in_savepoint<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> ApiResult<T>) -> ApiResult<T> {
    use diesel::RunQueryDsl;
    let run = |conn: &mut DbConn, sql: &'static str| diesel::sql_query(sql).execute(conn);
    run(conn, "SAVEPOINT invigil_write")?;
    match f(conn) {
        Ok(value) => {
            run(conn, "RELEASE invigil_write")?;
            Ok(value)
        }
        Err(e) => {
            // If SQLite already rolled the whole transaction back, these fail too; the
            // batch is abandoned anyway (see `aborts_batch`).
            let _ = run(conn, "ROLLBACK TO invigil_write");
            let _ = run(conn, "RELEASE invigil_write");
            Err(e)
        }
    }
}

fn run(pool: Pool, queue: mpsc::Receiver<Job>) {
    // Writes that an aborted batch did not reach go first into the next one.
    let mut batch: VecDeque<Job> = VecDeque::new();
    loop {
        if batch.is_empty() {
            match queue.recv() {
                Ok(job) => batch.push_back(job),
                Err(_) => return,
            }
        }
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push_back(job),
                Err(_) => break,
            }
        }
        let mut conn = match pool.get() {
            Ok(conn) => conn,
            Err(e) => {
                // Dropping the jobs answers each caller with 503 `unavailable`.
                tracing::warn!(writes = batch.len(), cause = %e, "no database connection for a batch of writes");
                batch.clear();
                continue;
            }
        };
        let mut pending = Vec::with_capacity(batch.len());
        let committed = write_transaction(&mut conn, |conn| {
            while let Some(job) = batch.pop_front() {
                let ran = job(conn);
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
        if let Err(cause) = &committed {
            tracing::warn!(writes = pending.len(), cause = %cause, "a batch of writes failed to commit");
        }
        for deliver in pending {
            deliver(committed.clone());
        }
    }
}
