//! The SQLite storage against the real library: the shared flows, the
//! table it keeps, two processes sharing one file, a database another
//! connection holds locked, and files that are not databases.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use session_schema::{Error, Session, SessionStorage, SqliteStorage};
use session_tests::App;
use session_tests::flows;

fn file(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("sessions.sqlite3")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_shared_flows() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(file(&dir)).await.unwrap();
    flows::every_id_based_flow(&storage).await;

    let timed = tempfile::tempdir().unwrap();
    flows::timeout_flows(async || {
        SqliteStorage::open(
            timed
                .path()
                .join(format!("{}.sqlite3", session_schema::new_session_id())),
        )
        .await
        .unwrap()
    })
    .await;
    flows::devices_flows(async || SqliteStorage::open(file(&dir)).await.unwrap()).await;

    // Two connections to one file race as two processes would.
    let first = Arc::new(storage);
    let second = Arc::new(SqliteStorage::open(file(&dir)).await.unwrap());
    flows::racing_flows(first, second).await;
}

#[tokio::test]
async fn one_table_of_id_record_expiry_and_owner() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(file(&dir))
        .await
        .unwrap()
        .idle_timeout(Duration::from_secs(600));
    let id = storage
        .save(&Session::<App>::new().log_in(7))
        .await
        .unwrap()
        .unwrap();

    let sql = rusqlite::Connection::open(file(&dir)).unwrap();
    let mode: String = sql
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal", "write-ahead log, for several processes");
    let (record, owner, expires_at): (String, Option<String>, i64) = sql
        .query_row(
            "SELECT record, owner, expires_at FROM sessions WHERE id = ?1",
            [&id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert!(record.starts_with(r#"[{"owner":7},{},{"c":"#), "{record}");
    assert_eq!(owner.as_deref(), Some("7"));
    let now_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    assert!(
        (expires_at - now_ms - 600_000).abs() < 5_000,
        "expires with the idle timeout: {expires_at} vs {now_ms}"
    );

    // An expired row reads as absent and is swept.
    sql.execute("UPDATE sessions SET expires_at = 1", [])
        .unwrap();
    let gone: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(gone.id(), id);
    assert_eq!(gone.get(App::OWNER), None);
    assert_eq!(storage.sweep().await.unwrap(), 1);
    let left: i64 = sql
        .query_row("SELECT count(*) FROM sessions", [], |row| row.get(0))
        .unwrap();
    assert_eq!(left, 0);
}

/// Runs the worker process on `path` with `args`, returning its output.
fn worker(path: &std::path::Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_sqlite_worker"))
        .arg(path)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the worker starts")
}

/// Two processes and this one share the file at once: logins from all
/// three are all in the owner index, "log out everywhere" from this one ends
/// them all, and changes to different keys of one session made at the same
/// time by two processes are both kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_share_one_file() {
    const EACH: usize = 40;
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir);
    let storage = SqliteStorage::open(&path).await.unwrap();

    let workers = [
        worker(&path, &["log-in", "5", &EACH.to_string()]),
        worker(&path, &["log-in", "5", &EACH.to_string()]),
    ];
    let mut ids = Vec::new();
    for _ in 0..EACH {
        let id = storage
            .save(&Session::<App>::new().log_in(5))
            .await
            .unwrap()
            .unwrap();
        ids.push(id);
    }
    for worker in workers {
        let output = worker.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        let printed = String::from_utf8(output.stdout).unwrap();
        ids.extend(printed.lines().map(str::to_owned));
    }
    ids.sort();
    assert_eq!(ids.len(), 3 * EACH);
    let mut owned = storage.owned_by::<App>(&5).await.unwrap();
    owned.sort();
    assert_eq!(owned, ids, "every login of every process is indexed");
    assert_eq!(storage.destroy_owned_by::<App>(&5).await.unwrap(), 3 * EACH);
    for id in &ids {
        let read: Session<App> = storage.read(Some(id)).await.unwrap();
        assert_eq!(read.get(App::OWNER), None, "logged out everywhere");
    }

    // One session, two processes changing different keys at once.
    let mut shared = Session::<App>::new();
    shared.set(App::USER_ID, 0);
    let id = storage.save(&shared).await.unwrap().unwrap();
    let setter = worker(&path, &["set-name", &id, "200"]);
    for i in 1..=200_u64 {
        let mut session: Session<App> = storage.read(Some(&id)).await.unwrap();
        session.set(App::USER_ID, i);
        storage.save(&session).await.unwrap();
    }
    let output = setter.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let last: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_eq!(
        last.get(App::USER_ID),
        Some(&200),
        "this process's last change"
    );
    assert_eq!(
        last.get(App::NAME).map(String::as_str),
        Some("worker-199"),
        "the other process's last change"
    );
}

/// A write waits for another connection's write lock up to the busy
/// timeout, then fails with an error (never a panic, never for ever),
/// without blocking the runtime's one thread; reads go on meanwhile, and
/// writes work again once the lock is gone.
#[tokio::test]
async fn a_locked_database_is_an_error_after_the_busy_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open_with_busy_timeout(file(&dir), Duration::from_millis(200))
        .await
        .unwrap();
    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();

    let holder = rusqlite::Connection::open(file(&dir)).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let mut changed: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_eq!(changed.get(App::USER_ID), Some(&1), "reads go on");
    changed.set(App::USER_ID, 2);
    let ticker = tokio::spawn(async {
        let mut ticks = Vec::new();
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            ticks.push(std::time::Instant::now());
        }
        ticks
    });
    let started = std::time::Instant::now();
    let refused = storage.save(&changed).await;
    let finished = std::time::Instant::now();
    let waited = finished - started;
    let ticks = ticker.await.unwrap();
    let during = ticks
        .iter()
        .filter(|tick| **tick > started && **tick < finished)
        .count();
    assert!(
        during >= 5,
        "the runtime ticked {during} times while the write waited: it was blocked"
    );
    match refused {
        Err(Error::Backend(cause)) => {
            assert!(cause.to_string().contains("locked"), "{cause}");
        }
        other => panic!("a locked database is an error: {other:?}"),
    }
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(5),
        "waited the busy timeout: {waited:?}"
    );
    drop(changed);

    // Released while a write waits: the write goes through.
    let mut waiting: Session<App> = storage.read(Some(&id)).await.unwrap();
    waiting.set(App::USER_ID, 3);
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        holder.execute_batch("COMMIT").unwrap();
    });
    storage.save(&waiting).await.unwrap();
    release.join().unwrap();
    let read: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_eq!(read.get(App::USER_ID), Some(&3));
}

/// A file that is not an SQLite database is a clear error at open, never a
/// panic; a directory too.
#[tokio::test]
async fn a_file_that_is_not_a_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir);
    std::fs::write(&path, b"this is not a database, only some text that is long enough to fill a header page and more ".repeat(50)).unwrap();
    let Err(Error::Backend(cause)) = SqliteStorage::open(&path).await else {
        panic!("a file that is not a database cannot be opened");
    };
    let message = cause.to_string();
    assert!(
        message.contains("cannot be used") && message.contains("not a database"),
        "{message}"
    );

    // A real database whose pages are overwritten with garbage.
    let damaged = dir.path().join("damaged.sqlite3");
    let storage = SqliteStorage::open(&damaged).await.unwrap();
    storage
        .save(&Session::<App>::new().log_in(1))
        .await
        .unwrap();
    drop(storage);
    let mut bytes = std::fs::read(&damaged).unwrap();
    for byte in bytes.iter_mut().skip(16) {
        *byte = 0xA5;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let _ = std::fs::remove_file(dir.path().join("damaged.sqlite3-wal"));
    let _ = std::fs::remove_file(dir.path().join("damaged.sqlite3-shm"));
    assert!(matches!(
        SqliteStorage::open(&damaged).await,
        Err(Error::Backend(_))
    ));

    assert!(matches!(
        SqliteStorage::open(dir.path()).await,
        Err(Error::Backend(_))
    ));
}
