//! The Redis storage against a real, private `redis-server`.

use std::sync::Arc;
use std::time::Duration;

use session_schema::{
    Clock, Error, ManualClock, RedisStorage, Session, SessionBackend, SessionStorage,
};
use session_tests::App;
use session_tests::flows::{self, common_flow, id_based_flow, is_gone};
use session_tests::redis_server::RedisServer;

async fn raw(url: &str, args: &[&str]) -> redis::Value {
    let client = redis::Client::open(url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let mut command = redis::cmd(args[0]);
    for arg in &args[1..] {
        command.arg(*arg);
    }
    command.query_async(&mut connection).await.unwrap()
}

/// A storage on `server` whose sessions end after 600 s idle, by a clock the
/// test moves.
async fn with_idle_timeout(server: &RedisServer) -> (RedisStorage, ManualClock) {
    let clock = ManualClock::new();
    let storage = RedisStorage::connect(&server.url())
        .await
        .unwrap()
        .idle_timeout(Duration::from_secs(600))
        .clock(clock.clone());
    (storage, clock)
}

#[tokio::test]
async fn redis_storage_flows() {
    let server = RedisServer::start();
    let storage = RedisStorage::connect(&server.url()).await.unwrap();
    common_flow(&storage).await;
    id_based_flow(&storage, async |id| is_gone(&storage, id).await).await;
}

#[tokio::test]
async fn records_are_the_reference_json_under_the_prefixed_id() {
    let server = RedisServer::start();
    let storage = RedisStorage::connect(&server.url()).await.unwrap();
    let mut session: Session<App> = Session::new();
    session.set(App::USER_ID, 7);
    session.flash(App::NOTICE, "hi".into());
    let id = storage.save(&session).await.unwrap().unwrap();
    let key = format!("session:{id}");
    assert_eq!(
        raw(&server.url(), &["GET", &key]).await,
        redis::Value::BulkString(br#"[{"user_id":7},{"notice":"hi"}]"#.to_vec()),
        "without timeouts, the bytes the reference writes"
    );
    assert_eq!(
        raw(&server.url(), &["TTL", &key]).await,
        redis::Value::Int(-1)
    );

    let prefixed = RedisStorage::connect(&server.url())
        .await
        .unwrap()
        .prefix("app1:");
    let mut session: Session<App> = Session::new();
    session.set(App::USER_ID, 7);
    session.flash(App::NOTICE, "hi".into());
    let id = prefixed.save(&session).await.unwrap().unwrap();
    assert_eq!(
        raw(&server.url(), &["GET", &format!("app1:{id}")]).await,
        redis::Value::BulkString(br#"[{"user_id":7},{"notice":"hi"}]"#.to_vec()),
        "the same record under the prefix"
    );
    assert_eq!(
        raw(&server.url(), &["EXISTS", &format!("session:{id}")]).await,
        redis::Value::Int(0),
        "nothing under the default prefix"
    );
    let logged_in = prefixed
        .save(&Session::<App>::new().log_in(3))
        .await
        .unwrap()
        .unwrap();
    let index = "app1-owners:{4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce}";
    assert_eq!(
        raw(&server.url(), &["ZRANGE", index, "0", "-1"]).await,
        redis::Value::Array(vec![redis::Value::BulkString(logged_in.into_bytes())]),
        "the owner index under the prefix, by the SHA-256 of the owner's JSON (\"3\")"
    );
}

#[tokio::test]
async fn with_a_timeout_the_record_carries_its_times_and_an_expiry() {
    let server = RedisServer::start();
    let (storage, clock) = with_idle_timeout(&server).await;
    let mut session: Session<App> = Session::new();
    session.set(App::USER_ID, 7);
    let id = storage.save(&session).await.unwrap().unwrap();
    let key = format!("session:{id}");
    let now = clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(
        raw(&server.url(), &["GET", &key]).await,
        redis::Value::BulkString(
            format!(r#"[{{"user_id":7}},{{}},{{"c":{now},"t":{now}}}]"#).into_bytes()
        )
    );
    let redis::Value::Int(ttl) = raw(&server.url(), &["TTL", &key]).await else {
        panic!("TTL is a number")
    };
    assert!((590..=600).contains(&ttl), "{ttl}");
}

#[tokio::test]
async fn sessions_end_with_the_real_clock() {
    let server = RedisServer::start();
    let storage = RedisStorage::connect(&server.url())
        .await
        .unwrap()
        .idle_timeout(Duration::from_secs(1));
    let mut session: Session<App> = Session::new();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(expired.id(), id);
}

#[tokio::test]
async fn a_save_keeps_an_expiry_another_client_set() {
    let server = RedisServer::start();
    let storage = RedisStorage::connect(&server.url()).await.unwrap();
    let mut session: Session<App> = Session::new();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();
    let key = format!("session:{id}");
    raw(&server.url(), &["EXPIRE", &key, "300"]).await;

    let mut loaded: Session<App> = storage.read(Some(&id)).await.unwrap();
    loaded.set(App::NAME, "changed".into());
    storage.save(&loaded).await.unwrap();
    let redis::Value::Int(ttl) = raw(&server.url(), &["TTL", &key]).await else {
        panic!("TTL is a number")
    };
    assert!(
        (290..=300).contains(&ttl),
        "the expiry survives the merging save: {ttl}"
    );
}

#[tokio::test]
async fn a_record_that_is_not_utf8_reads_as_absent_and_is_not_overwritten() {
    let server = RedisServer::start();
    let storage = RedisStorage::connect(&server.url()).await.unwrap();
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("SET")
        .arg("session:planted")
        .arg(&[0xff_u8, 0xfe, b'['][..])
        .query_async::<()>(&mut connection)
        .await
        .unwrap();
    let session: Session<App> = storage.read(Some("planted")).await.unwrap();
    assert_ne!(session.id(), "planted");
    let adopting = RedisStorage::connect(&server.url())
        .await
        .unwrap()
        .use_unknown_ids(true);
    let session: Session<App> = adopting.read(Some("planted")).await.unwrap();
    assert_ne!(
        session.id(),
        "planted",
        "an unreadable record's id is not adopted"
    );
}

#[tokio::test]
async fn losing_the_connection_is_an_error_and_the_storage_recovers() {
    let mut server = RedisServer::start();
    let storage = RedisStorage::connect(&server.url()).await.unwrap();
    let mut session: Session<App> = Session::new();
    session.set(App::USER_ID, 1);
    storage.save(&session).await.unwrap();

    server.kill();
    let error = storage.read::<App>(Some("any")).await.unwrap_err();
    assert!(matches!(error, Error::Backend(_)), "{error:?}");
    assert!(std::error::Error::source(&error).is_some());

    server.restart();
    let mut recovered = false;
    for _ in 0..100 {
        if storage.save(&session).await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the storage reconnects once Redis is back");
    let read: Session<App> = storage.read(Some(session.id())).await.unwrap();
    assert_eq!(read.get(App::USER_ID), Some(&1));
}

#[tokio::test]
async fn connecting_to_nothing_is_an_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = RedisStorage::connect(&format!("redis://127.0.0.1:{port}"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Backend(_)));
    assert!(RedisStorage::connect("not a url").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_requests_keep_every_change() {
    let server = RedisServer::start();
    flows::racing_requests_keep_every_change(Arc::new(
        RedisStorage::connect(&server.url()).await.unwrap(),
    ))
    .await;
}

#[tokio::test]
async fn a_destroyed_session_is_not_revived() {
    let server = RedisServer::start();
    let storage = RedisStorage::connect(&server.url()).await.unwrap();
    let mut session: Session<App> = Session::new();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();
    let destroying: Session<App> = storage.read(Some(&id)).await.unwrap();
    let mut changing: Session<App> = storage.read(Some(&id)).await.unwrap();
    storage.save(&destroying.destroy()).await.unwrap();
    changing.set(App::NAME, "late".into());
    assert_eq!(storage.save(&changing).await.unwrap(), None);
    assert_eq!(
        raw(&server.url(), &["EXISTS", &format!("session:{id}")]).await,
        redis::Value::Int(0)
    );
}

#[tokio::test]
async fn a_save_that_moves_a_sessions_end_drops_the_owners_ended_sessions_from_its_index() {
    let server = RedisServer::start();
    let (storage, clock) = with_idle_timeout(&server).await;
    let kept = storage
        .save(&Session::<App>::new().log_in(7))
        .await
        .unwrap()
        .unwrap();
    let ended = storage
        .save(&Session::<App>::new().log_in(7))
        .await
        .unwrap()
        .unwrap();
    let mut ids = vec![kept.clone(), ended.clone()];
    ids.sort();
    let mut indexed = storage.backend().owned("7").await.unwrap();
    indexed.sort();
    assert_eq!(indexed, ids, "both sessions are indexed");

    // `kept` is used at 500 s and at 700 s; `ended` ends at 600 s.
    let mut now = 0;
    for at in [500, 700] {
        clock.advance(Duration::from_secs(at - now));
        now = at;
        let mut session: Session<App> = storage.read(Some(&kept)).await.unwrap();
        assert_eq!(session.id(), kept, "the session is still live at {at} s");
        session.set(App::USER_ID, at);
        storage.save(&session).await.unwrap();
    }
    let indexed = storage.backend().owned("7").await.unwrap();
    assert_eq!(
        indexed,
        vec![kept],
        "the save at 700 s moved the session's end, and took the ended session out of the index"
    );
}
