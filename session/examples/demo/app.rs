//! What both demos share, whatever the framework: the schema, the storages,
//! and the few decisions the handlers make.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Deserialize;
use session_schema::{BackendStorage, Error, SessionBackend, SessionSchema};

/// The login form.
#[derive(Deserialize)]
pub struct Login {
    /// The name to log in as. Missing from the form reads as empty, which
    /// gets its own message.
    #[serde(default)]
    pub name: String,
    /// Where to go once logged in.
    pub next: Option<String>,
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
    /// A message for the next page only.
    #[session(flash)]
    pub notice: String,
}

/// "Log out everywhere": destroys every session of one user. Only storages
/// that keep sessions on the server can.
pub trait Revoke: Send + Sync {
    /// Destroys every session of `user`; returns how many there were.
    fn revoke<'a>(
        &'a self,
        user: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<usize, Error>> + Send + 'a>>;
}

impl<B: SessionBackend> Revoke for BackendStorage<B> {
    fn revoke<'a>(
        &'a self,
        user: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<usize, Error>> + Send + 'a>> {
        let user = user.to_owned();
        Box::pin(async move { self.destroy_owned_by::<Demo>(&user).await })
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
