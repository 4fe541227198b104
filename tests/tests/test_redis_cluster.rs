//! The Redis storage over a private three-master Redis Cluster: the shared
//! flows, and a node restarted in the middle of a run with no session lost.

use std::sync::Arc;
use std::time::Duration;

use session_schema::{RedisStorage, Session, SessionStorage};
use session_tests::App;
use session_tests::flows;
use session_tests::redis_server::RedisCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_shared_flows_over_a_cluster() {
    let cluster = RedisCluster::start();
    let storage = RedisStorage::connect_cluster(&cluster.urls())
        .await
        .unwrap();
    flows::every_id_based_flow(&storage).await;
    flows::timeout_flows(async || storage.clone()).await;
    flows::devices_flows(async || storage.clone()).await;
    let first = Arc::new(storage);
    let second = Arc::new(
        RedisStorage::connect_cluster(&cluster.urls())
            .await
            .unwrap(),
    );
    flows::racing_flows(first, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_restarted_mid_run_loses_no_session() {
    let mut cluster = RedisCluster::start();
    let storage = RedisStorage::connect_cluster(&cluster.urls())
        .await
        .unwrap();
    // Sessions spread over the three nodes' slots.
    let mut ids = Vec::new();
    for user in 0..60 {
        let mut session = Session::<App>::new();
        session.set(App::USER_ID, user);
        ids.push(storage.save(&session).await.unwrap().unwrap());
    }

    cluster.nodes[1].restart();
    cluster.wait_until_ok();

    for (user, id) in (0_u64..).zip(&ids) {
        // The connection finds the node again; a read may fail while it does.
        let mut read = None;
        for _ in 0..50 {
            match storage.read::<App>(Some(id)).await {
                Ok(session) => {
                    read = Some(session);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let session = read.expect("the cluster answers again");
        assert_eq!(session.id(), id, "session {user} survived the restart");
        assert_eq!(session.get(App::USER_ID), Some(&user));
    }
    // And it is writable again.
    let mut session: Session<App> = storage.read(Some(&ids[0])).await.unwrap();
    session.set(App::NAME, "after the restart".into());
    storage.save(&session).await.unwrap();
}
