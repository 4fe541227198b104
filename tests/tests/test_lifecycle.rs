//! Sessions that end: idle and absolute timeouts on every storage, with a
//! manual clock (exact and fast), and once with the real clock.

use std::time::Duration;

use session_schema::{
    BackendStorage, CookieStorage, FsStorage, ManualClock, MemoryStorage, RedisStorage, Session,
    SessionStorage,
};
use session_tests::App;
use session_tests::flows;
use session_tests::map_backend::MapBackend;
use session_tests::redis_server::RedisServer;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn cookie_storage() {
    flows::timeout_flows(async || CookieStorage::new()).await;
}

#[tokio::test]
async fn memory_storage() {
    flows::timeout_flows(async || MemoryStorage::new()).await;
}

#[tokio::test]
async fn fs_storage() {
    let dir = tempfile::tempdir().unwrap();
    flows::timeout_flows(async || FsStorage::new(dir.path()).unwrap()).await;
}

#[tokio::test]
async fn redis_storage() {
    let server = RedisServer::start();
    let base = RedisStorage::connect(&server.url()).await.unwrap();
    flows::timeout_flows(async || base.clone()).await;
}

/// One end-to-end check per storage with the system clock: a two-second
/// idle timeout ends the session. Times are whole seconds, so the session is
/// saved just after a second begins and read back within it: live however
/// the seconds fall, and ended two seconds later.
async fn ends_with_the_real_clock<St: SessionStorage>(storage: St) {
    let since_second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_millis();
    tokio::time::sleep(Duration::from_millis(u64::from(1010 - since_second))).await;
    let mut session: Session<App> = storage.read(None).await.unwrap();
    session.set(App::USER_ID, 1);
    let value = storage.save(&session).await.unwrap().unwrap();
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(read.get(App::USER_ID), Some(&1));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let ended: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(ended.get(App::USER_ID), None);
}

#[tokio::test]
async fn every_storage_ends_sessions_with_the_real_clock() {
    let two_seconds = Duration::from_secs(2);
    let dir = tempfile::tempdir().unwrap();
    tokio::join!(
        ends_with_the_real_clock(CookieStorage::new().idle_timeout(two_seconds)),
        ends_with_the_real_clock(MemoryStorage::new().idle_timeout(two_seconds)),
        ends_with_the_real_clock(
            FsStorage::new(dir.path())
                .unwrap()
                .idle_timeout(two_seconds)
        ),
    );
}

#[tokio::test]
async fn a_client_cannot_keep_a_cookie_session_alive_by_keeping_its_cookie() {
    let clock = ManualClock::new();
    let storage = CookieStorage::new()
        .absolute_timeout(HOUR)
        .clock(clock.clone());
    let mut session: Session<App> = storage.read(None).await.unwrap();
    session.set(App::USER_ID, 1);
    let value = storage.save(&session).await.unwrap().unwrap();
    clock.advance(HOUR);
    // The same signed value, replayed after the hour: the times inside it say it ended.
    let replayed: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(replayed.get(App::USER_ID), None);
}

#[tokio::test]
async fn huge_timeouts_are_never_and_keep_every_session() {
    let dir = tempfile::tempdir().unwrap();
    let forever = Duration::MAX;
    let cookie = CookieStorage::new()
        .idle_timeout(forever)
        .absolute_timeout(forever);
    let memory = MemoryStorage::new()
        .idle_timeout(forever)
        .absolute_timeout(forever);
    let fs = FsStorage::new(dir.path())
        .unwrap()
        .idle_timeout(forever)
        .absolute_timeout(forever);
    let map = BackendStorage::from_backend(MapBackend::default())
        .idle_timeout(forever)
        .absolute_timeout(forever);
    for storage in [&cookie as &dyn Probe, &memory, &fs, &map] {
        storage.round_trip().await;
    }
    // A zero timeout is one second, the shortest: a session read in the
    // same second is live.
    let zero = MemoryStorage::new()
        .idle_timeout(Duration::ZERO)
        .clock(ManualClock::new());
    zero.round_trip().await;
}

/// A storage whose sessions round-trip, for the list of storages above.
trait Probe {
    fn round_trip(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>;
}

impl<St: SessionStorage> Probe for St {
    fn round_trip(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
        Box::pin(async move {
            let mut session: Session<App> = self.read(None).await.unwrap();
            session.set(App::USER_ID, 1);
            let value = self.save(&session).await.unwrap().unwrap();
            let read: Session<App> = self.read(Some(&value)).await.unwrap();
            assert_eq!(read.get(App::USER_ID), Some(&1), "the session is kept");
            let _ = self.cookie_max_age(&read);
            self.save(&read).await.unwrap();
        })
    }
}

/// A clock that counts how often it is read.
#[derive(Clone, Default)]
struct CountingClock(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl CountingClock {
    fn reads(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl session_schema::Clock for CountingClock {
    fn now(&self) -> std::time::SystemTime {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::time::SystemTime::now()
    }
}

/// How often saving a new session and then a change to it reads `clock`.
async fn clock_reads_of_two_saves(storage: &impl SessionStorage, clock: &CountingClock) -> usize {
    let before = clock.reads();
    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();
    let mut session: Session<App> = storage.read(Some(&id)).await.unwrap();
    session.set(App::USER_ID, 2);
    assert_eq!(storage.save(&session).await.unwrap(), Some(id));
    clock.reads() - before
}

#[tokio::test]
async fn a_storage_without_timeouts_reads_the_clock_only_for_a_backend_that_uses_it() {
    let clock = CountingClock::default();
    let memory = MemoryStorage::new().clock(clock.clone());
    assert_eq!(clock_reads_of_two_saves(&memory, &clock).await, 0, "memory");
    let dir = tempfile::tempdir().unwrap();
    let fs = FsStorage::new(dir.path()).unwrap().clock(clock.clone());
    assert_eq!(clock_reads_of_two_saves(&fs, &clock).await, 0, "fs");
    // A backend that reads `Record::now` (the default) gets the time.
    let map = BackendStorage::from_backend(MapBackend::default()).clock(clock.clone());
    assert_eq!(
        clock_reads_of_two_saves(&map, &clock).await,
        2,
        "a backend that reads it"
    );
    // With a timeout, every save reads it, whatever the backend.
    let timed = MemoryStorage::new().idle_timeout(HOUR).clock(clock.clone());
    assert!(
        clock_reads_of_two_saves(&timed, &clock).await >= 2,
        "with a timeout"
    );
}
