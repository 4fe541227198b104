//! Many threads at once: distinct sessions are never mixed up or lost, and
//! concurrent requests of one user that change different keys both keep their
//! change.

use std::sync::Arc;

use session_schema::{FsStorage, MemoryStorage, Session, SessionStorage};
use session_tests::flows::{destroyed_sessions_stay_destroyed, racing_requests_keep_every_change};
use session_tests::{App, block_on};

const THREADS: usize = 8;
const SESSIONS_PER_THREAD: usize = 50;

fn distinct_sessions<St: SessionStorage + 'static>(storage: &Arc<St>) {
    let handles: Vec<_> = (0..THREADS as u64)
        .map(|thread| {
            let storage = Arc::clone(storage);
            std::thread::spawn(move || {
                block_on(async {
                    let mut ids = Vec::new();
                    for n in 0..SESSIONS_PER_THREAD as u64 {
                        let mut session: Session<App> = storage.read(None).await.unwrap();
                        session.set(App::USER_ID, thread * 1000 + n);
                        ids.push((
                            storage.save(&session).await.unwrap().unwrap(),
                            thread * 1000 + n,
                        ));
                    }
                    for (id, expected) in &ids {
                        let mut session: Session<App> = storage.read(Some(id)).await.unwrap();
                        assert_eq!(session.get(App::USER_ID), Some(expected));
                        session.set(App::NAME, format!("user {expected}"));
                        storage.save(&session).await.unwrap();
                    }
                    ids
                })
            })
        })
        .collect();
    let all: Vec<(String, u64)> = handles
        .into_iter()
        .flat_map(|handle| handle.join().unwrap())
        .collect();
    assert_eq!(all.len(), THREADS * SESSIONS_PER_THREAD);
    block_on(async {
        for (id, expected) in &all {
            let session: Session<App> = storage.read(Some(id)).await.unwrap();
            assert_eq!(session.get(App::USER_ID), Some(expected));
            assert_eq!(session.get(App::NAME), Some(&format!("user {expected}")));
        }
    });
}

#[test]
fn memory_storage_keeps_distinct_sessions_apart() {
    distinct_sessions(&Arc::new(MemoryStorage::new()));
}

#[test]
fn fs_storage_keeps_distinct_sessions_apart() {
    let dir = tempfile::tempdir().unwrap();
    distinct_sessions(&Arc::new(FsStorage::new(dir.path()).unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_storage_merges_racing_requests() {
    racing_requests_keep_every_change(Arc::new(MemoryStorage::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fs_storage_merges_racing_requests() {
    let dir = tempfile::tempdir().unwrap();
    racing_requests_keep_every_change(Arc::new(FsStorage::new(dir.path()).unwrap())).await;
}

#[tokio::test]
async fn memory_storage_does_not_revive_destroyed_sessions() {
    destroyed_sessions_stay_destroyed(&MemoryStorage::new()).await;
}

#[tokio::test]
async fn fs_storage_does_not_revive_destroyed_sessions() {
    let dir = tempfile::tempdir().unwrap();
    destroyed_sessions_stay_destroyed(&FsStorage::new(dir.path()).unwrap()).await;
}
