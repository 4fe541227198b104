//! The Redis storage (feature `redis`).

use std::time::{Duration, SystemTime};

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{Script, ScriptInvocation};

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

/// Replaces a record only if it is still what the request loaded: the
/// single-key form for a cluster, where the owner indexes live in other
/// slots and are updated by separate commands.
/// KEYS[1]: the key. ARGV[1]: the expected record; ARGV[2]: the new record;
/// ARGV[3]: seconds to live, or 0 to keep the key's expiry.
const REPLACE_ONE: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
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

/// How long connecting, or one command, may take.
const TIMEOUT: Duration = Duration::from_secs(2);

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
    connection: Connection,
    prefix: String,
    owner_prefix: String,
    insert: Script,
    replace: Script,
    replace_one: Script,
    remove: Script,
}

/// One Redis, or a cluster of them.
#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl Connection {
    async fn invoke<T: redis::FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        match self.clone() {
            Connection::Single(mut single) => invocation.invoke_async(&mut single).await,
            Connection::Cluster(mut cluster) => invocation.invoke_async(&mut cluster).await,
        }
        .map_err(backend)
    }

    async fn query<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, Error> {
        match self.clone() {
            Connection::Single(mut single) => query(&mut single, command).await,
            Connection::Cluster(mut cluster) => query(&mut cluster, command).await,
        }
    }
}

async fn query<T: redis::FromRedisValue>(
    connection: &mut impl ConnectionLike,
    command: &redis::Cmd,
) -> Result<T, Error> {
    command.query_async(connection).await.map_err(backend)
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
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(backend)?;
        Ok(Self::over(Connection::Single(connection)))
    }

    /// Connects to a Redis Cluster through any of its nodes (such as
    /// `redis://127.0.0.1:7000`).
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when a URL is invalid or no node can be reached.
    pub async fn connect_cluster<U: AsRef<str>>(urls: &[U]) -> Result<Self, Error> {
        let client = ClusterClientBuilder::new(urls.iter().map(AsRef::as_ref))
            .connection_timeout(TIMEOUT)
            .response_timeout(TIMEOUT)
            .retries(4)
            .build()
            .map_err(backend)?;
        let connection = client.get_async_connection().await.map_err(backend)?;
        Ok(Self::over(Connection::Cluster(connection)))
    }

    fn over(connection: Connection) -> Self {
        let mut backend = RedisBackend {
            connection,
            prefix: String::new(),
            owner_prefix: String::new(),
            insert: Script::new(INSERT),
            replace: Script::new(REPLACE),
            replace_one: Script::new(REPLACE_ONE),
            remove: Script::new(REMOVE),
        };
        backend.set_prefix("session:");
        backend
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

    fn clustered(&self) -> bool {
        matches!(self.connection, Connection::Cluster(_))
    }

    /// Adds `id` to, or takes it out of, `owner`'s index: a command of its own.
    async fn edit_index(&self, owner: &str, id: &str, add: bool) -> Result<(), Error> {
        let verb = if add { "SADD" } else { "SREM" };
        self.connection
            .query::<i64>(redis::cmd(verb).arg(self.owner_key(owner)).arg(id))
            .await?;
        Ok(())
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
        self.connection
            .query(redis::cmd("GET").arg(self.key(id)))
            .await
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        let ttl = ttl_secs(record.expires_at);
        if self.clustered() {
            // Other slots: the index first, so it never misses a live session.
            if let Some(owner) = record.owner {
                self.edit_index(owner, id, true).await?;
            }
            let mut set = redis::cmd("SET");
            set.arg(self.key(id)).arg(record.text);
            if ttl > 0 {
                set.arg("EX").arg(ttl);
            } else {
                set.arg("KEEPTTL");
            }
            return self.connection.query::<()>(&set).await;
        }
        let mut invocation = self.insert.key(self.key(id));
        if let Some(owner) = record.owner {
            invocation.key(self.owner_key(owner));
        }
        invocation.arg(record.text).arg(ttl).arg(id);
        self.connection.invoke::<i64>(&invocation).await?;
        Ok(())
    }

    async fn replace(
        &self,
        id: &str,
        expected: &str,
        previous_owner: Option<&str>,
        record: Record<'_>,
    ) -> Result<bool, Error> {
        let ttl = ttl_secs(record.expires_at);
        let moved = previous_owner != record.owner;
        if self.clustered() {
            if moved && let Some(owner) = record.owner {
                self.edit_index(owner, id, true).await?;
            }
            let mut invocation = self.replace_one.key(self.key(id));
            invocation.arg(expected).arg(record.text).arg(ttl);
            let replaced = self.connection.invoke::<i64>(&invocation).await? == 1;
            if replaced
                && moved
                && let Some(previous) = previous_owner
            {
                self.edit_index(previous, id, false).await?;
            }
            return Ok(replaced);
        }
        let mut invocation = self.replace.key(self.key(id));
        let mut index_moves = String::new();
        if moved {
            if let Some(previous) = previous_owner {
                invocation.key(self.owner_key(previous));
                index_moves.push('p');
            }
            if let Some(owner) = record.owner {
                invocation.key(self.owner_key(owner));
                index_moves.push('n');
            }
        }
        invocation
            .arg(expected)
            .arg(record.text)
            .arg(ttl)
            .arg(id)
            .arg(index_moves);
        Ok(self.connection.invoke::<i64>(&invocation).await? == 1)
    }

    async fn remove(&self, id: &str, owner: Option<&str>) -> Result<(), Error> {
        if self.clustered() {
            self.connection
                .query::<i64>(redis::cmd("DEL").arg(self.key(id)))
                .await?;
            if let Some(owner) = owner {
                self.edit_index(owner, id, false).await?;
            }
            return Ok(());
        }
        let mut invocation = self.remove.key(self.key(id));
        if let Some(owner) = owner {
            invocation.key(self.owner_key(owner));
        }
        invocation.arg(id);
        self.connection.invoke::<i64>(&invocation).await?;
        Ok(())
    }

    async fn owned(&self, owner: &str) -> Result<Vec<String>, Error> {
        self.connection
            .query(redis::cmd("SMEMBERS").arg(self.owner_key(owner)))
            .await
    }

    async fn unindex(&self, owner: &str, id: &str) -> Result<(), Error> {
        self.edit_index(owner, id, false).await
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

    /// Connects to a Redis Cluster through any of its nodes (such as
    /// `["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"]`): the same
    /// storage, spread over the cluster. Each session is one key, so every
    /// command and script touches one slot; the owner indexes live in their
    /// own slots and are updated beside the session (an entry is added before
    /// the session is written and removed after it is deleted; entries left
    /// pointing nowhere are pruned by [`owned_by`](BackendStorage::owned_by)).
    /// The connection follows the cluster as slots move and nodes fail over.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when a URL is invalid or no node can be reached.
    pub async fn connect_cluster<U: AsRef<str>>(urls: &[U]) -> Result<Self, Error> {
        Ok(Self::from_backend(
            RedisBackend::connect_cluster(urls).await?,
        ))
    }

    /// The prefix of the keys (default `session:`); owner indexes go under
    /// the prefix without its colon and `-owner:` (`session-owner:`).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.backend.set_prefix(&prefix.into());
        self
    }
}
