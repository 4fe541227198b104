//! The typed login state: `log_in`, `log_out`, `owner`, through every storage
//! (as a handler argument, in `session_tests::web`).

use session_schema::{
    CookieStorage, FsStorage, MemoryStorage, RedisStorage, Session, SessionStorage,
};
use session_tests::redis_server::RedisServer;
use session_tests::{App, flows};

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
    assert!(session.has(App::OWNER));
    assert_eq!(session.get(App::NAME), None);
    let logged_out = session.log_out();
    assert!(!logged_out.has(App::OWNER));
    let again = logged_out.log_in(2);
    assert_eq!(*again.owner(), 2);
}

#[test]
fn only_a_session_with_a_fitting_owner_is_logged_in() {
    assert!(Session::<App>::new().into_logged_in().is_err());
    let mut data = session_schema::SessionData::default();
    data.values.insert("owner".into(), "not a number".into());
    let unfit = Session::<App>::from_data("id", data);
    let unfit = unfit.into_logged_in().unwrap_err();
    assert_eq!(unfit.mismatched_keys(), ["owner"], "kept, not logged in");
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
