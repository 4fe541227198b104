//! The Memcached storage against a private `memcached`, and with the reference
//! `@remix-run/session-storage-memcache` on Node.js.

use std::sync::Arc;

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
    flows::timeout_flows(async || MemcacheStorage::connect(&server.addr()).await.unwrap()).await;
    flows::devices_flows(async || MemcacheStorage::connect(&server.addr()).await.unwrap()).await;
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
    assert_eq!(
        storage.backend().owned("5").await.unwrap(),
        vec![id.clone()]
    );
    let read: Session<App> = storage.read(Some(&id)).await.unwrap();
    storage.save(&read.destroy()).await.unwrap();
    assert!(
        storage.backend().owned("5").await.unwrap().is_empty(),
        "the destroyed session left the index"
    );
}

#[tokio::test]
async fn a_prefix_too_long_for_the_owner_keys_is_refused() {
    let server = Memcached::start();
    let addr = server.addr();
    let storage = || MemcacheStorage::connect(&addr);
    let error = storage()
        .await
        .unwrap()
        .prefix("p".repeat(178))
        .unwrap_err();
    assert!(matches!(error, Error::InvalidConfig(_)), "{error:?}");
    assert!(error.to_string().contains("at most 177 bytes"), "{error}");
    assert!(storage().await.unwrap().prefix("with space").is_err());
    // The longest prefix accepted still logs in: its owner keys are 250 bytes.
    let longest = storage().await.unwrap().prefix("p".repeat(177)).unwrap();
    let id = longest
        .save(&Session::<App>::new().log_in(7))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(longest.owned_by::<App>(&7).await.unwrap(), vec![id]);
}

/// A server that answers every command with `reply`, once per connection.
async fn hostile_memcached(reply: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut request = vec![0; 1024];
                while let Ok(read) = stream.read(&mut request).await {
                    if read == 0 || stream.write_all(&reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_hostile_server_gets_an_error_not_memory() {
    let endless = vec![b'x'; 4 << 20];
    let mut wrong_key = b"VALUE remix:session:not-the-key 0 2 1\r\n[]\r\nEND\r\n".to_vec();
    let unterminated = b"VALUE {key} 0 2 1\r\n[]XXEND\r\n".to_vec();
    let huge = b"VALUE {key} 0 999999999999 1\r\n".to_vec();
    for (what, reply) in [
        ("a reply line without end", endless),
        ("a value for another key", std::mem::take(&mut wrong_key)),
        ("a value without its \\r\\n", unterminated),
        ("a value larger than any session", huge),
    ] {
        // `{key}` is the key asked for: a session's key is the prefix and the
        // SHA-256 of the id.
        let id = "some-id";
        let key = format!("remix:session:{}", sha256_hex(id));
        let reply = String::from_utf8_lossy(&reply)
            .replace("{key}", &key)
            .into_bytes();
        let addr = hostile_memcached(reply).await;
        // `connect` checks the server with a connection only.
        let storage = MemcacheStorage::connect(&addr).await.unwrap();
        let read = storage.read::<App>(Some(id)).await;
        assert!(matches!(read, Err(Error::Backend(_))), "{what}: {read:?}");
    }
}

/// The lowercase hex SHA-256 of `text`, by `sha256sum` (the tests crate
/// needs no hash of its own).
fn sha256_hex(text: &str) -> String {
    use std::io::Write as _;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    String::from_utf8(output.stdout).unwrap()[..64].to_owned()
}
