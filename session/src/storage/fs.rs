//! The file-system storage.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::id_based::{Options, Records, id_based_storage};
use crate::error::Error;
use crate::id::new_session_id;

/// Lock files that serialize the merging saves of sessions (by the first byte
/// of the hashed id), across threads and processes.
const LOCK_STRIPES: usize = 64;

/// Keeps each session in a file under a directory, in the layout of the
/// reference implementation: `root/hh/rest`, where `hh` + `rest` is the
/// lowercase hex SHA-256 of the id. The hash keeps every id inside the root,
/// whatever a client sends. Sessions survive restarts and can be shared by
/// processes on one machine (a Node.js service using the reference fs storage
/// on the same directory included).
///
/// Files are written atomically: to a temporary file that is synced, then
/// renamed over the old one, so a crash leaves the old file or the new one,
/// never a torn one. Saves that merge a request's changes into the stored
/// session hold an advisory lock (`root/.locks/NN`) meanwhile.
///
/// With a [`ttl`](Self::ttl), a session whose file was last written longer ago
/// reads as absent and its file is deleted; [`sweep`](Self::sweep) deletes all
/// expired files at once.
///
/// The file operations are blocking and run on the calling thread; they touch
/// one small file per request.
#[derive(Debug, Clone)]
pub struct FsStorage {
    root: PathBuf,
    options: Options,
}

impl FsStorage {
    /// A storage in `dir`, which is created if it does not exist.
    ///
    /// # Errors
    ///
    /// [`Error::NotADirectory`] when `dir` exists and is not a directory, and
    /// [`Error::Io`] when it cannot be created.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let root = dir.into();
        match fs::metadata(&root) {
            Ok(metadata) if metadata.is_dir() => {}
            Ok(_) => return Err(Error::NotADirectory(root)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(&root).map_err(|source| Error::io(&root, source))?;
            }
            Err(source) => return Err(Error::io(&root, source)),
        }
        Ok(FsStorage {
            root,
            options: Options::default(),
        })
    }

    /// How long a session lives after its last save.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.options.ttl = Some(ttl);
        self
    }

    /// The directory the sessions are kept in.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Deletes every session file that has expired; returns how many.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the directory cannot be listed.
    pub fn sweep(&self) -> Result<usize, Error> {
        let Some(ttl) = self.options.ttl else {
            return Ok(0);
        };
        let mut removed = 0;
        let dirs = fs::read_dir(&self.root).map_err(|source| Error::io(&self.root, source))?;
        for dir in dirs
            .flatten()
            .filter(|entry| is_hash_dir(&entry.file_name()))
        {
            let Ok(files) = fs::read_dir(dir.path()) else {
                continue;
            };
            for file in files.flatten() {
                let expired = file
                    .metadata()
                    .ok()
                    .is_some_and(|metadata| expired(&metadata, ttl));
                if expired && fs::remove_file(file.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// `root/hh/rest` for an id.
    fn path(&self, id: &str) -> PathBuf {
        let hash = hex(&Sha256::digest(id.as_bytes()));
        self.root.join(&hash[..2]).join(&hash[2..])
    }

    fn lock_for(&self, path: &Path) -> Result<File, Error> {
        let dir = self.root.join(".locks");
        let stripe = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| usize::from_str_radix(&name[..2.min(name.len())], 16).ok())
            .unwrap_or(0)
            % LOCK_STRIPES;
        let lock_path = dir.join(format!("{stripe:02}"));
        let open = || {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
        };
        let file = match open() {
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(&dir).map_err(|source| Error::io(&dir, source))?;
                open()
            }
            other => other,
        }
        .map_err(|source| Error::io(&lock_path, source))?;
        file.lock()
            .map_err(|source| Error::io(&lock_path, source))?;
        Ok(file)
    }

    fn read_file(&self, path: &Path) -> Result<Option<String>, Error> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(Error::io(path, source)),
        };
        if let Some(ttl) = self.options.ttl
            && fs::metadata(path).is_ok_and(|metadata| expired(&metadata, ttl))
        {
            remove_file(path)?;
            return Ok(None);
        }
        // A file that is not UTF-8 is not a session; it reads as absent.
        Ok(String::from_utf8(bytes).ok())
    }

    fn write_file(path: &Path, json: &str) -> Result<(), Error> {
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|source| Error::io(dir, source))?;
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("session");
        let temp = dir.join(format!(".{name}.{}.tmp", new_session_id()));
        let written = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            file.write_all(json.as_bytes())?;
            file.sync_all()?;
            fs::rename(&temp, path)
        })();
        written.map_err(|source| {
            let _ = fs::remove_file(&temp);
            Error::io(path, source)
        })
    }
}

impl Records for FsStorage {
    async fn load(&self, id: &str) -> Result<Option<String>, Error> {
        self.read_file(&self.path(id))
    }

    async fn insert(&self, id: &str, json: String) -> Result<(), Error> {
        let path = self.path(id);
        let _lock = self.lock_for(&path)?;
        Self::write_file(&path, &json)
    }

    async fn replace(&self, id: &str, expected: &str, json: String) -> Result<bool, Error> {
        let path = self.path(id);
        let _lock = self.lock_for(&path)?;
        if self.read_file(&path)?.as_deref() != Some(expected) {
            return Ok(false);
        }
        Self::write_file(&path, &json)?;
        Ok(true)
    }

    async fn remove(&self, id: &str) -> Result<(), Error> {
        let path = self.path(id);
        let _lock = self.lock_for(&path)?;
        remove_file(&path)
    }
}

id_based_storage!(FsStorage);

fn remove_file(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(Error::io(path, error)),
        _ => Ok(()),
    }
}

fn expired(metadata: &fs::Metadata, ttl: Duration) -> bool {
    metadata
        .modified()
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|age| age > ttl)
}

fn is_hash_dir(name: &std::ffi::OsStr) -> bool {
    name.len() == 2
        && name
            .to_str()
            .is_some_and(|name| name.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_is_the_hex_sha256_of_the_id_split_after_two_digits() {
        let storage = FsStorage {
            root: PathBuf::from("/root"),
            options: Options::default(),
        };
        // echo -n abc | sha256sum
        assert_eq!(
            storage.path("abc"),
            Path::new("/root/ba/7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert!(storage.path("../../etc/passwd").starts_with("/root"));
    }
}
