//! What both demos share, whatever the framework: the schema, the storages,
//! and the few decisions the handlers make.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use session_schema::{BackendStorage, CookieStorage, Error, SessionBackend, SessionSchema};

/// The login form.
#[derive(Deserialize)]
pub struct Login {
    /// The name to log in as. Missing from the form reads as empty, which
    /// gets its own message.
    #[serde(default)]
    pub name: String,
    /// Where to go once logged in.
    pub next: Option<String>,
    /// "Keep me signed in": present when the box is ticked.
    pub remember: Option<String>,
}

/// The query of the login page: where to go once logged in.
#[derive(Deserialize)]
pub struct Next {
    /// The path the visitor was turned away from.
    pub next: Option<String>,
}

/// What the demo keeps per visitor.
#[derive(SessionSchema)]
pub struct Demo {
    /// How many times the visitor loaded the home page.
    pub visits: u64,
    /// The logged-in name: the session's owner.
    #[session(owner)]
    pub user: String,
    /// Which browser logged in, from its `User-Agent`, for the account
    /// page's list of devices.
    pub device: String,
    /// A message for the next page only.
    #[session(flash)]
    pub notice: String,
}

const DAY: Duration = Duration::from_secs(86_400);

/// How long a session of the demo lives unused: two hours; its cookie ends
/// with the browser.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(2 * 3600);

/// How long a session of the demo lives at most: a day.
pub const ABSOLUTE_TIMEOUT: Duration = DAY;

/// How long a session with "keep me signed in" lives unused, and at most:
/// thirty and ninety days.
pub const REMEMBERED: (Duration, Duration) = (
    Duration::from_secs(30 * 86_400),
    Duration::from_secs(90 * 86_400),
);

/// An id-based storage with the demo's timeouts.
pub fn timed<B: SessionBackend>(storage: BackendStorage<B>) -> BackendStorage<B> {
    storage
        .idle_timeout(IDLE_TIMEOUT)
        .absolute_timeout(ABSOLUTE_TIMEOUT)
        .remember_timeouts(REMEMBERED.0, REMEMBERED.1)
}

/// The cookie storage with the demo's timeouts.
pub fn timed_cookies() -> CookieStorage {
    CookieStorage::new()
        .idle_timeout(IDLE_TIMEOUT)
        .absolute_timeout(ABSOLUTE_TIMEOUT)
        .remember_timeouts(REMEMBERED.0, REMEMBERED.1)
}

/// The notice after "sign out this device".
pub fn signed_out_notice(signed_out: bool) -> &'static str {
    if signed_out {
        "Signed out that device."
    } else {
        "That device was already signed out."
    }
}

/// The form of "sign out this device".
#[derive(Deserialize)]
pub struct SignOut {
    /// The handle of the session to end.
    pub handle: String,
}

/// One of the user's sessions, as the account page lists it.
pub struct Device {
    /// The session's public handle.
    pub handle: String,
    /// Which browser it is.
    pub browser: String,
    /// How long ago it was last used, in words.
    pub last_seen: String,
    /// Whether it is the session of the request showing the page.
    pub current: bool,
}

/// A short name for a browser from its `User-Agent` header.
pub fn device_name(user_agent: Option<&str>) -> String {
    let Some(agent) = user_agent.filter(|agent| !agent.trim().is_empty()) else {
        return "an unknown browser".to_owned();
    };
    let browser = ["Firefox", "Edg", "Chrome", "Safari", "curl"]
        .into_iter()
        .find(|name| agent.contains(name))
        .map_or(
            "a browser",
            |name| if name == "Edg" { "Edge" } else { name },
        );
    let system = ["Windows", "Android", "iPhone", "Mac OS", "Linux"]
        .into_iter()
        .find(|name| agent.contains(name));
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
}

/// How long ago `time` was, in words.
fn ago(time: Option<SystemTime>) -> String {
    let Some(elapsed) = time.and_then(|time| SystemTime::now().duration_since(time).ok()) else {
        return "just now".to_owned();
    };
    match elapsed.as_secs() {
        0..=59 => "just now".to_owned(),
        60..=3599 => format!("{} min ago", elapsed.as_secs() / 60),
        secs => format!("{} h ago", secs / 3600),
    }
}

type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// What only storages that keep sessions on the server can do: "log out
/// everywhere", and the list of a user's devices.
pub trait Revoke: Send + Sync {
    /// Destroys every session of `user`; returns how many there were.
    fn revoke<'a>(&'a self, user: &'a str) -> Pending<'a, usize>;

    /// The sessions of `user`, the one with handle `current` marked.
    fn devices<'a>(&'a self, user: &'a str, current: &'a str) -> Pending<'a, Vec<Device>>;

    /// Ends the session of `user` with this handle; whether there was one.
    fn sign_out<'a>(&'a self, user: &'a str, handle: &'a str) -> Pending<'a, bool>;
}

impl<B: SessionBackend> Revoke for BackendStorage<B> {
    fn revoke<'a>(&'a self, user: &'a str) -> Pending<'a, usize> {
        let user = user.to_owned();
        Box::pin(async move { self.destroy_owned_by::<Demo>(&user).await })
    }

    fn devices<'a>(&'a self, user: &'a str, current: &'a str) -> Pending<'a, Vec<Device>> {
        let user = user.to_owned();
        Box::pin(async move {
            let mut devices: Vec<Device> = self
                .sessions_of::<Demo>(&user)
                .await?
                .iter()
                .map(|summary| Device {
                    handle: summary.handle().to_owned(),
                    browser: summary
                        .get(Demo::DEVICE)
                        .cloned()
                        .unwrap_or_else(|| "an unknown browser".to_owned()),
                    last_seen: ago(summary.last_seen()),
                    current: summary.handle() == current,
                })
                .collect();
            // This device first, then the others in a stable order.
            devices.sort_by(|a, b| b.current.cmp(&a.current).then(a.handle.cmp(&b.handle)));
            Ok(devices)
        })
    }

    fn sign_out<'a>(&'a self, user: &'a str, handle: &'a str) -> Pending<'a, bool> {
        let user = user.to_owned();
        Box::pin(async move { self.destroy_session_of::<Demo>(&user, handle).await })
    }
}

/// How the demo revokes, if its storage can.
pub type Revoker = Option<Arc<dyn Revoke>>;

/// The page to go to after logging in: `next` if it is a path of this site,
/// else the home page (never another site: an open redirect).
///
/// A path of this site starts with one `/` and holds only the characters a
/// URL path and query are made of: no control character or space (browsers
/// drop tabs and newlines from a URL, so `/\t/evil.example` would lead to
/// `//evil.example`), no backslash (read as `/`), no second leading `/`.
pub fn after_login(next: Option<&str>) -> String {
    let of_this_site = |next: &str| {
        let mut bytes = next.bytes();
        bytes.next() == Some(b'/')
            && !next.starts_with("//")
            && bytes
                .all(|byte| byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&byte))
    };
    match next {
        Some(next) if of_this_site(next) => next.to_owned(),
        _ => "/".to_owned(),
    }
}

/// The login name, trimmed, or the message to show instead.
pub fn login_name(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    match name.chars().count() {
        0 => Err("Please enter a name."),
        1..=40 => Ok(name.to_owned()),
        _ => Err("Please enter a name of at most 40 characters."),
    }
}
