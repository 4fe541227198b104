//! What the load servers share: the schema, the secret, the address.

use session_schema::SessionSchema;

/// The session of the load route: one counter.
#[derive(SessionSchema)]
pub struct Visit {
    /// How many times this user loaded the route.
    pub visits: u64,
}

/// The signing secret every server uses (64 bytes, as actix-session's key needs).
pub const SECRET: &str = "a load test secret, sixty-four bytes long, for every server here.";

/// Where to listen: `ADDR`.
#[must_use]
pub fn addr() -> String {
    std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3001".into())
}

/// The storage to use: `STORAGE` (`memory`, `cookie` or `redis`).
#[must_use]
pub fn storage() -> String {
    std::env::var("STORAGE").unwrap_or_else(|_| "memory".into())
}

/// The Redis URL: `REDIS_URL`.
#[must_use]
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}
