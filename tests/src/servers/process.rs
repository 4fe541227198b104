//! Servers the tests start themselves: on a free loopback port, stopped when
//! dropped, nothing left running.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free port on loopback.
///
/// # Panics
///
/// When no port can be bound.
#[must_use]
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Waits until something accepts connections on `port`.
///
/// # Panics
///
/// When nothing does within `patience`.
pub fn wait_for(port: u16, what: &str, patience: Duration) {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + patience;
    while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A child process, killed and reaped when dropped.
pub struct Process(Option<Child>);

impl Process {
    /// Starts `program` with `args`, quiet.
    ///
    /// # Panics
    ///
    /// When it cannot be started (`scripts/test.sh` installs what the tests need).
    #[must_use]
    pub fn start(program: &str, args: &[&str]) -> Self {
        let child = Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("{program} runs (scripts/test.sh installs it): {error}")
            });
        Process(Some(child))
    }

    /// Kills the process now (as a crash would).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A private `memcached` on a free loopback port.
pub struct Memcached {
    process: Process,
    port: u16,
}

impl Memcached {
    /// Starts one.
    ///
    /// # Panics
    ///
    /// When `memcached` is missing or does not start.
    #[must_use]
    pub fn start() -> Self {
        let port = free_port();
        let mut server = Memcached {
            process: Process(None),
            port,
        };
        server.restart();
        server
    }

    /// `host:port`.
    #[must_use]
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills it and starts it again on the same port (empty, as memcached
    /// always restarts).
    ///
    /// # Panics
    ///
    /// When it does not start again.
    pub fn restart(&mut self) {
        self.process.kill();
        let port = self.port.to_string();
        // As root (in CI), memcached wants a user to run as.
        let mut args = vec!["-l", "127.0.0.1", "-p", &port, "-U", "0", "-m", "64"];
        if is_root() {
            args.extend(["-u", "nobody"]);
        }
        self.process = Process::start("memcached", &args);
        wait_for(self.port, "memcached", Duration::from_secs(10));
    }

    /// Kills it.
    pub fn kill(&mut self) {
        self.process.kill();
    }
}

/// Whether this process runs as root.
#[must_use]
pub fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}
