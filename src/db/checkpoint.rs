//! SQLite's WAL checkpoints, on a thread and a connection of their own.
//!
//! By default SQLite checkpoints inside the commit that takes the WAL past 1,000 pages:
//! the writer copies those pages back into the database file and syncs it before it can
//! begin the next transaction. On a database grown large (a day of three-hour exams: the
//! saves and events of every attempt, indexed by attempt) the pages are scattered, the
//! copy is random I/O, and every queued save waited behind it, up to a second. SQLite's
//! documentation (<https://www.sqlite.org/wal.html#application_initiated_checkpoints>)
//! describes the remedy used here: the writer's automatic checkpoints are off, and a
//! separate thread runs PASSIVE checkpoints, which never wait for readers or the writer
//! and never make them wait. The writer restarts the WAL from its start once a checkpoint
//! has copied all of it, so the file stays bounded as before.

use super::{DbConn, Manager};
use diesel::connection::SimpleConnection;
use r2d2::ManageConnection;
use std::sync::mpsc;
use std::time::Duration;

/// How often the WAL is copied back: short enough that a checkpoint copies a few hundred
/// pages at exam-day rates, long enough that an idle server does nearly nothing.
const EVERY: Duration = Duration::from_millis(200);

/// Turns the writer's automatic checkpoints off (r2d2 runs it on each new connection).
#[derive(Debug)]
pub struct WriterSettings;

impl r2d2::CustomizeConnection<DbConn, diesel::ConnectionError> for WriterSettings {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::ConnectionError> {
        conn.batch_execute("PRAGMA wal_autocheckpoint = 0")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }
}

/// The checkpointing thread; it stops when the last clone of its handle is dropped.
#[derive(Clone, Debug)]
pub struct Checkpointer {
    _stop: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database `manager` connects to.
    pub fn start(manager: Manager) -> std::io::Result<Checkpointer> {
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("invigil-checkpoint".into())
            .spawn(move || run(manager, stopped))?;
        Ok(Checkpointer { _stop: stop })
    }
}

fn run(manager: Manager, stopped: mpsc::Receiver<()>) {
    let mut conn: Option<DbConn> = None;
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
        if conn.is_none() {
            conn = manager
                .connect()
                .map_err(|e| tracing::warn!(error = %e, "the checkpointer cannot connect"))
                .ok();
        }
        if let Some(c) = conn.as_mut() {
            if let Err(e) = c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                // A fresh connection next time: this one may be what is wrong.
                tracing::warn!(error = %e, "a WAL checkpoint failed");
                conn = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::db::{Db, DbConn};
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
    use std::time::{Duration, Instant};

    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = BigInt)]
        wal_autocheckpoint: i64,
    }

    fn autocheckpoint(conn: &mut DbConn) -> i64 {
        diesel::sql_query("PRAGMA wal_autocheckpoint")
            .get_result::<Setting>(conn)
            .expect("the pragma answers")
            .wal_autocheckpoint
    }

    #[tokio::test]
    async fn the_wal_is_copied_back_although_the_writer_never_checkpoints() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let file = dir.path().join("c.db");
        let url = file.to_string_lossy().to_string();
        let db = Db::connect(&url, 2, Duration::from_secs(5)).expect("the database opens");
        let mut writer = db.writer_blocking().expect("the writer");
        assert_eq!(
            autocheckpoint(&mut writer),
            0,
            "the writer must leave checkpoints to the checkpointer"
        );
        let before = std::fs::metadata(&file).expect("the file").len();
        // About 2 MB: under the 1,000 pages at which SQLite's own automatic checkpoint
        // would start, so only the checkpointer can move these pages into the file.
        diesel::sql_query(
            "CREATE TABLE filler AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 \
             FROM n WHERE i < 2000) SELECT i, randomblob(1000) AS b FROM n",
        )
        .execute(&mut *writer)
        .expect("the rows are written");
        drop(writer);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let grown = std::fs::metadata(&file).expect("the file").len() - before;
            if grown > 1_500_000 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the database file grew by {grown} bytes only: the WAL was not checkpointed"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
