//! The Memcached storage against a private `memcached`, and with the reference
//! `@remix-run/session-storage-memcache` on Node.js.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use session_schema::{Cookie, Error, MemcacheStorage, Session, SessionBackend, SessionStorage};
use session_tests::flows;
use session_tests::reference::{cookie_pair, run};
use session_tests::servers::process::Memcached;
use session_tests::{App, Item};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const SECRETS: [&str; 1] = ["s3cr3t"];

fn cookie() -> Cookie {
    Cookie::new("session").secrets(SECRETS)
}

#[tokio::test]
async fn the_shared_flows() {
    let server = Memcached::start();
    let storage = MemcacheStorage::connect(&server.addr()).await.unwrap();
    flows::every_id_based_flow(&storage).await;
}

#[tokio::test]
async fn timeouts() {
    let server = Memcached::start();
    flows::timeout_flows(async |clock| {
        MemcacheStorage::connect(&server.addr())
            .await
            .unwrap()
            .idle_timeout(Duration::from_secs(3600))
            .absolute_timeout(Duration::from_secs(7200))
            .clock(clock)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_saves_and_revocation() {
    let server = Memcached::start();
    let first = Arc::new(MemcacheStorage::connect(&server.addr()).await.unwrap());
    let second = Arc::new(MemcacheStorage::connect(&server.addr()).await.unwrap());
    flows::racing_flows(first, second).await;
}

#[tokio::test]
async fn a_restart_is_survived() {
    let mut server = Memcached::start();
    let storage = MemcacheStorage::connect(&server.addr()).await.unwrap();
    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 1);
    storage.save(&session).await.unwrap();

    server.kill();
    let error = storage.read::<App>(Some(session.id())).await.unwrap_err();
    assert!(matches!(error, Error::Backend(_)), "{error:?}");

    server.restart();
    // Memcached comes back empty; the storage reconnects and works on.
    let fresh: Session<App> = storage.read(Some(session.id())).await.unwrap();
    assert_ne!(fresh.id(), session.id(), "the restart emptied memcached");
    let id = storage.save(&session).await.unwrap().unwrap();
    let read: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_eq!(read.get(App::USER_ID), Some(&1));
}

#[tokio::test]
async fn connecting_to_nothing_is_an_error() {
    let port = session_tests::servers::process::free_port();
    let error = MemcacheStorage::connect(&format!("127.0.0.1:{port}"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Backend(_)), "{error:?}");
}

#[tokio::test]
async fn node_writes_and_rust_reads_then_rust_writes_and_node_reads() {
    let server = Memcached::start();
    let storage = MemcacheStorage::connect(&server.addr()).await.unwrap();

    let node = run(&json!({
        "storage": "memcache", "server": server.addr(), "secrets": SECRETS, "ttl": 600,
        "set": {"user_id": 7, "cart-items": [{"sku": "tea", "quantity": 2}], "theme": "dark"},
        "flash": {"notice": "from node"},
    }));
    let set_cookie = node["setCookie"].as_str().unwrap();
    let id = cookie().parse(Some(cookie_pair(set_cookie))).unwrap();
    let mut session: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_eq!(session.id(), id);
    assert_eq!(session.get(App::USER_ID), Some(&7));
    assert_eq!(
        session.get(App::CART),
        Some(&vec![Item {
            sku: "tea".into(),
            quantity: 2
        }])
    );
    assert_eq!(
        session.get(App::NOTICE).map(String::as_str),
        Some("from node")
    );
    session.set(App::NAME, "Rust".into());
    storage.save(&session).await.unwrap();

    let node = run(&json!({
        "storage": "memcache", "server": server.addr(), "secrets": SECRETS,
        "cookieHeader": cookie_pair(set_cookie),
        "read": ["user_id", "name", "theme", "notice"],
        "regenerate": "delete",
    }));
    assert_eq!(
        node["read"],
        json!({"user_id": 7, "name": "Rust", "theme": "dark", "notice": null})
    );
    let old: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(old.id(), id, "Node deleted the old key");
    let moved: Session<App> = storage
        .read(Some(node["newId"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(moved.get(App::NAME).map(String::as_str), Some("Rust"));
}

#[tokio::test]
async fn the_key_is_the_prefixed_sha256_of_the_id() {
    let server = Memcached::start();
    let storage = MemcacheStorage::connect(&server.addr())
        .await
        .unwrap()
        .prefix("app1:")
        .unwrap();
    let mut session = Session::<App>::with_id("abc");
    session.set(App::USER_ID, 3);
    storage.save(&session).await.unwrap();
    // echo -n abc | sha256sum
    let key = "app1:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(format!("get {key}\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = vec![0; 256];
    let read = stream.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.contains(r#"[{"user_id":3},{}]"#), "{answer}");
}

#[tokio::test]
async fn the_owner_index_follows_logins_and_destroys() {
    let server = Memcached::start();
    let storage = MemcacheStorage::connect(&server.addr()).await.unwrap();
    let id = storage
        .save(&Session::<App>::new().log_in(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(storage.backend().owned("5").await.unwrap(), vec![id.clone()]);
    let read: Session<App> = storage.read(Some(&id)).await.unwrap();
    storage.save(&read.destroy()).await.unwrap();
    assert!(
        storage.backend().owned("5").await.unwrap().is_empty(),
        "the destroyed session left the index"
    );
}
