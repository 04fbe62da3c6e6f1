//! The writer's batches, failures and limits, on a real SQLite file.
use super::*;
use diesel::RunQueryDsl;
use std::sync::mpsc::channel;
use std::time::Duration;

type TestWrite = Box<dyn FnOnce(&mut DbConn) -> ApiResult<()> + Send>;

const LIMITS: Limits = Limits {
    queue: 1024,
    deadline: Duration::from_secs(30),
};

struct Writer {
    group: GroupCommit,
    pool: Pool,
    _dir: tempfile::TempDir,
}

/// A writer over a fresh SQLite file holding one table, `marks (n)`.
async fn writer() -> Writer {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pool = pool_in(&dir);
    let group = GroupCommit::start(pool.clone(), LIMITS).expect("the writer starts");
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

/// A pool of one connection to `w.db` in `dir`.
fn pool_in(dir: &tempfile::TempDir) -> Pool {
    let url = dir.path().join("w.db").to_string_lossy().into_owned();
    r2d2::Pool::builder()
        .max_size(1)
        .build(super::super::Manager::new(&url))
        .expect("the pool opens")
}

/// Holds the writer in a write of its own until `go` is sent: what is written meanwhile
/// queues behind it.
fn hold(
    group: &GroupCommit,
) -> (
    tokio::task::JoinHandle<ApiResult<()>>,
    std::sync::mpsc::Sender<()>,
) {
    let (running, is_running) = channel();
    let (go, wait_for_go) = channel::<()>();
    let group = group.clone();
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
    (holder, go)
}

/// Marks `n`, then fails as SQLite does on a full disk or an I/O error: the whole
/// transaction is rolled back under the batch's feet.
fn mark_then_lose_the_transaction(n: usize) -> impl FnOnce(&mut DbConn) -> ApiResult<()> {
    move |conn| {
        execute(conn, &format!("INSERT INTO marks (n) VALUES ({n})"))?;
        execute(conn, "ROLLBACK")?;
        Err(ApiError::Unavailable("database or disk is full".into()))
    }
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
        let (holder, go) = hold(&self.group);
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
            Box::new(mark_then_lose_the_transaction(2)),
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
            if n + 1 == total {
                Box::new(mark_then_lose_the_transaction(n)) as TestWrite
            } else {
                Box::new(mark(n, Ok(()))) as TestWrite
            }
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
    let group = GroupCommit::start(pool, LIMITS).expect("the writer starts");
    for _ in 0..2 {
        let outcome = group.write(|_| Ok(())).await;
        assert!(
            matches!(outcome, Err(ApiError::Unavailable(_))),
            "{outcome:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_constraint_failure_fails_only_its_own_write() {
    // A real one, raised by SQLite: the savepoint undoes it and the batch goes on.
    let w = writer().await;
    w.group
        .write(|c| Ok(execute(c, "CREATE UNIQUE INDEX one_mark ON marks (n)")?))
        .await
        .expect("the index is made");
    let results = w
        .in_one_batch(vec![
            Box::new(mark(1, Ok(()))),
            Box::new(mark(1, Ok(()))),
            Box::new(mark(2, Ok(()))),
        ])
        .await;
    assert!(results[0].is_ok());
    assert!(
        matches!(results[1], Err(ApiError::Internal(_))),
        "{:?}",
        results[1]
    );
    assert!(results[2].is_ok());
    assert_eq!(w.marks(), vec![1, 2]);
    assert_eq!(w.group.state().failing_batches, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_is_refused_at_once_with_a_retry_after() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pool = pool_in(&dir);
    let limits = Limits {
        queue: 2,
        deadline: Duration::from_secs(30),
    };
    let group = GroupCommit::start(pool, limits).expect("the writer starts");
    // Hold the writer in a write of its own, then fill the queue behind it.
    let (holder, go) = hold(&group);
    let queued: Vec<_> = (0..2)
        .map(|_| {
            let group = group.clone();
            tokio::spawn(async move { group.write(|_| Ok(())).await })
        })
        .collect();
    while group.state().queued < 2 {
        tokio::task::yield_now().await;
    }
    let refused = group.write(|_| Ok(())).await;
    assert!(
        matches!(
            refused,
            Err(ApiError::Busy {
                retry_after_secs: 1
            })
        ),
        "{refused:?}"
    );
    go.send(()).expect("the holder waits");
    holder.await.expect("the holder ends").expect("it commits");
    for q in queued {
        q.await.expect("a queued write ends").expect("it commits");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_waited_past_its_deadline_is_answered_and_never_run() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pool = pool_in(&dir);
    let limits = Limits {
        queue: 16,
        deadline: Duration::from_millis(50),
    };
    let group = GroupCommit::start(pool.clone(), limits).expect("the writer starts");
    group
        .write(|c| Ok(execute(c, "CREATE TABLE marks (n INTEGER NOT NULL)")?))
        .await
        .expect("the table is made");
    let (holder, go) = hold(&group);
    let late = tokio::spawn({
        let group = group.clone();
        async move { group.write(mark(9, Ok(()))).await }
    });
    while group.state().queued < 1 {
        tokio::task::yield_now().await;
    }
    std::thread::sleep(Duration::from_millis(120));
    go.send(()).expect("the holder waits");
    holder.await.expect("the holder ends").expect("it commits");
    let outcome = late.await.expect("the late write ends");
    assert!(
        matches!(outcome, Err(ApiError::Unavailable(_))),
        "{outcome:?}"
    );
    let w = Writer {
        group,
        pool,
        _dir: dir,
    };
    assert!(
        w.marks().is_empty(),
        "a write answered 503 must not be on disk"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_cannot_begin_is_answered_and_the_writer_recovers() {
    let w = writer().await;
    // Another process holds the database's write lock past the busy timeout.
    let other = pool_in(&w._dir);
    let mut other = other.get().expect("a second connection");
    execute(&mut other, "BEGIN IMMEDIATE").expect("the lock is taken");
    let refused = w.group.write(mark(1, Ok(()))).await;
    assert!(
        matches!(refused, Err(ApiError::Unavailable(_))),
        "{refused:?}"
    );
    assert_eq!(w.group.state().failing_batches, 1);
    execute(&mut other, "ROLLBACK").expect("the lock is let go");
    w.group
        .write(mark(2, Ok(())))
        .await
        .expect("the writer writes again");
    assert_eq!(w.group.state().failing_batches, 0);
    assert_eq!(w.marks(), vec![2]);
}
