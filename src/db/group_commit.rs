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

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::RunQueryDsl;
    use std::sync::mpsc::channel;
    use std::time::Duration;

    type TestWrite = Box<dyn FnOnce(&mut DbConn) -> ApiResult<()> + Send>;

    struct Writer {
        group: GroupCommit,
        pool: Pool,
        _dir: tempfile::TempDir,
    }

    /// A writer over a fresh SQLite file holding one table, `marks (n)`.
    async fn writer() -> Writer {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = dir.path().join("w.db").to_string_lossy().into_owned();
        let pool = r2d2::Pool::builder()
            .max_size(1)
            .build(super::super::Manager::new(&url))
            .expect("the pool opens");
        let group = GroupCommit::start(pool.clone()).expect("the writer starts");
        group
            .write(|c| Ok(execute(c, "CREATE TABLE marks (n INTEGER NOT NULL)")?))
            .await
            .expect("the table is made");
        Writer {
            group,
            pool,
            _dir: dir,
        }
    }

    fn execute(conn: &mut DbConn, sql: &str) -> diesel::QueryResult<usize> {
        diesel::sql_query(sql).execute(conn)
    }

    /// Marks `n`, then ends as `outcome` says.
    fn mark(n: usize, outcome: ApiResult<()>) -> impl FnOnce(&mut DbConn) -> ApiResult<()> {
        move |conn| {
            execute(conn, &format!("INSERT INTO marks (n) VALUES ({n})"))?;
            outcome
        }
    }

    impl Writer {
        /// The marks on disk, in order.
        fn marks(&self) -> Vec<i64> {
            #[derive(diesel::QueryableByName)]
            struct Mark {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut conn = self.pool.get().expect("a connection");
            diesel::sql_query("SELECT n FROM marks ORDER BY n")
                .load::<Mark>(&mut *conn)
                .expect("marks")
                .into_iter()
                .map(|m| m.n)
                .collect()
        }

        /// Runs `writes` as one batch: the writer is held in a batch of its own until all
        /// of them are queued behind it.
        async fn in_one_batch(&self, writes: Vec<TestWrite>) -> Vec<ApiResult<()>> {
            let (running, is_running) = channel();
            let (go, wait_for_go) = channel::<()>();
            let group = self.group.clone();
            let holder = tokio::spawn(async move {
                group
                    .write(move |_| {
                        let _ = running.send(());
                        let _ = wait_for_go.recv();
                        Ok(())
                    })
                    .await
            });
            is_running.recv().expect("the holding write runs");
            // join_all polls each write once, queueing it, before the last one lets go.
            let queued = writes.into_iter().map(|w| {
                let group = self.group.clone();
                Box::pin(async move { group.write(w).await })
                    as std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult<()>> + Send>>
            });
            let release = Box::pin(async move {
                go.send(()).expect("the holder waits");
                Ok(())
            });
            let mut results =
                futures_util::future::join_all(queued.chain(std::iter::once(release as _))).await;
            results.pop();
            holder
                .await
                .expect("the holder ends")
                .expect("the holder commits");
            results
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_commits_before_it_is_answered() {
        let w = writer().await;
        let value = w
            .group
            .write(|c| {
                execute(c, "INSERT INTO marks (n) VALUES (7)")?;
                Ok("done")
            })
            .await;
        assert_eq!(value.ok(), Some("done"));
        assert_eq!(w.marks(), vec![7]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_refused_write_undoes_only_its_own_changes_in_a_shared_batch() {
        let w = writer().await;
        let results = w
            .in_one_batch(vec![
                Box::new(mark(1, Ok(()))),
                Box::new(mark(2, Err(ApiError::Validation("no".into())))),
                Box::new(mark(3, Ok(()))),
            ])
            .await;
        assert!(results[0].is_ok());
        assert!(matches!(results[1], Err(ApiError::Validation(_))));
        assert!(results[2].is_ok());
        assert_eq!(w.marks(), vec![1, 3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_failing_in_the_database_fails_its_whole_batch_and_the_rest_runs_next() {
        // The writes before it in the batch are rolled back with it, so none of them may be
        // answered as done; the writes after it were never run and go into the next batch.
        let w = writer().await;
        let results = w
            .in_one_batch(vec![
                Box::new(mark(1, Ok(()))),
                Box::new(mark(2, Err(ApiError::Unavailable("disk full".into())))),
                Box::new(mark(3, Ok(()))),
                Box::new(mark(4, Err(ApiError::Validation("no".into())))),
            ])
            .await;
        assert!(matches!(results[0], Err(ApiError::Unavailable(_))));
        assert!(matches!(results[1], Err(ApiError::Unavailable(_))));
        assert!(results[2].is_ok());
        assert!(matches!(results[3], Err(ApiError::Validation(_))));
        assert_eq!(w.marks(), vec![3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_write_is_an_internal_error_and_the_writer_goes_on() {
        let w = writer().await;
        let results = w
            .in_one_batch(vec![
                Box::new(mark(1, Ok(()))),
                Box::new(|_: &mut DbConn| panic!("a bug in a write")),
            ])
            .await;
        assert!(matches!(results[0], Err(ApiError::Unavailable(_))));
        assert!(matches!(results[1], Err(ApiError::Internal(_))));
        w.group
            .write(mark(5, Ok(())))
            .await
            .expect("the writer still writes");
        assert_eq!(w.marks(), vec![5]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_takes_at_most_max_batch_writes() {
        // The last write fails in the database: only the writes of its own batch go with it.
        let w = writer().await;
        let total = MAX_BATCH + 10;
        let writes = (0..total)
            .map(|n| {
                let outcome = if n + 1 == total {
                    Err(ApiError::Unavailable("disk full".into()))
                } else {
                    Ok(())
                };
                Box::new(mark(n, outcome)) as TestWrite
            })
            .collect();
        let results = w.in_one_batch(writes).await;
        let committed: Vec<bool> = results.iter().map(Result::is_ok).collect();
        assert!(committed[..MAX_BATCH].iter().all(|&ok| ok));
        assert!(committed[MAX_BATCH..].iter().all(|&ok| !ok));
        assert_eq!(w.marks(), (0..MAX_BATCH as i64).collect::<Vec<_>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_a_connection_a_write_is_unavailable_not_lost_in_a_queue() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = dir.path().join("missing/folder/w.db");
        let pool = r2d2::Pool::builder()
            .max_size(1)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_millis(100))
            .build_unchecked(super::super::Manager::new(&url.to_string_lossy()));
        let group = GroupCommit::start(pool).expect("the writer starts");
        for _ in 0..2 {
            let outcome = group.write(|_| Ok(())).await;
            assert!(
                matches!(outcome, Err(ApiError::Unavailable(_))),
                "{outcome:?}"
            );
        }
    }
}
