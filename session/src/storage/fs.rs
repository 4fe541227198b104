//! The file-system storage.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::backend::{Record, SessionBackend};
use super::hex_sha256;
use super::id_based::BackendStorage;
use crate::data::StoredData;
use crate::error::Error;
use crate::id::new_session_id;

/// Lock files that serialize the merging saves of sessions (by the first byte
/// of the hashed id), across threads and processes.
const LOCK_STRIPES: usize = 64;

/// How long a save waits for a session's lock before it gives up with an error.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// Keeps each session in a file under a directory, in the layout of the
/// reference implementation: `root/hh/rest`, where `hh` + `rest` is the
/// lowercase hex SHA-256 of the id. The hash keeps every id inside the root,
/// whatever a client sends. Sessions survive restarts and can be shared by
/// processes on one machine (a Node.js service using the reference fs storage
/// on the same directory included).
///
/// - **Private.** Directories are made `0700` and files `0600`, whatever the
///   umask; [`FsStorage::new`](BackendStorage::new) refuses a directory owned
///   by another user or writable by its group or others.
/// - **Atomic.** A file is written to a temporary file, synced, renamed over
///   the old one, and the directory synced: a crash leaves the old session or
///   the new one, never a torn one.
/// - **Bounded waits.** Saves that merge a request's changes into the stored
///   session hold an advisory lock (`root/.locks/NN`); a save that cannot get
///   it within the lock timeout (5 s by default) fails with an error instead
///   of waiting forever.
/// - **Off the async threads.** Under Tokio, every file operation runs on the
///   blocking pool ([`tokio::task::spawn_blocking`]), so a slow disk or a held
///   lock never stalls the runtime's worker threads. On another executor they
///   run in place.
///
/// The owner index of "log out everywhere" lives in `root/.owners`.
pub type FsStorage = BackendStorage<FsBackend>;

/// The backend of [`FsStorage`]: one file per session under a private
/// directory.
#[derive(Debug, Clone)]
pub struct FsBackend {
    root: Arc<Path>,
    lock_timeout: Duration,
}

impl FsBackend {
    /// A backend in `dir`, which is created (mode `0700`) if it does not exist.
    ///
    /// # Errors
    ///
    /// [`Error::NotADirectory`] when `dir` exists and is not a directory,
    /// [`Error::InsecureDirectory`] when it is owned by another user or
    /// writable by its group or others, and [`Error::Io`] when it cannot be
    /// created or inspected.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let root = dir.into();
        match fs::metadata(&root) {
            Ok(metadata) if metadata.is_dir() => check_private(&root, &metadata)?,
            Ok(_) => return Err(Error::NotADirectory(root)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                create_private_dir(&root, true)?;
            }
            Err(source) => return Err(Error::io(&root, source)),
        }
        Ok(FsBackend {
            root: root.into(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        })
    }

    /// The directory the sessions are kept in.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `root/hh/rest` for an id.
    fn path(&self, id: &str) -> PathBuf {
        let hash = hex_sha256(id);
        self.root.join(&hash[..2]).join(&hash[2..])
    }

    /// `root/.owners/<hash of owner>`: one file per session of that owner,
    /// named by the hash of the id and holding the id.
    fn owner_dir(&self, owner: &str) -> PathBuf {
        self.root.join(".owners").join(hex_sha256(owner))
    }

    /// Runs a file operation off the async worker threads.
    async fn run<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&FsBackend) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let backend = self.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle
                .spawn_blocking(move || operation(&backend))
                .await
                .map_err(|error| {
                    Error::Backend(format!("a session file operation failed: {error}").into())
                })?,
            Err(_) => operation(&backend),
        }
    }

    /// The lock stripe of a session file: the first byte of its hashed name.
    fn stripe(path: &Path) -> usize {
        path.file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| usize::from_str_radix(name.get(..2).unwrap_or("0"), 16).ok())
            .unwrap_or(0)
            % LOCK_STRIPES
    }

    /// Takes the lock stripe of a session file, waiting at most the lock
    /// timeout.
    fn lock_for(&self, path: &Path) -> Result<File, Error> {
        self.lock_stripe(Self::stripe(path))
    }

    /// Takes the lock stripes of two session files, in stripe order (so two
    /// saves taking the same two never wait for each other), once when they
    /// share one.
    fn lock_both(&self, first: &Path, second: &Path) -> Result<Vec<File>, Error> {
        let (a, b) = (Self::stripe(first), Self::stripe(second));
        let mut stripes = vec![a.min(b), a.max(b)];
        stripes.dedup();
        stripes
            .into_iter()
            .map(|stripe| self.lock_stripe(stripe))
            .collect()
    }

    /// Takes lock stripe `stripe`, waiting at most the lock timeout.
    fn lock_stripe(&self, stripe: usize) -> Result<File, Error> {
        let dir = self.root.join(".locks");
        let lock_path = dir.join(format!("{stripe:02}"));
        let file = match open_private(&lock_path, false) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                create_private_dir(&dir, false)?;
                open_private(&lock_path, false)
            }
            other => other,
        }
        .map_err(|source| Error::io(&lock_path, source))?;
        let deadline = Instant::now() + self.lock_timeout;
        let mut pause = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    let source = io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "another process held the session lock for over {:?}",
                            self.lock_timeout
                        ),
                    );
                    return Err(Error::io(&lock_path, source));
                }
                Err(fs::TryLockError::Error(source)) => return Err(Error::io(&lock_path, source)),
            }
        }
    }

    fn read_file(path: &Path) -> Result<Option<Vec<u8>>, Error> {
        match fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::io(path, source)),
        }
    }

    fn write_file(path: &Path, text: &str) -> Result<(), Error> {
        let dir = path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir, false)?;
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("session");
        let temp = dir.join(format!(".{name}.{}.tmp", new_session_id()));
        let written = (|| {
            let mut file = open_private(&temp, true)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&temp, path)?;
            // The rename is durable once the directory entry is.
            File::open(dir)?.sync_all()
        })();
        written.map_err(|source| {
            let _ = fs::remove_file(&temp);
            Error::io(path, source)
        })
    }

    fn index(&self, id: &str, owner: Option<&str>) -> Result<(), Error> {
        let Some(owner) = owner else {
            return Ok(());
        };
        let dir = self.owner_dir(owner);
        let entry = dir.join(hex_sha256(id));
        // Another process may remove the owner's directory (its last session
        // gone) between its creation here and the write: then make it again.
        let mut attempts = 0;
        loop {
            let written = make_private_dir(&dir, true).and_then(|()| {
                let mut file = open_private(&entry, false)?;
                file.set_len(0)?;
                file.write_all(id.as_bytes())
            });
            match written {
                Err(error) if error.kind() == io::ErrorKind::NotFound && attempts < 8 => {
                    attempts += 1;
                }
                other => return other.map_err(|source| Error::io(&entry, source)),
            }
        }
    }

    fn unindex_now(&self, id: &str, owner: Option<&str>) -> Result<(), Error> {
        let Some(owner) = owner else {
            return Ok(());
        };
        let dir = self.owner_dir(owner);
        remove_file(&dir.join(hex_sha256(id)))?;
        // Gone once its last session is: fails harmlessly while others remain.
        let _ = fs::remove_dir(&dir);
        Ok(())
    }

    /// Takes out of every owner's index the entries whose session file is
    /// gone, each checked again under its session's lock (a save in flight
    /// indexes first, then writes).
    fn prune_index(&self) -> Result<usize, Error> {
        let owners = self.root.join(".owners");
        let dirs = match fs::read_dir(&owners) {
            Ok(dirs) => dirs,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(source) => return Err(Error::io(&owners, source)),
        };
        let mut pruned = 0;
        for dir in dirs.flatten() {
            let Ok(entries) = fs::read_dir(dir.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(id) = fs::read_to_string(entry.path()) else {
                    continue;
                };
                let path = self.path(&id);
                if path.exists() {
                    continue;
                }
                let _lock = self.lock_for(&path)?;
                if !path.exists() {
                    remove_file(&entry.path())?;
                    pruned += 1;
                }
            }
            let _ = fs::remove_dir(dir.path());
        }
        Ok(pruned)
    }
}

impl SessionBackend for FsBackend {
    /// The fs storage expires nothing by itself (see
    /// [`sweep`](BackendStorage::sweep)).
    fn reads_write_time(&self) -> bool {
        false
    }

    async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = self.path(id);
        self.run(move |_| FsBackend::read_file(&path)).await
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        let id = id.to_owned();
        let owner = record.owner.map(str::to_owned);
        let text = record.text;
        self.run(move |backend| {
            let path = backend.path(&id);
            let _lock = backend.lock_for(&path)?;
            // Indexed before it exists, so the index never misses a live session.
            backend.index(&id, owner.as_deref())?;
            FsBackend::write_file(&path, &text)
        })
        .await
    }

    async fn replace(
        &self,
        id: &str,
        expected: &str,
        previous_owner: Option<&str>,
        record: Record<'_>,
    ) -> Result<bool, Error> {
        let id = id.to_owned();
        let expected = expected.to_owned();
        let previous = previous_owner.map(str::to_owned);
        let owner = record.owner.map(str::to_owned);
        let text = record.text;
        self.run(move |backend| {
            let path = backend.path(&id);
            let _lock = backend.lock_for(&path)?;
            if FsBackend::read_file(&path)?.as_deref() != Some(expected.as_bytes()) {
                return Ok(false);
            }
            let moved = previous != owner;
            if moved {
                backend.index(&id, owner.as_deref())?;
            }
            FsBackend::write_file(&path, &text)?;
            if moved {
                backend.unindex_now(&id, previous.as_deref())?;
            }
            Ok(true)
        })
        .await
    }

    async fn rename(
        &self,
        from: &str,
        expected: &str,
        previous_owner: Option<&str>,
        to: &str,
        record: Record<'_>,
        keep_from: bool,
    ) -> Result<bool, Error> {
        let (from, to) = (from.to_owned(), to.to_owned());
        let expected = expected.to_owned();
        let previous = previous_owner.map(str::to_owned);
        let owner = record.owner.map(str::to_owned);
        let text = record.text;
        self.run(move |backend| {
            let (from_path, to_path) = (backend.path(&from), backend.path(&to));
            let _locks = backend.lock_both(&from_path, &to_path)?;
            if FsBackend::read_file(&from_path)?.as_deref() != Some(expected.as_bytes()) {
                return Ok(false);
            }
            backend.index(&to, owner.as_deref())?;
            FsBackend::write_file(&to_path, &text)?;
            if !keep_from {
                remove_file(&from_path)?;
                backend.unindex_now(&from, previous.as_deref())?;
            }
            Ok(true)
        })
        .await
    }

    async fn remove(&self, id: &str, owner: Option<&str>) -> Result<(), Error> {
        let id = id.to_owned();
        let owner = owner.map(str::to_owned);
        self.run(move |backend| {
            let path = backend.path(&id);
            let _lock = backend.lock_for(&path)?;
            remove_file(&path)?;
            backend.unindex_now(&id, owner.as_deref())
        })
        .await
    }

    async fn owned(&self, owner: &str) -> Result<Vec<String>, Error> {
        let dir = self.owner_dir(owner);
        self.run(move |_| {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(source) => return Err(Error::io(&dir, source)),
            };
            let mut ids = Vec::new();
            for entry in entries.flatten() {
                if let Ok(id) = fs::read_to_string(entry.path()) {
                    ids.push(id);
                }
            }
            Ok(ids)
        })
        .await
    }

    async fn unindex(&self, owner: &str, id: &str, seen: Option<&[u8]>) -> Result<bool, Error> {
        let id = id.to_owned();
        let owner = owner.to_owned();
        let seen = seen.map(<[u8]>::to_vec);
        self.run(move |backend| {
            let path = backend.path(&id);
            let _lock = backend.lock_for(&path)?;
            if FsBackend::read_file(&path)? == seen {
                backend.unindex_now(&id, Some(&owner))?;
            }
            Ok(!backend.owner_dir(&owner).join(hex_sha256(&id)).exists())
        })
        .await
    }
}

impl BackendStorage<FsBackend> {
    /// A storage in `dir`, which is created (mode `0700`) if it does not exist.
    ///
    /// # Errors
    ///
    /// [`Error::NotADirectory`] when `dir` exists and is not a directory,
    /// [`Error::InsecureDirectory`] when it is owned by another user or
    /// writable by its group or others, and [`Error::Io`] when it cannot be
    /// created or inspected.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        Ok(Self::from_backend(FsBackend::new(dir)?))
    }

    /// The directory the sessions are kept in.
    #[must_use]
    pub fn root(&self) -> &Path {
        self.backend.root()
    }

    /// How long a save waits for a session's lock (held by another save of
    /// the same lock stripe, in this process or another) before it fails
    /// (default 5 s).
    #[must_use]
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.backend.lock_timeout = timeout;
        self
    }

    /// Deletes every session file whose session has ended, by the storage's
    /// timeouts, and takes the owner index entries of deleted sessions out
    /// of the index; returns how many sessions. Files that are not sessions
    /// are left alone. The fs storage expires nothing by itself: call it now
    /// and then (from a timer task, say).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the directory cannot be listed, or a lock is held
    /// for longer than the lock timeout.
    pub fn sweep(&self) -> Result<usize, Error> {
        if !self.lifecycle.enabled() {
            return Ok(0);
        }
        let now = self.lifecycle.now();
        let root = self.root();
        let mut removed = 0;
        let dirs = fs::read_dir(root).map_err(|source| Error::io(root, source))?;
        for dir in dirs
            .flatten()
            .filter(|entry| is_hash_dir(&entry.file_name()))
        {
            let Ok(files) = fs::read_dir(dir.path()) else {
                continue;
            };
            for file in files.flatten() {
                let ended = |path: &Path| {
                    fs::read_to_string(path).ok().is_some_and(|text| {
                        StoredData::parse(&text)
                            .ok()
                            .and_then(|data| data.times)
                            .is_some_and(|times| self.lifecycle.ended(times, now))
                    })
                };
                let path = file.path();
                if !ended(&path) {
                    continue;
                }
                // Checked again under the session's lock: a save may have
                // touched it since.
                let _lock = self.backend.lock_for(&path)?;
                if ended(&path) && fs::remove_file(&path).is_ok() {
                    removed += 1;
                }
            }
        }
        self.backend.prune_index()?;
        Ok(removed)
    }
}

/// Opens (and creates if missing) a file only its owner can read and write,
/// whatever the umask. `new` asks for a file that does not exist yet.
fn open_private(path: &Path, new: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true);
    if new {
        options.create_new(true);
    } else {
        options.create(true).truncate(false);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok(file)
}

/// Creates a directory only its owner can enter (with its parents when
/// `parents`), or leaves an existing one as it is.
fn create_private_dir(dir: &Path, parents: bool) -> Result<(), Error> {
    make_private_dir(dir, parents).map_err(|source| Error::io(dir, source))
}

/// [`create_private_dir`], with the I/O error as it is: `NotFound` when
/// another process removed the directory meanwhile.
fn make_private_dir(dir: &Path, parents: bool) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(parents);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            return if dir.is_dir() {
                Ok(())
            } else {
                Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "the directory was removed meanwhile",
                ))
            };
        }
        Err(error) => return Err(error),
    }
    #[cfg(unix)]
    fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
}

/// Refuses a directory that another local user could read sessions from or
/// plant files in.
#[cfg(unix)]
fn check_private(dir: &Path, metadata: &fs::Metadata) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt as _;
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let reason = if metadata.uid() != me {
        Some(format!(
            "it is owned by user {}, not by this process's user {me}",
            metadata.uid()
        ))
    } else if metadata.mode() & 0o022 != 0 {
        Some(format!(
            "it is writable by its group or by others (mode {:o}); `chmod go-w` it",
            metadata.mode() & 0o7777
        ))
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InsecureDirectory {
            path: dir.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(not(unix))]
fn check_private(_: &Path, _: &fs::Metadata) -> Result<(), Error> {
    Ok(())
}

fn remove_file(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(Error::io(path, error)),
        _ => Ok(()),
    }
}

fn is_hash_dir(name: &std::ffi::OsStr) -> bool {
    name.len() == 2
        && name
            .to_str()
            .is_some_and(|name| name.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_is_the_hex_sha256_of_the_id_split_after_two_digits() {
        let backend = FsBackend {
            root: Path::new("/root").into(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        };
        // echo -n abc | sha256sum
        assert_eq!(
            backend.path("abc"),
            Path::new("/root/ba/7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert!(backend.path("../../etc/passwd").starts_with("/root"));
    }
}
