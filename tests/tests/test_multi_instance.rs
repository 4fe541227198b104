//! Two instances of the demo app share sessions through one Redis.

use session_tests::demo::{Demo, csrf_field};
use session_tests::http::Jar;
use session_tests::redis_server::RedisServer;

#[tokio::test]
async fn two_instances_share_one_session() {
    let redis = RedisServer::start();
    let env = [
        ("REDIS_URL", redis.url()),
        (
            "SESSION_SECRET",
            "a secret both demo processes share".to_owned(),
        ),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = Demo::start(env!("CARGO_BIN_EXE_demo"), "redis", &env);
    let second = Demo::start(env!("CARGO_BIN_EXE_demo"), "redis", &env);

    // Log in on the first instance.
    let mut browser = Jar::default();
    let home = browser.send(first.addr, "GET", "/", None).await;
    let token = csrf_field(&home.body).to_owned();
    let login = browser
        .send(
            first.addr,
            "POST",
            "/login",
            Some(&format!("name=Grace&_csrf={token}")),
        )
        .await;
    assert_eq!(login.status, 303);

    // Logged in on the second, with the welcome shown there once.
    let page = browser.send(second.addr, "GET", "/", None).await;
    assert!(
        page.body.contains("Logged in as <strong>Grace</strong>"),
        "{}",
        page.body
    );
    assert_eq!(
        csrf_field(&page.body),
        token,
        "one session, one token, on both"
    );
    assert!(page.body.contains("Welcome, Grace!"));
    let page = browser.send(first.addr, "GET", "/", None).await;
    assert!(page.body.contains("Logged in as <strong>Grace</strong>"));
    assert!(
        !page.body.contains("Welcome, Grace!"),
        "the flash was consumed on the other instance"
    );

    // Log out on the second; logged out on the first, even with the old cookie.
    let old_cookie = browser.clone();
    let logout = browser
        .send(
            second.addr,
            "POST",
            "/logout",
            Some(&format!("_csrf={token}")),
        )
        .await;
    assert_eq!(logout.status, 303);
    let page = browser.send(first.addr, "GET", "/", None).await;
    assert!(page.body.contains("Not logged in."), "{}", page.body);
    let mut replay = old_cookie;
    let page = replay.send(first.addr, "GET", "/", None).await;
    assert!(
        page.body.contains("Not logged in."),
        "the destroyed session is gone from Redis: {}",
        page.body
    );
}
