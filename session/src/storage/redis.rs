//! The Redis storage (feature `redis`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::sentinel::{SentinelClient, SentinelServerType};
use redis::{AsyncConnectionConfig, RedisError, RedisResult, Script, ScriptInvocation};

use super::backend::{Record, SessionBackend, rename_in_steps};
use super::hex_sha256;
use super::id_based::BackendStorage;
use crate::error::Error;

/// Lua shared by the scripts that change an owner index (`idx`, a sorted
/// set of ids scored by when each session ends, in milliseconds of the
/// storage's clock; written with `ZADD GT`, so a slower save never moves an
/// entry's end back): drops the entries of sessions that ended by `now`, and
/// lets the index itself expire with its last session.
const INDEX_UPKEEP: &str = r"
local function upkeep(idx, now)
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
  local last = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  if last[2] == nil then
    return
  end
  local ends = tonumber(last[2])
  if ends >= tonumber(ARGV[#ARGV]) then
    redis.call('PERSIST', idx)
  else
    redis.call('PEXPIRE', idx, math.max(1, math.floor(ends - now)))
  end
end
";

/// Writes a record and adds it to its owner's index.
/// KEYS[1]: the key; KEYS[2]: the owner's index, if any.
/// ARGV: the record, seconds to live (0: keep the key's expiry), the id,
/// the session's end (ms), now (ms), the "never ends" score.
const INSERT: &str = r"
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
end
if KEYS[2] then
  redis.call('ZADD', KEYS[2], 'GT', ARGV[4], ARGV[3])
  upkeep(KEYS[2], tonumber(ARGV[5]))
end
return 1
";

/// Lua shared by the scripts that save a loaded session: the compare-and-set
/// they start with. `compare_and_set(from, into)` writes the new record to
/// `into` only if the record at `from` is still what the request loaded, and
/// says whether it did. `KEEPTTL` without a time to live keeps the expiry
/// that `into` has, if any (a new key has none).
/// ARGV: the expected record, the new record, seconds to live (0: keep the
/// key's expiry).
const COMPARE_AND_SET: &str = r"
local function compare_and_set(from, into)
  if redis.call('GET', from) ~= ARGV[1] then
    return false
  end
  if tonumber(ARGV[3]) > 0 then
    redis.call('SET', into, ARGV[2], 'EX', ARGV[3])
  else
    redis.call('SET', into, ARGV[2], 'KEEPTTL')
  end
  return true
end
";

/// Replaces a record only if it is still what the request loaded, in one
/// step, and keeps the owner indexes in step: the previous owner's loses the
/// id when the owner changed, the current owner's gets it (or its new end).
/// KEYS[1]: the key; then the previous owner's index if ARGV[5] has "p",
/// the current owner's if it has "n". An entry that was already there with
/// the same end (a session without an idle timeout, saved again) changes
/// nothing the upkeep keeps: the index's latest end, and so its expiry, are
/// as the last upkeep left them, and the entries of sessions that ended
/// meanwhile go at the next upkeep (`owned_by` skips them until then, as
/// their records are gone).
/// ARGV: the expected record, the new record, seconds to live (0: keep the
/// key's expiry), the id, which indexes are given, the session's end (ms),
/// now (ms), the "never ends" score.
const REPLACE: &str = r"
if not compare_and_set(KEYS[1], KEYS[1]) then
  return 0
end
local next = 2
if string.find(ARGV[5], 'p') then
  redis.call('ZREM', KEYS[next], ARGV[4])
  next = next + 1
end
if string.find(ARGV[5], 'n') then
  if redis.call('ZADD', KEYS[next], 'GT', 'CH', ARGV[6], ARGV[4]) == 1 then
    upkeep(KEYS[next], tonumber(ARGV[7]))
  end
end
return 1
";

/// Moves a session to a new id only if the old record is still what the
/// request loaded, in one step.
/// KEYS[1]: the old key; KEYS[2]: the new key; then the previous owner's
/// index if ARGV[5] has "p" (the old id leaves it), the new owner's if it
/// has "n".
/// ARGV: the expected record, the new record, seconds to live (0: none),
/// the new id, which indexes are given, the session's end (ms), now (ms),
/// the old id, "k" to keep the old record, the "never ends" score.
const RENAME: &str = r"
if not compare_and_set(KEYS[1], KEYS[2]) then
  return 0
end
if ARGV[9] ~= 'k' then
  redis.call('DEL', KEYS[1])
end
local next = 3
if string.find(ARGV[5], 'p') then
  redis.call('ZREM', KEYS[next], ARGV[8])
  next = next + 1
end
if string.find(ARGV[5], 'n') then
  redis.call('ZADD', KEYS[next], 'GT', ARGV[6], ARGV[4])
  upkeep(KEYS[next], tonumber(ARGV[7]))
end
return 1
";

/// Replaces a record only if it is still what the request loaded, in one
/// step, when no owner index is involved (a session nobody is logged in to,
/// before and after the request): [`COMPARE_AND_SET`]'s two Redis calls,
/// without the full script's index bookkeeping. [`REPLACE_ONE`] is its
/// cluster form. KEYS[1]: the key; ARGV: as [`COMPARE_AND_SET`]'s.
const REPLACE_PLAIN: &str = r"
return compare_and_set(KEYS[1], KEYS[1]) and 1 or 0
";

/// Replaces a record only if it is still what the request loaded: the
/// single-key form for a cluster, where the owner indexes live in other
/// slots and are updated by separate commands. The cluster client resends a
/// command whose reply was lost: a record that already is the new one counts
/// as replaced, so a resent script does not report its own work as a conflict.
/// KEYS[1]: the key. ARGV: the expected record, the new record, seconds to
/// live (0: keep the key's expiry).
const REPLACE_ONE: &str = r"
local current = redis.call('GET', KEYS[1])
if current == ARGV[2] then
  return 1
end
if current ~= ARGV[1] then
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
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return 1
";

/// Takes an id out of an owner's index if its record is still what the
/// storage saw (nothing, or that text).
/// KEYS[1]: the key; KEYS[2]: the index. ARGV: the id, "s" if a record was
/// seen (else it was absent), the record seen.
const UNINDEX: &str = r"
local current = redis.call('GET', KEYS[1])
local same
if ARGV[2] == 's' then
  same = current == ARGV[3]
else
  same = current == false
end
if same then
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return redis.call('ZSCORE', KEYS[2], ARGV[1]) == false and 1 or 0
";

/// A cluster's owner index: adds (or refreshes) an entry, remembering when
/// it was added in the companion set `recent` (same slot): an entry whose
/// record is not written yet is not taken for a stale one.
/// KEYS[1]: the index; KEYS[2]: its `recent` set. ARGV: the id, the
/// session's end (ms), now (ms), the grace (ms), the "never ends" score.
const CLUSTER_INDEX_ADD: &str = r"
local clock = redis.call('TIME')
local wall = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local created = redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], wall, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', wall - tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]))
upkeep(KEYS[1], tonumber(ARGV[3]))
return created
";

/// A cluster's owner index: takes an entry out unless it was added within
/// the grace (its record may be on its way).
/// KEYS[1]: the index; KEYS[2]: its `recent` set. ARGV: the id, the grace (ms).
const CLUSTER_UNINDEX: &str = r"
local clock = redis.call('TIME')
local wall = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local added = redis.call('ZSCORE', KEYS[2], ARGV[1])
if added and tonumber(added) > wall - tonumber(ARGV[2]) then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
";

/// The score of an index entry whose session never ends: 2^53 - 1, the
/// largest integer a Redis score holds exactly (about year 287,000 in ms).
const NEVER_ENDS: u64 = (1 << 53) - 1;

/// How long a cluster keeps an index entry whose record it cannot find
/// (an insert writes the index first, in another slot).
const CLUSTER_GRACE_MS: u64 = 60_000;

/// The longest time to live written, in seconds (about 68 years): Redis
/// refuses expiries whose milliseconds overflow.
const MAX_TTL_SECS: u64 = i32::MAX as u64;

/// How long connecting, or one command, may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// How long a deletion under Sentinel waits for a replica to have it.
const REPLICA_WAIT_MS: u64 = 1000;

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
/// keep their change. A regenerated session moves to its new key in one
/// script, only while its old record is still there.
///
/// The owner index of "log out everywhere" is one sorted set per owner,
/// `session-owners:{<sha256 of the owner>}` (the prefix without its colon,
/// then `-owners:`), holding the owner's session ids scored by when each
/// session ends; the scripts that write a session update it in the same
/// step, and those that change an entry also drop the entries of sessions
/// that ended and let the set expire with its last session, so it holds the
/// owner's live sessions, and the ended ones until the next such write
/// (which [`owned_by`](BackendStorage::owned_by) skips, their records gone).
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
    scripts: Arc<Scripts>,
}

/// The scripts, loaded once.
struct Scripts {
    insert: Script,
    replace: Script,
    rename: Script,
    replace_plain: Script,
    replace_one: Script,
    remove: Script,
    unindex: Script,
    cluster_index_add: Script,
    cluster_unindex: Script,
}

impl Scripts {
    fn new() -> Self {
        let with_upkeep = |body: &str| Script::new(&format!("{INDEX_UPKEEP}{body}"));
        Scripts {
            insert: with_upkeep(INSERT),
            replace: with_upkeep(&format!("{COMPARE_AND_SET}{REPLACE}")),
            rename: with_upkeep(&format!("{COMPARE_AND_SET}{RENAME}")),
            replace_plain: Script::new(&format!("{COMPARE_AND_SET}{REPLACE_PLAIN}")),
            replace_one: Script::new(REPLACE_ONE),
            remove: Script::new(REMOVE),
            unindex: Script::new(UNINDEX),
            cluster_index_add: with_upkeep(CLUSTER_INDEX_ADD),
            cluster_unindex: Script::new(CLUSTER_UNINDEX),
        }
    }
}

/// One Redis, a cluster of them, or the master Redis Sentinel names.
#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
    Sentinel(Arc<SentinelMaster>),
}

impl Connection {
    async fn invoke<T: redis::FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        match self.clone() {
            Connection::Single(mut single) => invocation.invoke_async(&mut single).await,
            Connection::Cluster(mut cluster) => invocation.invoke_async(&mut cluster).await,
            Connection::Sentinel(master) => {
                let mut connection = master.connection().await?;
                master.watch(invocation.invoke_async(&mut connection).await)
            }
        }
        .map_err(backend)
    }

    async fn query<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, Error> {
        match self.clone() {
            Connection::Single(mut single) => command.query_async(&mut single).await,
            Connection::Cluster(mut cluster) => command.query_async(&mut cluster).await,
            Connection::Sentinel(master) => {
                let mut connection = master.connection().await?;
                master.watch(command.query_async(&mut connection).await)
            }
        }
        .map_err(backend)
    }
}

/// The master of a Redis Sentinel deployment: asked of the sentinels on
/// first use, and again after a failure that may be a failover (the
/// connection dropped, refused or timed out, or the node answered
/// `READONLY`, as a demoted master does).
struct SentinelMaster {
    sentinels: tokio::sync::Mutex<SentinelClient>,
    current: std::sync::Mutex<Option<MultiplexedConnection>>,
}

impl SentinelMaster {
    fn current(&self) -> Option<MultiplexedConnection> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The connection to the master, found through the sentinels if there
    /// is none.
    async fn connection(&self) -> Result<MultiplexedConnection, Error> {
        if let Some(connection) = self.current() {
            return Ok(connection);
        }
        let mut sentinels = self.sentinels.lock().await;
        if let Some(connection) = self.current() {
            return Ok(connection);
        }
        let client = tokio::time::timeout(TIMEOUT, sentinels.async_get_client())
            .await
            .map_err(|_| Error::Backend("no sentinel named a master in time".into()))?
            .map_err(backend)?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT));
        let connection = client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(backend)?;
        *self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(connection.clone());
        Ok(connection)
    }

    /// Passes `result` on, forgetting the master when its error may mean it
    /// is no longer the master.
    fn watch<T>(&self, result: RedisResult<T>) -> RedisResult<T> {
        if let Err(error) = &result
            && may_have_failed_over(error)
        {
            tracing::warn!(%error, "the Redis master failed; asking the sentinels again");
            *self
                .current
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        }
        result
    }
}

/// Whether an error may come of a failover.
fn may_have_failed_over(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.to_string().contains("READONLY")
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

    /// Connects to the master that the Redis Sentinels at `sentinels` (such
    /// as `["redis://127.0.0.1:26379"]`) name `master_name`, and follows it
    /// through failovers.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when a URL is invalid, or no sentinel names a
    /// reachable master.
    pub async fn connect_sentinel<U: AsRef<str>>(
        sentinels: &[U],
        master_name: &str,
    ) -> Result<Self, Error> {
        let client = SentinelClient::build(
            sentinels.iter().map(AsRef::as_ref).collect(),
            master_name.to_owned(),
            None,
            SentinelServerType::Master,
        )
        .map_err(backend)?;
        let master = Arc::new(SentinelMaster {
            sentinels: tokio::sync::Mutex::new(client),
            current: std::sync::Mutex::new(None),
        });
        master.connection().await?;
        Ok(Self::over(Connection::Sentinel(master)))
    }

    fn over(connection: Connection) -> Self {
        let mut backend = RedisBackend {
            connection,
            prefix: String::new(),
            owner_prefix: String::new(),
            scripts: Arc::new(Scripts::new()),
        };
        backend.set_prefix("session:");
        backend
    }

    fn set_prefix(&mut self, prefix: &str) {
        prefix.clone_into(&mut self.prefix);
        self.owner_prefix = format!("{}-owners:", prefix.trim_end_matches(':'));
    }

    fn key(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }

    /// The owner's index: its hash in braces, so that its companion key
    /// lives in the same cluster slot.
    fn owner_key(&self, owner: &str) -> String {
        format!("{}{{{}}}", self.owner_prefix, hex_sha256(owner))
    }

    /// The companion of a cluster's owner index: when each entry was added.
    fn recent_key(&self, owner: &str) -> String {
        format!("{}:recent", self.owner_key(owner))
    }

    /// After a deletion under Sentinel: waits (up to a second) until a
    /// replica has it, so that a failover right after a logout does not
    /// bring the session back. Replication stays asynchronous: without a
    /// replica in time, the deletion stands on the master alone (logged).
    async fn wait_for_a_replica(&self) {
        let acknowledged = self
            .connection
            .query::<i64>(redis::cmd("WAIT").arg(1).arg(REPLICA_WAIT_MS))
            .await;
        match acknowledged {
            Ok(replicas) if replicas >= 1 => {}
            Ok(_) => tracing::warn!(
                "no Redis replica acknowledged a session's deletion within {REPLICA_WAIT_MS} ms; a failover now could bring it back"
            ),
            Err(error) => tracing::warn!(%error, "WAIT for a Redis replica failed"),
        }
    }

    fn clustered(&self) -> bool {
        matches!(self.connection, Connection::Cluster(_))
    }

    /// A cluster's index: adds `id` (or refreshes its end), a command of its
    /// own; whether the entry is new.
    async fn cluster_index(
        &self,
        owner: &str,
        id: &str,
        record: &Record<'_>,
    ) -> Result<bool, Error> {
        let mut invocation = self.scripts.cluster_index_add.key(self.owner_key(owner));
        invocation
            .key(self.recent_key(owner))
            .arg(id)
            .arg(score(record.expires_at))
            .arg(millis(record.now))
            .arg(CLUSTER_GRACE_MS)
            .arg(NEVER_ENDS);
        Ok(self.connection.invoke::<i64>(&invocation).await? == 1)
    }

    /// A cluster's index: takes `id` out.
    async fn cluster_unindex_now(&self, owner: &str, id: &str) -> Result<(), Error> {
        self.connection
            .query::<i64>(redis::cmd("ZREM").arg(self.owner_key(owner)).arg(id))
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

/// Seconds from `now` until `expires_at` (at least one), or 0 for no expiry.
fn ttl_secs(expires_at: Option<SystemTime>, now: SystemTime) -> u64 {
    expires_at.map_or(0, |at| {
        let left = at.duration_since(now).unwrap_or(Duration::ZERO);
        (left.as_secs() + u64::from(left.subsec_nanos() > 0)).clamp(1, MAX_TTL_SECS)
    })
}

/// Milliseconds since the Unix epoch.
fn millis(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// An index entry's score: when its session ends, in milliseconds.
fn score(expires_at: Option<SystemTime>) -> u64 {
    expires_at.map_or(NEVER_ENDS, |at| millis(at).min(NEVER_ENDS))
}

impl SessionBackend for RedisBackend {
    async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        self.connection
            .query(redis::cmd("GET").arg(self.key(id)))
            .await
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        let ttl = ttl_secs(record.expires_at, record.now);
        if self.clustered() {
            // Other slots: the index first, so it never misses a live session.
            if let Some(owner) = record.owner {
                self.cluster_index(owner, id, &record).await?;
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
        let mut invocation = self.scripts.insert.key(self.key(id));
        if let Some(owner) = record.owner {
            invocation.key(self.owner_key(owner));
        }
        invocation
            .arg(record.text)
            .arg(ttl)
            .arg(id)
            .arg(score(record.expires_at))
            .arg(millis(record.now))
            .arg(NEVER_ENDS);
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
        let ttl = ttl_secs(record.expires_at, record.now);
        let moved = previous_owner != record.owner;
        if self.clustered() {
            // The index first: the new owner's entry, or a later end for
            // the current one, before the record that needs it.
            let created = match record.owner {
                Some(owner) => self.cluster_index(owner, id, &record).await?,
                None => false,
            };
            let owner = record.owner;
            let mut invocation = self.scripts.replace_one.key(self.key(id));
            invocation.arg(expected).arg(record.text).arg(ttl);
            let replaced = self.connection.invoke::<i64>(&invocation).await? == 1;
            if !replaced
                && created
                && let Some(owner) = owner
            {
                // The session moved or went meanwhile: the entry this save
                // added would point nowhere.
                self.cluster_unindex_now(owner, id).await?;
            }
            if replaced
                && moved
                && let Some(previous) = previous_owner
            {
                self.cluster_unindex_now(previous, id).await?;
            }
            return Ok(replaced);
        }
        if previous_owner.is_none() && record.owner.is_none() {
            let mut invocation = self.scripts.replace_plain.key(self.key(id));
            invocation.arg(expected).arg(record.text).arg(ttl);
            return Ok(self.connection.invoke::<i64>(&invocation).await? == 1);
        }
        let mut invocation = self.scripts.replace.key(self.key(id));
        let mut indexes = String::new();
        if moved && let Some(previous) = previous_owner {
            invocation.key(self.owner_key(previous));
            indexes.push('p');
        }
        if let Some(owner) = record.owner {
            invocation.key(self.owner_key(owner));
            indexes.push('n');
        }
        invocation
            .arg(expected)
            .arg(record.text)
            .arg(ttl)
            .arg(id)
            .arg(indexes)
            .arg(score(record.expires_at))
            .arg(millis(record.now))
            .arg(NEVER_ENDS);
        Ok(self.connection.invoke::<i64>(&invocation).await? == 1)
    }

    async fn rename(
        &self,
        from: &str,
        expected: &str,
        previous_owner: Option<&str>,
        to: &str,
        record: Record<'_>,
        keep_from: bool,
    ) -> Result<bool, Error> {
        if self.clustered() {
            // The two keys are in different slots: the storage's steps.
            return rename_in_steps(self, from, expected, previous_owner, to, record, keep_from)
                .await;
        }
        let ttl = ttl_secs(record.expires_at, record.now);
        let mut invocation = self.scripts.rename.key(self.key(from));
        invocation.key(self.key(to));
        let mut indexes = String::new();
        if !keep_from && let Some(previous) = previous_owner {
            invocation.key(self.owner_key(previous));
            indexes.push('p');
        }
        if let Some(owner) = record.owner {
            invocation.key(self.owner_key(owner));
            indexes.push('n');
        }
        invocation
            .arg(expected)
            .arg(record.text)
            .arg(ttl)
            .arg(to)
            .arg(indexes)
            .arg(score(record.expires_at))
            .arg(millis(record.now))
            .arg(from)
            .arg(if keep_from { "k" } else { "" })
            .arg(NEVER_ENDS);
        Ok(self.connection.invoke::<i64>(&invocation).await? == 1)
    }

    async fn remove(&self, id: &str, owner: Option<&str>) -> Result<(), Error> {
        if self.clustered() {
            self.connection
                .query::<i64>(redis::cmd("DEL").arg(self.key(id)))
                .await?;
            if let Some(owner) = owner {
                self.cluster_unindex_now(owner, id).await?;
            }
            return Ok(());
        }
        let mut invocation = self.scripts.remove.key(self.key(id));
        if let Some(owner) = owner {
            invocation.key(self.owner_key(owner));
        }
        invocation.arg(id);
        self.connection.invoke::<i64>(&invocation).await?;
        if let Connection::Sentinel(_) = self.connection {
            self.wait_for_a_replica().await;
        }
        Ok(())
    }

    async fn owned(&self, owner: &str) -> Result<Vec<String>, Error> {
        self.connection
            .query(
                redis::cmd("ZRANGE")
                    .arg(self.owner_key(owner))
                    .arg(0)
                    .arg(-1),
            )
            .await
    }

    async fn unindex(&self, owner: &str, id: &str, seen: Option<&[u8]>) -> Result<bool, Error> {
        if self.clustered() {
            let mut invocation = self.scripts.cluster_unindex.key(self.owner_key(owner));
            invocation
                .key(self.recent_key(owner))
                .arg(id)
                .arg(CLUSTER_GRACE_MS);
            return Ok(self.connection.invoke::<i64>(&invocation).await? == 1);
        }
        let mut invocation = self.scripts.unindex.key(self.key(id));
        invocation.key(self.owner_key(owner)).arg(id);
        match seen {
            Some(seen) => invocation.arg("s").arg(seen),
            None => invocation.arg("").arg(""),
        };
        Ok(self.connection.invoke::<i64>(&invocation).await? == 1)
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

    /// Connects to the master that the Redis Sentinels at `sentinels` (such
    /// as `["redis://10.0.0.1:26379", "redis://10.0.0.2:26379"]`) name
    /// `master_name`, and follows it through failovers: after an error that
    /// may be one (a lost or refused connection, a timeout, `READONLY` from
    /// a demoted master), the next call asks the sentinels for the master
    /// again. The call that met the error fails with [`Error::Backend`].
    ///
    /// Redis replicates asynchronously: a write the old master acknowledged
    /// but had not yet sent to a replica is lost when that replica is
    /// promoted. For a session, such a loss is its last change, or a new
    /// session (the user logs in again). A lost deletion would be worse (a
    /// logged-out session back), so after deleting a session (a logout,
    /// "log out everywhere") the storage waits, up to a second, for a
    /// replica to acknowledge it (`WAIT 1 1000`); with no replica in time it
    /// logs a warning and goes on.
    ///
    /// # Errors
    ///
    /// [`Error::Backend`] when a URL is invalid, or no sentinel names a
    /// reachable master.
    pub async fn connect_sentinel<U: AsRef<str>>(
        sentinels: &[U],
        master_name: &str,
    ) -> Result<Self, Error> {
        Ok(Self::from_backend(
            RedisBackend::connect_sentinel(sentinels, master_name).await?,
        ))
    }

    /// The prefix of the keys (default `session:`); owner indexes go under
    /// the prefix without its colon and `-owners:` (`session-owners:`).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.backend.set_prefix(&prefix.into());
        self
    }
}
