//! Flows every storage must pass, shared by the storage tests.

use session_schema::{Session, SessionStorage};

use crate::App;

/// Runs the flow every storage shares: fresh session, save, read back,
/// clean save, destroy.
///
/// # Panics
///
/// When the storage does not behave.
pub async fn common_flow(storage: &impl SessionStorage) {
    let fresh: Session<App> = storage.read(None).await.unwrap();
    assert!(!fresh.dirty());
    assert_eq!(
        storage.save(&fresh).await.unwrap(),
        None,
        "a clean session sets no cookie"
    );

    let empty: Session<App> = storage.read(Some("")).await.unwrap();
    assert_eq!(empty.size(), 0);

    let mut session: Session<App> = storage.read(None).await.unwrap();
    session.set(App::USER_ID, 1);
    session.flash(App::NOTICE, "hi".into());
    let value = storage
        .save(&session)
        .await
        .unwrap()
        .expect("a dirty session is stored");

    let loaded: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(loaded.id(), session.id());
    assert_eq!(loaded.get(App::USER_ID), Some(&1));
    assert_eq!(loaded.get(App::NOTICE).map(String::as_str), Some("hi"));
    assert!(loaded.dirty(), "the flash read must be dropped");
    let value = storage.save(&loaded).await.unwrap().unwrap();

    let again: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(again.get(App::NOTICE), None);
    assert!(!again.dirty());
    assert_eq!(storage.save(&again).await.unwrap(), None);

    let destroyed = again.destroy();
    assert_eq!(storage.save(&destroyed).await.unwrap().as_deref(), Some(""));
}

/// Runs the flow of storages that keep sessions under their id: unknown ids
/// are not adopted, destroyed sessions are deleted, regenerating with delete
/// removes the old record (`deleted` tells whether an id is gone).
///
/// # Panics
///
/// When the storage does not behave.
pub async fn id_based_flow(storage: &impl SessionStorage, deleted: impl AsyncFnOnce(&str) -> bool) {
    // Unknown ids are not adopted.
    let session: Session<App> = storage.read(Some("chosen-by-client")).await.unwrap();
    assert_ne!(session.id(), "chosen-by-client");

    // A destroyed session is deleted.
    let mut session: Session<App> = storage.read(None).await.unwrap();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();
    let loaded: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_eq!(
        storage.save(&loaded.destroy()).await.unwrap().as_deref(),
        Some("")
    );
    let after: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(after.id(), id);
    assert_eq!(after.get(App::USER_ID), None);

    // Regenerating with delete writes the new record and deletes the old.
    let mut session: Session<App> = storage.read(None).await.unwrap();
    session.set(App::USER_ID, 2);
    let old = storage.save(&session).await.unwrap().unwrap();
    let mut session: Session<App> = storage.read(Some(&old)).await.unwrap();
    session.regenerate_id(true);
    let new = storage.save(&session).await.unwrap().unwrap();
    assert_ne!(new, old);
    assert!(deleted(&old).await, "the old record is deleted");
    let moved: Session<App> = storage.read(Some(&new)).await.unwrap();
    assert_eq!(moved.get(App::USER_ID), Some(&2));

    // Regenerating without delete keeps the old record.
    let mut session: Session<App> = storage.read(Some(&new)).await.unwrap();
    session.regenerate_id(false);
    let newest = storage.save(&session).await.unwrap().unwrap();
    let kept: Session<App> = storage.read(Some(&new)).await.unwrap();
    assert_eq!(kept.id(), new);
    assert_ne!(newest, new);
}

/// Eight requests of one user load the same session, then save at once, each
/// having set a different key: every key must be in the stored session. Run
/// on a multi-threaded runtime, so the saves really race.
///
/// # Panics
///
/// When a change is lost.
pub async fn racing_requests_keep_every_change<St: SessionStorage + 'static>(
    storage: std::sync::Arc<St>,
) {
    use crate::Wide;
    use std::sync::Arc;

    for round in 0..20_u32 {
        let mut session: Session<Wide> = Session::new();
        session.set(Wide::K0, 0);
        let id = storage.save(&session).await.unwrap().unwrap();
        let barrier = Arc::new(tokio::sync::Barrier::new(Wide::KEYS.len()));
        let tasks: Vec<_> = Wide::KEYS
            .iter()
            .enumerate()
            .map(|(index, key)| {
                let (storage, barrier, id, key) =
                    (Arc::clone(&storage), Arc::clone(&barrier), id.clone(), *key);
                tokio::spawn(async move {
                    let mut session: Session<Wide> = storage.read(Some(&id)).await.unwrap();
                    session.set(key, round * 100 + u32::try_from(index).unwrap());
                    barrier.wait().await;
                    storage.save(&session).await.unwrap();
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let stored: Session<Wide> = storage.read(Some(&id)).await.unwrap();
        for (index, key) in Wide::KEYS.iter().enumerate() {
            assert_eq!(
                stored.get(*key),
                Some(&(round * 100 + u32::try_from(index).unwrap())),
                "k{index} lost"
            );
        }
    }
}

/// A request that destroys the session and one that changes it run at once:
/// the change does not bring the session back (`exists` tells whether the
/// storage still holds an id).
///
/// # Panics
///
/// When the destroyed session comes back.
pub async fn destroyed_sessions_stay_destroyed(storage: &impl SessionStorage) {
    let mut session: Session<App> = storage.read(None).await.unwrap();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();
    let destroying: Session<App> = storage.read(Some(&id)).await.unwrap();
    let mut changing: Session<App> = storage.read(Some(&id)).await.unwrap();
    storage.save(&destroying.destroy()).await.unwrap();
    changing.set(App::NAME, "late".into());
    assert_eq!(
        storage.save(&changing).await.unwrap(),
        None,
        "no cookie for a session that is gone"
    );
    let after: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(after.id(), id, "the destroyed session was not revived");
}
