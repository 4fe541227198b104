//! The SQLite storage (feature `sqlite`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

use super::backend::{Record, SessionBackend};
use super::id_based::BackendStorage;
use crate::error::Error;

/// Writes between two sweeps of expired rows.
const SWEEP_EVERY: usize = 1000;

/// How long a statement waits for another connection's write lock before it
/// fails with "database is locked", unless opened otherwise.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Keeps sessions in one table of an SQLite file, for a small service that
/// already has one, or that runs on one machine without a server. The table
/// `sessions` is created if missing, as the PostgreSQL storage's:
///
/// ```sql
/// CREATE TABLE sessions (
///     id         TEXT PRIMARY KEY,
///     record     TEXT NOT NULL,   -- JSON [values, flash]
///     expires_at INTEGER,         -- when the session ends, in Unix milliseconds, if it does
///     owner      TEXT             -- the #[session(owner)] value, for "log out everywhere"
/// );
/// ```
///
/// A save that updates a loaded session is a compare-and-set
/// (`UPDATE ... WHERE id = ? AND record = ?`), and a new id is written in the
/// transaction that checks and deletes the old one, so concurrent requests
/// never lose each other's changes and a session destroyed meanwhile stays
/// destroyed; the owner column changes in the same statement, so the owner
/// index is exact. Expired rows read as absent, and are deleted every
/// thousand writes (and by [`sweep`](BackendStorage::sweep)).
///
/// Several processes on one machine may share the file: it is opened in
/// write-ahead-log mode (readers never wait for the writer), and a write
/// waits up to a busy timeout ([`SQLITE_BUSY_TIMEOUT`], or
/// [`open_with_busy_timeout`](BackendStorage::open_with_busy_timeout)) for
/// another process's write to finish, then fails with an error rather than
/// block for ever. Every statement runs on Tokio's blocking threads, never on
/// an async worker. It needs a Tokio runtime.
///
/// ```no_run
/// # async fn open() -> Result<(), session_schema::Error> {
/// use session_schema::SqliteStorage;
///
/// let storage = SqliteStorage::open("sessions.sqlite3").await?;
/// # let _ = storage;
/// # Ok(())
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub type SqliteStorage = BackendStorage<SqliteBackend>;

/// The backend of [`SqliteStorage`].
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub struct SqliteBackend {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
    writes: AtomicUsize,
}

/// The condition of a live row, at the parameter `:now`.
macro_rules! live {
    () => {
        "(expires_at IS NULL OR expires_at > :now)"
    };
}

impl SqliteBackend {
    /// Opens (creating it if missing) the SQLite file at `path`, in
    /// write-ahead-log mode, and creates the table `sessions` if it does not
    /// exist. A write waits up to `busy_timeout` for another connection's.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the file cannot be opened or created, is not
    /// an SQLite database (a corrupt or foreign file), or the table cannot be
    /// created.
    pub async fn open(path: impl AsRef<Path>, busy_timeout: Duration) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        let opened = path.clone();
        let connection = blocking(move || {
            let connection = Connection::open(&opened)?;
            connection.busy_timeout(busy_timeout)?;
            // WAL: readers and one writer at once, across processes.
            let _mode: String =
                connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
            connection.execute_batch(
                "PRAGMA synchronous = NORMAL;
                 CREATE TABLE IF NOT EXISTS sessions (
                     id TEXT PRIMARY KEY,
                     record TEXT NOT NULL,
                     expires_at INTEGER,
                     owner TEXT
                 );
                 CREATE INDEX IF NOT EXISTS sessions_owner ON sessions (owner) WHERE owner IS NOT NULL;
                 CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);",
            )?;
            Ok(connection)
        })
        .await
        .map_err(|error| {
            Error::Backend(
                format!("the SQLite file {} cannot be used: {error}", path.display()).into(),
            )
        })?;
        Ok(SqliteBackend {
            path,
            connection: Arc::new(Mutex::new(connection)),
            writes: AtomicUsize::new(0),
        })
    }

    /// Runs `work` with the connection on a blocking thread.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, Error> {
        let connection = Arc::clone(&self.connection);
        blocking(move || {
            let mut connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut connection)
        })
        .await
        .map_err(|error| Error::Backend(Box::new(error)))
    }

    /// Deletes every row whose session ended by `now`; returns how many.
    async fn sweep(&self, now: SystemTime) -> Result<u64, Error> {
        let now = millis(now);
        self.run(move |connection| {
            connection.execute("DELETE FROM sessions WHERE expires_at <= ?1", params![now])
        })
        .await
        .map(|swept| swept as u64)
    }

    /// Counts a write, and sweeps every [`SWEEP_EVERY`] of them.
    async fn wrote(&self, now: SystemTime) -> Result<(), Error> {
        if self.writes.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep(now).await?;
        }
        Ok(())
    }
}

/// Runs `work` on Tokio's blocking threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, BlockingError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(BlockingError::Sqlite(error)),
        Err(error) => Err(BlockingError::Task(error)),
    }
}

/// Why a statement did not run to its end.
#[derive(Debug)]
enum BlockingError {
    /// SQLite refused it.
    Sqlite(rusqlite::Error),
    /// The blocking task panicked or was cancelled.
    Task(tokio::task::JoinError),
}

impl std::fmt::Display for BlockingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlockingError::Sqlite(error) => write!(f, "SQLite: {error}"),
            BlockingError::Task(error) => write!(f, "the SQLite task did not finish: {error}"),
        }
    }
}

impl std::error::Error for BlockingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BlockingError::Sqlite(error) => Some(error),
            BlockingError::Task(error) => Some(error),
        }
    }
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// `time` in Unix milliseconds (0 before the epoch, the largest `i64` past
/// what it can hold).
fn millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

/// Now, in Unix milliseconds, for the liveness of rows.
fn now_millis() -> i64 {
    millis(SystemTime::now())
}

/// What a statement needs of a [`Record`], owned for the blocking thread.
struct Row {
    text: String,
    expires_at: Option<i64>,
    owner: Option<String>,
}

impl Row {
    fn of(record: &Record<'_>) -> Self {
        Row {
            text: record.text.clone(),
            expires_at: record.expires_at.map(millis),
            owner: record.owner.map(str::to_owned),
        }
    }
}

const UPSERT: &str = "INSERT INTO sessions (id, record, expires_at, owner) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (id) DO UPDATE
     SET record = excluded.record, expires_at = excluded.expires_at, owner = excluded.owner";

impl SessionBackend for SqliteBackend {
    async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        let id = id.to_owned();
        let now = now_millis();
        self.run(move |connection| {
            connection
                .prepare_cached(concat!(
                    "SELECT record FROM sessions WHERE id = :id AND ",
                    live!()
                ))?
                .query_row(rusqlite::named_params! { ":id": id, ":now": now }, |row| {
                    row.get::<_, String>(0)
                })
                .optional()
        })
        .await
        .map(|record| record.map(String::into_bytes))
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        let id = id.to_owned();
        let row = Row::of(&record);
        self.run(move |connection| {
            connection.prepare_cached(UPSERT)?.execute(params![
                id,
                row.text,
                row.expires_at,
                row.owner
            ])
        })
        .await?;
        self.wrote(record.now).await
    }

    async fn replace(
        &self,
        id: &str,
        expected: &str,
        _previous_owner: Option<&str>,
        record: Record<'_>,
    ) -> Result<bool, Error> {
        let (id, expected) = (id.to_owned(), expected.to_owned());
        let row = Row::of(&record);
        let now = now_millis();
        let updated = self
            .run(move |connection| {
                connection
                    .prepare_cached(concat!(
                        "UPDATE sessions SET record = :text, expires_at = :expires, owner = :owner
                         WHERE id = :id AND record = :expected AND ",
                        live!()
                    ))?
                    .execute(rusqlite::named_params! {
                        ":id": id,
                        ":expected": expected,
                        ":text": row.text,
                        ":expires": row.expires_at,
                        ":owner": row.owner,
                        ":now": now,
                    })
            })
            .await?;
        self.wrote(record.now).await?;
        Ok(updated == 1)
    }

    /// One transaction, which takes the write lock first: the old row is
    /// checked (and deleted, unless kept) and the new one written, or
    /// nothing is.
    async fn rename(
        &self,
        from: &str,
        expected: &str,
        _previous_owner: Option<&str>,
        to: &str,
        record: Record<'_>,
        keep_from: bool,
    ) -> Result<bool, Error> {
        let (from, expected, to) = (from.to_owned(), expected.to_owned(), to.to_owned());
        let row = Row::of(&record);
        let now = now_millis();
        let written = self
            .run(move |connection| {
                let transaction =
                    connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let old =
                    rusqlite::named_params! { ":id": from, ":expected": expected, ":now": now };
                let found = if keep_from {
                    transaction
                        .prepare_cached(concat!(
                            "SELECT 1 FROM sessions WHERE id = :id AND record = :expected AND ",
                            live!()
                        ))?
                        .exists(old)?
                } else {
                    transaction
                        .prepare_cached(concat!(
                            "DELETE FROM sessions WHERE id = :id AND record = :expected AND ",
                            live!()
                        ))?
                        .execute(old)?
                        == 1
                };
                if !found {
                    return Ok(false);
                }
                transaction.prepare_cached(UPSERT)?.execute(params![
                    to,
                    row.text,
                    row.expires_at,
                    row.owner
                ])?;
                transaction.commit()?;
                Ok(true)
            })
            .await?;
        self.wrote(record.now).await?;
        Ok(written)
    }

    async fn remove(&self, id: &str, _owner: Option<&str>) -> Result<(), Error> {
        let id = id.to_owned();
        self.run(move |connection| {
            connection
                .prepare_cached("DELETE FROM sessions WHERE id = ?1")?
                .execute(params![id])
        })
        .await?;
        Ok(())
    }

    async fn owned(&self, owner: &str) -> Result<Vec<String>, Error> {
        let owner = owner.to_owned();
        let now = now_millis();
        self.run(move |connection| {
            connection
                .prepare_cached(concat!(
                    "SELECT id FROM sessions WHERE owner = :owner AND ",
                    live!()
                ))?
                .query_map(
                    rusqlite::named_params! { ":owner": owner, ":now": now },
                    |row| row.get(0),
                )?
                .collect()
        })
        .await
    }

    /// The index is the `owner` column of each row, written with the row:
    /// an entry never outlives its record.
    async fn unindex(&self, _owner: &str, _id: &str, _seen: Option<&[u8]>) -> Result<bool, Error> {
        Ok(true)
    }
}

impl BackendStorage<SqliteBackend> {
    /// Opens (creating it if missing) the SQLite file at `path` and uses its
    /// table `sessions`, created if missing; a write waits up to
    /// [`SQLITE_BUSY_TIMEOUT`] for another process's.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the file cannot be opened or created, is not
    /// an SQLite database, or the table cannot be created.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::open_with_busy_timeout(path, SQLITE_BUSY_TIMEOUT).await
    }

    /// [`open`](Self::open), with writes waiting up to `busy_timeout` for
    /// another connection's before they fail with an error.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub async fn open_with_busy_timeout(
        path: impl AsRef<Path>,
        busy_timeout: Duration,
    ) -> Result<Self, Error> {
        Ok(Self::from_backend(
            SqliteBackend::open(path, busy_timeout).await?,
        ))
    }

    /// Deletes every row whose session has ended (by its expiry column and
    /// the storage's clock); returns how many. Rows are also swept every
    /// thousand writes.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the file cannot be written.
    pub async fn sweep(&self) -> Result<u64, Error> {
        self.backend.sweep(self.lifecycle.clock.now()).await
    }
}
