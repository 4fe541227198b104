//! A Rust service and a Node.js service using the reference packages with the
//! same secrets share sessions: through the cookie, through one directory and
//! through one Redis. The Rust storages run with timeouts configured (the
//! times travel in a form the reference ignores), except where the bytes must
//! be the reference's own.

use std::time::Duration;

use serde_json::{Value, json};
use session_schema::{
    BackendStorage, Cookie, CookieStorage, FsStorage, ManualClock, RedisStorage, Session,
    SessionStorage,
};
use session_tests::redis_server::RedisServer;
use session_tests::reference::{cookie_pair, run};
use session_tests::{App, Item};

const SECRETS: [&str; 1] = ["s3cr3t"];
const HOUR: Duration = Duration::from_secs(3600);

fn timed_cookie_storage() -> CookieStorage {
    // Node.js writes cookie values without times: sharing sessions with it
    // means counting those as created at some time (here: now).
    CookieStorage::new()
        .idle_timeout(HOUR)
        .absolute_timeout(24 * HOUR)
        .untimed_created_at(std::time::SystemTime::now())
}

fn timed<B: session_schema::SessionBackend>(storage: BackendStorage<B>) -> BackendStorage<B> {
    storage.idle_timeout(HOUR).absolute_timeout(24 * HOUR)
}

fn cookie() -> Cookie {
    Cookie::new("session").secrets(SECRETS)
}

async fn rust_read_cookie(
    storage: &CookieStorage,
    cookie: &Cookie,
    set_cookie: &str,
) -> Session<App> {
    let value = cookie.parse(Some(cookie_pair(set_cookie)));
    storage.read(value.as_deref()).await.unwrap()
}

#[tokio::test]
async fn node_writes_a_signed_cookie_session_and_rust_reads_it() {
    let node = run(&json!({
        "storage": "cookie",
        "secrets": SECRETS,
        "set": {"user_id": 7, "name": "Zoë ✓", "cart-items": [{"sku": "tea", "quantity": 2}], "theme": {"dark": true}},
        "flash": {"notice": "Welcome, Zoë"},
    }));
    let set_cookie = node["setCookie"].as_str().unwrap();

    let storage = timed_cookie_storage();
    let mut session = rust_read_cookie(&storage, &cookie(), set_cookie).await;
    assert_eq!(session.id(), node["newId"].as_str().unwrap());
    assert_eq!(session.get(App::USER_ID), Some(&7));
    assert_eq!(session.get(App::NAME).map(String::as_str), Some("Zoë ✓"));
    assert_eq!(
        session.get(App::CART),
        Some(&vec![Item {
            sku: "tea".into(),
            quantity: 2
        }])
    );
    assert_eq!(
        session.get(App::NOTICE).map(String::as_str),
        Some("Welcome, Zoë")
    );

    // Saving in Rust keeps the key Rust does not know and drops the flash read here.
    session.set(App::USER_ID, 8);
    let value = storage.save(&session).await.unwrap().unwrap();
    let back = run(&json!({
        "storage": "cookie",
        "secrets": SECRETS,
        "cookieHeader": cookie_pair(&cookie().serialize(&value).unwrap()),
        "read": ["user_id", "theme", "notice"],
    }));
    assert_eq!(
        back["read"],
        json!({"user_id": 8, "theme": {"dark": true}, "notice": null})
    );
}

#[tokio::test]
async fn rust_writes_a_signed_cookie_session_and_node_reads_it() {
    let storage = timed_cookie_storage();
    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 42);
    session.set(App::NAME, "Ünïcødé 🎉".into());
    session.flash(App::NOTICE, "saved".into());
    let value = storage.save(&session).await.unwrap().unwrap();
    let set_cookie = cookie().serialize(&value).unwrap();

    let node = run(&json!({
        "storage": "cookie",
        "secrets": SECRETS,
        "cookieHeader": cookie_pair(&set_cookie),
        "read": ["user_id", "name", "notice"],
    }));
    assert_eq!(node["id"], json!(session.id()));
    assert_eq!(
        node["read"],
        json!({"user_id": 42, "name": "Ünïcødé 🎉", "notice": "saved"})
    );
}

#[tokio::test]
async fn both_write_the_same_bytes_for_the_same_session() {
    // Node re-saves a session Rust wrote; Rust re-saves the same session: the
    // Set-Cookie headers are identical.
    let storage = CookieStorage::new();
    let mut session = Session::<App>::with_id("fixed-id");
    session.set(App::USER_ID, 7);
    session.set(App::NAME, "Ada".into());
    let first = cookie()
        .serialize(&storage.save(&session).await.unwrap().unwrap())
        .unwrap();

    let node = run(&json!({
        "storage": "cookie",
        "secrets": SECRETS,
        "cookieHeader": cookie_pair(&first),
        "set": {"name": "Grace"},
    }));
    let mut session = rust_read_cookie(&storage, &cookie(), &first).await;
    session.set(App::NAME, "Grace".into());
    let rust = cookie()
        .serialize(&storage.save(&session).await.unwrap().unwrap())
        .unwrap();
    assert_eq!(rust, node["setCookie"].as_str().unwrap());
}

#[tokio::test]
async fn a_cookie_signed_with_another_secret_is_rejected_by_both() {
    let node = run(&json!({"storage": "cookie", "secrets": ["other"], "set": {"user_id": 1}}));
    let session = rust_read_cookie(
        &timed_cookie_storage(),
        &cookie(),
        node["setCookie"].as_str().unwrap(),
    )
    .await;
    assert_ne!(session.id(), node["newId"].as_str().unwrap());
    assert_eq!(session.get(App::USER_ID), None);

    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 1);
    let value = timed_cookie_storage()
        .save(&session)
        .await
        .unwrap()
        .unwrap();
    let foreign = Cookie::new("session")
        .secrets(["other"])
        .serialize(&value)
        .unwrap();
    let node = run(&json!({
        "storage": "cookie",
        "secrets": SECRETS,
        "cookieHeader": cookie_pair(&foreign),
        "read": ["user_id"],
    }));
    assert_eq!(node["cookieValue"], Value::Null);
    assert_eq!(node["read"]["user_id"], Value::Null);
}

#[tokio::test]
async fn rotated_secrets_work_both_ways() {
    let node = run(&json!({"storage": "cookie", "secrets": ["old"], "set": {"user_id": 5}}));
    let rotated = Cookie::new("session").secrets(["new", "old"]);
    let storage = timed_cookie_storage();
    let mut session =
        rust_read_cookie(&storage, &rotated, node["setCookie"].as_str().unwrap()).await;
    assert_eq!(session.get(App::USER_ID), Some(&5));
    session.set(App::USER_ID, 6);
    let set_cookie = rotated
        .serialize(&storage.save(&session).await.unwrap().unwrap())
        .unwrap();
    assert_eq!(
        Cookie::new("session")
            .secrets(["old"])
            .parse(Some(cookie_pair(&set_cookie))),
        None
    );
    let node = run(&json!({
        "storage": "cookie",
        "secrets": ["new", "old"],
        "cookieHeader": cookie_pair(&set_cookie),
        "read": ["user_id"],
    }));
    assert_eq!(node["read"]["user_id"], json!(6));
}

#[tokio::test]
async fn node_and_rust_share_one_session_directory() {
    let dir = tempfile::tempdir().unwrap();
    let dir_str = dir.path().to_str().unwrap();
    let storage = timed(FsStorage::new(dir.path()).unwrap());

    // Node creates the session.
    let node = run(&json!({
        "storage": "fs", "dir": dir_str, "secrets": SECRETS,
        "set": {"user_id": 3, "legacy": [1, 2, 3]}, "flash": {"notice": "from node"},
    }));
    let set_cookie = node["setCookie"].as_str().unwrap();
    let id = cookie().parse(Some(cookie_pair(set_cookie))).unwrap();

    // Rust reads it, changes it, and saves it to the same file.
    let mut session: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_eq!(session.id(), id);
    assert_eq!(session.get(App::USER_ID), Some(&3));
    assert_eq!(
        session.get(App::NOTICE).map(String::as_str),
        Some("from node")
    );
    session.set(App::NAME, "Rust".into());
    session.flash(App::ERROR, "from rust".into());
    assert_eq!(
        storage.save(&session).await.unwrap().as_deref(),
        Some(id.as_str())
    );

    // Node reads Rust's save: values kept, the flash Rust read is gone, Rust's flash is there.
    let node = run(&json!({
        "storage": "fs", "dir": dir_str, "secrets": SECRETS,
        "cookieHeader": cookie_pair(set_cookie),
        "read": ["user_id", "name", "legacy", "notice", "error"],
        "regenerate": "delete",
    }));
    assert_eq!(
        node["read"],
        json!({"user_id": 3, "name": "Rust", "legacy": [1, 2, 3], "notice": null, "error": "from rust"})
    );

    // Node regenerated the id and deleted the old file: Rust sees only the new one.
    let new_id = node["newId"].as_str().unwrap();
    let old: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(old.id(), id, "the old id is gone and not adopted");
    let moved: Session<App> = storage.read(Some(new_id)).await.unwrap();
    assert_eq!(moved.get(App::NAME).map(String::as_str), Some("Rust"));
}

#[tokio::test]
async fn rust_writes_the_fs_layout_node_reads() {
    let dir = tempfile::tempdir().unwrap();
    let storage = timed(FsStorage::new(dir.path()).unwrap());
    let mut session = Session::<App>::new();
    session.set(
        App::CART,
        vec![Item {
            sku: "ß".into(),
            quantity: 1,
        }],
    );
    let id = storage.save(&session).await.unwrap().unwrap();
    let node = run(&json!({
        "storage": "fs", "dir": dir.path(), "secrets": SECRETS,
        "cookieHeader": cookie_pair(&cookie().serialize(&id).unwrap()),
        "read": ["cart-items"],
    }));
    assert_eq!(node["id"], json!(id));
    assert_eq!(
        node["read"]["cart-items"],
        json!([{"sku": "ß", "quantity": 1}])
    );
}

#[tokio::test]
async fn a_node_session_without_times_counts_as_created_when_first_read() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let storage = FsStorage::new(dir.path())
        .unwrap()
        .idle_timeout(HOUR)
        .absolute_timeout(2 * HOUR)
        .clock(clock.clone());
    // Written by Node.js long ago, with no times.
    let node = run(&json!({
        "storage": "fs", "dir": dir.path(), "secrets": SECRETS, "set": {"user_id": 9},
    }));
    let id = cookie()
        .parse(Some(cookie_pair(node["setCookie"].as_str().unwrap())))
        .unwrap();

    // First read: live, and the save writes the times (created now).
    let read: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_eq!(read.get(App::USER_ID), Some(&9));
    assert_eq!(
        storage.save(&read).await.unwrap().as_deref(),
        Some(id.as_str())
    );
    let node = run(&json!({
        "storage": "fs", "dir": dir.path(), "secrets": SECRETS,
        "cookieHeader": cookie_pair(node["setCookie"].as_str().unwrap()), "read": ["user_id"],
    }));
    assert_eq!(
        node["read"]["user_id"],
        json!(9),
        "Node reads the record with times"
    );

    // Busy every half hour from that first read, then ended by the absolute
    // timeout two hours after it.
    for _ in 0..3 {
        clock.advance(HOUR / 2);
        let read: Session<App> = storage.read(Some(&id)).await.unwrap();
        assert_eq!(read.get(App::USER_ID), Some(&9));
        storage.save(&read).await.unwrap();
    }
    clock.advance(HOUR / 2);
    let ended: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(ended.id(), id);
}

#[tokio::test]
async fn a_node_cookie_session_without_times_ends_by_the_timeouts_from_when_the_app_says() {
    let node = run(&json!({"storage": "cookie", "secrets": SECRETS, "set": {"user_id": 4}}));
    let value = cookie()
        .parse(Some(cookie_pair(node["setCookie"].as_str().unwrap())))
        .unwrap();
    let clock = ManualClock::new();
    let day = 24 * HOUR;

    // Timeouts on and no opt-in: a value without times is no live session,
    // however it is replayed.
    let strict = CookieStorage::new()
        .absolute_timeout(HOUR)
        .clock(clock.clone());
    for _ in 0..3 {
        let read: Session<App> = strict.read(Some(&value)).await.unwrap();
        assert_eq!(read.get(App::USER_ID), None, "an untimed cookie is refused");
        clock.advance(day);
    }

    // Shared with Node.js: such values count as created when the app says,
    // and end an hour later, replayed or saved again.
    let created = session_schema::Clock::now(&clock);
    let shared = CookieStorage::new()
        .absolute_timeout(HOUR)
        .untimed_created_at(created)
        .clock(clock.clone());
    let read: Session<App> = shared.read(Some(&value)).await.unwrap();
    assert_eq!(read.get(App::USER_ID), Some(&4));
    let stamped = shared
        .save(&read)
        .await
        .unwrap()
        .expect("the first read writes the times");
    clock.advance(HOUR / 2);
    for replayed in [&value, &stamped] {
        let read: Session<App> = shared.read(Some(replayed)).await.unwrap();
        assert_eq!(read.get(App::USER_ID), Some(&4), "live for the hour");
    }
    clock.advance(HOUR / 2);
    for replayed in [&value, &stamped] {
        let read: Session<App> = shared.read(Some(replayed)).await.unwrap();
        assert_eq!(
            read.get(App::USER_ID),
            None,
            "ended an hour after the given time"
        );
    }
    for days in [1, 30, 365, 3650] {
        clock.advance(day * days);
        let read: Session<App> = shared.read(Some(&value)).await.unwrap();
        assert_eq!(
            read.get(App::USER_ID),
            None,
            "replayed after {days} more days"
        );
    }
}

#[tokio::test]
async fn node_and_rust_share_one_redis() {
    let server = RedisServer::start();
    let storage = timed(RedisStorage::connect(&server.url()).await.unwrap());

    // Node creates the session, with a flash value and a key Rust does not know.
    let node = run(&json!({
        "storage": "redis", "url": server.url(), "secrets": SECRETS,
        "set": {"user_id": 5, "theme": "dark"}, "flash": {"notice": "from node"},
    }));
    let set_cookie = node["setCookie"].as_str().unwrap();
    let id = cookie().parse(Some(cookie_pair(set_cookie))).unwrap();

    let mut session: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_eq!(session.id(), id);
    assert_eq!(session.get(App::USER_ID), Some(&5));
    assert_eq!(
        session.get(App::NOTICE).map(String::as_str),
        Some("from node")
    );
    session.set(App::NAME, "Rust".into());
    storage.save(&session).await.unwrap();

    // Node reads what Rust saved (times included), and regenerates with delete.
    let node = run(&json!({
        "storage": "redis", "url": server.url(), "secrets": SECRETS,
        "cookieHeader": cookie_pair(set_cookie), "read": ["user_id", "name", "theme", "notice"],
        "regenerate": "delete",
    }));
    assert_eq!(
        node["read"],
        json!({"user_id": 5, "name": "Rust", "theme": "dark", "notice": null})
    );
    let moved: Session<App> = storage
        .read(Some(node["newId"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(moved.get(App::NAME).map(String::as_str), Some("Rust"));
    let old: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(old.id(), id, "Node deleted the old id");

    // Rust creates one; Node reads it.
    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 6);
    let id = storage.save(&session).await.unwrap().unwrap();
    let node = run(&json!({
        "storage": "redis", "url": server.url(), "secrets": SECRETS,
        "cookieHeader": cookie_pair(&cookie().serialize(&id).unwrap()), "read": ["user_id"],
    }));
    assert_eq!(node["id"], json!(id));
    assert_eq!(node["read"]["user_id"], json!(6));
}
