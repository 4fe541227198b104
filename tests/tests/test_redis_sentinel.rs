//! The Redis storage through Redis Sentinel: a private master, a replica and
//! three sentinels on loopback ports; the shared flows, then the master
//! killed mid-run and the storage serving again from the promoted replica.

use std::sync::Arc;
use std::time::{Duration, Instant};

use session_schema::{RedisStorage, Session, SessionStorage};
use session_tests::App;
use session_tests::flows;
use session_tests::redis_server::{SentinelGroup, redis_cli};

async fn connect(group: &SentinelGroup) -> RedisStorage {
    RedisStorage::connect_sentinel(&group.sentinel_urls(), SentinelGroup::MASTER)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_shared_flows_through_the_sentinels() {
    let group = tokio::task::block_in_place(SentinelGroup::start);
    let storage = connect(&group).await;
    flows::every_id_based_flow(&storage).await;
    flows::devices_flows(async || connect(&group).await).await;
    let first = Arc::new(storage);
    let second = Arc::new(connect(&group).await);
    flows::racing_flows(first, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_storage_follows_a_failover_to_the_promoted_replica() {
    let mut group = tokio::task::block_in_place(SentinelGroup::start);
    let storage = connect(&group).await;
    let old_master = group.master.port();
    assert_eq!(group.named_master_port(), Some(old_master));

    let mut kept = Session::<App>::new().log_in(3);
    kept.set(App::NAME, "before the failover".into());
    let kept = storage.save(&kept).await.unwrap().unwrap();
    let ended = storage
        .save(&Session::<App>::new().log_in(3))
        .await
        .unwrap()
        .unwrap();
    let ended_session: Session<App> = storage.read(Some(&ended)).await.unwrap();
    // The deletion waits for the replica (stalled for half a second here):
    // it survives the failover.
    let replica = group.replica.port();
    let stall = std::thread::spawn(move || redis_cli(replica, &["DEBUG", "SLEEP", "0.5"]));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    storage.save(&ended_session.destroy()).await.unwrap();
    let waited = started.elapsed();
    stall.join().unwrap();
    assert!(
        waited >= Duration::from_millis(300),
        "the deletion waited for the stalled replica: {waited:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while SentinelGroup::get(group.replica.port(), &format!("session:{kept}")).is_none() {
        assert!(
            Instant::now() < deadline,
            "the replica did not get the session"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        SentinelGroup::get(group.replica.port(), &format!("session:{ended}")),
        None,
        "the replica has the deletion"
    );

    // The master dies mid-run; requests fail until the sentinels promote
    // the replica, then the storage serves from it.
    tokio::task::block_in_place(|| group.master.kill());
    let killed = Instant::now();
    let mut failures = 0;
    let back = loop {
        match storage.read::<App>(Some(&kept)).await {
            Ok(session) if session.get(App::OWNER) == Some(&3) => break session,
            Ok(session) => panic!("a live session read as another: {:?}", session.id()),
            Err(_) => failures += 1,
        }
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "no promoted master after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(failures > 0, "reads failed while there was no master");
    assert_eq!(
        group.named_master_port(),
        Some(group.replica.port()),
        "the sentinels promoted the replica"
    );
    assert_eq!(
        back.get(App::NAME).map(String::as_str),
        Some("before the failover")
    );

    // Writes go to the new master, and the deleted session stays deleted.
    let mut changed = back;
    changed.set(App::NAME, "after the failover".into());
    storage.save(&changed).await.unwrap();
    let read: Session<App> = storage.read(Some(&kept)).await.unwrap();
    assert_eq!(
        read.get(App::NAME).map(String::as_str),
        Some("after the failover")
    );
    let gone: Session<App> = storage.read(Some(&ended)).await.unwrap();
    assert_eq!(
        gone.get(App::OWNER),
        None,
        "the logout survived the failover"
    );
    assert_eq!(
        storage.owned_by::<App>(&3).await.unwrap(),
        vec![kept.clone()],
        "kept {kept}, ended {ended}"
    );
}
