//! A private PostgreSQL server in a temporary directory, on a free loopback
//! port, stopped when dropped. PostgreSQL refuses to run as root, so as root
//! (in CI) it runs as the `postgres` user that Debian's package creates.

use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::process::{free_port, is_root, wait_for};

/// A running PostgreSQL server of this test's own.
pub struct Postgres {
    child: Child,
    port: u16,
    user: Option<(u32, u32)>,
    dir: tempfile::TempDir,
}

impl Postgres {
    /// Creates a database cluster in a temporary directory and starts it.
    ///
    /// # Panics
    ///
    /// When PostgreSQL is not installed (`scripts/test.sh` installs it) or
    /// does not start.
    #[must_use]
    pub fn start() -> Self {
        let bin = bin_dir();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        let user = if is_root() {
            Some(postgres_user())
        } else {
            None
        };
        if let Some((uid, gid)) = user {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let as_user = |command: &mut Command| {
            if let Some((uid, gid)) = user {
                command.uid(uid).gid(gid);
            }
            command.stdout(Stdio::null()).stderr(Stdio::null());
        };
        let mut initdb = Command::new(bin.join("initdb"));
        initdb.args([
            "-D",
            data.to_str().unwrap(),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        ]);
        as_user(&mut initdb);
        assert!(
            initdb.status().expect("initdb runs").success(),
            "initdb failed"
        );

        let port = free_port();
        let child = spawn_server(dir.path(), port, user);
        Postgres {
            child,
            port,
            user,
            dir,
        }
    }

    /// Crashes the server (an immediate shutdown: no checkpoint, so the
    /// restart recovers from the write-ahead log) and starts it again on the
    /// same port and data.
    ///
    /// # Panics
    ///
    /// When it does not start again.
    pub fn restart(&mut self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a process id");
        // SAFETY: `kill` has no memory-safety preconditions; `pid` is our child.
        unsafe { libc::kill(pid, libc::SIGQUIT) };
        let _ = self.child.wait();
        self.child = spawn_server(self.dir.path(), self.port, self.user);
    }

    /// The server's port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connection string.
    #[must_use]
    pub fn url(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `postgres` on the cluster in `dir` and waits until it accepts sessions.
fn spawn_server(dir: &Path, port: u16, user: Option<(u32, u32)>) -> Child {
    let bin = bin_dir();
    let data = dir.join("data");
    let mut server = Command::new(bin.join("postgres"));
    server.args([
        "-D",
        data.to_str().unwrap(),
        "-p",
        &port.to_string(),
        "-k",
        dir.to_str().unwrap(),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
    ]);
    if let Some((uid, gid)) = user {
        server.uid(uid).gid(gid);
    }
    server.stdout(Stdio::null()).stderr(Stdio::null());
    let child = server.spawn().expect("postgres runs");
    wait_for(port, "PostgreSQL", Duration::from_secs(30));
    // Listening is not ready: wait until it accepts sessions.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !Command::new(bin.join("pg_isready"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
    {
        assert!(
            std::time::Instant::now() < deadline,
            "PostgreSQL did not become ready"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// Where Debian keeps the server's programs: `/usr/lib/postgresql/<version>/bin`.
fn bin_dir() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    versions.retain(|bin| bin.join("postgres").exists());
    versions.sort();
    versions
        .pop()
        .expect("PostgreSQL is installed under /usr/lib/postgresql (scripts/test.sh installs it)")
}

/// The uid and gid of the `postgres` user.
fn postgres_user() -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let output = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .expect("id runs");
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .expect("a postgres user (Debian's package creates it)")
    };
    (id("-u"), id("-g"))
}
