//! Flows every storage must pass, shared by the storage tests.

use std::time::Duration;

use session_schema::{
    BackendStorage, Clock as _, ManualClock, Session, SessionBackend, SessionStorage,
};

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

    // Regenerating twice in one request moves the record it was loaded
    // from to the last id, and deletes the id it was loaded with.
    let mut session: Session<App> = storage.read(Some(&newest)).await.unwrap();
    session.regenerate_id(true);
    session.regenerate_id(true);
    let last = session.id().to_owned();
    assert_eq!(
        storage.save(&session).await.unwrap().as_deref(),
        Some(last.as_str()),
        "saved under the last id"
    );
    let gone: Session<App> = storage.read(Some(&newest)).await.unwrap();
    assert_ne!(gone.id(), newest, "the id it was loaded with is deleted");
    let moved: Session<App> = storage.read(Some(&last)).await.unwrap();
    assert_eq!(moved.get(App::USER_ID), Some(&2));
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

/// What a lifecycle flow needs: a storage with a manual clock, and how to
/// make another storage over the same sessions (a second instance).
pub struct Timed<'a, St> {
    /// The storage under test, configured with the flow's timeouts and `clock`.
    pub storage: &'a St,
    /// The clock the storage reads.
    pub clock: &'a ManualClock,
}

/// One request: reads the session the cookie value designates, lets `change`
/// act on it, saves it, and returns the cookie value the client holds next
/// with the session as read.
async fn request<St: SessionStorage>(
    storage: &St,
    value: &str,
    change: impl FnOnce(&mut Session<App>),
) -> (String, Option<u64>) {
    let mut session: Session<App> = storage.read(Some(value)).await.unwrap();
    let user = session.get(App::USER_ID).copied();
    change(&mut session);
    let next = storage.save(&session).await.unwrap();
    (next.unwrap_or_else(|| value.to_owned()), user)
}

/// The idle timeout with a one-hour timeout: a session used within the hour
/// lives on, touched at most once per quarter hour, and ends an hour after
/// its last touch.
///
/// # Panics
///
/// When the storage does not behave.
pub async fn idle_timeout_flow<St: SessionStorage>(timed: Timed<'_, St>) {
    let Timed { storage, clock } = timed;
    let minutes = |n: u64| Duration::from_secs(n * 60);
    let mut session: Session<App> = storage.read(None).await.unwrap();
    session.set(App::USER_ID, 1);
    let value = storage.save(&session).await.unwrap().unwrap();
    assert_eq!(
        storage.cookie_max_age(&session),
        Some(minutes(60)),
        "the cookie lives as long as the session"
    );

    clock.advance(minutes(10));
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(read.get(App::USER_ID), Some(&1), "live after 10 minutes");
    assert_eq!(
        storage.save(&read).await.unwrap(),
        None,
        "no touch within a quarter of the timeout"
    );
    // A change within that quarter is written, and moves the end no more
    // than a read does: the cookie set at the last touch stays right.
    let mut changed = read;
    changed.set(App::USER_ID, 2);
    assert_eq!(
        storage.cookie_max_age(&changed),
        Some(minutes(50)),
        "the end is an hour after the last touch, not after this write"
    );
    let value = storage
        .save(&changed)
        .await
        .unwrap()
        .expect("the change is written");

    clock.advance(minutes(10));
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(read.get(App::USER_ID), Some(&2), "the change was kept");
    let touched = storage.save(&read).await.unwrap();
    let value = touched.expect("touched once past a quarter of the timeout");
    assert_eq!(storage.cookie_max_age(&read), Some(minutes(60)));

    // To the second: live 3599 s after the touch, ended at 3600.
    clock.advance(Duration::from_secs(3599));
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(
        read.get(App::USER_ID),
        Some(&2),
        "live 3599 s after the touch"
    );
    clock.advance(Duration::from_secs(1));
    let ended: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(
        ended.get(App::USER_ID),
        None,
        "ended an idle hour after the touch"
    );
    assert_eq!(ended.size(), 0);
}

/// The absolute timeout of two hours, with an idle timeout of one: a session
/// kept busy still ends two hours after it was created, and `regenerate_id`
/// keeps the creation time.
///
/// # Panics
///
/// When the storage does not behave.
pub async fn absolute_timeout_flow<St: SessionStorage>(timed: Timed<'_, St>) {
    let Timed { storage, clock } = timed;
    let minutes = |n: u64| Duration::from_secs(n * 60);
    let mut session: Session<App> = storage.read(None).await.unwrap();
    session.set(App::USER_ID, 1);
    let mut value = storage.save(&session).await.unwrap().unwrap();
    for step in 0..3_u64 {
        clock.advance(minutes(30));
        let (next, user) = request(storage, &value, |session| {
            session.set(App::NAME, format!("step {step}"));
            if step == 1 {
                session.regenerate_id(true);
            }
        })
        .await;
        assert_eq!(user, Some(1), "live at {} minutes", 30 * (step + 1));
        value = next;
    }
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(
        storage.cookie_max_age(&read),
        Some(minutes(30)),
        "the cookie ends with the session, 30 minutes before the idle timeout would"
    );
    // To the second: live 7199 s after creation, ended at 7200.
    clock.advance(Duration::from_secs(30 * 60 - 1));
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(
        read.get(App::USER_ID),
        Some(&1),
        "live 7199 s after creation"
    );
    clock.advance(Duration::from_secs(1));
    let ended: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(
        ended.get(App::USER_ID),
        None,
        "ended two hours after creation, though used every half hour and regenerated"
    );
}

/// `log_in` renews the id and keeps the creation time: a session created,
/// then logged in an hour later, still ends two hours after its creation.
///
/// # Panics
///
/// When the storage does not behave.
pub async fn log_in_keeps_the_creation_time<St: SessionStorage>(timed: Timed<'_, St>) {
    let Timed { storage, clock } = timed;
    let mut session: Session<App> = storage.read(None).await.unwrap();
    session.set(App::USER_ID, 1);
    let value = storage.save(&session).await.unwrap().unwrap();
    clock.advance(Duration::from_secs(1800));
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    let value = storage.save(&read.log_in(5)).await.unwrap().unwrap();
    clock.advance(Duration::from_secs(1800));
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    let value = storage.save(&read).await.unwrap().unwrap_or(value);
    clock.advance(Duration::from_secs(1800));
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    let value = storage.save(&read).await.unwrap().unwrap_or(value);
    clock.advance(Duration::from_secs(1799));
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert!(read.into_logged_in().is_ok(), "live 7199 s after creation");
    clock.advance(Duration::from_secs(1));
    let ended: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert!(
        ended.into_logged_in().is_err(),
        "ended two hours after creation: the login kept the creation time"
    );
}

/// "Log out everywhere": sessions indexed by their owner as they log in,
/// re-indexed when they log in as another, unindexed when destroyed or
/// logged out, and all destroyed at once.
///
/// # Panics
///
/// When the storage does not behave.
pub async fn owner_flow<B: SessionBackend>(storage: &BackendStorage<B>) {
    let mut ids = Vec::new();
    for _ in 0..3 {
        let session = Session::<App>::new().log_in(41);
        ids.push(storage.save(&session).await.unwrap().unwrap());
    }
    let other = storage
        .save(&Session::<App>::new().log_in(42))
        .await
        .unwrap()
        .unwrap();
    let mut anonymous = Session::<App>::new();
    anonymous.set(App::NAME, "nobody".into());
    storage.save(&anonymous).await.unwrap();

    assert_eq!(
        sorted(storage.owned_by::<App>(&41).await.unwrap()),
        sorted(ids.clone())
    );

    // Logging in as someone else: the session moves from one index to the
    // other, under a new id.
    let read: Session<App> = storage.read(Some(&ids[0])).await.unwrap();
    let switched = read.into_logged_in().unwrap().log_out().log_in(42);
    let switched = storage.save(&switched).await.unwrap().unwrap();
    assert_eq!(
        sorted(storage.owned_by::<App>(&41).await.unwrap()),
        sorted(vec![ids[1].clone(), ids[2].clone()])
    );
    assert_eq!(
        sorted(storage.owned_by::<App>(&42).await.unwrap()),
        sorted(vec![other.clone(), switched.clone()])
    );

    // Regenerating moves the index entry to the new id; destroying drops it.
    let mut regenerated: Session<App> = storage.read(Some(&ids[1])).await.unwrap();
    regenerated.regenerate_id(true);
    let new_id = storage.save(&regenerated).await.unwrap().unwrap();
    assert_eq!(
        sorted(storage.owned_by::<App>(&41).await.unwrap()),
        sorted(vec![new_id.clone(), ids[2].clone()])
    );
    let destroyed: Session<App> = storage.read(Some(&ids[2])).await.unwrap();
    storage.save(&destroyed.destroy()).await.unwrap();
    assert_eq!(
        storage.backend().owned("41").await.unwrap(),
        vec![new_id.clone()],
        "the backend's own index: the destroyed and the moved entries are gone"
    );
    assert_eq!(
        storage.owned_by::<App>(&41).await.unwrap(),
        vec![new_id.clone()]
    );

    // Unsetting the owner of an active session takes it out of the index.
    let mut unowned: Session<App> = storage.read(Some(&new_id)).await.unwrap();
    unowned.unset(App::OWNER);
    assert_eq!(
        storage.save(&unowned).await.unwrap().as_deref(),
        Some(new_id.as_str())
    );
    assert!(storage.owned_by::<App>(&41).await.unwrap().is_empty());

    assert_eq!(storage.destroy_owned_by::<App>(&42).await.unwrap(), 2);
    for id in [&switched, &other] {
        assert!(is_gone(storage, id).await, "destroyed");
    }
    assert!(storage.owned_by::<App>(&42).await.unwrap().is_empty());
    assert_eq!(storage.destroy_owned_by::<App>(&42).await.unwrap(), 0);
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// A login on one instance while another destroys every session of that
/// owner, started together, over and over: the session that existed before
/// is gone afterwards, and the login, if it is live, is in the index (and
/// nothing else is).
///
/// # Panics
///
/// When a session survives the destroy, or a live login is missing from the index.
pub async fn racing_logout_everywhere<B: SessionBackend>(
    first: std::sync::Arc<BackendStorage<B>>,
    second: std::sync::Arc<BackendStorage<B>>,
) {
    use std::sync::Arc;
    for round in 0..20_u64 {
        let owner = 1000 + round;
        let existing = first
            .save(&Session::<App>::new().log_in(owner))
            .await
            .unwrap()
            .unwrap();
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let login = {
            let (first, barrier) = (Arc::clone(&first), Arc::clone(&barrier));
            tokio::spawn(async move {
                let session: Session<App> = first.read(None).await.unwrap();
                barrier.wait().await;
                first.save(&session.log_in(owner)).await.unwrap().unwrap()
            })
        };
        let destroy = {
            let (second, barrier) = (Arc::clone(&second), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                second.destroy_owned_by::<App>(&owner).await.unwrap()
            })
        };
        let login = login.await.unwrap();
        let destroyed = destroy.await.unwrap();
        assert!(
            (1..=2).contains(&destroyed),
            "the session that existed, and maybe the login: {destroyed}"
        );
        assert!(
            is_gone(&*first, &existing).await,
            "the existing session survived"
        );
        let live = !is_gone(&*first, &login).await;
        let listed = second.owned_by::<App>(&owner).await.unwrap();
        let expected = if live { vec![login] } else { Vec::new() };
        assert_eq!(listed, expected, "the index lists exactly the live login");
    }
}

/// A logged-in request that regenerates its session's id while another
/// instance logs its owner out everywhere, started together, over and over:
/// the session existed before the destroy began, so it is gone afterwards
/// under both ids, whichever finished first.
///
/// # Panics
///
/// When the regenerated session survives.
pub async fn regenerating_while_logged_out_everywhere<B: SessionBackend>(
    first: std::sync::Arc<BackendStorage<B>>,
    second: std::sync::Arc<BackendStorage<B>>,
) {
    use std::sync::Arc;
    for round in 0..20_u64 {
        let owner = 2000 + round;
        let old = first
            .save(&Session::<App>::new().log_in(owner))
            .await
            .unwrap()
            .unwrap();
        let mut read: Session<App> = first.read(Some(&old)).await.unwrap();
        assert_eq!(read.id(), old);
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let regenerate = {
            let (first, barrier) = (Arc::clone(&first), Arc::clone(&barrier));
            tokio::spawn(async move {
                read.regenerate_id(round % 2 == 0);
                read.set(App::NAME, "regenerated".into());
                barrier.wait().await;
                first.save(&read).await.unwrap()
            })
        };
        let destroy = {
            let (second, barrier) = (Arc::clone(&second), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                second.destroy_owned_by::<App>(&owner).await.unwrap()
            })
        };
        let new = regenerate.await.unwrap();
        destroy.await.unwrap();
        assert!(is_gone(&*first, &old).await, "the old id survived");
        if let Some(new) = new {
            assert!(
                is_gone(&*first, &new).await,
                "the regenerated session survived log out everywhere"
            );
        }
        assert!(second.owned_by::<App>(&owner).await.unwrap().is_empty());
    }
}

/// Logging in and out through a storage: the id changes both times, the old
/// record is gone, and the owner index follows the session.
///
/// # Panics
///
/// When the storage does not behave.
pub async fn login_flow<B: SessionBackend>(storage: &BackendStorage<B>) {
    let mut anonymous: Session<App> = storage.read(None).await.unwrap();
    anonymous.set(App::NAME, "visitor".into());
    let before = storage.save(&anonymous).await.unwrap().unwrap();

    let read: Session<App> = storage.read(Some(&before)).await.unwrap();
    let logged_in = read.log_in(77);
    assert_eq!(*logged_in.owner(), 77);
    let during = storage.save(&logged_in).await.unwrap().unwrap();
    assert_ne!(during, before, "a new id at log-in");
    let old: Session<App> = storage.read(Some(&before)).await.unwrap();
    assert_ne!(old.id(), before, "the pre-login record is gone");
    assert_eq!(
        storage.owned_by::<App>(&77).await.unwrap(),
        vec![during.clone()]
    );

    let read: Session<App> = storage.read(Some(&during)).await.unwrap();
    let logged_in = read.into_logged_in().expect("the owner was stored");
    assert_eq!(
        logged_in.get(App::NAME).map(String::as_str),
        Some("visitor")
    );
    let logged_out = logged_in.log_out();
    assert_eq!(logged_out.get(App::USER_ID), None);
    assert_eq!(
        logged_out.get(App::NAME).map(String::as_str),
        Some("visitor"),
        "other values stay"
    );
    let after = storage.save(&logged_out).await.unwrap().unwrap();
    assert_ne!(after, during, "a new id at log-out");
    let old: Session<App> = storage.read(Some(&during)).await.unwrap();
    assert_ne!(old.id(), during, "the logged-in record is gone");
    assert!(
        storage.owned_by::<App>(&77).await.unwrap().is_empty(),
        "the index follows"
    );
    let read: Session<App> = storage.read(Some(&after)).await.unwrap();
    assert!(read.into_logged_in().is_err(), "no owner, not logged in");
}

/// Whether `id` is gone from `storage`: reading it gives a fresh session
/// under another id.
///
/// # Panics
///
/// When the storage fails.
pub async fn is_gone(storage: &impl SessionStorage, id: &str) -> bool {
    let session: Session<App> = storage.read(Some(id)).await.unwrap();
    session.id() != id
}

/// Runs every flow an id-based storage shares, one after the other: the
/// common and id-based flows, destroyed sessions staying destroyed, the
/// owner index and logging in and out.
///
/// # Panics
///
/// When the storage does not behave.
pub async fn every_id_based_flow<B: SessionBackend>(storage: &BackendStorage<B>) {
    common_flow(storage).await;
    id_based_flow(storage, async |id| is_gone(storage, id).await).await;
    destroyed_sessions_stay_destroyed(storage).await;
    owner_flow(storage).await;
    login_flow(storage).await;
}

/// Runs the racing flows over two storages sharing one backend: saves of
/// one session racing, log out everywhere racing a login, and racing a
/// regeneration.
///
/// # Panics
///
/// When a storage does not behave.
pub async fn racing_flows<B: SessionBackend>(
    first: std::sync::Arc<BackendStorage<B>>,
    second: std::sync::Arc<BackendStorage<B>>,
) {
    racing_requests_keep_every_change(std::sync::Arc::clone(&first)).await;
    racing_logout_everywhere(
        std::sync::Arc::clone(&first),
        std::sync::Arc::clone(&second),
    )
    .await;
    regenerating_while_logged_out_everywhere(first, second).await;
}

/// A storage whose timeouts a flow sets: every storage of the crate.
pub trait WithTimeouts: SessionStorage + Sized {
    /// The storage with these timeouts, on `clock`.
    #[must_use]
    fn with_timeouts(
        self,
        idle: Option<Duration>,
        absolute: Option<Duration>,
        clock: ManualClock,
    ) -> Self;

    /// The storage with these timeouts for remembered sessions.
    #[must_use]
    fn with_remembered(self, idle: Duration, absolute: Duration) -> Self;
}

impl WithTimeouts for session_schema::CookieStorage {
    fn with_remembered(self, idle: Duration, absolute: Duration) -> Self {
        self.remember_timeouts(idle, absolute)
    }

    fn with_timeouts(
        self,
        idle: Option<Duration>,
        absolute: Option<Duration>,
        clock: ManualClock,
    ) -> Self {
        let storage = self.clock(clock);
        let storage = match idle {
            Some(idle) => storage.idle_timeout(idle),
            None => storage,
        };
        match absolute {
            Some(absolute) => storage.absolute_timeout(absolute),
            None => storage,
        }
    }
}

impl<B: SessionBackend> WithTimeouts for BackendStorage<B> {
    fn with_remembered(self, idle: Duration, absolute: Duration) -> Self {
        self.remember_timeouts(idle, absolute)
    }

    fn with_timeouts(
        self,
        idle: Option<Duration>,
        absolute: Option<Duration>,
        clock: ManualClock,
    ) -> Self {
        let storage = self.clock(clock);
        let storage = match idle {
            Some(idle) => storage.idle_timeout(idle),
            None => storage,
        };
        match absolute {
            Some(absolute) => storage.absolute_timeout(absolute),
            None => storage,
        }
    }
}

/// Runs the timeout flows on storages `make` gives (without timeouts; each
/// flow sets its own, on a fresh manual clock): the idle timeout alone, the
/// idle timeout beside an absolute one, the absolute timeout, a login
/// keeping the creation time, and remembered sessions ([`remember_flows`]).
///
/// # Panics
///
/// When a storage does not behave.
pub async fn timeout_flows<St: WithTimeouts>(make: impl AsyncFn() -> St) {
    const HOUR: Duration = Duration::from_secs(3600);
    for absolute in [None, Some(2 * HOUR)] {
        let clock = ManualClock::new();
        let storage = make()
            .await
            .with_timeouts(Some(HOUR), absolute, clock.clone());
        idle_timeout_flow(Timed {
            storage: &storage,
            clock: &clock,
        })
        .await;
    }
    let clock = ManualClock::new();
    let storage = make()
        .await
        .with_timeouts(Some(HOUR), Some(2 * HOUR), clock.clone());
    absolute_timeout_flow(Timed {
        storage: &storage,
        clock: &clock,
    })
    .await;
    let clock = ManualClock::new();
    let storage = make()
        .await
        .with_timeouts(Some(HOUR), Some(2 * HOUR), clock.clone());
    log_in_keeps_the_creation_time(Timed {
        storage: &storage,
        clock: &clock,
    })
    .await;
    remember_flows(make).await;
}

/// "Your devices" on a storage with timeouts on `clock`: `sessions_of` lists
/// each live session of an owner with a handle that does not give the id
/// away, its times and its values; `destroy_session_of` ends that one
/// session only if it still belongs to the owner.
///
/// # Panics
///
/// When the storage does not behave.
pub async fn devices_flow<B: SessionBackend>(storage: &BackendStorage<B>, clock: &ManualClock) {
    let created = clock.now();
    let mut phone = Session::<App>::new().log_in(61);
    phone.set(App::NAME, "phone".into());
    let phone_id = storage.save(&phone).await.unwrap().unwrap();
    clock.advance(Duration::from_secs(60));
    let mut laptop = Session::<App>::new().log_in(61);
    laptop.set(App::NAME, "laptop".into());
    let laptop_id = storage.save(&laptop).await.unwrap().unwrap();
    let mut other = Session::<App>::new().log_in(62);
    other.set(App::NAME, "someone else's".into());
    let other_id = storage.save(&other).await.unwrap().unwrap();
    clock.advance(Duration::from_secs(60));

    let mut sessions = storage.sessions_of::<App>(&61).await.unwrap();
    sessions.sort_by_key(|summary| summary.get(App::NAME).cloned());
    let names: Vec<_> = sessions.iter().map(|s| s.get(App::NAME).cloned()).collect();
    assert_eq!(names, [Some("laptop".to_owned()), Some("phone".to_owned())]);
    let (laptop_summary, phone_summary) = (&sessions[0], &sessions[1]);
    assert_eq!(phone_summary.handle(), phone.handle());
    assert_ne!(phone_summary.handle(), laptop_summary.handle());
    assert_eq!(phone_summary.handle().len(), 22);
    assert!(phone_summary.is_current(&phone) && !phone_summary.is_current(&laptop));
    assert!(laptop_summary.is_current(&laptop));
    let whole_second = |time: std::time::SystemTime| {
        let secs = time
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        std::time::UNIX_EPOCH + Duration::from_secs(secs)
    };
    assert_eq!(phone_summary.created(), Some(whole_second(created)));
    assert_eq!(phone_summary.last_seen(), Some(whole_second(created)));
    assert_eq!(
        laptop_summary.created(),
        Some(whole_second(created + Duration::from_secs(60)))
    );
    for (summary, id) in [(phone_summary, &phone_id), (laptop_summary, &laptop_id)] {
        let shown = format!("{summary:?} {}", summary.handle());
        assert!(!shown.contains(id.as_str()), "no id in a summary: {shown}");
        assert!(!shown.contains(&id[..8]), "not even part of it: {shown}");
    }

    // A read that touches the session moves its last-seen time.
    clock.advance(Duration::from_secs(30 * 60));
    let touched: Session<App> = storage.read(Some(&phone_id)).await.unwrap();
    storage.save(&touched).await.unwrap();
    let seen = storage.sessions_of::<App>(&61).await.unwrap();
    let phone_now = seen.iter().find(|s| s.is_current(&phone)).unwrap();
    assert_eq!(phone_now.last_seen(), Some(whole_second(clock.now())));
    assert_eq!(phone_now.created(), Some(whole_second(created)));

    // Another owner's handle, or a made-up one, ends nothing.
    assert!(
        !storage
            .destroy_session_of::<App>(&61, &other.handle())
            .await
            .unwrap()
    );
    assert!(
        !storage
            .destroy_session_of::<App>(&61, "not-a-handle")
            .await
            .unwrap()
    );
    let still: Session<App> = storage.read(Some(&other_id)).await.unwrap();
    assert_eq!(still.id(), other_id, "the other owner's session lives on");

    // Signing out one device ends that session only.
    assert!(
        storage
            .destroy_session_of::<App>(&61, &laptop.handle())
            .await
            .unwrap()
    );
    assert!(is_gone(storage, &laptop_id).await);
    assert!(
        !storage
            .destroy_session_of::<App>(&61, &laptop.handle())
            .await
            .unwrap()
    );
    let left = storage.sessions_of::<App>(&61).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].is_current(&phone));

    handles_follow_the_id(storage, &phone_id, &phone).await;
    assert_eq!(storage.destroy_owned_by::<App>(&62).await.unwrap(), 1);
}

/// A new id is a new handle; a session logged out is no longer the owner's
/// to list or end.
async fn handles_follow_the_id<B: SessionBackend>(
    storage: &BackendStorage<B>,
    phone_id: &str,
    phone: &Session<App, session_schema::LoggedIn>,
) {
    let mut renewed: Session<App> = storage.read(Some(phone_id)).await.unwrap();
    renewed.regenerate_id(true);
    let renewed_id = storage.save(&renewed).await.unwrap().unwrap();
    let listed = storage.sessions_of::<App>(&61).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].is_current(&renewed) && !listed[0].is_current(phone));
    let read: Session<App> = storage.read(Some(&renewed_id)).await.unwrap();
    let logged_out = read.into_logged_in().unwrap().log_out();
    let anonymous_id = storage.save(&logged_out).await.unwrap().unwrap();
    assert!(storage.sessions_of::<App>(&61).await.unwrap().is_empty());
    assert!(
        !storage
            .destroy_session_of::<App>(&61, &logged_out.handle())
            .await
            .unwrap()
    );
    let anonymous: Session<App> = storage.read(Some(&anonymous_id)).await.unwrap();
    assert_eq!(
        anonymous.id(),
        anonymous_id,
        "an anonymous session is nobody's to end"
    );
}

/// [`devices_flow`] on a storage `make` gives, with timeouts on a manual
/// clock, then [`remembered_sessions_on_the_server`].
///
/// # Panics
///
/// When the storage does not behave.
pub async fn devices_flows<B: SessionBackend>(make: impl AsyncFn() -> BackendStorage<B>) {
    let clock = ManualClock::new();
    let storage = make().await.with_timeouts(
        Some(Duration::from_secs(3600)),
        Some(Duration::from_secs(8 * 3600)),
        clock.clone(),
    );
    devices_flow(&storage, &clock).await;
    remembered_sessions_on_the_server(make).await;
}

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// A storage from `make` with an hour idle and eight in all, and remembered
/// sessions kept thirty days idle and ninety in all, on a new manual clock.
async fn remembering<St: WithTimeouts>(make: &impl AsyncFn() -> St) -> (St, ManualClock) {
    let clock = ManualClock::new();
    let storage = make()
        .await
        .with_timeouts(Some(HOUR), Some(8 * HOUR), clock.clone())
        .with_remembered(30 * DAY, 90 * DAY);
    (storage, clock)
}

/// Saves `session` and returns the cookie value, which must be set.
async fn saved<St: SessionStorage, T: session_schema::StateOf<App>>(
    storage: &St,
    session: &Session<App, T>,
) -> String {
    storage
        .save(session)
        .await
        .unwrap()
        .expect("the session is written")
}

/// Remember me on any storage: a remembered session ends by the remembered
/// timeouts, enforced on the server, with a cookie that outlives the browser;
/// one that is not ends by the others, with a cookie that ends with the
/// browser; the mark is kept across `regenerate_id` and `log_in`, read back
/// from storage, and can be taken off.
///
/// # Panics
///
/// When a storage does not behave.
pub async fn remember_flows<St: WithTimeouts>(make: impl AsyncFn() -> St) {
    // Not remembered: an hour idle ends it, and its cookie has no end.
    let (storage, clock) = remembering(&make).await;
    let mut plain: Session<App> = storage.read(None).await.unwrap();
    plain.set(App::NAME, "plain".into());
    assert!(!plain.remembered());
    assert!(storage.cookie_ends_with_browser(&plain));
    assert_eq!(storage.cookie_max_age(&plain), None);
    let value = saved(&storage, &plain).await;
    clock.advance(HOUR);
    let ended: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(ended.get(App::NAME), None, "ended by the idle timeout");

    // Remembered at login: alive after a day away, ended after thirty.
    let (storage, clock) = remembering(&make).await;
    let mut session = Session::<App>::new().log_in(71);
    session.set_remembered(true);
    assert!(session.remembered() && session.dirty());
    assert!(!storage.cookie_ends_with_browser(&session));
    assert_eq!(storage.cookie_max_age(&session), Some(30 * DAY));
    let value = saved(&storage, &session).await;
    // More than a quarter of the remembered idle timeout: the next save
    // touches the session.
    clock.advance(8 * DAY);
    let back: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(
        back.get(App::OWNER),
        Some(&71),
        "eight days away are nothing"
    );
    assert!(back.remembered(), "the mark is read back from storage");
    assert!(!back.dirty());
    // Kept across a new id, and across logging in again.
    let mut renewed = back;
    renewed.regenerate_id(true);
    let value = saved(&storage, &renewed).await;
    let relogged: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert!(relogged.remembered(), "kept across regenerate_id");
    let relogged = relogged.into_logged_in().unwrap().log_out().log_in(71);
    assert!(relogged.remembered(), "kept across log_in");
    let value = saved(&storage, &relogged).await;
    clock.advance(29 * DAY);
    let alive: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert!(
        alive.remembered() && alive.get(App::OWNER) == Some(&71),
        "29 days idle"
    );
    let value = saved(&storage, &alive).await;
    clock.advance(30 * DAY);
    let gone: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(gone.get(App::OWNER), None, "thirty days idle end it");

    // The absolute remembered timeout ends it however active it is.
    let (storage, clock) = remembering(&make).await;
    let mut session = Session::<App>::new().log_in(72);
    session.set_remembered(true);
    let mut value = saved(&storage, &session).await;
    for _ in 0..4 {
        clock.advance(20 * DAY);
        let read: Session<App> = storage.read(Some(&value)).await.unwrap();
        assert_eq!(read.get(App::OWNER), Some(&72));
        value = storage.save(&read).await.unwrap().unwrap_or(value);
    }
    clock.advance(10 * DAY);
    let old: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(old.get(App::OWNER), None, "ninety days in all end it");

    // Taking the mark off: the ordinary timeouts again.
    let (storage, clock) = remembering(&make).await;
    let mut session = Session::<App>::new().log_in(73);
    session.set_remembered(true);
    let value = saved(&storage, &session).await;
    let mut read: Session<App> = storage.read(Some(&value)).await.unwrap();
    read.set_remembered(false);
    assert!(read.dirty() && !read.remembered());
    assert!(storage.cookie_ends_with_browser(&read));
    let value = saved(&storage, &read).await;
    clock.advance(HOUR);
    let ended: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_eq!(
        ended.get(App::OWNER),
        None,
        "ended by the idle timeout again"
    );
}

/// On an id-based storage: a remembered session is ended by
/// `destroy_owned_by` like any other, and a concurrent save that did not
/// touch the mark keeps it.
///
/// # Panics
///
/// When a storage does not behave.
pub async fn remembered_sessions_on_the_server<B: SessionBackend>(
    make: impl AsyncFn() -> BackendStorage<B>,
) {
    let (storage, _clock) = remembering(&make).await;
    let id = saved(&storage, &Session::<App>::new().log_in(74)).await;
    let mut marking: Session<App> = storage.read(Some(&id)).await.unwrap();
    let mut naming: Session<App> = storage.read(Some(&id)).await.unwrap();
    marking.set_remembered(true);
    naming.set(App::NAME, "laptop".into());
    saved(&storage, &marking).await;
    saved(&storage, &naming).await;
    let merged: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert!(merged.remembered(), "the other request's mark is kept");
    assert_eq!(merged.get(App::NAME).map(String::as_str), Some("laptop"));
    assert_eq!(storage.destroy_owned_by::<App>(&74).await.unwrap(), 1);
    assert!(
        is_gone(&storage, &id).await,
        "log out everywhere ends it too"
    );
}
