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

/// A record another writer stored with the owner's name escaped
/// (`"\u006fwner"`, which JSON allows and reads as `"owner"`): the storage
/// still finds its owner when the session moves to another, so the old
/// owner's index does not keep it. (The Redis backend updates the indexes
/// by the owner the storage found in the record it replaces; the memory
/// backend keeps each entry's owner itself.)
async fn escaped_owner_flow<B: session_schema::SessionBackend>(
    storage: &session_schema::BackendStorage<B>,
) {
    use session_schema::{Record, Session, SessionStorage};
    use session_tests::App;

    let record = Record {
        text: r#"[{"\u006fwner":7,"user_id":1},{}]"#.to_owned(),
        expires_at: None,
        owner: Some("7"),
        now: std::time::SystemTime::now(),
    };
    storage
        .backend()
        .insert("stored-by-another", record)
        .await
        .unwrap();
    let session: Session<App> = storage.read(Some("stored-by-another")).await.unwrap();
    let Ok(session) = session.into_logged_in() else {
        panic!("the owner, 7, is not read");
    };
    assert_eq!(*session.owner(), 7);
    let session = session.log_out().log_in(8);
    let id = storage.save(&session).await.unwrap().unwrap();
    assert_ne!(id, "stored-by-another");
    assert_eq!(storage.backend().owned("8").await.unwrap(), vec![id]);
    assert!(
        storage.backend().owned("7").await.unwrap().is_empty(),
        "the index of the owner the session had still lists it"
    );
}

#[tokio::test]
async fn an_owner_written_with_escapes_is_still_found_in_memory() {
    escaped_owner_flow(&MemoryStorage::new()).await;
}

#[tokio::test]
async fn an_owner_written_with_escapes_is_still_found_in_redis() {
    let server = RedisServer::start();
    escaped_owner_flow(&RedisStorage::connect(&server.url()).await.unwrap()).await;
}
