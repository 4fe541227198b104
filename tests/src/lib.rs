//! Shared schemas and helpers for the integration tests in `tests/`.

use serde::{Deserialize, Serialize};
use session::SessionSchema;

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
    /// The logged-in user.
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
        let dir = node_dir();
        assert!(
            dir.join("node_modules/@remix-run/session").is_dir(),
            "the reference packages are not installed: run `npm ci --prefix tests/node` (scripts/test.sh does)"
        );
        let output = Command::new("node")
            .arg(dir.join("interop.mjs"))
            .arg(request.to_string())
            .current_dir(&dir)
            .output()
            .expect("node runs");
        assert!(
            output.status.success(),
            "interop.mjs failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("interop.mjs prints JSON")
    }

    /// The `name=value` part of a `Set-Cookie` header, as a browser would send it back.
    #[must_use]
    pub fn cookie_pair(set_cookie: &str) -> &str {
        set_cookie.split(';').next().unwrap_or_default()
    }
}
