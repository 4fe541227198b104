//! Runs a [`Plan`] against storages: every client a task on a multi-thread
//! runtime, sharing cookie jars, with the faults injected on the side. What
//! each operation saw and returned is recorded, with logical times (ticks)
//! that order it against the others, for the judge.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use session_schema::{
    BackendStorage, Clock as _, ManualClock, Session, SessionBackend, SessionSchema,
    SessionStorage, StateOf, ValueKey,
};

use super::plan::{ABSOLUTE_SECS, IDLE_SECS, MAX_TABS, Op, Plan};
use super::target::Target;

/// The schema of the checker's sessions: the owner, where its login came
/// from, where the session was born, one key per client, one key they all
/// write, and a flash key.
#[derive(SessionSchema)]
pub struct Probe {
    /// The owner.
    #[session(owner)]
    pub user: u64,
    /// The operation number of the `log_in` that logged this session in.
    pub login: u64,
    /// The jar and operation that created the session: `jar * 1_000_000 + op`.
    pub born: u64,
    /// Client 0's key.
    pub k0: u64,
    /// Client 1's key.
    pub k1: u64,
    /// Client 2's key.
    pub k2: u64,
    /// Client 3's key.
    pub k3: u64,
    /// Client 4's key.
    pub k4: u64,
    /// Client 5's key.
    pub k5: u64,
    /// Client 6's key.
    pub k6: u64,
    /// Client 7's key.
    pub k7: u64,
    /// The key every client writes.
    pub shared: u64,
    /// A flash value.
    #[session(flash)]
    pub note: u64,
}

/// The clients' own keys, by client.
pub const OWN_KEYS: [ValueKey<Probe, u64>; MAX_TABS] = [
    Probe::K0,
    Probe::K1,
    Probe::K2,
    Probe::K3,
    Probe::K4,
    Probe::K5,
    Probe::K6,
    Probe::K7,
];

/// The tag of sessions born in `jar`: `born / JAR_TAG - 1` is the jar.
pub const JAR_TAG: u64 = 1_000_000;

/// What a request read.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The session's id.
    pub id: String,
    /// Whether it was loaded from the storage under the jar's cookie (not fresh).
    pub loaded: bool,
    /// The owner.
    pub user: Option<u64>,
    /// Where the login came from.
    pub login: Option<u64>,
    /// Where the session was born.
    pub born: Option<u64>,
    /// The clients' keys.
    pub keys: [Option<u64>; MAX_TABS],
    /// The shared key.
    pub shared: Option<u64>,
    /// The flash value read.
    pub note: Option<u64>,
}

/// What a request asked its storage to save.
#[derive(Debug, Clone)]
pub struct Wrote {
    /// Whether it changed anything.
    pub dirty: bool,
    /// The owner after the request.
    pub user: Option<u64>,
    /// The login after the request.
    pub login: Option<u64>,
    /// Where the session was born.
    pub born: Option<u64>,
}

/// What one operation did.
#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "a history holds a few hundred events: their size does not matter"
)]
pub enum Outcome {
    /// A request: read, change, save.
    Request {
        /// The cookie value the jar sent.
        cookie: Option<String>,
        /// What it read, or the storage's error.
        read: Result<Seen, String>,
        /// What it saved, when the read succeeded.
        wrote: Option<Wrote>,
        /// What the save returned, when the read succeeded.
        saved: Option<Result<Option<String>, String>>,
    },
    /// `owned_by`.
    OwnedBy(Result<Vec<String>, String>),
    /// `destroy_owned_by`.
    DestroyOwnedBy(Result<usize, String>),
    /// The clock moved.
    Advanced,
    /// A fault: connections cut, or the server restarted.
    Fault {
        /// Whether the server lost its data (memcached restarts empty).
        amnesia: bool,
    },
    /// The owner index's size, once every session of the history has ended
    /// and one new login of the user was saved.
    IndexSize {
        /// Entries in the index (`usize::MAX` when it could not be read).
        entries: usize,
        /// Their ids.
        ids: Vec<String>,
    },
}

/// One operation in the history.
#[derive(Debug, Clone)]
pub struct Event {
    /// The client (`usize::MAX` for the nemesis and the final checks).
    pub tab: usize,
    /// Its jar.
    pub jar: usize,
    /// The operation's number, unique in the history.
    pub op_no: u64,
    /// The operation.
    pub op: Op,
    /// The user the operation names, resolved.
    pub user: Option<u64>,
    /// The tick before its first storage call.
    pub start: u64,
    /// The tick after its last.
    pub end: u64,
    /// The storages' clock at `start`, in whole seconds.
    pub clock_start: u64,
    /// The storages' clock at `end`, in whole seconds.
    pub clock_end: u64,
    /// What happened.
    pub outcome: Outcome,
}

/// A history: the plan and what happened.
#[derive(Debug)]
pub struct History {
    /// The plan it ran.
    pub plan: Plan,
    /// Every operation, in the order they ended.
    pub events: Vec<Event>,
    /// Panics of clients, or a history that did not finish.
    pub crashes: Vec<String>,
    /// Whether the backend keeps recent index entries it cannot match to a
    /// record ([`Target::keeps_recent_entries`]).
    pub keeps_recent_entries: bool,
}

/// Logical time: a counter every operation reads before and after.
struct Ticks {
    counter: AtomicU64,
    clock: ManualClock,
}

impl Ticks {
    fn now(&self) -> (u64, u64) {
        let tick = self.counter.fetch_add(1, Ordering::SeqCst);
        (tick, secs(self.clock.now()))
    }
}

/// An error and its causes, as one line.
fn chain(error: &session_schema::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn secs(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

type Jar = Arc<Mutex<Option<String>>>;

/// How many times an `OwnedBy` operation lists the owner's sessions.
const LISTINGS_PER_OWNED_BY: usize = 3;

/// How long a history may take before it counts as stuck.
const HISTORY_DEADLINE: Duration = Duration::from_secs(120);

/// Runs `plan` against `target`.
///
/// # Panics
///
/// When the target cannot make its storages.
pub async fn run<T: Target>(target: &Arc<T>, plan: Plan) -> History {
    let clock = ManualClock::new();
    let storages: Vec<Arc<BackendStorage<T::Backend>>> = target
        .storages(plan.instances, &clock)
        .await
        .into_iter()
        .map(|storage| {
            Arc::new(
                storage
                    .idle_timeout(Duration::from_secs(IDLE_SECS))
                    .absolute_timeout(Duration::from_secs(ABSOLUTE_SECS))
                    .clock(clock.clone()),
            )
        })
        .collect();
    target.set_latency(plan.faults.latency_ms, plan.seed);
    let ticks = Arc::new(Ticks {
        counter: AtomicU64::new(0),
        clock: clock.clone(),
    });
    let jars: Vec<Jar> = (0..plan.jars).map(|_| Arc::default()).collect();
    let plan = Arc::new(plan);
    let mut crashes = Vec::new();

    let nemesis = {
        let (target, ticks, plan) = (Arc::clone(target), Arc::clone(&ticks), Arc::clone(&plan));
        tokio::spawn(async move { nemesis(&*target, &ticks, &plan).await })
    };
    let clients: Vec<_> = (0..plan.tabs.len())
        .map(|tab| {
            let storage = Arc::clone(&storages[tab % storages.len()]);
            let jar = Arc::clone(&jars[plan.tabs[tab].jar]);
            let (plan, ticks) = (Arc::clone(&plan), Arc::clone(&ticks));
            tokio::spawn(async move {
                let mut events = Vec::new();
                for (index, op) in plan.tabs[tab].ops.iter().enumerate() {
                    let op_no = (tab as u64 + 1) * 1000 + index as u64;
                    let event = perform(&plan, tab, op_no, *op, &storage, &jar, &ticks).await;
                    events.push(event);
                }
                events
            })
        })
        .collect();
    let mut events = Vec::new();
    let finished = tokio::time::timeout(HISTORY_DEADLINE, async {
        for client in clients {
            match client.await {
                Ok(mut done) => events.append(&mut done),
                Err(error) => crashes.push(format!("a client panicked: {error}")),
            }
        }
        match nemesis.await {
            Ok(mut done) => events.append(&mut done),
            Err(error) => crashes.push(format!("the nemesis panicked: {error}")),
        }
    })
    .await;
    target.set_latency(0, 0);
    if finished.is_err() {
        crashes.push(format!(
            "the history did not finish within {HISTORY_DEADLINE:?}"
        ));
        return History {
            plan: Arc::unwrap_or_clone(plan),
            events,
            crashes,
            keeps_recent_entries: target.keeps_recent_entries(),
        };
    }

    final_checks(&**target, &plan, &storages, &jars, &ticks, &mut events).await;
    events.sort_by_key(|event| event.end);
    History {
        plan: Arc::unwrap_or_clone(plan),
        events,
        crashes,
        keeps_recent_entries: target.keeps_recent_entries(),
    }
}

/// After the clients: each reads its jar once more, with nothing else
/// running; then every session ends, the storage reclaims what it documents
/// it reclaims, each user logs in once, and the index's size is recorded.
async fn final_checks<T: Target>(
    target: &T,
    plan: &Plan,
    storages: &[Arc<BackendStorage<T::Backend>>],
    jars: &[Jar],
    ticks: &Ticks,
    events: &mut Vec<Event>,
) {
    let clock = &ticks.clock;
    for tab in 0..plan.tabs.len() {
        let storage = &storages[tab % storages.len()];
        let jar = &jars[plan.tabs[tab].jar];
        let op_no = (tab as u64 + 1) * 1000 + 900;
        events.push(perform(plan, tab, op_no, Op::Read, storage, jar, ticks).await);
    }

    // Every session ends; the storage reclaims what it documents it
    // reclaims; one new login per user; then the index holds that login only.
    clock.advance(Duration::from_secs(ABSOLUTE_SECS + IDLE_SECS + 1));
    target.sweep(&storages[0]).await;
    for (number, user) in plan.users.iter().enumerate() {
        let (start, clock_start) = ticks.now();
        let (mut entries, mut listed) = (usize::MAX, Vec::new());
        let session = Session::<Probe>::new().log_in(*user);
        if storages[0].save(&session).await.is_ok()
            && let Ok(ids) = storages[0].backend().owned(&user.to_string()).await
        {
            entries = ids.len();
            listed = ids;
        }
        let (end, clock_end) = ticks.now();
        events.push(Event {
            tab: usize::MAX,
            jar: usize::MAX,
            op_no: 990_000 + number as u64,
            op: Op::Read,
            user: Some(*user),
            start,
            end,
            clock_start,
            clock_end,
            outcome: Outcome::IndexSize {
                entries,
                ids: listed,
            },
        });
    }
}

/// Cuts connections and restarts the server as the plan says.
async fn nemesis<T: Target>(target: &T, ticks: &Ticks, plan: &Plan) -> Vec<Event> {
    let mut actions: Vec<(u64, bool)> = plan
        .faults
        .cuts_at_ms
        .iter()
        .map(|at| (*at, false))
        .chain(plan.faults.restart_at_ms.map(|at| (at, true)))
        .collect();
    actions.sort_unstable();
    let began = tokio::time::Instant::now();
    let mut events = Vec::new();
    for (number, (at, restart)) in actions.into_iter().enumerate() {
        tokio::time::sleep_until(began + Duration::from_millis(at)).await;
        let (start, clock_start) = ticks.now();
        if restart {
            target.restart().await;
        } else {
            target.cut();
        }
        let (end, clock_end) = ticks.now();
        events.push(Event {
            tab: usize::MAX,
            jar: usize::MAX,
            op_no: 980_000 + number as u64,
            op: Op::Read,
            user: None,
            start,
            end,
            clock_start,
            clock_end,
            outcome: Outcome::Fault {
                amnesia: restart && target.restart_loses_data(),
            },
        });
    }
    events
}

/// Performs one operation of client `tab`.
async fn perform<B: SessionBackend>(
    plan: &Plan,
    tab: usize,
    op_no: u64,
    op: Op,
    storage: &BackendStorage<B>,
    jar: &Jar,
    ticks: &Ticks,
) -> Event {
    let jar_index = plan.tabs[tab].jar;
    let user_of = |user: usize| plan.users[user];
    let (user, outcome, (start, clock_start)) = match op {
        Op::OwnedBy { user } => {
            let at = ticks.now();
            // A short burst, as a page polling the list would: listings
            // that overlap saves more often. The last one is judged.
            for _ in 0..LISTINGS_PER_OWNED_BY - 1 {
                let _ = storage.owned_by::<Probe>(&user_of(user)).await;
            }
            let owned = storage.owned_by::<Probe>(&user_of(user)).await;
            (
                Some(user_of(user)),
                Outcome::OwnedBy(owned.map_err(|e| chain(&e))),
                at,
            )
        }
        Op::DestroyOwnedBy { user } => {
            let at = ticks.now();
            let destroyed = storage.destroy_owned_by::<Probe>(&user_of(user)).await;
            (
                Some(user_of(user)),
                Outcome::DestroyOwnedBy(destroyed.map_err(|e| chain(&e))),
                at,
            )
        }
        Op::Advance { secs } => {
            let at = ticks.now();
            ticks.clock.advance(Duration::from_secs(secs));
            (None, Outcome::Advanced, at)
        }
        Op::LogIn { user } => {
            let (outcome, at) = request(plan, tab, jar_index, op_no, op, storage, jar, ticks).await;
            (Some(user_of(user)), outcome, at)
        }
        _ => {
            let (outcome, at) = request(plan, tab, jar_index, op_no, op, storage, jar, ticks).await;
            (None, outcome, at)
        }
    };
    let (end, clock_end) = ticks.now();
    Event {
        tab,
        jar: jar_index,
        op_no,
        op,
        user,
        start,
        end,
        clock_start,
        clock_end,
        outcome,
    }
}

/// A request of client `tab`: reads the jar's session, changes it as `op`
/// says, saves it, and updates the jar as a browser would.
#[allow(clippy::too_many_arguments, reason = "the request's whole context")]
async fn request<B: SessionBackend>(
    plan: &Plan,
    tab: usize,
    jar_index: usize,
    op_no: u64,
    op: Op,
    storage: &BackendStorage<B>,
    jar: &Jar,
    ticks: &Ticks,
) -> (Outcome, (u64, u64)) {
    let cookie = jar.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let at = ticks.now();
    let mut session: Session<Probe> = match storage.read(cookie.as_deref()).await {
        Ok(session) => session,
        Err(error) => {
            let outcome = Outcome::Request {
                cookie,
                read: Err(chain(&error)),
                wrote: None,
                saved: None,
            };
            return (outcome, at);
        }
    };
    let seen = seen(&session, cookie.as_deref());
    let born = (jar_index as u64 + 1) * JAR_TAG + op_no;
    let changes = !matches!(op, Op::Read | Op::LogOut | Op::Destroy);
    if !seen.loaded && changes {
        session.set(Probe::BORN, born);
    }
    let own = OWN_KEYS[tab];
    let saved = match op {
        Op::Write => {
            session.set(own, op_no);
            save(storage, &session).await
        }
        Op::Unset => {
            session.unset(own);
            save(storage, &session).await
        }
        Op::WriteShared => {
            session.set(Probe::SHARED, op_no);
            save(storage, &session).await
        }
        Op::Flash => {
            session.flash(Probe::NOTE, op_no);
            save(storage, &session).await
        }
        Op::Regenerate { delete_old } => {
            session.regenerate_id(delete_old);
            session.set(own, op_no);
            save(storage, &session).await
        }
        Op::LogIn { user } => {
            let anonymous = match session.into_logged_in() {
                Ok(logged_in) => logged_in.log_out(),
                Err(anonymous) => anonymous,
            };
            let mut logged_in = anonymous.log_in(plan.users[user]);
            logged_in.set(Probe::LOGIN, op_no);
            save(storage, &logged_in).await
        }
        Op::LogOut => match session.into_logged_in() {
            Ok(logged_in) => save(storage, &logged_in.log_out()).await,
            Err(anonymous) => save(storage, &anonymous).await,
        },
        Op::Destroy => save(storage, &session.destroy()).await,
        Op::Read | Op::OwnedBy { .. } | Op::DestroyOwnedBy { .. } | Op::Advance { .. } => {
            save(storage, &session).await
        }
    };
    let (wrote, saved) = saved;
    if let Ok(Some(value)) = &saved {
        *jar.lock().unwrap_or_else(PoisonError::into_inner) =
            (!value.is_empty()).then(|| value.clone());
    }
    let outcome = Outcome::Request {
        cookie,
        read: Ok(seen),
        wrote: Some(wrote),
        saved: Some(saved.map_err(|error| chain(&error))),
    };
    (outcome, at)
}

async fn save<B: SessionBackend, St: StateOf<Probe>>(
    storage: &BackendStorage<B>,
    session: &Session<Probe, St>,
) -> (Wrote, Result<Option<String>, session_schema::Error>) {
    let wrote = Wrote {
        dirty: session.dirty(),
        user: session.get(Probe::USER).copied(),
        login: session.get(Probe::LOGIN).copied(),
        born: session.get(Probe::BORN).copied(),
    };
    (wrote, storage.save(session).await)
}

fn seen<St: StateOf<Probe>>(session: &Session<Probe, St>, cookie: Option<&str>) -> Seen {
    Seen {
        id: session.id().to_owned(),
        loaded: cookie.is_some_and(|cookie| !cookie.is_empty() && cookie == session.id()),
        user: session.get(Probe::USER).copied(),
        login: session.get(Probe::LOGIN).copied(),
        born: session.get(Probe::BORN).copied(),
        keys: OWN_KEYS.map(|key| session.get(key).copied()),
        shared: session.get(Probe::SHARED).copied(),
        note: session.get(Probe::NOTE).copied(),
    }
}
