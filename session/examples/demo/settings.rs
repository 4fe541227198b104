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

/// The cookie secret, and where it comes from.
pub enum Secret {
    /// From `SESSION_SECRET`.
    Given(String),
    /// Made at start, because `SESSION_SECRET` is not set.
    Random(String),
}

impl Secret {
    pub fn as_str(&self) -> &str {
        match self {
            Secret::Given(secret) | Secret::Random(secret) => secret,
        }
    }
}

pub struct Settings {
    pub addr: String,
    pub secret: Secret,
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
                std::env::var_os("SESSION_DIR").map_or_else(default_session_dir, PathBuf::from),
            ),
            "redis" => StorageKind::Redis(
                std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
            ),
            other => return Err(format!("unknown storage `{other}`\n{USAGE}").into()),
        };
        let secret = match std::env::var("SESSION_SECRET") {
            Ok(secret) if secret.is_empty() => {
                return Err(
                    "SESSION_SECRET is set but empty; give it at least 32 random bytes, \
                            or unset it for a random secret"
                        .into(),
                );
            }
            Ok(secret) => Secret::Given(secret),
            // Two session ids: 288 random bits, 48 characters.
            Err(_) => Secret::Random(format!(
                "{}{}",
                session_schema::new_session_id(),
                session_schema::new_session_id()
            )),
        };
        let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
        Ok(Settings {
            addr,
            secret,
            storage,
        })
    }
}

/// The fs storage's directory when `SESSION_DIR` is not set: under the user's
/// own state directory, never a shared temporary one (where another local
/// user could read the sessions or plant a directory of their own).
fn default_session_dir() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")));
    state.map_or_else(
        || PathBuf::from(".session-schema-demo"),
        |state| state.join("session-schema-demo"),
    )
}

/// The settings, or `None` after printing the help (`--help`). Says so when
/// the cookie secret is a random one.
pub fn start() -> Result<Option<Settings>, String> {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(NoStart::Help) => {
            println!("{USAGE}");
            return Ok(None);
        }
        Err(NoStart::Invalid(reason)) => return Err(reason),
    };
    if let Secret::Random(_) = settings.secret {
        println!(
            "demo: SESSION_SECRET is not set, so the cookie secret is a random one made now; \
             sessions end when the demo stops"
        );
    }
    Ok(Some(settings))
}

/// What `--help` prints.
pub const USAGE: &str = "\
usage: demo [--storage cookie|memory|fs|redis]

Serves a visit counter, a login form, a one-time welcome message, a page for
logged-in users only and 'log out everywhere'.

options:
  --storage KIND   where sessions live: cookie, memory (default), fs or redis
  -h, --help       print this help

environment:
  ADDR             the address to listen on (default 127.0.0.1:3000)
  SESSION_SECRET   the cookie secret, at least 32 bytes (default: a random one
                   made at start, so sessions end when the demo stops)
  SESSION_DIR      the fs storage's directory (default
                   $XDG_STATE_HOME/session-schema-demo, or ~/.local/state/...)
  REDIS_URL        the redis storage's server (default redis://127.0.0.1:6379)";
