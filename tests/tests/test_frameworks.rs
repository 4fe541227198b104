//! axum and actix-web together: a service on each, with the same cookie and
//! storage, share one user's session.

use session_schema::{Cookie, Session, SessionStorage};
use session_tests::App;
use session_tests::http::Jar;
use session_tests::servers::actix::Actix;
use session_tests::servers::axum::Axum;
use session_tests::web::{Framework, Probe, SECRET, Setup};

#[tokio::test]
async fn an_axum_and_an_actix_service_share_one_session() {
    let probe = Probe::memory();
    let axum = Axum::start(Setup::over(&probe)).await;
    let actix = Actix::start(Setup::over(&probe)).await;
    let mut browser = Jar::default();

    // Logged in on actix, with a welcome for the next page.
    let login = browser.send(actix, "POST", "/log-in", Some("")).await;
    assert_eq!(login.status, 303);
    // The next page is served by axum: logged in, welcome shown there once.
    let account = browser.send(axum, "GET", "/account", None).await;
    assert_eq!(account.body, "account of user 9");
    let flash = browser.send(actix, "GET", "/read-flash", None).await;
    assert_eq!(flash.body, "", "the welcome was consumed on axum");

    // A change on axum is seen on actix, and the other way round.
    browser.send(axum, "POST", "/login", Some("")).await;
    let seen = browser.send(actix, "GET", "/", None).await;
    assert!(seen.body.starts_with("visits=1 name=Ada"), "{}", seen.body);
    let seen = browser.send(axum, "GET", "/", None).await;
    assert!(seen.body.starts_with("visits=2 name=Ada"), "{}", seen.body);
    let id = Cookie::new("sid")
        .secrets([SECRET])
        .parse(browser.header().as_deref())
        .unwrap();
    let stored: Session<App> = probe.read(Some(&id)).await.unwrap();
    assert_eq!(stored.get(App::NAME).map(String::as_str), Some("Ada"));
    assert_eq!(stored.get(App::USER_ID), Some(&2));
    assert_eq!(stored.into_logged_in().map(|s| *s.owner()).ok(), Some(9));

    // Logged out on axum: logged out on actix.
    browser.send(axum, "POST", "/log-out", Some("")).await;
    let refused = browser.send(actix, "GET", "/account", None).await;
    assert_eq!(refused.status, 401);
}
