//! The typed login state: `log_in`, `log_out`, `owner`, through every storage
//! and as an axum handler argument that turns anonymous requests away.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use session_schema::axum::SessionLayer;
use session_schema::{
    Cookie, CookieStorage, Error, FsStorage, LoggedIn, MemoryStorage, RedisStorage, Session,
    SessionStorage,
};
use session_tests::http::{Jar, send, serve};
use session_tests::redis_server::RedisServer;
use session_tests::{App, flows};

const SECRET: &str = "a login test secret of 32 bytes..";

#[test]
fn log_in_sets_the_owner_and_renews_the_id() {
    let mut session = Session::<App>::with_id("planted");
    session.flash(App::NOTICE, "hi".into());
    let logged_in = session.log_in(5);
    assert_eq!(*logged_in.owner(), 5);
    assert_ne!(logged_in.id(), "planted");
    assert_eq!(logged_in.delete_id(), Some("planted"));
    assert!(logged_in.dirty());
    let destroyed = logged_in.destroy();
    assert!(destroyed.destroyed());
}

#[test]
fn a_logged_in_session_works_as_an_active_one() {
    let mut session = Session::<App>::new().log_in(1);
    session.set(App::NAME, "Ada".into());
    session.update(App::CART, Vec::clear);
    session.unset(App::NAME);
    session.flash(App::NOTICE, "saved".into());
    session.regenerate_id(true);
    assert!(session.has(App::USER_ID));
    assert_eq!(session.get(App::NAME), None);
    let logged_out = session.log_out();
    assert!(!logged_out.has(App::USER_ID));
    let again = logged_out.log_in(2);
    assert_eq!(*again.owner(), 2);
}

#[test]
fn only_a_session_with_a_fitting_owner_is_logged_in() {
    assert!(Session::<App>::new().into_logged_in().is_err());
    let mut data = session_schema::SessionData::default();
    data.values.insert("user_id".into(), "not a number".into());
    let unfit = Session::<App>::from_data("id", data);
    let unfit = unfit.into_logged_in().unwrap_err();
    assert_eq!(unfit.mismatched_keys(), ["user_id"], "kept, not logged in");
}

#[tokio::test]
async fn memory_storage() {
    flows::login_flow(&MemoryStorage::new()).await;
}

#[tokio::test]
async fn fs_storage() {
    let dir = tempfile::tempdir().unwrap();
    flows::login_flow(&FsStorage::new(dir.path()).unwrap()).await;
}

#[tokio::test]
async fn redis_storage() {
    let server = RedisServer::start();
    flows::login_flow(&RedisStorage::connect(&server.url()).await.unwrap()).await;
}

#[tokio::test]
async fn cookie_storage() {
    let storage = CookieStorage::new();
    let session: Session<App> = storage.read(None).await.unwrap();
    let before = session.id().to_owned();
    let logged_in = session.log_in(3);
    let value = storage.save(&logged_in).await.unwrap().unwrap();
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert_ne!(read.id(), before);
    let logged_in = read.into_logged_in().unwrap();
    assert_eq!(*logged_in.owner(), 3);
    let value = storage.save(&logged_in.log_out()).await.unwrap().unwrap();
    let read: Session<App> = storage.read(Some(&value)).await.unwrap();
    assert!(read.into_logged_in().is_err());
}

/// Counts storage calls and handler runs.
#[derive(Default)]
struct Counts {
    storage: MemoryStorage,
    reads: AtomicUsize,
    saves: AtomicUsize,
    handled: AtomicUsize,
}

struct Counted(Arc<Counts>);

impl SessionStorage for Counted {
    async fn read<S: session_schema::Schema>(
        &self,
        value: Option<&str>,
    ) -> Result<Session<S>, Error> {
        self.0.reads.fetch_add(1, Ordering::SeqCst);
        self.0.storage.read(value).await
    }

    async fn save<S: session_schema::Schema, St: session_schema::State>(
        &self,
        session: &Session<S, St>,
    ) -> Result<Option<String>, Error> {
        self.0.saves.fetch_add(1, Ordering::SeqCst);
        self.0.storage.save(session).await
    }
}

async fn account(State(counts): State<Arc<Counts>>, session: Session<App, LoggedIn>) -> String {
    counts.handled.fetch_add(1, Ordering::SeqCst);
    format!("account of user {}", session.owner())
}

async fn login(session: Session<App>) -> Redirect {
    let mut session = session.log_in(9);
    session.flash(App::NOTICE, "welcome".into());
    Redirect::to("/account")
}

async fn logout(session: Session<App, LoggedIn>) -> Redirect {
    let _anonymous = session.log_out();
    Redirect::to("/")
}

async fn flash_something(mut session: Session<App>) -> &'static str {
    session.flash(App::NOTICE, "for the next page".into());
    "flashed"
}

async fn read_flash(session: Session<App>) -> String {
    session.get(App::NOTICE).cloned().unwrap_or_default()
}

fn app(counts: &Arc<Counts>, layer: SessionLayer<App, Counted>) -> Router {
    Router::new()
        .route("/account", get(account))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/flash", get(flash_something))
        .route("/read-flash", get(read_flash))
        .layer(layer)
        .with_state(Arc::clone(counts))
}

fn layer(counts: &Arc<Counts>) -> SessionLayer<App, Counted> {
    let cookie = Cookie::new("sid").secrets([SECRET]);
    SessionLayer::new(cookie, Counted(Arc::clone(counts))).unwrap()
}

#[tokio::test]
async fn an_anonymous_request_is_turned_away_before_the_handler_without_a_write() {
    let counts = Arc::new(Counts::default());
    let addr = serve(app(&counts, layer(&counts))).await;
    let mut jar = Jar::default();
    // An anonymous session with a flash value waiting for the next page.
    jar.send(addr, "GET", "/flash", None).await;
    let saves = counts.saves.load(Ordering::SeqCst);

    let refused = jar.send(addr, "GET", "/account", None).await;
    assert_eq!(refused.status, 401);
    assert!(refused.set_cookie().is_none());
    assert_eq!(
        counts.handled.load(Ordering::SeqCst),
        0,
        "the handler did not run"
    );
    assert_eq!(
        counts.saves.load(Ordering::SeqCst),
        saves,
        "nothing was saved"
    );
    let flash = jar.send(addr, "GET", "/read-flash", None).await;
    assert_eq!(flash.body, "for the next page", "the flash value waited");

    let no_cookie = send(addr, "GET", "/account", None, None).await;
    assert_eq!(no_cookie.status, 401);
}

#[tokio::test]
async fn a_logged_in_request_gets_its_session_from_one_read() {
    let counts = Arc::new(Counts::default());
    let addr = serve(app(&counts, layer(&counts))).await;
    let mut jar = Jar::default();
    let login = jar.send(addr, "POST", "/login", Some("")).await;
    assert_eq!(login.status, 303);
    let reads = counts.reads.load(Ordering::SeqCst);
    let account = jar.send(addr, "GET", "/account", None).await;
    assert_eq!(account.status, 200);
    assert_eq!(account.body, "account of user 9");
    assert_eq!(
        counts.reads.load(Ordering::SeqCst),
        reads + 1,
        "one read for check and handler"
    );
    let logout = jar.send(addr, "POST", "/logout", Some("")).await;
    assert_eq!(logout.status, 303);
    let refused = jar.send(addr, "GET", "/account", None).await;
    assert_eq!(refused.status, 401, "logged out");
}

#[tokio::test]
async fn the_rejection_can_send_the_user_to_log_in_and_back() {
    let counts = Arc::new(Counts::default());
    let layer = layer(&counts).on_unauthenticated(|request| {
        Redirect::to(&format!("/login-page?next={}", request.uri.path())).into_response()
    });
    let addr = serve(app(&counts, layer)).await;
    let refused = send(addr, "GET", "/account", None, None).await;
    assert_eq!(refused.status, 303);
    assert_eq!(refused.all("location"), ["/login-page?next=/account"]);
    assert_eq!(counts.handled.load(Ordering::SeqCst), 0);
}
