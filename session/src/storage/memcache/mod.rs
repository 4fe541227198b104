//! The Memcached storage (feature `memcache`).

mod protocol;

use std::time::{Duration, SystemTime};

use protocol::{Answer, Pool};

use super::backend::{Record, SessionBackend};
use super::hex_sha256;
use super::id_based::BackendStorage;
use crate::error::Error;

/// Times a compare-and-set of an owner's index is tried before giving up.
const INDEX_ATTEMPTS: usize = 32;
/// Memcached reads an expiry up to 30 days as seconds from now, and a larger
/// one as a Unix time.
const RELATIVE_EXPIRY_LIMIT: u64 = 30 * 24 * 3600;

/// Keeps sessions in Memcached, as `@remix-run/session-storage-memcache@0.1.1`
/// does: the key is `remix:session:` (the prefix is configurable) followed by
/// the lowercase hex SHA-256 of the id, the value the JSON `[values, flash]`,
/// and the expiry the session's end when it has timeouts. A save that
/// updates a loaded session is a compare-and-set (`gets`, then `cas`), so
/// concurrent requests of one user never lose each other's changes.
///
/// Memcached keeps no sets, so the owner index of "log out everywhere" is one
/// key per owner holding its session ids, updated by compare-and-set beside
/// (not atomically with) the session's own key: an entry is added before the
/// session is written and removed after it is deleted, and entries that
/// point to no live session are pruned by [`owned_by`](BackendStorage::owned_by).
///
/// Memcached may evict any key when memory runs short, and loses everything
/// when it restarts: a session gone that way reads as a fresh one. The
/// storage reconnects by itself after a restart. It needs a Tokio runtime.
#[cfg_attr(docsrs, doc(cfg(feature = "memcache")))]
pub type MemcacheStorage = BackendStorage<MemcacheBackend>;

/// The backend of [`MemcacheStorage`].
#[cfg_attr(docsrs, doc(cfg(feature = "memcache")))]
pub struct MemcacheBackend {
    pool: Pool,
    prefix: String,
}

impl MemcacheBackend {
    /// Connects to the memcached server at `addr` (`host:port`).
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the server cannot be reached.
    pub async fn connect(addr: &str) -> Result<Self, Error> {
        let pool = Pool::new(addr);
        pool.check().await.map_err(backend)?;
        Ok(MemcacheBackend {
            pool,
            prefix: "remix:session:".to_owned(),
        })
    }

    fn key(&self, id: &str) -> String {
        format!("{}{}", self.prefix, hex_sha256(id))
    }

    fn owner_key(&self, owner: &str) -> String {
        format!("{}owner:{}", self.prefix, hex_sha256(owner))
    }

    /// Adds `id` to, or takes it out of, `owner`'s index, by compare-and-set.
    async fn edit_index(&self, owner: &str, id: &str, add: bool) -> Result<(), Error> {
        let key = self.owner_key(owner);
        for _ in 0..INDEX_ATTEMPTS {
            let current = self.pool.gets(&key).await.map_err(backend)?;
            let mut ids: Vec<String> = current
                .as_ref()
                .map(|item| {
                    String::from_utf8_lossy(&item.value)
                        .lines()
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let present = ids.iter().any(|existing| existing == id);
            if present == add {
                return Ok(());
            }
            if add {
                ids.push(id.to_owned());
            } else {
                ids.retain(|existing| existing != id);
            }
            let value = ids.join("\n");
            let stored = match current {
                Some(item) => self
                    .pool
                    .store("cas", &key, value.as_bytes(), 0, Some(item.cas)),
                None => self.pool.store("add", &key, value.as_bytes(), 0, None),
            }
            .await
            .map_err(backend)?;
            if stored == Answer::Stored {
                return Ok(());
            }
        }
        Err(Error::Backend(
            "the owner index kept changing while this save updated it".into(),
        ))
    }
}

impl std::fmt::Debug for MemcacheBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemcacheBackend")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn backend(error: std::io::Error) -> Error {
    Error::Backend(Box::new(error))
}

/// Memcached's `exptime` for a record ending at `expires_at` (0: never).
fn exptime(expires_at: Option<SystemTime>) -> u64 {
    let Some(at) = expires_at else {
        return 0;
    };
    let now = SystemTime::now();
    let left = at.duration_since(now).unwrap_or(Duration::ZERO);
    let seconds = (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1);
    if seconds <= RELATIVE_EXPIRY_LIMIT {
        seconds
    } else {
        super::lifecycle::unix_secs(at)
    }
}

impl SessionBackend for MemcacheBackend {
    async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        let item = self.pool.gets(&self.key(id)).await.map_err(backend)?;
        Ok(item.map(|item| item.value))
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        if let Some(owner) = record.owner {
            self.edit_index(owner, id, true).await?;
        }
        let key = self.key(id);
        let exptime = exptime(record.expires_at);
        self.pool
            .store("set", &key, record.text.as_bytes(), exptime, None)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn replace(
        &self,
        id: &str,
        expected: &str,
        previous_owner: Option<&str>,
        record: Record<'_>,
    ) -> Result<bool, Error> {
        let key = self.key(id);
        let Some(current) = self.pool.gets(&key).await.map_err(backend)? else {
            return Ok(false);
        };
        if current.value != expected.as_bytes() {
            return Ok(false);
        }
        let moved = previous_owner != record.owner;
        if moved && let Some(owner) = record.owner {
            self.edit_index(owner, id, true).await?;
        }
        let exptime = exptime(record.expires_at);
        let stored = self
            .pool
            .store(
                "cas",
                &key,
                record.text.as_bytes(),
                exptime,
                Some(current.cas),
            )
            .await
            .map_err(backend)?;
        if stored != Answer::Stored {
            return Ok(false);
        }
        if moved && let Some(previous) = previous_owner {
            self.edit_index(previous, id, false).await?;
        }
        Ok(true)
    }

    async fn remove(&self, id: &str, owner: Option<&str>) -> Result<(), Error> {
        self.pool.delete(&self.key(id)).await.map_err(backend)?;
        if let Some(owner) = owner {
            self.edit_index(owner, id, false).await?;
        }
        Ok(())
    }

    async fn owned(&self, owner: &str) -> Result<Vec<String>, Error> {
        let item = self
            .pool
            .gets(&self.owner_key(owner))
            .await
            .map_err(backend)?;
        Ok(item
            .map(|item| {
                String::from_utf8_lossy(&item.value)
                    .lines()
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn unindex(&self, owner: &str, id: &str) -> Result<(), Error> {
        self.edit_index(owner, id, false).await
    }
}

impl BackendStorage<MemcacheBackend> {
    /// Connects to the memcached server at `addr` (`host:port`).
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the server cannot be reached.
    pub async fn connect(addr: &str) -> Result<Self, Error> {
        Ok(Self::from_backend(MemcacheBackend::connect(addr).await?))
    }

    /// The prefix of the keys (default `remix:session:`, as the reference's):
    /// printable ASCII without spaces, at most 186 bytes, so a key stays
    /// within memcached's 250. Anything else keeps the default.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        let valid = prefix.len() <= 186 && prefix.bytes().all(|b| b.is_ascii_graphic());
        if valid {
            self.backend.prefix = prefix;
        } else {
            tracing::warn!(
                prefix = %prefix.escape_debug(),
                "a memcached key prefix must be printable ASCII without spaces, of at most 186 bytes; keeping the default"
            );
        }
        self
    }
}
