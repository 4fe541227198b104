//! Two instances of the demo app share sessions through one Redis.

use session_tests::demo::Demo;
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
    browser.send(first.addr, "GET", "/", None).await;
    let login = browser
        .send(first.addr, "POST", "/login", Some("name=Grace"))
        .await;
    assert_eq!(login.status, 303);

    // Logged in on the second, with the welcome shown there once.
    let page = browser.send(second.addr, "GET", "/", None).await;
    assert!(
        page.body.contains("Logged in as <strong>Grace</strong>"),
        "{}",
        page.body
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
    browser.send(second.addr, "POST", "/logout", Some("")).await;
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
