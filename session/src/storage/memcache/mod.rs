//! The Memcached storage (feature `memcache`).

mod index;
mod protocol;

use std::time::{Duration, SystemTime};

use index::{Edit, IndexEntry};
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
/// Memcached's longest key.
const MAX_KEY_LEN: usize = 250;
/// What an owner index key adds to the prefix: `owner:`, 64 hex digits, `:`
/// and two of the bucket.
const OWNER_KEY_SUFFIX_LEN: usize = 6 + 64 + 3;
/// The longest key prefix: an owner index key must fit in memcached's 250 bytes.
const MAX_PREFIX_LEN: usize = MAX_KEY_LEN - OWNER_KEY_SUFFIX_LEN;
/// How many items an owner's index is spread over, by the id's hash.
const INDEX_BUCKETS: usize = 64;
/// How long an index entry whose record cannot be found is kept: an insert
/// writes the index first, then the record.
const INDEX_GRACE: Duration = Duration::from_secs(60);

/// Keeps sessions in Memcached, as `@remix-run/session-storage-memcache@0.1.1`
/// does: the key is `remix:session:` (the prefix is configurable) followed by
/// the lowercase hex SHA-256 of the id, the value the JSON `[values, flash]`,
/// and the expiry the session's end when it has timeouts. A save that
/// updates a loaded session is a compare-and-set (`gets`, then `cas`), so
/// concurrent requests of one user never lose each other's changes.
///
/// Memcached keeps no sets, so the owner index of "log out everywhere" is
/// spread over 64 items per owner (by the hash of each session id), each a
/// list of the owner's session ids with when each session ends, updated by
/// compare-and-set beside (not atomically with) the session's own key: an
/// entry is added (or its end moved) before the session is written and
/// removed after it is deleted; the entries of sessions that ended are
/// dropped whenever the item is written, and the item expires with its last
/// session, so the index holds the owner's live sessions and no item grows
/// with sessions that ended. An entry whose session cannot be found is kept
/// for a minute after it was written (its session may be on its way), then
/// pruned by [`owned_by`](BackendStorage::owned_by).
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

    /// The item of `owner`'s index that holds `id`'s entry.
    fn bucket_key(&self, owner: &str, id: &str) -> String {
        let bucket = usize::from_str_radix(&hex_sha256(id)[..2], 16).unwrap_or(0) % INDEX_BUCKETS;
        self.bucket(owner, bucket)
    }

    fn bucket(&self, owner: &str, bucket: usize) -> String {
        format!("{}owner:{}:{bucket:02x}", self.prefix, hex_sha256(owner))
    }

    /// Changes `owner`'s index entry of `id` by compare-and-set; returns
    /// whether the entry is now as asked (for an unindex: gone).
    async fn edit_index(&self, owner: &str, id: &str, edit: Edit) -> Result<bool, Error> {
        Ok(self.edit_index_noting(owner, id, edit).await?.0)
    }

    /// [`edit_index`](Self::edit_index), and whether the entry was not there
    /// before this edit added it.
    async fn edit_index_noting(
        &self,
        owner: &str,
        id: &str,
        edit: Edit,
    ) -> Result<(bool, bool), Error> {
        let key = self.bucket_key(owner, id);
        for _ in 0..INDEX_ATTEMPTS {
            let current = self.pool.gets(&key).await.map_err(backend)?;
            let mut entries = current
                .as_ref()
                .map(|item| index::parse(&item.value))
                .unwrap_or_default();
            let existed = entries.iter().any(|entry| entry.id == id);
            let wall = index::millis(SystemTime::now());
            let Some(changed) = index::apply(&mut entries, id, &edit, wall, INDEX_GRACE) else {
                return Ok((false, false));
            };
            if !changed {
                return Ok((true, false));
            }
            let value = index::write(&entries);
            let exptime = bucket_exptime(&entries, edit.now().unwrap_or(wall));
            let stored = match current {
                Some(item) => {
                    self.pool
                        .store("cas", &key, value.as_bytes(), exptime, Some(item.cas))
                }
                None => self
                    .pool
                    .store("add", &key, value.as_bytes(), exptime, None),
            }
            .await
            .map_err(backend)?;
            if stored == Answer::Stored {
                let created = !existed && entries.iter().any(|entry| entry.id == id);
                return Ok((true, created));
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

/// Memcached's `exptime` for a record ending at `expires_at` (0: never),
/// counted from `now`.
fn exptime(expires_at: Option<SystemTime>, now: SystemTime) -> u64 {
    let Some(at) = expires_at else {
        return 0;
    };
    let left = at.duration_since(now).unwrap_or(Duration::ZERO);
    let seconds = (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1);
    if seconds <= RELATIVE_EXPIRY_LIMIT {
        seconds
    } else {
        super::lifecycle::unix_secs(SystemTime::now() + left)
    }
}

/// An index item's `exptime`: its last session's end (never, if one never
/// ends), and not before the grace of its newest entry.
fn bucket_exptime(entries: &[IndexEntry], now_ms: u64) -> u64 {
    if entries.iter().any(|entry| entry.ends.is_none()) {
        return 0;
    }
    let last = entries
        .iter()
        .filter_map(|entry| entry.ends)
        .max()
        .unwrap_or(now_ms);
    let left = Duration::from_millis(last.saturating_sub(now_ms)).max(INDEX_GRACE);
    let now = SystemTime::now();
    exptime(now.checked_add(left), now)
}

impl SessionBackend for MemcacheBackend {
    async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        let item = self.pool.gets(&self.key(id)).await.map_err(backend)?;
        Ok(item.map(|item| item.value))
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        if let Some(owner) = record.owner {
            self.edit_index(owner, id, Edit::add(&record)).await?;
        }
        let key = self.key(id);
        let exptime = exptime(record.expires_at, record.now);
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
        // The entry first (a new owner's, or the current owner's new end),
        // so the index never holds an earlier end than the record.
        let created = match record.owner {
            Some(owner) => {
                self.edit_index_noting(owner, id, Edit::add(&record))
                    .await?
                    .1
            }
            None => false,
        };
        let owner = record.owner;
        let exptime = exptime(record.expires_at, record.now);
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
            // The session moved or went meanwhile: an entry this save added
            // would point nowhere.
            if created && let Some(owner) = owner {
                self.edit_index(owner, id, Edit::Remove).await?;
            }
            return Ok(false);
        }
        if previous_owner != record.owner
            && let Some(previous) = previous_owner
        {
            self.edit_index(previous, id, Edit::Remove).await?;
        }
        Ok(true)
    }

    async fn remove(&self, id: &str, owner: Option<&str>) -> Result<(), Error> {
        self.pool.delete(&self.key(id)).await.map_err(backend)?;
        if let Some(owner) = owner {
            self.edit_index(owner, id, Edit::Remove).await?;
        }
        Ok(())
    }

    async fn owned(&self, owner: &str) -> Result<Vec<String>, Error> {
        let keys: Vec<String> = (0..INDEX_BUCKETS)
            .map(|bucket| self.bucket(owner, bucket))
            .collect();
        let items = self.pool.get_many(&keys).await.map_err(backend)?;
        Ok(items
            .iter()
            .flat_map(|item| index::parse(item))
            .map(|entry| entry.id)
            .collect())
    }

    async fn unindex(&self, owner: &str, id: &str, _seen: Option<&[u8]>) -> Result<bool, Error> {
        self.edit_index(owner, id, Edit::RemoveUnlessRecent).await
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
    /// printable ASCII without spaces, of at most 177
    /// bytes, so every key (an owner index's is the longest) stays within
    /// memcached's 250.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for any other prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Result<Self, Error> {
        let prefix = prefix.into();
        if prefix.len() > MAX_PREFIX_LEN || !prefix.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidConfig(format!(
                "a memcached key prefix must be printable ASCII without spaces, of at most \
                 {MAX_PREFIX_LEN} bytes (so an owner index key stays within memcached's {MAX_KEY_LEN}); \
                 this one is {} bytes",
                prefix.len()
            )));
        }
        self.backend.prefix = prefix;
        Ok(self)
    }
}
