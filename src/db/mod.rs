//! One diesel codebase over SQLite (the embedded default) and PostgreSQL (several instances).
//!
//! The backend is chosen from the URL's scheme. SQLite gets one writer connection: writes
//! are serialised there anyway, and a single writer cannot deadlock on lock upgrades. Every
//! call runs on the blocking thread pool so that the async workers never wait on a disk.
//!
//! Lookups of one row read it with `get_result`, never `first`: `first` adds `LIMIT ?`, and
//! SQLite compiles a statement whose LIMIT is a parameter afresh every time it runs, which
//! costs more than the rest of a cached lookup.

pub mod account_changes;
pub mod account_tokens;
pub mod answers;
pub mod attempts;
pub mod audit;
pub mod catalog;
pub mod certificates;
pub mod checkpoint;
pub mod group_commit;
pub mod outbox;
pub mod partner_usage;
pub mod proctoring;
pub mod rule_states;
pub mod schema;
pub mod server_settings;
pub mod statistics;
pub mod status_lists;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod webhooks;

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend the URL named.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Makes connections of one known backend, so that an outage is reported as what it is
/// (the enum's own `establish` would try each backend in turn).
#[derive(Debug)]
pub struct Manager {
    url: String,
    backend: Backend,
}

impl Manager {
    pub fn new(url: &str) -> Manager {
        let backend = Backend::from_url(url);
        let url = match backend {
            Backend::Sqlite => url.strip_prefix("sqlite://").unwrap_or(url).to_string(),
            Backend::Postgres => url.to_string(),
        };
        Manager { url, backend }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConn, diesel::ConnectionError> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url)?;
                // Durable before acknowledged: WAL with a full sync at every commit.
                // The busy timeout first: switching to WAL waits for another process that
                // holds the file (a second instance starting, a CLI import) like any write.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url)?;
                conn.batch_execute("SET synchronous_commit = on; SET TIME ZONE 'UTC';")
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Pg(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), diesel::ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    /// A connection whose transaction could not be closed (a rollback that failed after a
    /// disk or network fault) goes back to nobody: the pool opens a fresh one instead.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::connection::TransactionManager;
        <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Writes that may wait for SQLite's writer: at its pace (hundreds of writes per commit)
/// a few seconds' worth on exam day; more waiting means the disk is failing or slow.
const WRITE_QUEUE: usize = 4096;

/// The database handle every request goes through.
#[derive(Clone)]
pub struct Db {
    backend: Backend,
    read: Pool,
    write: Pool,
    /// SQLite's writes share commits through one writer thread; PostgreSQL's do not need to.
    group: Option<group_commit::GroupCommit>,
    /// SQLite's WAL is copied back off the writer's path (see [`checkpoint`]).
    _checkpointer: Option<checkpoint::Checkpointer>,
}

impl Db {
    /// Opens the pools and checks that the database answers.
    pub fn connect(url: &str, pool_size: u32, timeout: Duration) -> anyhow::Result<Db> {
        let backend = Backend::from_url(url);
        let builder = |size: u32| {
            r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                .connection_timeout(timeout)
                // No `SELECT 1` before every use: on PostgreSQL it was a round trip more
                // than the work itself (two for a save of one statement). A connection that
                // has died fails its next query with 503 `unavailable`, which leaves it
                // marked broken, and the pool replaces it (`has_broken`).
                .test_on_check_out(false)
        };
        let build = |size: u32| builder(size).build(Manager::new(url));
        let (read, write) = match backend {
            Backend::Sqlite => (
                build(pool_size)?,
                builder(1)
                    .connection_customizer(Box::new(checkpoint::WriterSettings))
                    .build(Manager::new(url))?,
            ),
            Backend::Postgres => {
                let pool = build(pool_size)?;
                (pool.clone(), pool)
            }
        };
        let group = match backend {
            Backend::Sqlite => Some(group_commit::GroupCommit::start(
                write.clone(),
                group_commit::Limits {
                    queue: WRITE_QUEUE,
                    // A write that waited this long is answered 503 rather than run late.
                    deadline: timeout.max(Duration::from_secs(5)),
                },
            )?),
            Backend::Postgres => None,
        };
        let checkpointer = match backend {
            Backend::Sqlite => Some(checkpoint::Checkpointer::start(Manager::new(url))?),
            Backend::Postgres => None,
        };
        Ok(Db {
            backend,
            read,
            write,
            group,
            _checkpointer: checkpointer,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite writer's queue and failures; None on PostgreSQL, which has no writer.
    pub fn writer_state(&self) -> Option<group_commit::WriterState> {
        self.group.as_ref().map(|g| g.state())
    }

    /// Runs read-only work on a pooled connection, off the async workers.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        let pool = self.read.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs `f` in one transaction on the writer, off the async workers. Either all of it
    /// commits (durably) or none of it does.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        match &self.group {
            Some(group) => group.write(f).await,
            None => self.statement(move |conn| write_transaction(conn, f)).await,
        }
    }

    /// Runs `f`, one statement that is atomic by itself, on a writer connection without a
    /// transaction around it (saving the BEGIN and COMMIT round trips). On SQLite it goes
    /// through the writer like every write.
    pub async fn statement<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        if let Some(group) = &self.group {
            return group.write(f).await;
        }
        let pool = self.write.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// A writer connection for command-line tools, which run outside the HTTP runtime.
    pub fn writer_blocking(&self) -> ApiResult<PooledConn> {
        Ok(self.write.get()?)
    }

    /// Applies the embedded migrations of this backend. Instances starting together take a
    /// lock (PostgreSQL's advisory lock, SQLite's write lock) so that one migrates at a time.
    pub fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.write.get()?;
        match &mut *conn {
            DbConn::Sqlite(c) => {
                // Changing a constraint in SQLite means rebuilding its table, dropping it
                // while other tables still refer to it: as SQLite documents, foreign keys
                // are off while migrating (the pragma is ignored inside a transaction) and
                // every key is checked before the migrations commit.
                c.batch_execute("PRAGMA foreign_keys = OFF")?;
                // One process at a time: BEGIN IMMEDIATE takes the file's write lock before
                // reading which migrations are applied (each runs in a savepoint of it).
                let migrated = c.immediate_transaction(|c| {
                    let applied = c
                        .run_pending_migrations(SQLITE_MIGRATIONS)
                        .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
                    if applied.is_empty() {
                        return Ok(());
                    }
                    let broken: i64 =
                        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                            "(SELECT count(*) FROM pragma_foreign_key_check)",
                        ))
                        .get_result(c)?;
                    anyhow::ensure!(broken == 0, "migrations left {broken} broken foreign keys");
                    Ok(())
                });
                c.batch_execute("PRAGMA foreign_keys = ON")?;
                migrated?;
            }
            DbConn::Pg(c) => {
                const MIGRATION_LOCK: i64 = 0x1a71_9e11;
                c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
                let result = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|_| ())
                    .map_err(|e| anyhow::anyhow!("migrations failed: {e}"));
                c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
                result?;
            }
        }
        Ok(())
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> ApiResult<()> {
        self.read(|conn| {
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await
    }
}

/// SQLite's library-wide settings, for the server process to apply first thing, before
/// any thread exists that could touch SQLite (they take effect only before its first
/// connection; later calls are refused and change nothing). A diesel connection is used
/// by one thread at a time, so SQLite's own per-connection locking, and the global lock
/// its allocation statistics take on every allocation, are pure cost on the write path.
pub fn configure_sqlite_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: the options are passed the arguments SQLite documents for them (none, an
        // int), and the caller runs this before any other thread uses SQLite.
        unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD);
            libsqlite3_sys::sqlite3_config(
                libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            );
        }
    });
}

/// A write transaction. SQLite's starts with `BEGIN IMMEDIATE`: a deferred one that reads
/// and then writes fails with "database is locked", without waiting, when another
/// process (a second instance, a CLI import) is writing the same file.
pub fn write_transaction<T, F>(conn: &mut DbConn, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut DbConn) -> ApiResult<T>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConn as Connection>::TransactionManager;
    match conn {
        DbConn::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?
        }
        DbConn::Pg(_) => Manager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Manager::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => {
            // The error that caused the rollback is the one worth reporting.
            let _ = Manager::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// Instants are stored as UTC timestamps truncated to microseconds, the precision both
/// backends keep, so that a value reads back exactly as it was written.
pub fn to_db_time(t: DateTime<Utc>) -> NaiveDateTime {
    let naive = t.naive_utc();
    naive
        .with_nanosecond(naive.nanosecond() / 1_000 * 1_000)
        .unwrap_or(naive)
}

pub fn from_db_time(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Maps a unique-constraint violation to `on_conflict`, anything else as usual.
pub fn unique_violation_as(e: diesel::result::Error, on_conflict: ApiError) -> ApiError {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => on_conflict,
        other => other.into(),
    }
}

/// A new row id: a UUIDv7, so ids sort in the order rows were made (timelines of events
/// that share a receipt instant stay in arrival order) and index pages fill in order.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
