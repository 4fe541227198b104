//! The public backend trait: a user's own small backend (the one in
//! `SessionBackend`'s docs) passes the same flows as every shipped storage.

use std::sync::Arc;
use std::time::Duration;

use session_schema::{BackendStorage, ManualClock, Session, SessionStorage};
use session_tests::App;
use session_tests::flows;
use session_tests::map_backend::MapBackend;

fn storage() -> BackendStorage<MapBackend> {
    BackendStorage::from_backend(MapBackend::default())
}

#[tokio::test]
async fn fresh_adopt_destroy_and_regenerate() {
    let storage = storage();
    flows::common_flow(&storage).await;
    flows::id_based_flow(&storage, async |id| flows::is_gone(&storage, id).await).await;
    let adopting = storage.use_unknown_ids(true);
    let session: Session<App> = adopting.read(Some("client-id")).await.unwrap();
    assert_eq!(session.id(), "client-id");
}

#[tokio::test]
async fn expiry() {
    flows::timeout_flows(async || storage()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_saves() {
    flows::racing_requests_keep_every_change(Arc::new(storage())).await;
    flows::destroyed_sessions_stay_destroyed(&storage()).await;
}

#[tokio::test]
async fn revocation() {
    flows::owner_flow(&storage()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_revocation() {
    let shared = Arc::new(storage());
    flows::racing_flows(Arc::clone(&shared), shared).await;
}

#[tokio::test]
async fn a_touch_writes_at_most_once_per_quarter_of_the_idle_timeout() {
    let clock = ManualClock::new();
    let storage = storage()
        .idle_timeout(Duration::from_secs(3600))
        .clock(clock.clone());
    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();
    let before = storage.backend().writes();
    // A request a minute, reading and saving without a change, for three hours.
    for _ in 0..180 {
        clock.advance(Duration::from_secs(60));
        let read: Session<App> = storage.read(Some(&id)).await.unwrap();
        assert_eq!(read.get(App::USER_ID), Some(&1), "an active user stays in");
        storage.save(&read).await.unwrap();
    }
    let touches = storage.backend().writes() - before;
    // One touch each time more than 15 minutes passed since the last: every 16th minute.
    assert_eq!(touches, 180 / 16, "{touches} writes in three hours");
}
