//! The database a run uses: a fresh SQLite file in a temporary folder, or a fresh
//! database on the PostgreSQL server `--database` names (dropped afterwards). And its
//! ceiling: single-row durable commits per second, measured the way the server's saves
//! commit.

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub enum Target {
    Sqlite {
        path: PathBuf,
        ceiling: PathBuf,
    },
    Postgres {
        /// The URL given, for creating and dropping the run's database.
        server: String,
        name: String,
        url: String,
    },
}

/// `url` with its database name replaced by `name` (query string kept).
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let scheme_end = url.find("://").context("a postgres:// URL")? + 3;
    let (head, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let path_start = head[scheme_end..]
        .find('/')
        .map_or(head.len(), |i| scheme_end + i);
    Ok(format!("{}/{name}{query}", &head[..path_start]))
}

impl Target {
    pub fn create(database: Option<&str>, dir: &Path) -> anyhow::Result<Target> {
        let Some(server) = database else {
            return Ok(Target::Sqlite {
                path: dir.join("bench.db"),
                ceiling: dir.join("ceiling.db"),
            });
        };
        let name = format!("invigil_bench_{}", std::process::id());
        let mut admin =
            PgConnection::establish(server).with_context(|| format!("connecting to {server}"))?;
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        Ok(Target::Postgres {
            server: server.to_string(),
            url: with_database(server, &name)?,
            name,
        })
    }

    pub fn url(&self) -> String {
        match self {
            Target::Sqlite { path, .. } => path.to_string_lossy().into_owned(),
            Target::Postgres { url, .. } => url.clone(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Target::Sqlite { .. } => "sqlite",
            Target::Postgres { .. } => "postgres",
        }
    }

    /// Single-row durable commits per second on `connections` connections at once, with
    /// the server's own settings (SQLite: WAL and `synchronous = FULL`, one writer;
    /// PostgreSQL: its configured `synchronous_commit`, one transaction per INSERT).
    pub fn commit_ceiling(&self, connections: usize, run_for: Duration) -> anyhow::Result<f64> {
        match self {
            Target::Sqlite { ceiling, .. } => sqlite_commits(ceiling, run_for),
            Target::Postgres { url, .. } => {
                let mut conn = PgConnection::establish(url)?;
                conn.batch_execute(
                    "CREATE TABLE IF NOT EXISTS ceiling (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)",
                )?;
                let started = Instant::now();
                let workers: Vec<_> = (0..connections.max(1))
                    .map(|_| {
                        let url = url.clone();
                        std::thread::spawn(move || -> anyhow::Result<u64> {
                            let mut conn = PgConnection::establish(&url)?;
                            let mut n = 0u64;
                            while started.elapsed() < run_for {
                                diesel::sql_query("INSERT INTO ceiling (v) VALUES ('x')")
                                    .execute(&mut conn)?;
                                n += 1;
                            }
                            Ok(n)
                        })
                    })
                    .collect();
                let mut total = 0;
                for w in workers {
                    total += w
                        .join()
                        .map_err(|_| anyhow::anyhow!("a worker panicked"))??;
                }
                Ok(total as f64 / started.elapsed().as_secs_f64())
            }
        }
    }

    /// Leaves the database as the background work of three hours would have left it after
    /// the aging wrote three hours' rows in a minute: on PostgreSQL the aged tables
    /// vacuumed and analysed, then a checkpoint (where the role may: superuser or
    /// `pg_checkpoint`); on SQLite the WAL checkpointed into the file and truncated.
    /// Otherwise the autovacuum and checkpoints that the rows call for would all fall
    /// inside the measured minute. Returns what could not be done, for the report.
    pub fn settle(&self) -> anyhow::Result<Option<String>> {
        match self {
            Target::Sqlite { path, .. } => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA wal_checkpoint(TRUNCATE);")?;
                Ok(None)
            }
            Target::Postgres { url, .. } => {
                let mut conn = PgConnection::establish(url)?;
                conn.batch_execute(
                    "VACUUM (ANALYZE) attempt_events, answer_saves, attempt_rule_states, \
                     answers, attempts",
                )?;
                Ok(conn
                    .batch_execute("CHECKPOINT")
                    .err()
                    .map(|e| format!("no CHECKPOINT after the aging ({e})")))
            }
        }
    }

    /// Drops the run's PostgreSQL database (a SQLite file goes with its folder).
    pub fn drop_database(&self) -> anyhow::Result<()> {
        if let Target::Postgres { server, name, .. } = self {
            let mut admin = PgConnection::establish(server)?;
            admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        }
        Ok(())
    }
}

fn sqlite_commits(path: &Path, run_for: Duration) -> anyhow::Result<f64> {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
    conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")?;
    conn.batch_execute(
        "CREATE TABLE IF NOT EXISTS ceiling (id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
    )?;
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < run_for {
        conn.immediate_transaction(|c| {
            diesel::sql_query("INSERT INTO ceiling (v) VALUES ('x')").execute(c)
        })?;
        n += 1;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        let url = "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable";
        assert_eq!(
            with_database(url, "b").unwrap(),
            "postgres://u:p@127.0.0.1:5432/b?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://127.0.0.1", "b").unwrap(),
            "postgres://127.0.0.1/b"
        );
    }
}
