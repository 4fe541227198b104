//! The demo's settings, from the command line and the environment.

use std::fmt;
use std::path::PathBuf;

/// Where sessions are kept.
pub enum StorageKind {
    Cookie,
    Memory,
    Fs(PathBuf),
    Redis(String),
}

impl fmt::Display for StorageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageKind::Cookie => f.write_str("cookie"),
            StorageKind::Memory => f.write_str("memory"),
            StorageKind::Fs(dir) => write!(f, "fs ({})", dir.display()),
            StorageKind::Redis(url) => write!(f, "redis ({url})"),
        }
    }
}

pub struct Settings {
    pub addr: String,
    pub secret: String,
    pub storage: StorageKind,
}

/// Why the demo does not start: help was asked for, or a setting is wrong.
pub enum NoStart {
    /// `--help`: print the usage and exit successfully.
    Help,
    /// A wrong argument or setting, with the reason.
    Invalid(String),
}

impl From<&str> for NoStart {
    fn from(reason: &str) -> Self {
        NoStart::Invalid(reason.to_owned())
    }
}

impl From<String> for NoStart {
    fn from(reason: String) -> Self {
        NoStart::Invalid(reason)
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, NoStart> {
        let mut args = std::env::args().skip(1);
        let mut storage = String::from("memory");
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--storage" => {
                    storage = args
                        .next()
                        .ok_or("--storage needs a value: cookie, memory, fs or redis")?;
                }
                other if other.starts_with("--storage=") => {
                    other["--storage=".len()..].clone_into(&mut storage);
                }
                "--help" | "-h" => return Err(NoStart::Help),
                other => return Err(format!("unknown argument `{other}`\n{USAGE}").into()),
            }
        }
        let storage = match storage.as_str() {
            "cookie" => StorageKind::Cookie,
            "memory" => StorageKind::Memory,
            "fs" => StorageKind::Fs(
                std::env::var_os("SESSION_DIR")
                    .map_or_else(|| std::env::temp_dir().join("session-demo"), PathBuf::from),
            ),
            "redis" => StorageKind::Redis(
                std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
            ),
            other => return Err(format!("unknown storage `{other}`\n{USAGE}").into()),
        };
        let secret =
            std::env::var("SESSION_SECRET").unwrap_or_else(|_| session_schema::new_session_id());
        let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
        Ok(Settings {
            addr,
            secret,
            storage,
        })
    }
}

/// What `--help` prints.
pub const USAGE: &str = "\
usage: demo [--storage cookie|memory|fs|redis]

Serves a visit counter, a login form and a one-time welcome message.

options:
  --storage KIND   where sessions live: cookie, memory (default), fs or redis
  -h, --help       print this help

environment:
  ADDR             the address to listen on (default 127.0.0.1:3000)
  SESSION_SECRET   the cookie secret, at least 32 bytes (default: a random one
                   made at start, so sessions end when the demo stops)
  SESSION_DIR      the fs storage's directory
  REDIS_URL        the redis storage's server (default redis://127.0.0.1:6379)";
