//! The HTTP behaviour every web framework integration shares, written once:
//! each framework's test file serves the same routes (listed on
//! [`Framework`]) and runs these flows against its server on loopback.
#![allow(
    clippy::missing_panics_doc,
    reason = "every flow panics when the behaviour it checks is broken: it is a test"
)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use session_schema::{
    CookieStorage, CrossOrigin, Csrf, Error, FsStorage, ManualClock, MemoryStorage, Schema,
    Session, SessionStorage, StateOf, Transport,
};

use crate::http::{Jar, send};

/// How long a racing route waits for the other one.
pub const RACE_PATIENCE: Duration = Duration::from_secs(10);

/// The cart the racing route sets.
#[must_use]
pub fn raced_cart() -> Vec<crate::Item> {
    vec![crate::Item {
        sku: "raced".into(),
        quantity: 1,
    }]
}

/// The secret of the test cookies.
pub const SECRET: &str = "a test secret of at least thirty-two bytes";

/// The secret [`Setup::rotated`] puts before [`SECRET`].
pub const NEWER_SECRET: &str = "a newer test secret of at least thirty-two bytes";

impl Setup {
    /// The cookie's secrets, the signing one first.
    #[must_use]
    pub fn secrets(&self) -> Vec<&'static str> {
        if self.rotated {
            vec![NEWER_SECRET, SECRET]
        } else {
            vec![SECRET]
        }
    }
}

/// The storage a test server uses.
pub enum Kind {
    /// In memory.
    Memory(MemoryStorage),
    /// In the cookie.
    Cookie(CookieStorage),
    /// In files.
    Fs(FsStorage),
}

/// A storage that counts its calls, and can be told to fail.
pub struct Probe {
    kind: Kind,
    /// Storage reads.
    pub reads: AtomicUsize,
    /// Storage saves.
    pub saves: AtomicUsize,
    /// Saves that wrote (returned a value for the cookie).
    pub writes: AtomicUsize,
    /// Handler runs of the routes that count them (`/account`).
    pub handled: AtomicUsize,
    /// Where the two racing routes wait for each other.
    race: tokio::sync::Barrier,
    failing: bool,
}

impl Probe {
    fn with(kind: Kind, failing: bool) -> Arc<Self> {
        Arc::new(Probe {
            kind,
            reads: AtomicUsize::new(0),
            saves: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
            handled: AtomicUsize::new(0),
            race: tokio::sync::Barrier::new(2),
            failing,
        })
    }

    /// Waits until the other racing route holds its session too; `false`
    /// if it did not come within [`RACE_PATIENCE`].
    pub async fn meet(&self) -> bool {
        tokio::time::timeout(RACE_PATIENCE, self.race.wait())
            .await
            .is_ok()
    }

    /// Over a memory storage.
    #[must_use]
    pub fn memory() -> Arc<Self> {
        Self::with(Kind::Memory(MemoryStorage::new()), false)
    }

    /// Over the cookie storage.
    #[must_use]
    pub fn cookie() -> Arc<Self> {
        Self::with(Kind::Cookie(CookieStorage::new()), false)
    }

    /// Over a file storage in `dir` (the reference's layout).
    ///
    /// # Panics
    ///
    /// When the directory cannot be made.
    #[must_use]
    pub fn fs(dir: &std::path::Path) -> Arc<Self> {
        Self::with(Kind::Fs(FsStorage::new(dir).unwrap()), false)
    }

    /// Over a memory storage with timeouts (an hour idle, eight in all) on `clock`.
    #[must_use]
    pub fn timed(clock: &ManualClock) -> Arc<Self> {
        let storage = MemoryStorage::new()
            .idle_timeout(Duration::from_secs(3600))
            .absolute_timeout(Duration::from_secs(8 * 3600))
            .clock(clock.clone());
        Self::with(Kind::Memory(storage), false)
    }

    /// Over a memory storage with an hour's idle timeout, and remembered
    /// sessions kept thirty days.
    #[must_use]
    pub fn remembering() -> Arc<Self> {
        let day = Duration::from_secs(24 * 3600);
        let storage = MemoryStorage::new()
            .idle_timeout(Duration::from_secs(3600))
            .remember_timeouts(30 * day, 90 * day);
        Self::with(Kind::Memory(storage), false)
    }

    /// A storage whose every call fails.
    #[must_use]
    pub fn failing() -> Arc<Self> {
        Self::with(Kind::Memory(MemoryStorage::new()), true)
    }

    /// How many sessions a memory storage holds.
    #[must_use]
    pub fn len(&self) -> usize {
        match &self.kind {
            Kind::Memory(memory) => memory.len(),
            Kind::Cookie(_) | Kind::Fs(_) => 0,
        }
    }

    /// Whether a memory storage holds no session.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn counts(&self) -> (usize, usize) {
        (
            self.reads.load(Ordering::SeqCst),
            self.saves.load(Ordering::SeqCst),
        )
    }
}

impl SessionStorage for Probe {
    async fn read<S: Schema>(&self, value: Option<&str>) -> Result<Session<S>, Error> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if self.failing {
            let cause =
                std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "the backend is down");
            return Err(Error::Backend(Box::new(cause)));
        }
        match &self.kind {
            Kind::Memory(memory) => memory.read(value).await,
            Kind::Cookie(cookie) => cookie.read(value).await,
            Kind::Fs(fs) => fs.read(value).await,
        }
    }

    async fn save<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> Result<Option<String>, Error> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        let saved = match &self.kind {
            Kind::Memory(memory) => memory.save(session).await,
            Kind::Cookie(cookie) => cookie.save(session).await,
            Kind::Fs(fs) => fs.save(session).await,
        };
        if matches!(saved, Ok(Some(_))) {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        saved
    }

    fn cookie_max_age<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> Option<Duration> {
        match &self.kind {
            Kind::Memory(memory) => memory.cookie_max_age(session),
            Kind::Cookie(cookie) => cookie.cookie_max_age(session),
            Kind::Fs(fs) => fs.cookie_max_age(session),
        }
    }

    fn cookie_ends_with_browser<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> bool {
        match &self.kind {
            Kind::Memory(memory) => memory.cookie_ends_with_browser(session),
            Kind::Cookie(cookie) => cookie.cookie_ends_with_browser(session),
            Kind::Fs(fs) => fs.cookie_ends_with_browser(session),
        }
    }

    fn cookie_rolls<S: Schema, St: StateOf<S>>(&self, session: &Session<S, St>) -> bool {
        match &self.kind {
            Kind::Memory(memory) => memory.cookie_rolls(session),
            Kind::Cookie(cookie) => cookie.cookie_rolls(session),
            Kind::Fs(fs) => fs.cookie_rolls(session),
        }
    }
}

/// How a test server is set up.
#[allow(
    clippy::struct_excessive_bools,
    reason = "each flag turns on one option of the layer under test"
)]
pub struct Setup {
    /// The storage.
    pub storage: Arc<Probe>,
    /// An encrypted cookie rather than a signed one.
    pub encrypted: bool,
    /// `http_only(false)` on the cookie.
    pub not_http_only: bool,
    /// `save_on_server_error(true)`.
    pub save_on_server_error: bool,
    /// `on_error`: `503 sessions unavailable: {error}`.
    pub custom_error: bool,
    /// `on_unauthenticated`: `303` to `/login-page?next={path}`.
    pub login_redirect: bool,
    /// The cross-origin protection, when not the default.
    pub cross_origin: Option<CrossOrigin>,
    /// The CSRF check, when on.
    pub csrf: Option<Csrf>,
    /// `on_forbidden`: `451 refused: {reason}`.
    pub custom_forbidden: bool,
    /// The transport, when not the cookie.
    pub transport: Option<Transport>,
    /// A newer secret before [`SECRET`]: cookies signed with `SECRET` still
    /// verify, new ones are signed with the newer one.
    pub rotated: bool,
}

impl Setup {
    /// The default setup over `storage`.
    #[must_use]
    pub fn over(storage: &Arc<Probe>) -> Self {
        Setup {
            storage: Arc::clone(storage),
            encrypted: false,
            not_http_only: false,
            save_on_server_error: false,
            custom_error: false,
            login_redirect: false,
            cross_origin: None,
            csrf: None,
            custom_forbidden: false,
            transport: None,
            rotated: false,
        }
    }
}

/// A web framework under test. Its server serves, for the schema [`crate::App`]:
///
/// - `GET /`: `USER_ID += 1`, answers `visits={USER_ID} name={NAME} notice={NOTICE}`;
/// - `POST /login`: `regenerate_id(true)`, `NAME = "Ada"`, flash `NOTICE = "welcome"`, `303 /`;
/// - `POST /logout`: `destroy()`, `303 /`;
/// - `GET /plain`: no session, answers `no session here`;
/// - `GET /fail`: `NAME = "half-done"`, answers `500`;
/// - `POST /failing-logout`: `destroy()`, answers `500`;
/// - `GET /cached`: `NAME = "x"`, answers with `Cache-Control: max-age=60` and `Vary: Accept-Encoding`;
/// - `GET /twice`: a middleware takes the session first and sets `NAME = "from the middleware"`,
///   then the `GET /` handler runs;
/// - `POST /log-in`: `log_in(9)`, flash `NOTICE = "welcome"`, `303 /account`;
/// - `GET /account` (logged in only): counts a handler run, answers `account of user {owner}`;
/// - `POST /log-out` (logged in only): `log_out()`, `303 /`;
/// - `GET /flash`: flash `NOTICE = "for the next page"`; `GET /read-flash`: answers `NOTICE`;
/// - `GET /race/name` and `GET /race/cart`: set `NAME = "raced"` or `CART = raced_cart()`,
///   then wait for each other ([`Probe::meet`]) before the sessions go back, and
///   answer `... raced` when they met.
/// - `GET /csrf-token`: answers `csrf_token()`;
/// - `POST /remember` and `POST /forget`: `set_remembered(true)` or `(false)`;
/// - `GET /maybe`: `Option<Session<App, LoggedIn>>`, answers `user {owner}` or `anonymous`;
/// - `GET /maybe-notice`: the same, then `Session<App>`, answers
///   `logged in: {bool}, notice={NOTICE}`;
/// - `/submit`, `/webhooks/{name}`, `/api` and `/api/{rest...}`, any method: count a handler
///   run, answer `handled {method} body={body} name={NAME}`.
pub trait Framework {
    /// Serves the routes with a session layer set up as `setup` says.
    fn start(setup: Setup) -> impl Future<Output = SocketAddr>;
    /// Serves `GET /` with no session layer.
    fn start_without_layer() -> impl Future<Output = SocketAddr>;
}

/// The cookie is set, `HttpOnly` and `SameSite=Lax`, and read back.
pub async fn the_cookie_is_set_and_read_back<F: Framework>() {
    let addr = F::start(Setup::over(&Probe::memory())).await;
    let mut jar = Jar::default();
    let first = jar.send(addr, "GET", "/", None).await;
    assert!(first.body.starts_with("visits=1 "), "{}", first.body);
    let set_cookie = first.set_cookie().expect("a new session sets the cookie");
    assert!(set_cookie.starts_with("sid="));
    assert!(
        set_cookie.contains("; HttpOnly"),
        "HttpOnly by default: {set_cookie}"
    );
    assert!(set_cookie.contains("SameSite=Lax"));
    let second = jar.send(addr, "GET", "/", None).await;
    assert!(second.body.starts_with("visits=2 "), "{}", second.body);
}

/// A flashed value is shown on the next request and not after.
pub async fn flash_is_shown_exactly_once<F: Framework>() {
    let addr = F::start(Setup::over(&Probe::memory())).await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    let login = jar.send(addr, "POST", "/login", Some("")).await;
    assert_eq!(login.status, 303);
    let shown = jar.send(addr, "GET", "/", None).await;
    assert!(
        shown.body.contains("name=Ada notice=welcome"),
        "{}",
        shown.body
    );
    let gone = jar.send(addr, "GET", "/", None).await;
    assert!(gone.body.ends_with("notice="), "{}", gone.body);
    assert!(gone.body.contains("name=Ada"));
}

/// `regenerate_id(true)` changes the cookie, and the old one finds nothing.
pub async fn login_regenerates_the_id_and_kills_the_old_one<F: Framework>() {
    let addr = F::start(Setup::over(&Probe::memory())).await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    let before = jar.get("sid").unwrap().to_owned();
    jar.send(addr, "POST", "/login", Some("")).await;
    let after = jar.get("sid").unwrap().to_owned();
    assert_ne!(before, after, "login changes the cookie");
    let replay = send(addr, "GET", "/", Some(&format!("sid={before}")), None).await;
    assert!(
        replay.body.starts_with("visits=1 name= "),
        "{}",
        replay.body
    );
}

/// `destroy()` clears the cookie and deletes the session.
pub async fn logout_removes_the_cookie_and_the_session<F: Framework>() {
    let addr = F::start(Setup::over(&Probe::memory())).await;
    let mut jar = Jar::default();
    jar.send(addr, "POST", "/login", Some("")).await;
    let old = jar.get("sid").unwrap().to_owned();
    let logout = jar.send(addr, "POST", "/logout", Some("")).await;
    let removal = logout.set_cookie().unwrap();
    assert!(removal.starts_with("sid=;"), "{removal}");
    assert!(
        removal.contains("Max-Age=0") && removal.contains("Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    );
    assert_eq!(jar.get("sid"), None);
    let replay = send(addr, "GET", "/", Some(&format!("sid={old}")), None).await;
    assert!(replay.body.contains("name= "), "{}", replay.body);
}

/// A tampered cookie gives a fresh session, not an error.
pub async fn a_tampered_cookie_gives_a_fresh_session<F: Framework>() {
    let addr = F::start(Setup::over(&Probe::memory())).await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    jar.send(addr, "GET", "/", None).await;
    let value = jar.get("sid").unwrap().to_owned();
    let mut tampered = value.clone().into_bytes();
    tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
    jar.set("sid", &String::from_utf8(tampered).unwrap());
    let response = jar.send(addr, "GET", "/", None).await;
    assert_eq!(response.status, 200);
    assert!(response.body.starts_with("visits=1 "), "{}", response.body);
    assert_ne!(jar.get("sid"), Some(value.as_str()));
}

/// A cookie of another name that is not ASCII (a page script's
/// `theme=café`, in UTF-8 or in Latin-1) does not hide the session cookie
/// beside it.
pub async fn a_non_ascii_cookie_beside_the_session_keeps_it<F: Framework>() {
    let addr = F::start(Setup::over(&Probe::memory())).await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    let value = jar.get("sid").unwrap().to_owned();
    for (visits, line) in [
        (2, format!("theme=café; sid={value}")),
        (3, format!("sid={value}; note=naïve")),
    ] {
        let response = send(addr, "GET", "/", Some(&line), None).await;
        assert_eq!(response.status, 200);
        assert!(
            response.body.starts_with(&format!("visits={visits} ")),
            "the session was kept: {}",
            response.body
        );
    }
    // `é` in Latin-1, a byte that is not UTF-8, in another cookie and in
    // another cookie's name that holds the session cookie's.
    for (visits, line) in [
        (4, format!("theme=caf\u{e9}; sid={value}")),
        (5, format!("sid={value}; xsid\u{e9}=1")),
    ] {
        let line: Vec<u8> = line.chars().map(|c| u8::try_from(c).unwrap()).collect();
        let response = crate::http::send_cookie_bytes(addr, "/", &line).await;
        assert_eq!(response.status, 200);
        assert!(
            response.body.starts_with(&format!("visits={visits} ")),
            "the session was kept beside Latin-1: {}",
            response.body
        );
    }
    let last = send(addr, "GET", "/", Some(&format!("sid={value}")), None).await;
    assert!(last.body.starts_with("visits=6 "), "{}", last.body);
}

/// A handler that takes no session causes no storage call and no cookie.
pub async fn handlers_without_a_session_cost_no_storage_call<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(Setup::over(&probe)).await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    assert_eq!(probe.counts(), (1, 1));
    let plain = jar.send(addr, "GET", "/plain", None).await;
    assert_eq!(plain.body, "no session here");
    assert!(plain.set_cookie().is_none());
    assert_eq!(probe.counts(), (1, 1));
}

/// What one request cost: storage reads, saves that wrote, `Set-Cookie`s.
#[derive(Debug, PartialEq, Eq)]
struct Cost {
    reads: usize,
    writes: usize,
    set_cookies: usize,
}

fn cost_of(reads: usize, writes: usize, set_cookies: usize) -> Cost {
    Cost {
        reads,
        writes,
        set_cookies,
    }
}

/// Sends one request with `jar` and counts what it cost.
async fn cost(
    probe: &Probe,
    jar: &mut Jar,
    addr: SocketAddr,
    (method, path): (&str, &str),
) -> Cost {
    let (reads, writes) = (
        probe.reads.load(Ordering::SeqCst),
        probe.writes.load(Ordering::SeqCst),
    );
    let form = (method == "POST").then_some("");
    let response = jar.send(addr, method, path, form).await;
    assert!(response.status < 400, "{method} {path}: {response:?}");
    Cost {
        reads: probe.reads.load(Ordering::SeqCst) - reads,
        writes: probe.writes.load(Ordering::SeqCst) - writes,
        set_cookies: response.all("set-cookie").len(),
    }
}

/// Each kind of request writes only what changed, and sends a `Set-Cookie`
/// only when the cookie the browser has is no longer right: a new session,
/// a new id, an end that moved (a touch), a logout, a cookie signed with an
/// old secret. Counted per request kind.
pub async fn each_request_kind_writes_and_sends_only_what_changed<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(Setup::over(&probe)).await;
    let mut jar = Jar::default();
    let kinds = [
        (("GET", "/"), cost_of(1, 1, 1), "a new visitor"),
        (
            ("GET", "/"),
            cost_of(1, 1, 0),
            "a returning visitor whose counter changes",
        ),
        (
            ("GET", "/plain"),
            cost_of(0, 0, 0),
            "a route without the session",
        ),
        (
            ("GET", "/read-flash"),
            cost_of(1, 0, 0),
            "a route that only reads",
        ),
        (("POST", "/log-in"), cost_of(1, 1, 1), "a login: a new id"),
        (
            ("GET", "/read-flash"),
            cost_of(1, 1, 0),
            "the login's flash, shown and removed",
        ),
        (
            ("GET", "/account"),
            cost_of(1, 0, 0),
            "a logged-in page that only reads",
        ),
        (("GET", "/"), cost_of(1, 1, 0), "a logged-in change"),
        (
            ("POST", "/logout"),
            cost_of(1, 1, 1),
            "a logout clears the cookie",
        ),
    ];
    for (request, expected, kind) in kinds {
        assert_eq!(
            cost(&probe, &mut jar, addr, request).await,
            expected,
            "{kind}"
        );
    }
}

/// With an idle timeout, a touch (more than a quarter of it passed) writes
/// and rolls the cookie, even for a page that only reads; a change within
/// the quarter writes and sends nothing.
pub async fn a_touch_writes_and_rolls_the_cookie_even_on_a_read<F: Framework>() {
    let clock = ManualClock::new();
    let probe = Probe::timed(&clock);
    let addr = F::start(Setup::over(&probe)).await;
    let mut jar = Jar::default();
    assert_eq!(
        cost(&probe, &mut jar, addr, ("POST", "/log-in")).await,
        cost_of(1, 1, 1)
    );
    assert_eq!(
        cost(&probe, &mut jar, addr, ("GET", "/read-flash")).await,
        cost_of(1, 1, 0)
    );
    assert_eq!(
        cost(&probe, &mut jar, addr, ("GET", "/account")).await,
        cost_of(1, 0, 0)
    );
    assert_eq!(
        cost(&probe, &mut jar, addr, ("GET", "/")).await,
        cost_of(1, 1, 0)
    );
    clock.advance(Duration::from_secs(901));
    assert_eq!(
        cost(&probe, &mut jar, addr, ("GET", "/account")).await,
        cost_of(1, 1, 1),
        "a touch"
    );
    assert_eq!(
        cost(&probe, &mut jar, addr, ("GET", "/")).await,
        cost_of(1, 1, 0)
    );
}

/// A cookie signed with a secret that is no longer the first is signed
/// again with the current one by the next save, then left alone.
pub async fn a_cookie_of_an_old_secret_is_signed_again_once<F: Framework>() {
    let probe = Probe::memory();
    let old = F::start(Setup::over(&probe)).await;
    let rotated = F::start(Setup {
        rotated: true,
        ..Setup::over(&probe)
    })
    .await;
    let mut jar = Jar::default();
    assert_eq!(
        cost(&probe, &mut jar, old, ("GET", "/")).await,
        cost_of(1, 1, 1)
    );
    assert_eq!(
        cost(&probe, &mut jar, rotated, ("GET", "/")).await,
        cost_of(1, 1, 1)
    );
    let resigned = session_schema::Cookie::new("sid").secrets([NEWER_SECRET]);
    assert!(
        resigned.parse(jar.header().as_deref()).is_some(),
        "signed with the newer secret"
    );
    assert_eq!(
        cost(&probe, &mut jar, rotated, ("GET", "/")).await,
        cost_of(1, 1, 0)
    );
}

/// A storage error is a 500 that hides the cause, or the configured response.
pub async fn a_storage_error_is_a_clean_500_and_configurable<F: Framework>() {
    let probe = Probe::failing();
    let addr = F::start(Setup::over(&probe)).await;
    let response = send(addr, "GET", "/", None, None).await;
    assert_eq!(response.status, 500);
    assert!(
        !response.body.contains("backend is down"),
        "the cause is not revealed by default"
    );

    let addr = F::start(Setup {
        custom_error: true,
        ..Setup::over(&probe)
    })
    .await;
    let response = send(addr, "GET", "/", None, None).await;
    assert_eq!(response.status, 503);
    assert!(
        response.body.starts_with("sessions unavailable"),
        "{}",
        response.body
    );
}

/// A 5xx response saves nothing, unless configured to.
pub async fn a_server_error_response_does_not_save_unless_asked<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(Setup::over(&probe)).await;
    let response = send(addr, "GET", "/fail", None, None).await;
    assert_eq!(response.status, 500);
    assert!(response.set_cookie().is_none());
    assert_eq!(probe.counts().1, 0);

    let addr = F::start(Setup {
        save_on_server_error: true,
        ..Setup::over(&probe)
    })
    .await;
    let response = send(addr, "GET", "/fail", None, None).await;
    let set_cookie = response.set_cookie().expect("saved after all");
    assert_eq!(probe.counts().1, 1);
    let id = session_schema::Cookie::new("sid")
        .secrets([SECRET])
        .parse(Some(set_cookie.split(';').next().unwrap()))
        .unwrap();
    let stored: Session<crate::App> = probe.read(Some(&id)).await.unwrap();
    assert_eq!(
        stored.get(crate::App::NAME).map(String::as_str),
        Some("half-done"),
        "what the failing handler set"
    );
}

/// A logout that answers a 5xx still deletes the session and clears the cookie.
pub async fn a_logout_that_answers_a_server_error_still_ends_the_session<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(Setup::over(&probe)).await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    assert_eq!(probe.len(), 1);
    let logout = jar.send(addr, "POST", "/failing-logout", Some("")).await;
    assert_eq!(logout.status, 500);
    assert!(
        logout.set_cookie().unwrap().contains("Max-Age=0"),
        "the cookie is cleared"
    );
    assert!(probe.is_empty(), "the session is deleted");
}

/// `http_only(false)` on the cookie is kept.
pub async fn http_only_can_be_turned_off_explicitly<F: Framework>() {
    let addr = F::start(Setup {
        not_http_only: true,
        ..Setup::over(&Probe::memory())
    })
    .await;
    let response = send(addr, "GET", "/", None, None).await;
    assert!(!response.set_cookie().unwrap().contains("HttpOnly"));
}

/// A route without the layer answers a 500 that names the missing layer.
/// (The log line that says what is missing is checked in `test_logging`.)
pub async fn a_route_without_the_layer_gets_a_clear_500<F: Framework>() {
    let addr = F::start_without_layer().await;
    let response = send(addr, "GET", "/", None, None).await;
    assert_eq!(response.status, 500);
    assert_eq!(
        response.body, "Internal Server Error",
        "no internal name in the body"
    );
    assert_eq!(response.all("content-type"), ["text/plain; charset=utf-8"]);
}

/// A middleware and the handler after it share one session: one read, one save.
pub async fn two_extractors_in_one_request_share_the_session<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(Setup::over(&probe)).await;
    let mut jar = Jar::default();
    let first = jar.send(addr, "GET", "/twice", None).await;
    assert!(
        first.body.contains("name=from the middleware"),
        "{}",
        first.body
    );
    assert_eq!(
        probe.counts(),
        (1, 1),
        "one storage read and one save for both"
    );
    let second = jar.send(addr, "GET", "/", None).await;
    assert!(second.body.starts_with("visits=2 "), "{}", second.body);
}

/// Responses that set or clear the cookie are private to caches.
pub async fn responses_that_set_the_cookie_are_private_to_caches<F: Framework>() {
    let addr = F::start(Setup::over(&Probe::memory())).await;
    let mut jar = Jar::default();
    let set = jar.send(addr, "GET", "/", None).await;
    assert!(set.set_cookie().is_some());
    assert_eq!(set.all("cache-control"), ["private, no-store"]);
    assert_eq!(set.all("vary"), ["Cookie"]);

    let cleared = jar.send(addr, "POST", "/logout", Some("")).await;
    assert!(cleared.set_cookie().unwrap().contains("Max-Age=0"));
    assert_eq!(cleared.all("cache-control"), ["private, no-store"]);

    let plain = jar.send(addr, "GET", "/plain", None).await;
    assert!(plain.set_cookie().is_none());
    assert!(
        plain.all("cache-control").is_empty(),
        "no cookie, no change"
    );

    let own = send(addr, "GET", "/cached", None, None).await;
    assert!(own.set_cookie().is_some());
    assert_eq!(
        own.all("cache-control"),
        ["max-age=60"],
        "the handler's own rule stays"
    );
    let vary: Vec<&str> = own
        .all("vary")
        .iter()
        .flat_map(|value| value.split(", "))
        .collect();
    assert_eq!(vary, ["Accept-Encoding", "Cookie"]);
}

/// With timeouts, `Max-Age` is the time left and rolls forward with touches.
pub async fn the_cookie_rolls_forward_with_the_idle_timeout<F: Framework>() {
    let clock = ManualClock::new();
    let addr = F::start(Setup::over(&Probe::timed(&clock))).await;
    let mut jar = Jar::default();
    let first = jar.send(addr, "GET", "/", None).await;
    let set_cookie = first.set_cookie().unwrap();
    assert!(set_cookie.contains("; Max-Age=3600;"), "{set_cookie}");
    assert!(set_cookie.contains("; Expires="), "{set_cookie}");
    // Seven and a half hours of a visit every half hour (more than a quarter
    // of the idle timeout: each touches the session and rolls the cookie):
    // the cookie's lifetime shrinks to what the absolute timeout leaves.
    let mut rolled = String::new();
    for _ in 0..15 {
        clock.advance(Duration::from_secs(1800));
        let response = jar.send(addr, "GET", "/", None).await;
        assert!(!response.body.starts_with("visits=1 "), "{}", response.body);
        response
            .set_cookie()
            .expect("a touch rolls the cookie")
            .clone_into(&mut rolled);
    }
    assert!(rolled.contains("; Max-Age=1800;"), "{rolled}");
    // A visit within a quarter of the last touch writes the counter but
    // moves no end: the cookie the browser has is still right.
    let again = jar.send(addr, "GET", "/", None).await;
    assert!(!again.body.starts_with("visits=1 "), "{}", again.body);
    assert_eq!(again.all("set-cookie"), Vec::<&str>::new(), "{again:?}");
    clock.advance(Duration::from_secs(1800));
    let ended = jar.send(addr, "GET", "/", None).await;
    assert!(ended.body.starts_with("visits=1 "), "{}", ended.body);
}

/// An encrypted cookie carries a cookie-storage session without showing it.
pub async fn an_encrypted_cookie_carries_a_cookie_session_unseen<F: Framework>() {
    let addr = F::start(Setup {
        encrypted: true,
        ..Setup::over(&Probe::cookie())
    })
    .await;
    let mut jar = Jar::default();
    jar.send(addr, "POST", "/login", Some("")).await;
    let shown = jar.send(addr, "GET", "/", None).await;
    assert!(
        shown.body.contains("name=Ada notice=welcome"),
        "{}",
        shown.body
    );
    let value = jar.get("sid").unwrap().to_owned();
    assert!(
        !value.contains("eyJ"),
        "no base64 JSON in the cookie: {value}"
    );
    let again = jar.send(addr, "GET", "/", None).await;
    assert!(again.body.starts_with("visits=2 "), "{}", again.body);
}

/// An anonymous request to a logged-in route is turned away: 401, no
/// handler run, nothing saved, and its flash value kept for later.
pub async fn an_anonymous_request_is_turned_away_before_the_handler_without_a_write<
    F: Framework,
>() {
    let probe = Probe::memory();
    let addr = F::start(Setup::over(&probe)).await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/flash", None).await;
    let saves = probe.counts().1;
    let refused = jar.send(addr, "GET", "/account", None).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.body, "Unauthorized: log in first");
    assert_eq!(refused.all("content-type"), ["text/plain; charset=utf-8"]);
    assert!(refused.set_cookie().is_none());
    assert_eq!(
        probe.handled.load(Ordering::SeqCst),
        0,
        "the handler did not run"
    );
    assert_eq!(probe.counts().1, saves, "nothing was saved");
    let flash = jar.send(addr, "GET", "/read-flash", None).await;
    assert_eq!(flash.body, "for the next page", "the flash value waited");
    let no_cookie = send(addr, "GET", "/account", None, None).await;
    assert_eq!(no_cookie.status, 401);
}

/// A logged-in request gets its session from one read; logging out ends it.
pub async fn a_logged_in_request_gets_its_session_from_one_read<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(Setup::over(&probe)).await;
    let mut jar = Jar::default();
    let login = jar.send(addr, "POST", "/log-in", Some("")).await;
    assert_eq!(login.status, 303);
    let reads = probe.counts().0;
    let account = jar.send(addr, "GET", "/account", None).await;
    assert_eq!(account.status, 200);
    assert_eq!(account.body, "account of user 9");
    assert_eq!(
        probe.counts().0,
        reads + 1,
        "one read for the check and the handler"
    );
    let logout = jar.send(addr, "POST", "/log-out", Some("")).await;
    assert_eq!(logout.status, 303);
    let refused = jar.send(addr, "GET", "/account", None).await;
    assert_eq!(refused.status, 401, "logged out");
}

/// The rejection can send the user to a login page that comes back.
pub async fn the_rejection_can_send_the_user_to_log_in_and_back<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(Setup {
        login_redirect: true,
        ..Setup::over(&probe)
    })
    .await;
    let refused = send(addr, "GET", "/account", None, None).await;
    assert_eq!(refused.status, 303);
    assert_eq!(refused.all("location"), ["/login-page?next=/account"]);
    assert_eq!(probe.handled.load(Ordering::SeqCst), 0);
}

/// Two requests of one user at once, each changing another key: both changes
/// are kept (the second save merges into what the first stored).
pub async fn racing_requests_of_one_user_both_keep_their_change<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(Setup::over(&probe)).await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    let cookie = jar.header();
    let (name, cart) = tokio::join!(
        send(addr, "GET", "/race/name", cookie.as_deref(), None),
        send(addr, "GET", "/race/cart", cookie.as_deref(), None),
    );
    assert_eq!((name.status, cart.status), (200, 200));
    assert_eq!(
        (name.body.as_str(), cart.body.as_str()),
        ("name set, raced", "cart set, raced"),
        "both requests held the session at once"
    );
    let sid = session_schema::Cookie::new("sid").secrets([SECRET]);
    let id = sid.parse(cookie.as_deref()).unwrap();
    for response in [&name, &cart] {
        assert_eq!(
            response.all("set-cookie"),
            Vec::<&str>::new(),
            "each saved the same session under its id: nothing to send back"
        );
    }
    let stored: Session<crate::App> = probe.read(Some(&id)).await.unwrap();
    assert_eq!(
        stored.get(crate::App::NAME).map(String::as_str),
        Some("raced")
    );
    assert_eq!(stored.get(crate::App::CART), Some(&raced_cart()));
    assert_eq!(
        stored.get(crate::App::USER_ID),
        Some(&1),
        "the visit stays too"
    );
}

/// `Option<Session<App, LoggedIn>>` is `None` for an anonymous request (no
/// `401`, one read, nothing saved), `Some` once logged in; a `Session<App>`
/// after it gets the anonymous session without a second read, flash included.
pub async fn an_optional_login_is_none_for_an_anonymous_request<F: Framework>() {
    let probe = Probe::memory();
    let addr = F::start(Setup::over(&probe)).await;
    let mut jar = Jar::default();
    jar.send(addr, "GET", "/", None).await;
    let before = probe.counts();
    let anonymous = jar.send(addr, "GET", "/maybe", None).await;
    assert_eq!(
        (anonymous.status, anonymous.body.as_str()),
        (200, "anonymous")
    );
    assert_eq!(anonymous.set_cookie(), None);
    assert_eq!(
        probe.counts(),
        (before.0 + 1, before.1),
        "one read, no save"
    );

    jar.send(addr, "GET", "/flash", None).await;
    let before = probe.counts();
    let notice = jar.send(addr, "GET", "/maybe-notice", None).await;
    assert_eq!(notice.body, "logged in: false, notice=for the next page");
    assert_eq!(
        probe.counts(),
        (before.0 + 1, before.1 + 1),
        "one read for both, the flash dropped by one save"
    );
    let gone = jar.send(addr, "GET", "/read-flash", None).await;
    assert_eq!(gone.body, "", "the flash was shown once");

    // A fresh visitor: no cookie, no session stored.
    let stranger = send(addr, "GET", "/maybe", None, None).await;
    assert_eq!(
        (stranger.status, stranger.body.as_str()),
        (200, "anonymous")
    );
    assert_eq!(stranger.set_cookie(), None);

    assert_eq!(
        jar.send(addr, "POST", "/log-in", Some("")).await.status,
        303
    );
    let logged_in = jar.send(addr, "GET", "/maybe", None).await;
    assert_eq!(logged_in.body, "user 9");
    // Logged in, the optional argument holds the session: a second one is a 500.
    let twice = jar.send(addr, "GET", "/maybe-notice", None).await;
    assert_eq!(
        (twice.status, twice.body.as_str()),
        (500, "Internal Server Error")
    );
}

/// On a storage with remembered timeouts, a session that is not remembered
/// gets a cookie that ends with the browser, a remembered one a cookie that
/// lives until the session's end; taking the mark off ends the cookie with
/// the browser again.
pub async fn remembered_sessions_get_a_lasting_cookie<F: Framework>() {
    let addr = F::start(Setup::over(&Probe::remembering())).await;
    let mut jar = Jar::default();
    let first = jar.send(addr, "GET", "/", None).await;
    let cookie = first.set_cookie().expect("a new session sets the cookie");
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "not remembered: the cookie ends with the browser: {cookie}"
    );
    let remembered = jar.send(addr, "POST", "/remember", Some("")).await;
    let cookie = remembered
        .set_cookie()
        .expect("the mark changes the session");
    assert!(
        cookie.contains("; Max-Age=2592000"),
        "thirty days: {cookie}"
    );
    assert!(cookie.contains("; Expires="), "{cookie}");
    let visit = jar.send(addr, "GET", "/", None).await;
    assert!(visit.body.starts_with("visits=2 "), "{}", visit.body);
    assert_eq!(
        visit.all("set-cookie"),
        Vec::<&str>::new(),
        "the visit counter changed, the cookie's end did not: {visit:?}"
    );
    let forgotten = jar.send(addr, "POST", "/forget", Some("")).await;
    let cookie = forgotten
        .set_cookie()
        .expect("the mark changes the session");
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "{cookie}"
    );
}
