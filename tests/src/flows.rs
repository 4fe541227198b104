//! Flows every storage must pass, shared by the storage tests.

use session::{Session, SessionStorage};

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
