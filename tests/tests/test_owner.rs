//! "Log out everywhere": the owner index of every id-based storage, and
//! destroying all of one user's sessions while the user logs in elsewhere.

use std::sync::Arc;

use session_schema::{FsStorage, MemoryStorage, RedisStorage};
use session_tests::flows;
use session_tests::redis_server::RedisServer;

#[tokio::test]
async fn memory_storage() {
    flows::owner_flow(&MemoryStorage::new()).await;
}

#[tokio::test]
async fn fs_storage() {
    let dir = tempfile::tempdir().unwrap();
    flows::owner_flow(&FsStorage::new(dir.path()).unwrap()).await;
}

#[tokio::test]
async fn redis_storage() {
    let server = RedisServer::start();
    flows::owner_flow(&RedisStorage::connect(&server.url()).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_memory_storage() {
    let storage = Arc::new(MemoryStorage::new());
    flows::racing_flows(Arc::clone(&storage), storage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_fs_storage_two_instances() {
    let dir = tempfile::tempdir().unwrap();
    flows::racing_flows(
        Arc::new(FsStorage::new(dir.path()).unwrap()),
        Arc::new(FsStorage::new(dir.path()).unwrap()),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_redis_storage_two_instances() {
    let server = RedisServer::start();
    flows::racing_flows(
        Arc::new(RedisStorage::connect(&server.url()).await.unwrap()),
        Arc::new(RedisStorage::connect(&server.url()).await.unwrap()),
    )
    .await;
}
