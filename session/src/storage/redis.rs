//! The Redis storage (feature `redis`).

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};

use super::id_based::{Options, Records, id_based_storage};
use crate::error::Error;

/// Replaces a record only if it is still what the request loaded, in one step.
/// KEYS[1]: the key; ARGV[1]: the expected JSON; ARGV[2]: the new JSON;
/// ARGV[3]: the time-to-live in seconds, or 0 for none.
const REPLACE_IF_UNCHANGED: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1
";

/// Keeps sessions in Redis, where every instance of an app sees them: the
/// storage for deployments with more than one server process.
///
/// Each session is a string key `session:<id>` (the prefix is configurable)
/// holding the JSON `[values, flash]`, with `SET ... EX` when a
/// [`ttl`](Self::ttl) is set. A save that updates a loaded session applies only
/// that request's changes, with a compare-and-set script, so two requests of
/// one user changing different keys at once both keep their change.
///
/// The connection is a [`redis::aio::ConnectionManager`]: when Redis goes
/// away, calls fail with [`Error::Backend`] and the storage reconnects by
/// itself when Redis is back. It needs a Tokio runtime.
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub struct RedisStorage {
    connection: ConnectionManager,
    prefix: String,
    options: Options,
    replace: Script,
}

impl RedisStorage {
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
        Ok(RedisStorage {
            connection,
            prefix: "session:".to_owned(),
            options: Options::default(),
            replace: Script::new(REPLACE_IF_UNCHANGED),
        })
    }

    /// The prefix of the keys (default `session:`).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a session lives after its last save (whole seconds, at least one).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.options.ttl = Some(ttl.max(Duration::from_secs(1)));
        self
    }

    fn key(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }

    fn ttl_secs(&self) -> u64 {
        self.options.ttl.map_or(0, |ttl| ttl.as_secs().max(1))
    }
}

impl std::fmt::Debug for RedisStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStorage")
            .field("prefix", &self.prefix)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

fn backend(error: redis::RedisError) -> Error {
    Error::Backend(Box::new(error))
}

impl Records for RedisStorage {
    async fn load(&self, id: &str) -> Result<Option<String>, Error> {
        let mut connection = self.connection.clone();
        connection.get(self.key(id)).await.map_err(backend)
    }

    async fn insert(&self, id: &str, json: String) -> Result<(), Error> {
        let mut connection = self.connection.clone();
        let key = self.key(id);
        match self.ttl_secs() {
            0 => connection.set::<_, _, ()>(key, json).await,
            ttl => connection.set_ex::<_, _, ()>(key, json, ttl).await,
        }
        .map_err(backend)
    }

    async fn replace(&self, id: &str, expected: &str, json: String) -> Result<bool, Error> {
        let mut connection = self.connection.clone();
        let replaced: i64 = self
            .replace
            .key(self.key(id))
            .arg(expected)
            .arg(json)
            .arg(self.ttl_secs())
            .invoke_async(&mut connection)
            .await
            .map_err(backend)?;
        Ok(replaced == 1)
    }

    async fn remove(&self, id: &str) -> Result<(), Error> {
        let mut connection = self.connection.clone();
        connection.del::<_, ()>(self.key(id)).await.map_err(backend)
    }
}

id_based_storage!(RedisStorage);
