//! The storages the checker runs against, each with what it needs: its
//! server (started by the checker on a free loopback port), a fault-injecting
//! proxy in front of network servers, and the faults it can suffer.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use session_schema::{
    BackendStorage, FsBackend, FsStorage, ManualClock, MemcacheBackend, MemcacheStorage,
    MemoryBackend, MemoryStorage, PostgresBackend, PostgresStorage, RedisBackend, RedisStorage,
    SessionBackend, SqliteBackend, SqliteStorage,
};

use super::proxy::Proxy;
use crate::map_backend::MapBackend;
use crate::redis_server::{RedisCluster, RedisServer, SentinelGroup};
use crate::servers::postgres::Postgres;
use crate::servers::process::Memcached;

/// A storage to check, and its faults.
pub trait Target: Send + Sync + 'static {
    /// The storage's backend.
    type Backend: SessionBackend;

    /// The storage's name, for reports.
    fn name(&self) -> &'static str;

    /// Whether the storage talks to a server over the network (and so can
    /// suffer latency, cut connections and restarts).
    fn network(&self) -> bool {
        false
    }

    /// `instances` storages over one backend state (several processes'
    /// worth, where the backend is shared), without timeouts: the runner
    /// sets them, with `clock`.
    fn storages(
        &self,
        instances: usize,
        clock: &ManualClock,
    ) -> impl Future<Output = Vec<BackendStorage<Self::Backend>>> + Send;

    /// Reclaims ended sessions the way the storage's documentation tells an
    /// app to (its `sweep`), for a storage whose backend does not expire
    /// records by itself.
    fn sweep(&self, storage: &BackendStorage<Self::Backend>) -> impl Future<Output = ()> + Send {
        let _ = storage;
        async {}
    }

    /// Delays traffic by up to `max_ms` per chunk.
    fn set_latency(&self, max_ms: u64, seed: u64) {
        let _ = (max_ms, seed);
    }

    /// Cuts every connection to the server.
    fn cut(&self) {}

    /// Restarts the server.
    fn restart(&self) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Whether a restart loses the server's data.
    fn restart_loses_data(&self) -> bool {
        false
    }

    /// Whether the backend keeps an index entry whose record it cannot find
    /// for a grace period (its index and its records cannot change in one
    /// step): an operation cut off between the two then leaves an entry
    /// behind for that long.
    fn keeps_recent_entries(&self) -> bool {
        false
    }
}

/// The memory storage.
#[derive(Default)]
pub struct Memory;

impl Target for Memory {
    type Backend = MemoryBackend;

    fn name(&self) -> &'static str {
        "memory"
    }

    async fn storages(&self, _: usize, _: &ManualClock) -> Vec<MemoryStorage> {
        vec![MemoryStorage::new()]
    }

    async fn sweep(&self, storage: &MemoryStorage) {
        storage.sweep();
    }
}

/// The `HashMap` backend of `SessionBackend`'s documentation.
#[derive(Default)]
pub struct Map;

impl Target for Map {
    type Backend = MapBackend;

    fn name(&self) -> &'static str {
        "map backend"
    }

    async fn storages(&self, _: usize, _: &ManualClock) -> Vec<BackendStorage<MapBackend>> {
        vec![BackendStorage::from_backend(MapBackend::default())]
    }
}

/// The fs storage: several storages over one directory, as processes would be.
pub struct Fs {
    dirs: Mutex<Vec<tempfile::TempDir>>,
}

impl Default for Fs {
    fn default() -> Self {
        Fs {
            dirs: Mutex::new(Vec::new()),
        }
    }
}

impl Target for Fs {
    type Backend = FsBackend;

    fn name(&self) -> &'static str {
        "fs"
    }

    async fn storages(&self, instances: usize, _: &ManualClock) -> Vec<FsStorage> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let storages = (0..instances)
            .map(|_| FsStorage::new(dir.path().join("sessions")).expect("an fs storage"))
            .collect();
        let mut dirs = self.dirs.lock().unwrap_or_else(PoisonError::into_inner);
        // Keep the last few directories only: histories are many.
        if dirs.len() > 4 {
            dirs.remove(0);
        }
        dirs.push(dir);
        storages
    }

    async fn sweep(&self, storage: &FsStorage) {
        let _ = storage.sweep();
    }
}

/// A Redis master with a replica and three sentinels; each instance finds
/// the master through the sentinels.
pub struct Sentinel {
    group: SentinelGroup,
}

impl Sentinel {
    /// Starts the group (on a multi-threaded runtime's thread, which it
    /// blocks until the group has formed).
    ///
    /// # Panics
    ///
    /// When it does not start.
    #[must_use]
    pub fn start() -> Self {
        Sentinel {
            group: tokio::task::block_in_place(SentinelGroup::start),
        }
    }
}

impl Target for Sentinel {
    type Backend = RedisBackend;

    fn name(&self) -> &'static str {
        "redis sentinel"
    }

    async fn storages(&self, instances: usize, _: &ManualClock) -> Vec<RedisStorage> {
        let mut storages = Vec::new();
        for _ in 0..instances {
            let urls = self.group.sentinel_urls();
            storages.push(
                connect_retrying(|| RedisStorage::connect_sentinel(&urls, SentinelGroup::MASTER))
                    .await,
            );
        }
        storages
    }
}

/// One SQLite file per history, opened by each instance (several
/// processes' worth of connections).
#[derive(Default)]
pub struct Sqlite {
    dirs: Mutex<Vec<tempfile::TempDir>>,
}

impl Target for Sqlite {
    type Backend = SqliteBackend;

    fn name(&self) -> &'static str {
        "sqlite"
    }

    async fn storages(&self, instances: usize, _: &ManualClock) -> Vec<SqliteStorage> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("sessions.sqlite3");
        let mut storages = Vec::new();
        for _ in 0..instances {
            storages.push(SqliteStorage::open(&path).await.expect("an SQLite storage"));
        }
        let mut dirs = self.dirs.lock().unwrap_or_else(PoisonError::into_inner);
        // Keep the last few files only: histories are many.
        if dirs.len() > 4 {
            dirs.remove(0);
        }
        dirs.push(dir);
        storages
    }

    async fn sweep(&self, storage: &SqliteStorage) {
        let _ = storage.sweep().await;
    }
}

/// One Redis server, behind a proxy, writing every command to its
/// append-only file (so a restart loses nothing acknowledged).
pub struct Redis {
    server: Mutex<RedisServer>,
    proxy: Proxy,
    _dir: tempfile::TempDir,
}

impl Redis {
    /// Starts the server and the proxy.
    ///
    /// # Panics
    ///
    /// When the server does not start.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let server = RedisServer::start_durable(dir.path());
        let proxy = Proxy::start(loopback(server.port())).await;
        Redis {
            server: Mutex::new(server),
            proxy,
            _dir: dir,
        }
    }
}

impl Target for Redis {
    type Backend = RedisBackend;

    fn name(&self) -> &'static str {
        "redis"
    }

    fn network(&self) -> bool {
        true
    }

    async fn storages(&self, instances: usize, _: &ManualClock) -> Vec<RedisStorage> {
        let url = format!("redis://{}", self.proxy.addr());
        let mut storages = Vec::new();
        for _ in 0..instances {
            storages.push(connect_retrying(|| RedisStorage::connect(&url)).await);
        }
        storages
    }

    fn set_latency(&self, max_ms: u64, seed: u64) {
        self.proxy.set_latency(max_ms, seed);
    }

    fn cut(&self) {
        self.proxy.cut();
    }

    async fn restart(&self) {
        tokio::task::block_in_place(|| {
            self.server
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .restart();
        });
        self.proxy.cut();
    }
}

/// A Redis Cluster of three masters, each behind a proxy whose port it
/// announces, so every connection of the client goes through a proxy.
pub struct Cluster {
    cluster: Mutex<RedisCluster>,
    proxies: Vec<Proxy>,
}

impl Cluster {
    /// Starts the proxies, the nodes behind them, and forms the cluster.
    ///
    /// # Panics
    ///
    /// When the nodes do not start or the cluster does not form.
    pub async fn start() -> Self {
        let ports = [
            RedisCluster::free_port(),
            RedisCluster::free_port(),
            RedisCluster::free_port(),
        ];
        let mut proxies = Vec::new();
        for port in ports {
            proxies.push(Proxy::start(loopback(port)).await);
        }
        let announced: Vec<u16> = proxies.iter().map(|proxy| proxy.addr().port()).collect();
        let cluster =
            tokio::task::block_in_place(|| RedisCluster::start_announcing(&ports, &announced));
        Cluster {
            cluster: Mutex::new(cluster),
            proxies,
        }
    }
}

impl Target for Cluster {
    type Backend = RedisBackend;

    fn name(&self) -> &'static str {
        "redis cluster"
    }

    fn network(&self) -> bool {
        true
    }

    fn keeps_recent_entries(&self) -> bool {
        true
    }

    async fn storages(&self, instances: usize, _: &ManualClock) -> Vec<RedisStorage> {
        let urls: Vec<String> = self
            .proxies
            .iter()
            .map(|proxy| format!("redis://{}", proxy.addr()))
            .collect();
        let mut storages = Vec::new();
        for _ in 0..instances {
            storages.push(connect_retrying(|| RedisStorage::connect_cluster(&urls)).await);
        }
        storages
    }

    fn set_latency(&self, max_ms: u64, seed: u64) {
        for (number, proxy) in self.proxies.iter().enumerate() {
            proxy.set_latency(max_ms, seed ^ number as u64);
        }
    }

    fn cut(&self) {
        for proxy in &self.proxies {
            proxy.cut();
        }
    }

    async fn restart(&self) {
        tokio::task::block_in_place(|| {
            let mut cluster = self.cluster.lock().unwrap_or_else(PoisonError::into_inner);
            cluster.nodes[0].restart();
            cluster.wait_until_ok();
        });
        self.cut();
    }
}

/// One memcached, behind a proxy.
pub struct Memcache {
    server: Mutex<Memcached>,
    proxy: Proxy,
}

impl Memcache {
    /// Starts the server and the proxy.
    ///
    /// # Panics
    ///
    /// When the server does not start.
    pub async fn start() -> Self {
        let server = Memcached::start();
        let addr: SocketAddr = server.addr().parse().expect("an address");
        let proxy = Proxy::start(addr).await;
        Memcache {
            server: Mutex::new(server),
            proxy,
        }
    }
}

impl Target for Memcache {
    type Backend = MemcacheBackend;

    fn name(&self) -> &'static str {
        "memcached"
    }

    fn network(&self) -> bool {
        true
    }

    fn keeps_recent_entries(&self) -> bool {
        true
    }

    async fn storages(&self, instances: usize, _: &ManualClock) -> Vec<MemcacheStorage> {
        let addr = self.proxy.addr().to_string();
        let mut storages = Vec::new();
        for _ in 0..instances {
            storages.push(connect_retrying(|| MemcacheStorage::connect(&addr)).await);
        }
        storages
    }

    fn set_latency(&self, max_ms: u64, seed: u64) {
        self.proxy.set_latency(max_ms, seed);
    }

    fn cut(&self) {
        self.proxy.cut();
    }

    async fn restart(&self) {
        tokio::task::block_in_place(|| {
            self.server
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .restart();
        });
        self.proxy.cut();
    }

    fn restart_loses_data(&self) -> bool {
        true
    }
}

/// One PostgreSQL server, behind a proxy.
pub struct Pg {
    server: Mutex<Postgres>,
    proxy: Proxy,
}

impl Pg {
    /// Starts the server and the proxy.
    ///
    /// # Panics
    ///
    /// When the server does not start.
    pub async fn start() -> Self {
        let server = tokio::task::block_in_place(Postgres::start);
        let proxy = Proxy::start(loopback(server.port())).await;
        Pg {
            server: Mutex::new(server),
            proxy,
        }
    }
}

impl Target for Pg {
    type Backend = PostgresBackend;

    fn name(&self) -> &'static str {
        "postgresql"
    }

    fn network(&self) -> bool {
        true
    }

    async fn storages(&self, instances: usize, _: &ManualClock) -> Vec<PostgresStorage> {
        let url = format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.proxy.addr().port()
        );
        let mut storages = Vec::new();
        for _ in 0..instances {
            storages.push(connect_retrying(|| PostgresStorage::connect(&url)).await);
        }
        storages
    }

    async fn sweep(&self, storage: &PostgresStorage) {
        let _ = storage.sweep().await;
    }

    fn set_latency(&self, max_ms: u64, seed: u64) {
        self.proxy.set_latency(max_ms, seed);
    }

    fn cut(&self) {
        self.proxy.cut();
    }

    async fn restart(&self) {
        tokio::task::block_in_place(|| {
            self.server
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .restart();
        });
        self.proxy.cut();
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Connects, retrying for a while: a server restarted by the previous
/// history may still be coming up.
async fn connect_retrying<T, F: Future<Output = Result<T, session_schema::Error>>>(
    connect: impl Fn() -> F,
) -> T {
    let mut last = None;
    for _ in 0..100 {
        match connect().await {
            Ok(storage) => return storage,
            Err(error) => last = Some(error),
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the storage did not connect: {last:?}");
}

/// A shared handle: the runner takes targets behind an `Arc`.
pub fn shared<T: Target>(target: T) -> Arc<T> {
    Arc::new(target)
}
