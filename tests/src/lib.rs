//! Shared schemas and helpers for the integration tests in `tests/`.

/// The README's Rust examples, compiled and run as doctests (the axum app is
/// compiled only: it serves forever).
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub mod checker;
pub mod cross_site;
pub mod flows;
pub mod http;
pub mod map_backend;
pub mod redis_server;
pub mod servers;
pub mod transport;
pub mod web;

use serde::{Deserialize, Serialize};
use session_schema::SessionSchema;

/// An item in a cart: a value with structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Product id.
    pub sku: String,
    /// How many.
    pub quantity: u32,
}

/// The schema most tests use.
#[derive(SessionSchema)]
pub struct App {
    /// The logged-in user: the owner of the session, set by `log_in` only.
    #[session(owner)]
    pub owner: u64,
    /// A user id kept as a plain value.
    pub user_id: u64,
    /// The user's display name.
    pub name: String,
    /// The cart, stored under another name.
    #[session(rename = "cart-items")]
    pub cart: Vec<Item>,
    /// A one-time message.
    #[session(flash)]
    pub notice: String,
    /// A one-time error message.
    #[session(flash)]
    pub error: String,
}

pub mod reference {
    //! Runs the reference packages (`@remix-run/session`, `@remix-run/cookie`)
    //! on Node.js, through `tests/node/interop.mjs`.

    use std::path::PathBuf;
    use std::process::Command;

    use serde_json::Value;

    /// The directory holding `interop.mjs` and its `node_modules`.
    #[must_use]
    pub fn node_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node")
    }

    /// Runs one request (see `interop.mjs` for its fields) and returns what the
    /// reference implementation reports.
    ///
    /// # Panics
    ///
    /// When Node.js or the packages are missing (run `scripts/test.sh`, which
    /// installs them) or the script fails.
    #[must_use]
    pub fn run(request: &Value) -> Value {
        run_script("interop.mjs", request)
    }

    /// Runs one of the scripts of `tests/node` with `request` (see the
    /// script for its fields) and returns the JSON it prints.
    ///
    /// # Panics
    ///
    /// As [`run`].
    #[must_use]
    pub fn run_script(script: &str, request: &Value) -> Value {
        let dir = node_dir();
        assert!(
            dir.join("node_modules/@remix-run/session").is_dir(),
            "the reference packages are not installed: run `npm ci --prefix tests/node` (scripts/test.sh does)"
        );
        let output = Command::new("node")
            .arg(dir.join(script))
            .arg(request.to_string())
            .current_dir(&dir)
            .output()
            .expect("node runs");
        assert!(
            output.status.success(),
            "{script} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("the script prints JSON")
    }

    /// The `name=value` part of a `Set-Cookie` header, as a browser would send it back.
    #[must_use]
    pub fn cookie_pair(set_cookie: &str) -> &str {
        set_cookie.split(';').next().unwrap_or_default()
    }
}

/// Runs a future to completion on a fresh single-threaded runtime, for tests
/// that drive storages from plain threads.
///
/// # Panics
///
/// When the runtime cannot be built.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

/// A schema with eight value keys, for tests where requests race on different keys.
#[derive(SessionSchema)]
pub struct Wide {
    /// Key 0.
    pub k0: u32,
    /// Key 1.
    pub k1: u32,
    /// Key 2.
    pub k2: u32,
    /// Key 3.
    pub k3: u32,
    /// Key 4.
    pub k4: u32,
    /// Key 5.
    pub k5: u32,
    /// Key 6.
    pub k6: u32,
    /// Key 7.
    pub k7: u32,
}

impl Wide {
    /// The key handles, by number.
    pub const KEYS: [session_schema::ValueKey<Wide, u32>; 8] = [
        Self::K0,
        Self::K1,
        Self::K2,
        Self::K3,
        Self::K4,
        Self::K5,
        Self::K6,
        Self::K7,
    ];
}

pub mod demo {
    //! Runs the demo app as its own process.

    use std::io::{BufRead as _, BufReader};
    use std::net::SocketAddr;
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    /// The value of the first `_csrf` field of a demo page: the session's
    /// CSRF token, which the demo's forms carry.
    ///
    /// # Panics
    ///
    /// When the page has no such field.
    #[must_use]
    pub fn csrf_field(page: &str) -> &str {
        const FIELD: &str = r#"name="_csrf" value=""#;
        let start = page.find(FIELD).expect("a form with the token") + FIELD.len();
        let end = page[start..].find('"').expect("the end of the value") + start;
        &page[start..end]
    }

    /// A running demo process, killed when dropped.
    pub struct Demo {
        child: Child,
        /// Where it listens.
        pub addr: SocketAddr,
    }

    impl Demo {
        /// Starts the demo binary `exe` (`env!("CARGO_BIN_EXE_demo")` in a test)
        /// with `--storage <storage>` and the given environment, on a port
        /// the system picks when the demo binds (so two demos started at
        /// once never race for one port), and returns once the demo says
        /// where it listens.
        ///
        /// # Panics
        ///
        /// When it does not start within twenty seconds.
        #[must_use]
        pub fn start(exe: &str, storage: &str, env: &[(&str, &str)]) -> Self {
            let mut child = Command::new(exe)
                .args(["--storage", storage])
                .env("ADDR", "127.0.0.1:0")
                .envs(env.iter().copied())
                .stdout(Stdio::piped())
                .spawn()
                .expect("the demo starts");
            let stdout = child.stdout.take().expect("the demo's stdout");
            let (found, listening) = std::sync::mpsc::channel();
            // Reads the startup line, then drains the rest so the demo
            // never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(at) = line.split("listening on http://").nth(1) {
                        let addr = at.split_whitespace().next().unwrap_or_default();
                        let _ = found.send(addr.parse::<SocketAddr>().ok());
                    }
                }
            });
            let addr = listening
                .recv_timeout(Duration::from_secs(20))
                .ok()
                .flatten()
                .expect("the demo says where it listens within twenty seconds");
            Demo { child, addr }
        }
    }

    impl Drop for Demo {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
