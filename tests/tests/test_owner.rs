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

#[tokio::test]
async fn devices_on_the_memory_storage() {
    flows::devices_flows(async || MemoryStorage::new()).await;
}

#[tokio::test]
async fn devices_on_the_fs_storage() {
    let dir = tempfile::tempdir().unwrap();
    flows::devices_flows(async || FsStorage::new(dir.path()).unwrap()).await;
}

#[tokio::test]
async fn devices_on_the_redis_storage() {
    let server = RedisServer::start();
    flows::devices_flows(async || RedisStorage::connect(&server.url()).await.unwrap()).await;
}

/// On the system clock: a session's times are the times of its saves.
#[tokio::test]
async fn devices_on_the_real_clock() {
    use session_schema::{Session, SessionStorage};
    use session_tests::App;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    let storage = MemoryStorage::new().idle_timeout(Duration::from_secs(3600));
    let whole_seconds = |time: SystemTime| time.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let before = whole_seconds(SystemTime::now());
    let session = Session::<App>::new().log_in(5);
    storage.save(&session).await.unwrap();
    let after = whole_seconds(SystemTime::now());
    let listed = storage.sessions_of::<App>(&5).await.unwrap();
    assert_eq!(listed.len(), 1);
    let created = whole_seconds(listed[0].created().expect("times are kept"));
    assert!(
        (before..=after).contains(&created),
        "{before} <= {created} <= {after}"
    );
    assert_eq!(listed[0].last_seen(), listed[0].created());
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
