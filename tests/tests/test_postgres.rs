//! The PostgreSQL storage against a private PostgreSQL server.

use std::sync::Arc;
use std::time::Duration;

use session_schema::{Error, PostgresStorage, Session, SessionStorage};
use session_tests::App;
use session_tests::flows;
use session_tests::servers::postgres::Postgres;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_shared_flows() {
    let server = Postgres::start();
    let storage = PostgresStorage::connect(&server.url()).await.unwrap();
    flows::every_id_based_flow(&storage).await;

    flows::timeout_flows(async || PostgresStorage::connect(&server.url()).await.unwrap()).await;
    flows::devices_flows(async || PostgresStorage::connect(&server.url()).await.unwrap()).await;

    let first = Arc::new(storage);
    let second = Arc::new(PostgresStorage::connect(&server.url()).await.unwrap());
    flows::racing_flows(first, second).await;
}

#[tokio::test]
async fn one_table_of_id_record_expiry_and_owner_with_a_name_of_choice() {
    let server = Postgres::start();
    let storage = PostgresStorage::connect_to_table(&server.url(), "web_sessions")
        .await
        .unwrap()
        .idle_timeout(Duration::from_secs(600));
    let id = storage
        .save(&Session::<App>::new().log_in(7))
        .await
        .unwrap()
        .unwrap();

    let (client, driver) = tokio_postgres::connect(&server.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(driver);
    let row = client
        .query_one(
            "SELECT record, owner, expires_at > now() + interval '590 seconds' FROM web_sessions WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    let record: String = row.get(0);
    assert!(record.starts_with(r#"[{"owner":7},{},{"c":"#), "{record}");
    assert_eq!(row.get::<_, Option<String>>(1).as_deref(), Some("7"));
    assert!(row.get::<_, bool>(2), "expires with the idle timeout");

    // An expired row reads as absent and is swept.
    client
        .execute(
            "UPDATE web_sessions SET expires_at = now() - interval '1 second'",
            &[],
        )
        .await
        .unwrap();
    let gone: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(gone.id(), id);
    assert_eq!(storage.sweep().await.unwrap(), 1);

    assert!(matches!(
        PostgresStorage::connect_to_table(&server.url(), "x; DROP TABLE web_sessions").await,
        Err(Error::Backend(_))
    ));
}

#[tokio::test]
async fn the_storage_reconnects_after_the_connection_is_lost() {
    let server = Postgres::start();
    let storage = PostgresStorage::connect(&server.url()).await.unwrap();
    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();

    // The server ends every connection (as a restart or a failover would).
    let (admin, driver) = tokio_postgres::connect(&server.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(driver);
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = 'postgres'",
            &[],
        )
        .await
        .unwrap();
    let mut read = None;
    for _ in 0..20 {
        match storage.read::<App>(Some(&id)).await {
            Ok(session) => {
                read = Some(session);
                break;
            }
            Err(error) => {
                assert!(matches!(error, Error::Backend(_)), "{error:?}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    let read = read.expect("the storage reconnected");
    assert_eq!(read.get(App::USER_ID), Some(&1));
}
