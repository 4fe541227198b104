//! Many threads at once: distinct sessions are never mixed up or lost, and
//! concurrent requests of one user that change different keys both keep their
//! change.

use std::sync::{Arc, Barrier};

use session::{FsStorage, MemoryStorage, Session, SessionStorage};
use session_tests::{App, Wide, block_on};

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

/// Eight requests of one user load the same session, then save at once, each
/// having set a different key: every key must be in the stored session.
fn racing_requests_keep_every_change<St: SessionStorage + 'static>(storage: &Arc<St>) {
    for round in 0..20_u32 {
        let mut session: Session<Wide> = block_on(storage.read(None)).unwrap();
        session.set(Wide::K0, 0);
        let id = block_on(storage.save(&session)).unwrap().unwrap();
        let barrier = Arc::new(Barrier::new(Wide::KEYS.len()));
        let handles: Vec<_> = Wide::KEYS
            .iter()
            .enumerate()
            .map(|(index, key)| {
                let (storage, barrier, id, key) =
                    (Arc::clone(storage), Arc::clone(&barrier), id.clone(), *key);
                std::thread::spawn(move || {
                    block_on(async {
                        let mut session: Session<Wide> = storage.read(Some(&id)).await.unwrap();
                        session.set(key, round * 100 + u32::try_from(index).unwrap());
                        barrier.wait();
                        storage.save(&session).await.unwrap();
                    });
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        let stored: Session<Wide> = block_on(storage.read(Some(&id))).unwrap();
        for (index, key) in Wide::KEYS.iter().enumerate() {
            assert_eq!(
                stored.get(*key),
                Some(&(round * 100 + u32::try_from(index).unwrap())),
                "k{index} lost"
            );
        }
    }
}

#[test]
fn memory_storage_merges_racing_requests() {
    racing_requests_keep_every_change(&Arc::new(MemoryStorage::new()));
}

#[test]
fn fs_storage_merges_racing_requests() {
    let dir = tempfile::tempdir().unwrap();
    racing_requests_keep_every_change(&Arc::new(FsStorage::new(dir.path()).unwrap()));
}

/// A request that destroys the session and one that changes it run at once:
/// the change does not bring the session back.
fn destroyed_sessions_stay_destroyed<St: SessionStorage + 'static>(storage: &St) {
    block_on(async {
        let mut session: Session<App> = storage.read(None).await.unwrap();
        session.set(App::USER_ID, 1);
        let id = storage.save(&session).await.unwrap().unwrap();
        let destroying: Session<App> = storage.read(Some(&id)).await.unwrap();
        let mut changing: Session<App> = storage.read(Some(&id)).await.unwrap();
        storage.save(&destroying.destroy()).await.unwrap();
        changing.set(App::NAME, "late".into());
        assert_eq!(storage.save(&changing).await.unwrap(), None);
        let after: Session<App> = storage.read(Some(&id)).await.unwrap();
        assert_ne!(after.id(), id, "the destroyed session was not revived");
    });
}

#[test]
fn memory_storage_does_not_revive_destroyed_sessions() {
    destroyed_sessions_stay_destroyed(&MemoryStorage::new());
}

#[test]
fn fs_storage_does_not_revive_destroyed_sessions() {
    let dir = tempfile::tempdir().unwrap();
    destroyed_sessions_stay_destroyed(&FsStorage::new(dir.path()).unwrap());
}
