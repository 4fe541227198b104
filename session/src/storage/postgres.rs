//! The PostgreSQL storage (feature `postgres`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use tokio_postgres::{Client, NoTls, Statement};

use super::backend::{Record, SessionBackend};
use super::id_based::BackendStorage;
use crate::error::Error;

/// Writes between two sweeps of expired rows.
const SWEEP_EVERY: usize = 1000;

/// Keeps sessions in one PostgreSQL table, for teams that run PostgreSQL and
/// no Redis. The table (`sessions` unless named otherwise) is created if
/// missing:
///
/// ```sql
/// CREATE TABLE sessions (
///     id         TEXT PRIMARY KEY,
///     record     TEXT NOT NULL,        -- JSON [values, flash]
///     expires_at TIMESTAMPTZ,          -- when the session ends, if it does
///     owner      TEXT                  -- the #[session(owner)] value, for "log out everywhere"
/// );
/// ```
///
/// A save that updates a loaded session is a compare-and-set,
/// `UPDATE ... WHERE id = $1 AND record = $expected`, so concurrent requests
/// of one user never lose each other's changes; the owner column changes in
/// the same statement, so the owner index is exact. Expired rows read as
/// absent, and are deleted every thousand writes (and by
/// [`sweep`](BackendStorage::sweep)).
///
/// The connection reconnects by itself when the server comes back after a
/// failure. It needs a Tokio runtime.
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub type PostgresStorage = BackendStorage<PostgresBackend>;

/// The backend of [`PostgresStorage`].
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub struct PostgresBackend {
    url: String,
    table: String,
    connection: Mutex<Option<Arc<Connection>>>,
    connecting: tokio::sync::Mutex<()>,
    writes: AtomicUsize,
}

/// A client and its prepared statements.
struct Connection {
    client: Client,
    load: Statement,
    insert: Statement,
    replace: Statement,
    rename: Statement,
    rename_keeping: Statement,
    remove: Statement,
    owned: Statement,
    sweep: Statement,
}

impl PostgresBackend {
    /// Connects to PostgreSQL at `url` (such as
    /// `postgres://user:password@127.0.0.1/app`, or `host=... user=...`) and
    /// creates the table `table` if it does not exist.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the name is not a plain SQL identifier
    /// (letters, digits and `_`, optionally `schema.table`), the server
    /// cannot be reached, or the table cannot be created.
    pub async fn connect(url: &str, table: &str) -> Result<Self, Error> {
        let table = quoted_table(table)?;
        let backend = PostgresBackend {
            url: url.to_owned(),
            table,
            connection: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            writes: AtomicUsize::new(0),
        };
        backend.connection().await?;
        Ok(backend)
    }

    fn current(&self) -> Option<Arc<Connection>> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .filter(|connection| !connection.client.is_closed())
    }

    /// The open connection, or a new one when there is none or it closed.
    async fn connection(&self) -> Result<Arc<Connection>, Error> {
        if let Some(connection) = self.current() {
            return Ok(connection);
        }
        let _one_at_a_time = self.connecting.lock().await;
        if let Some(connection) = self.current() {
            return Ok(connection);
        }
        let (client, driver) = tokio_postgres::connect(&self.url, NoTls)
            .await
            .map_err(backend)?;
        tokio::spawn(async move {
            if let Err(error) = driver.await {
                tracing::warn!(%error, "the PostgreSQL connection of the session storage closed");
            }
        });
        let table = &self.table;
        let index = table.replace('"', "");
        let index = index.rsplit('.').next().unwrap_or("sessions");
        client
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {table} (
                     id TEXT PRIMARY KEY,
                     record TEXT NOT NULL,
                     expires_at TIMESTAMPTZ,
                     owner TEXT
                 );
                 CREATE INDEX IF NOT EXISTS \"{index}_owner\" ON {table} (owner) WHERE owner IS NOT NULL;
                 CREATE INDEX IF NOT EXISTS \"{index}_expires_at\" ON {table} (expires_at);"
            ))
            .await
            .map_err(backend)?;
        let live = "(expires_at IS NULL OR expires_at > now())";
        let prepare = async |sql: String| client.prepare(&sql).await.map_err(backend);
        let connection = Arc::new(Connection {
            load: prepare(format!(
                "SELECT record FROM {table} WHERE id = $1 AND {live}"
            ))
            .await?,
            insert: prepare(format!(
                "INSERT INTO {table} (id, record, expires_at, owner) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE
                 SET record = $2, expires_at = $3, owner = $4"
            ))
            .await?,
            replace: prepare(format!(
                "UPDATE {table} SET record = $3, expires_at = $4, owner = $5
                 WHERE id = $1 AND record = $2 AND {live}"
            ))
            .await?,
            // The old row is deleted (or locked, when kept) in the statement
            // that writes the new one: if another transaction deleted or
            // changed it first, nothing is written.
            rename: prepare(format!(
                "WITH old AS (
                     DELETE FROM {table} WHERE id = $1 AND record = $2 AND {live} RETURNING 1
                 )
                 INSERT INTO {table} (id, record, expires_at, owner)
                 SELECT $3, $4, $5, $6 FROM old
                 ON CONFLICT (id) DO UPDATE SET record = $4, expires_at = $5, owner = $6"
            ))
            .await?,
            rename_keeping: prepare(format!(
                "WITH old AS (
                     SELECT 1 FROM {table} WHERE id = $1 AND record = $2 AND {live} FOR UPDATE
                 )
                 INSERT INTO {table} (id, record, expires_at, owner)
                 SELECT $3, $4, $5, $6 FROM old
                 ON CONFLICT (id) DO UPDATE SET record = $4, expires_at = $5, owner = $6"
            ))
            .await?,
            remove: prepare(format!("DELETE FROM {table} WHERE id = $1")).await?,
            owned: prepare(format!(
                "SELECT id FROM {table} WHERE owner = $1 AND {live}"
            ))
            .await?,
            sweep: prepare(format!("DELETE FROM {table} WHERE expires_at <= $1")).await?,
            client,
        });
        *self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&connection));
        Ok(connection)
    }

    /// Deletes every row whose session ended by `now`; returns how many.
    async fn sweep(&self, now: SystemTime) -> Result<u64, Error> {
        let connection = self.connection().await?;
        connection
            .client
            .execute(&connection.sweep, &[&now])
            .await
            .map_err(backend)
    }

    /// Counts a write, and sweeps every [`SWEEP_EVERY`] of them.
    async fn wrote(&self, now: SystemTime) -> Result<(), Error> {
        if self.writes.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep(now).await?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

fn backend(error: tokio_postgres::Error) -> Error {
    Error::Backend(Box::new(error))
}

/// `table` or `schema.table`, each part a plain identifier, quoted.
fn quoted_table(table: &str) -> Result<String, Error> {
    let plain = |part: &str| {
        !part.is_empty()
            && part.len() <= 63
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !part.as_bytes()[0].is_ascii_digit()
    };
    let parts: Vec<&str> = table.split('.').collect();
    if parts.len() > 2 || !parts.iter().all(|part| plain(part)) {
        return Err(Error::Backend(
            format!(
                "{table:?} is not a plain table name: use letters, digits and `_`, optionally as `schema.table`"
            )
            .into(),
        ));
    }
    Ok(parts
        .iter()
        .map(|part| format!("\"{part}\""))
        .collect::<Vec<_>>()
        .join("."))
}

impl SessionBackend for PostgresBackend {
    async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        let connection = self.connection().await?;
        let row = connection
            .client
            .query_opt(&connection.load, &[&id])
            .await
            .map_err(backend)?;
        Ok(row.map(|row| row.get::<_, String>(0).into_bytes()))
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        let connection = self.connection().await?;
        connection
            .client
            .execute(
                &connection.insert,
                &[&id, &record.text, &record.expires_at, &record.owner],
            )
            .await
            .map_err(backend)?;
        self.wrote(record.now).await
    }

    async fn replace(
        &self,
        id: &str,
        expected: &str,
        _previous_owner: Option<&str>,
        record: Record<'_>,
    ) -> Result<bool, Error> {
        let connection = self.connection().await?;
        let updated = connection
            .client
            .execute(
                &connection.replace,
                &[
                    &id,
                    &expected,
                    &record.text,
                    &record.expires_at,
                    &record.owner,
                ],
            )
            .await
            .map_err(backend)?;
        self.wrote(record.now).await?;
        Ok(updated == 1)
    }

    async fn rename(
        &self,
        from: &str,
        expected: &str,
        _previous_owner: Option<&str>,
        to: &str,
        record: Record<'_>,
        keep_from: bool,
    ) -> Result<bool, Error> {
        let connection = self.connection().await?;
        let statement = if keep_from {
            &connection.rename_keeping
        } else {
            &connection.rename
        };
        let written = connection
            .client
            .execute(
                statement,
                &[
                    &from,
                    &expected,
                    &to,
                    &record.text,
                    &record.expires_at,
                    &record.owner,
                ],
            )
            .await
            .map_err(backend)?;
        self.wrote(record.now).await?;
        Ok(written == 1)
    }

    async fn remove(&self, id: &str, _owner: Option<&str>) -> Result<(), Error> {
        let connection = self.connection().await?;
        connection
            .client
            .execute(&connection.remove, &[&id])
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn owned(&self, owner: &str) -> Result<Vec<String>, Error> {
        let connection = self.connection().await?;
        let rows = connection
            .client
            .query(&connection.owned, &[&owner])
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(|row| row.get(0)).collect())
    }

    /// The index is the `owner` column of each row, written with the row:
    /// an entry never outlives its record.
    async fn unindex(&self, _owner: &str, _id: &str, _seen: Option<&[u8]>) -> Result<bool, Error> {
        Ok(true)
    }
}

impl BackendStorage<PostgresBackend> {
    /// Connects to PostgreSQL at `url` and uses the table `sessions`, created
    /// if missing.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the server cannot be reached or the table
    /// cannot be created.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_to_table(url, "sessions").await
    }

    /// Connects to PostgreSQL at `url` and uses the table `table` (a plain
    /// name, or `schema.table`), created if missing.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the name is not a plain SQL identifier, the
    /// server cannot be reached, or the table cannot be created.
    pub async fn connect_to_table(url: &str, table: &str) -> Result<Self, Error> {
        Ok(Self::from_backend(
            PostgresBackend::connect(url, table).await?,
        ))
    }

    /// Deletes every row whose session has ended (by its expiry column and
    /// the storage's clock); returns how many. Rows are also swept every
    /// thousand writes.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the server fails.
    pub async fn sweep(&self) -> Result<u64, Error> {
        self.backend.sweep(self.lifecycle.clock.now()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_plain_identifiers_and_quoted() {
        assert_eq!(quoted_table("sessions").unwrap(), "\"sessions\"");
        assert_eq!(
            quoted_table("app.web_sessions").unwrap(),
            "\"app\".\"web_sessions\""
        );
        for bad in ["", "1st", "a-b", "a;drop table x", "a.b.c", "\"x\"", "a b"] {
            assert!(quoted_table(bad).is_err(), "{bad}");
        }
    }
}
