//! The concurrency checker against every id-based storage: random concurrent
//! histories with injected latency and faults, each judged against the
//! storages' invariants (see `session_tests::checker`). A short budget here;
//! `scripts/check-concurrency.sh` runs a long one. A failure prints the seed;
//! `CHECK_SEED=<seed>` replays it.

use session_tests::checker::{assert_holds, target};

/// Histories per storage in the test suite (`CHECK_HISTORIES` changes it).
const HISTORIES: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory() {
    assert_holds(target::Memory, HISTORIES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn map_backend_of_the_docs() {
    assert_holds(target::Map, HISTORIES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fs() {
    assert_holds(target::Fs::default(), HISTORIES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    assert_holds(target::Sqlite::default(), HISTORIES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis() {
    assert_holds(target::Redis::start().await, HISTORIES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_cluster() {
    assert_holds(target::Cluster::start().await, HISTORIES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_sentinel() {
    assert_holds(target::Sentinel::start(), HISTORIES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memcached() {
    assert_holds(target::Memcache::start().await, HISTORIES).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgresql() {
    assert_holds(target::Pg::start().await, HISTORIES).await;
}
