//! The read/save flow of every storage, and what sets them apart.

use session_schema::{
    CookieStorage, Error, FsStorage, MAX_RECORD_LEN, MemoryStorage, Session, SessionStorage,
};
use session_tests::App;
use session_tests::flows::{common_flow, id_based_flow, is_gone};

#[tokio::test]
async fn cookie_storage_flow() {
    common_flow(&CookieStorage::new()).await;
}

#[tokio::test]
async fn memory_storage_flow() {
    common_flow(&MemoryStorage::new()).await;
}

#[tokio::test]
async fn fs_storage_flow() {
    let dir = tempfile::tempdir().unwrap();
    common_flow(&FsStorage::new(dir.path().join("sessions")).unwrap()).await;
}

#[tokio::test]
async fn cookie_storage_reads_garbage_as_a_fresh_session() {
    let storage = CookieStorage::new();
    for value in [
        "not json",
        "{}",
        r#"{"i": 1}"#,
        r#"{"i":"x","d":{}}"#,
        "[]",
        "\u{0}",
    ] {
        let session: Session<App> = storage.read(Some(value)).await.unwrap();
        assert_eq!(session.size(), 0, "{value:?}");
        assert_ne!(session.id(), "x");
    }
}

/// `read_owned`, the read the session layers make, reads each value as
/// `read` does: the same session for a stored one, a fresh one for anything
/// else (empty, garbage, unknown, larger than the limit).
async fn reads_owned_as_borrowed(storage: &impl SessionStorage, stored: &str) {
    let oversized = format!(
        r#"{{"i":"x","d":[{{"name":"{}"}},{{}}]}}"#,
        "a".repeat(MAX_RECORD_LEN)
    );
    for value in [
        Some(stored),
        Some(""),
        Some("not a session"),
        Some(&*oversized),
        None,
    ] {
        let shown = value.map(|value| value.chars().take(40).collect::<String>());
        let borrowed: Session<App> = storage.read(value).await.unwrap();
        let owned: Session<App> = storage.read_owned(value.map(str::to_owned)).await.unwrap();
        let stored = value == Some(stored);
        assert_eq!(borrowed.id() == owned.id(), stored, "{shown:?}");
        assert_eq!(owned.get(App::NAME).is_some(), stored, "{shown:?}");
        assert_eq!(owned.data(), borrowed.data(), "{shown:?}");
    }
}

#[tokio::test]
async fn the_owned_read_reads_as_the_borrowed_one() {
    let mut session = Session::<App>::new();
    session.set(App::NAME, "Ada".to_owned());
    let cookie = CookieStorage::new();
    let value = cookie.save(&session).await.unwrap().unwrap();
    reads_owned_as_borrowed(&cookie, &value).await;
    let memory = MemoryStorage::new();
    let id = memory.save(&session).await.unwrap().unwrap();
    reads_owned_as_borrowed(&memory, &id).await;
}

#[tokio::test]
async fn memory_storage_id_flow() {
    let storage = MemoryStorage::new();
    id_based_flow(&storage, async |id| is_gone(&storage, id).await).await;
    assert_eq!(
        storage.len(),
        2,
        "only the regenerated-without-delete pair is left"
    );
}

#[tokio::test]
async fn fs_storage_id_flow() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::new(dir.path()).unwrap();
    let root = dir.path().to_owned();
    id_based_flow(&storage, async |id| {
        let other = FsStorage::new(&root).unwrap();
        let session: Session<App> = other.read(Some(id)).await.unwrap();
        session.id() != id
    })
    .await;
}

#[tokio::test]
async fn unknown_ids_are_adopted_when_asked() {
    let memory = MemoryStorage::new().use_unknown_ids(true);
    let session: Session<App> = memory.read(Some("client-id")).await.unwrap();
    assert_eq!(session.id(), "client-id");

    let dir = tempfile::tempdir().unwrap();
    let fs = FsStorage::new(dir.path()).unwrap().use_unknown_ids(true);
    let session: Session<App> = fs.read(Some("client-id")).await.unwrap();
    assert_eq!(session.id(), "client-id");
    let session: Session<App> = fs.read(Some("")).await.unwrap();
    assert_ne!(session.id(), "");
}

#[tokio::test]
async fn fs_storage_errors_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let error = FsStorage::new(&file).unwrap_err();
    assert!(matches!(error, Error::NotADirectory(_)), "{error:?}");
    assert!(error.to_string().contains("is not a directory"), "{error}");

    // A save whose directory cannot be made is an error carrying the cause.
    let storage = FsStorage::new(dir.path().join("root")).unwrap();
    let mut session: Session<App> = Session::with_id("x");
    session.set(App::USER_ID, 1);
    // The id "x" hashes to 2d711642...: block its subdirectory with a file.
    std::fs::write(dir.path().join("root/2d"), "blocker").unwrap();
    let error = storage.save(&session).await.unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test]
async fn fs_storage_reads_corrupt_files_as_absent() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::new(dir.path()).unwrap();
    let mut session: Session<App> = Session::new();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();
    for entry in walk(dir.path()) {
        std::fs::write(entry, [0xff, 0xfe, b'{']).unwrap();
    }
    let read: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(read.id(), id);
}

#[tokio::test]
async fn fs_storage_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::new(dir.path()).unwrap();
    for user in 0..20 {
        let mut session: Session<App> = Session::new();
        session.set(App::USER_ID, user);
        storage.save(&session).await.unwrap();
    }
    let files = walk(dir.path());
    assert_eq!(files.len(), 20);
    assert!(
        files
            .iter()
            .all(|path| !path.to_string_lossy().ends_with(".tmp"))
    );
}

/// Session files under a storage root (lock files excluded).
fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(root).unwrap().flatten() {
        if dir.file_name().len() != 2 || !dir.path().is_dir() {
            continue;
        }
        files.extend(
            std::fs::read_dir(dir.path())
                .unwrap()
                .flatten()
                .map(|entry| entry.path()),
        );
    }
    files
}
