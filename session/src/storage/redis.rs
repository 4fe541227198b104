//! The Redis storage (feature `redis`).

use std::time::{Duration, SystemTime};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};

use super::backend::{Record, SessionBackend};
use super::hex_sha256;
use super::id_based::BackendStorage;
use crate::error::Error;

/// Writes a record and adds it to its owner's index.
/// KEYS[1]: the key; KEYS[2]: the owner's index, if any.
/// ARGV[1]: the record; ARGV[2]: seconds to live, or 0 to keep the key's
/// expiry as it is; ARGV[3]: the id.
const INSERT: &str = r"
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
end
if KEYS[2] then
  redis.call('SADD', KEYS[2], ARGV[3])
end
return 1
";

/// Replaces a record only if it is still what the request loaded, in one
/// step, and moves it between owner indexes when its owner changed.
/// KEYS[1]: the key; KEYS[2], KEYS[3]: the previous and the new owner's
/// index (`ARGV[5]` says which are given: "", "p", "n" or "pn").
/// ARGV[1]: the expected record; ARGV[2]: the new record; ARGV[3]: seconds to
/// live, or 0 to keep the key's expiry; ARGV[4]: the id.
const REPLACE: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
end
local next = 2
if string.find(ARGV[5], 'p') then
  redis.call('SREM', KEYS[next], ARGV[4])
  next = next + 1
end
if string.find(ARGV[5], 'n') then
  redis.call('SADD', KEYS[next], ARGV[4])
end
return 1
";

/// Deletes a record and takes it out of its owner's index.
/// KEYS[1]: the key; KEYS[2]: the owner's index, if any. ARGV[1]: the id.
const REMOVE: &str = r"
redis.call('DEL', KEYS[1])
if KEYS[2] then
  redis.call('SREM', KEYS[2], ARGV[1])
end
return 1
";

/// The longest time to live written, in seconds (about 68 years): Redis
/// refuses expiries whose milliseconds overflow.
const MAX_TTL_SECS: u64 = i32::MAX as u64;

/// Keeps sessions in Redis, where every instance of an app sees them: the
/// storage for deployments with more than one server process.
///
/// Each session is a string key `session:<id>` (the prefix is configurable)
/// holding the JSON `[values, flash]`, as `@remix-run/session-storage-redis`
/// keeps it; with a timeout, `SET ... EX` makes Redis forget it when it ends.
/// Without one, a save keeps whatever expiry the key already has (`KEEPTTL`),
/// so an expiry set by another client survives. A save that updates a loaded
/// session applies only that request's changes, with a compare-and-set
/// script, so two requests of one user changing different keys at once both
/// keep their change. The owner index of "log out everywhere" is one set per
/// owner, `session-owner:<sha256 of the owner>`, updated by the same scripts.
///
/// The connection is a [`redis::aio::ConnectionManager`]: when Redis goes
/// away, calls fail with [`Error::Backend`] and the storage reconnects by
/// itself when Redis is back. It needs a Tokio runtime.
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub type RedisStorage = BackendStorage<RedisBackend>;

/// The backend of [`RedisStorage`].
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub struct RedisBackend {
    connection: ConnectionManager,
    prefix: String,
    owner_prefix: String,
    insert: Script,
    replace: Script,
    remove: Script,
}

impl RedisBackend {
    /// Connects to Redis at `url` (such as `redis://127.0.0.1:6379`).
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the URL is invalid or Redis cannot be reached.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let client = redis::Client::open(url).map_err(backend)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(backend)?;
        let mut backend = RedisBackend {
            connection,
            prefix: String::new(),
            owner_prefix: String::new(),
            insert: Script::new(INSERT),
            replace: Script::new(REPLACE),
            remove: Script::new(REMOVE),
        };
        backend.set_prefix("session:");
        Ok(backend)
    }

    fn set_prefix(&mut self, prefix: &str) {
        prefix.clone_into(&mut self.prefix);
        self.owner_prefix = format!("{}-owner:", prefix.trim_end_matches(':'));
    }

    fn key(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }

    fn owner_key(&self, owner: &str) -> String {
        format!("{}{}", self.owner_prefix, hex_sha256(owner))
    }
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn backend(error: redis::RedisError) -> Error {
    Error::Backend(Box::new(error))
}

/// Seconds until `expires_at` (at least one), or 0 for no expiry.
fn ttl_secs(expires_at: Option<SystemTime>) -> u64 {
    expires_at.map_or(0, |at| {
        let left = at
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        (left.as_secs() + u64::from(left.subsec_nanos() > 0)).clamp(1, MAX_TTL_SECS)
    })
}

impl SessionBackend for RedisBackend {
    async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        let mut connection = self.connection.clone();
        connection.get(self.key(id)).await.map_err(backend)
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        let mut connection = self.connection.clone();
        let mut invocation = self.insert.key(self.key(id));
        if let Some(owner) = record.owner {
            invocation.key(self.owner_key(owner));
        }
        invocation
            .arg(record.text)
            .arg(ttl_secs(record.expires_at))
            .arg(id)
            .invoke_async::<i64>(&mut connection)
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
        let mut connection = self.connection.clone();
        let mut invocation = self.replace.key(self.key(id));
        let mut moves = String::new();
        if previous_owner != record.owner {
            if let Some(previous) = previous_owner {
                invocation.key(self.owner_key(previous));
                moves.push('p');
            }
            if let Some(owner) = record.owner {
                invocation.key(self.owner_key(owner));
                moves.push('n');
            }
        }
        let replaced: i64 = invocation
            .arg(expected)
            .arg(record.text)
            .arg(ttl_secs(record.expires_at))
            .arg(id)
            .arg(moves)
            .invoke_async(&mut connection)
            .await
            .map_err(backend)?;
        Ok(replaced == 1)
    }

    async fn remove(&self, id: &str, owner: Option<&str>) -> Result<(), Error> {
        let mut connection = self.connection.clone();
        let mut invocation = self.remove.key(self.key(id));
        if let Some(owner) = owner {
            invocation.key(self.owner_key(owner));
        }
        invocation
            .arg(id)
            .invoke_async::<i64>(&mut connection)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn owned(&self, owner: &str) -> Result<Vec<String>, Error> {
        let mut connection = self.connection.clone();
        connection
            .smembers(self.owner_key(owner))
            .await
            .map_err(backend)
    }

    async fn unindex(&self, owner: &str, id: &str) -> Result<(), Error> {
        let mut connection = self.connection.clone();
        connection
            .srem::<_, _, ()>(self.owner_key(owner), id)
            .await
            .map_err(backend)
    }
}

impl BackendStorage<RedisBackend> {
    /// Connects to Redis at `url` (such as `redis://127.0.0.1:6379`).
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when the URL is invalid or Redis cannot be reached.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Ok(Self::from_backend(RedisBackend::connect(url).await?))
    }

    /// The prefix of the keys (default `session:`); owner indexes go under
    /// the prefix without its colon and `-owner:` (`session-owner:`).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.backend.set_prefix(&prefix.into());
        self
    }
}
