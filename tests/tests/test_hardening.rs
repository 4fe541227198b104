//! What an outside security review found, each kept fixed by a test here.

use std::fmt::Write as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::time::{Duration, Instant};

use session_schema::{
    Cookie, CookieStorage, Error, FsStorage, MAX_RECORD_LEN, MemoryStorage, Session, SessionStorage,
};
use session_tests::App;

const SECRET: &str = "a hardening test secret, 32 bytes+";

// 1. Weak secrets.

#[test]
fn an_empty_secret_signs_nothing_and_verifies_nothing() {
    for cookie in [
        Cookie::new("s").secrets([""]),
        Cookie::new("s").secrets(Vec::<&str>::new()),
    ] {
        assert!(matches!(cookie.serialize("v"), Err(Error::EmptySecret)));
        // The value an empty key would sign: HMAC-SHA256("", "dg==").
        let forged = "s=dg==.Ii02W5LzQn5zDGKIN1oEhCqpzkLL+sd+eI+EJDDvvDk";
        assert_eq!(cookie.parse(Some(forged)), None);
        assert_eq!(cookie.parse(Some("s=dg==")), None);
    }
}

// 3. fs permissions and bounded lock waits.

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn fs_files_and_directories_are_private_whatever_the_umask() {
    // SAFETY: umask only changes this process's file creation mask.
    let previous = unsafe { libc::umask(0) };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sessions");
    let storage = FsStorage::new(&root).unwrap();
    storage
        .save(&Session::<App>::new().log_in(1))
        .await
        .unwrap();
    // SAFETY: as above.
    unsafe { libc::umask(previous) };

    assert_eq!(mode(&root), 0o700);
    let mut seen = 0;
    for entry in walkdir(&root) {
        let expected = if entry.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&entry), expected, "{}", entry.display());
        seen += 1;
    }
    assert!(
        seen >= 5,
        "the session, its directory, the lock and the owner index: {seen}"
    );
}

fn walkdir(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walkdir(&path));
        }
        out.push(path);
    }
    out
}

#[test]
fn fs_storage_refuses_a_directory_others_can_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let error = FsStorage::new(dir.path()).unwrap_err();
    assert!(
        matches!(error, Error::InsecureDirectory { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("writable by its group or by others"),
        "{message}"
    );
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        FsStorage::new(dir.path()).is_ok(),
        "readable by others is allowed"
    );
}

#[test]
fn fs_storage_refuses_a_directory_of_another_user() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("theirs");
    std::fs::create_dir(&root).unwrap();
    // SAFETY: geteuid cannot fail.
    let me = unsafe { libc::geteuid() };
    if me == 0 {
        // As root (as in CI), hand the directory to `nobody`.
        std::os::unix::fs::chown(&root, Some(65534), Some(65534)).unwrap();
    } else {
        // As anyone else, the system's root-owned directory stands in.
        let error = FsStorage::new("/").unwrap_err();
        assert!(error.to_string().contains("owned by user 0"), "{error}");
        return;
    }
    assert_eq!(std::fs::metadata(&root).unwrap().uid(), 65534);
    let error = FsStorage::new(&root).unwrap_err();
    assert!(
        matches!(error, Error::InsecureDirectory { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("owned by user 65534, not by this process's user 0"),
        "{error}"
    );
}

#[tokio::test]
async fn a_held_lock_fails_the_save_after_the_timeout_without_blocking_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::new(dir.path())
        .unwrap()
        .lock_timeout(Duration::from_millis(300));
    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();

    // Another local process holds every lock stripe, with read-only descriptors.
    let held: Vec<std::fs::File> = (0..64)
        .map(|stripe| {
            let path = dir.path().join(format!(".locks/{stripe:02}"));
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .unwrap();
            let file = std::fs::File::open(&path).unwrap();
            file.try_lock().unwrap();
            file
        })
        .collect();
    assert!(held.len() >= 64);

    // The runtime's only thread keeps ticking while the save waits: ticks
    // fall inside the wait (a save blocking the thread would leave none there).
    let ticker = tokio::spawn(async {
        let mut ticks = Vec::new();
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            ticks.push(Instant::now());
        }
        ticks
    });
    let mut loaded: Session<App> = storage.read(Some(&id)).await.unwrap();
    loaded.set(App::NAME, "blocked".into());
    let started = Instant::now();
    let error = storage.save(&loaded).await.unwrap_err();
    let finished = Instant::now();
    assert!(finished - started >= Duration::from_millis(300));
    assert!(matches!(&error, Error::Io { .. }), "{error:?}");
    let cause = std::error::Error::source(&error).unwrap().to_string();
    assert!(cause.contains("held the session lock"), "{cause}");
    let ticks = ticker.await.unwrap();
    let during = ticks
        .iter()
        .filter(|tick| **tick > started && **tick < finished)
        .count();
    assert!(
        during >= 10,
        "the runtime ticked {during} times during a 300 ms wait: it was blocked"
    );

    drop(held);
    storage.save(&loaded).await.unwrap();
}

// 5. Oversized and unreadable records.

#[tokio::test]
async fn oversized_records_and_cookies_read_as_fresh_sessions() {
    let storage = MemoryStorage::new();
    let mut big = Session::<App>::new();
    big.set(App::NAME, "x".repeat(MAX_RECORD_LEN));
    let id = storage.save(&big).await.unwrap().unwrap();
    let read: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(read.id(), id);
    let value = CookieStorage::new().save(&big).await.unwrap().unwrap();
    let read: Session<App> = CookieStorage::new().read(Some(&value)).await.unwrap();
    assert_ne!(read.id(), big.id());
}

#[tokio::test]
async fn eighty_thousand_keys_are_read_in_linear_time() {
    let storage = MemoryStorage::new().use_unknown_ids(true);
    let mut record = String::from("[{");
    for key in 0..80_000 {
        write!(record, "\"k{key}\":0,").unwrap();
    }
    record.push_str("\"user_id\":1},{}]");
    assert!(record.len() < MAX_RECORD_LEN);
    let mut session = Session::<App>::from_data("planted", serde_json::from_str(&record).unwrap());
    session.set(App::USER_ID, 1);
    storage.save(&session).await.unwrap();
    let read: Session<App> = storage.read(Some("planted")).await.unwrap();
    assert_eq!(read.size(), 80_001);
}

#[tokio::test]
async fn an_unreadable_record_is_never_adopted_or_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::new(dir.path()).unwrap().use_unknown_ids(true);
    let mut session = Session::<App>::with_id("victim");
    session.set(App::USER_ID, 1);
    storage.save(&session).await.unwrap();
    let file = walkdir(dir.path())
        .into_iter()
        .find(|path| path.parent().unwrap().file_name().unwrap().len() == 2)
        .unwrap();
    for contents in [&b"\xff\xfe not utf-8"[..], b"not json"] {
        std::fs::write(&file, contents).unwrap();
        let read: Session<App> = storage.read(Some("victim")).await.unwrap();
        assert_ne!(read.id(), "victim", "not adopted");
        let mut read = read;
        read.set(App::USER_ID, 2);
        storage.save(&read).await.unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), contents, "left as it was");
    }
}

// 6. Bounded memory.

#[tokio::test]
async fn the_memory_storage_keeps_at_most_its_cap_and_drops_the_least_recently_used() {
    assert_eq!(MemoryStorage::new().backend().max_sessions(), 100_000);
    let storage = MemoryStorage::new().max_sessions(100);
    let mut ids = Vec::new();
    for user in 0..100 {
        let mut session = Session::<App>::new();
        session.set(App::USER_ID, user);
        ids.push(storage.save(&session).await.unwrap().unwrap());
    }
    // The first session is used again, so the second is now the least recent.
    let _: Session<App> = storage.read(Some(&ids[0])).await.unwrap();
    for user in 100..150 {
        let mut session = Session::<App>::new();
        session.set(App::USER_ID, user);
        storage.save(&session).await.unwrap();
    }
    assert_eq!(storage.len(), 100);
    let kept: Session<App> = storage.read(Some(&ids[0])).await.unwrap();
    assert_eq!(kept.get(App::USER_ID), Some(&0), "recently used, kept");
    let dropped: Session<App> = storage.read(Some(&ids[1])).await.unwrap();
    assert_ne!(dropped.id(), ids[1], "least recently used, dropped");
}

#[tokio::test]
async fn a_flood_of_anonymous_sessions_stays_bounded() {
    let storage = MemoryStorage::new().max_sessions(1000);
    for _ in 0..20_000 {
        let mut session: Session<App> = storage.read(None).await.unwrap();
        session.set(App::NAME, "anonymous".into());
        storage.save(&session).await.unwrap();
    }
    assert_eq!(storage.len(), 1000);
}

// 8. Logouts that must not be dropped.

#[tokio::test]
async fn destroy_after_regenerate_without_delete_removes_both_ids() {
    let dir = tempfile::tempdir().unwrap();
    let storages: [&dyn Destroys; 2] =
        [&MemoryStorage::new(), &FsStorage::new(dir.path()).unwrap()];
    for storage in storages {
        storage.check().await;
    }
}

trait Destroys {
    fn check(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>;
}

impl<St: SessionStorage> Destroys for St {
    fn check(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
        Box::pin(async move {
            let mut session = Session::<App>::new();
            session.set(App::USER_ID, 1);
            let original = self.save(&session).await.unwrap().unwrap();
            let mut loaded: Session<App> = self.read(Some(&original)).await.unwrap();
            loaded.regenerate_id(false);
            loaded.regenerate_id(false);
            let newest = loaded.id().to_owned();
            self.save(&loaded.destroy()).await.unwrap();
            for id in [&original, &newest] {
                let read: Session<App> = self.read(Some(id)).await.unwrap();
                assert_ne!(
                    read.id(),
                    id.as_str(),
                    "a destroyed session's ids are all gone"
                );
            }
        })
    }
}

// 9. Shadowed cookies.

#[test]
fn a_planted_cookie_of_the_same_name_does_not_hide_the_real_one() {
    let cookie = Cookie::new("sid").secrets([SECRET]);
    let real = cookie.serialize("the real value").unwrap();
    let real = real.split(';').next().unwrap();
    let planted = Cookie::new("sid").secrets(["another app's secret, 32 bytes long"]);
    let planted = planted.serialize("planted").unwrap();
    let planted = planted.split(';').next().unwrap();
    for header in [
        format!("sid=garbage; {real}"),
        format!("{planted}; {real}"),
        format!("sid=; {real}; other=1"),
    ] {
        assert_eq!(
            cookie.parse(Some(&header)).as_deref(),
            Some("the real value"),
            "{header}"
        );
    }
}

// 10. Session ids after fork().

#[test]
fn a_forked_child_does_not_repeat_its_parents_ids() {
    // The generator is used before the fork, as a server would have.
    let _ = session_schema::new_session_id();
    let mut fds = [0; 2];
    // SAFETY: a pipe of two new descriptors.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: the child only makes an id, writes it, and exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let id = session_schema::new_session_id();
        // SAFETY: writes the id's bytes to the pipe, then ends the child at once.
        unsafe {
            libc::write(fds[1], id.as_ptr().cast(), id.len());
            libc::_exit(0);
        }
    }
    let parent = session_schema::new_session_id();
    let mut buffer = [0_u8; 64];
    // SAFETY: reads into a buffer we own, then reaps the child.
    let read = unsafe {
        let read = libc::read(fds[0], buffer.as_mut_ptr().cast(), buffer.len());
        libc::waitpid(pid, std::ptr::null_mut(), 0);
        read
    };
    let child = std::str::from_utf8(&buffer[..usize::try_from(read).unwrap()]).unwrap();
    assert_eq!(child.len(), 24);
    assert_ne!(child, parent, "parent and child made the same id");
}
