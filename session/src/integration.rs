//! What every web framework integration shares, whatever the framework: the
//! settings of a session layer, lending the request's session to a handler
//! (loading it on first use), and saving what the handler gave back.
//!
//! A framework module (`axum`, `actix`) only translates: it puts a
//! [`RequestSession`] into the request, calls [`RequestSession::lend`] from
//! its extractor, and after the handler calls [`Sessions::finish`] and writes
//! the headers it returns. Adding a framework touches nothing here.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::cookie::{Cookie, Protected, SessionProtection};
use crate::cross_site::Forbidden;
use crate::error::{Chain, Error};
use crate::handoff::{Finish, Home, Lend, Returned};
use crate::owner::HasOwner;
use crate::schema::Schema;
use crate::session::Session;
use crate::state::LoggedIn;
use crate::storage::SessionStorage;
use crate::transport::{Carrier, Transport};

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The `Cache-Control` value added to a response that sets or clears the
/// session cookie, unless the handler chose its own: no shared cache may keep
/// one user's `Set-Cookie` and hand it to another.
pub(crate) const CACHE_CONTROL: &str = "private, no-store";

/// The `Vary` value added to a response that sets or clears the session cookie.
pub(crate) const VARY: &str = "Cookie";

/// Whether the `Vary` header values already cover the header `name` (or `*`).
pub(crate) fn varies_on<'a>(values: impl IntoIterator<Item = &'a [u8]>, name: &str) -> bool {
    values.into_iter().any(|value| {
        std::str::from_utf8(value).is_ok_and(|value| {
            value
                .split(',')
                .any(|listed| listed.trim() == "*" || listed.trim().eq_ignore_ascii_case(name))
        })
    })
}

/// What a response carries of the session after a save: a `Set-Cookie`, or
/// the new value in the request's session header (empty when the session
/// ended).
#[derive(Debug)]
pub(crate) enum Answer {
    /// A `Set-Cookie` header value.
    SetCookie(String),
    /// The session header `name` (lowercase) with `value`.
    Header { name: Arc<str>, value: String },
}

impl Answer {
    /// The header's value.
    pub(crate) fn value(&self) -> &str {
        match self {
            Answer::SetCookie(value) | Answer::Header { value, .. } => value,
        }
    }

    /// The request header the response depends on, for `Vary`.
    pub(crate) fn vary(&self) -> &str {
        match self {
            Answer::SetCookie(_) => VARY,
            Answer::Header { name, .. } => name,
        }
    }
}

/// What a request sends its session in, for a [`Loader`].
#[derive(Clone, Copy)]
pub(crate) enum Credential<'a> {
    /// The request's `Cookie` header, if any, as its bytes.
    CookieHeader(Option<&'a [u8]>),
    /// The value of the request's session header, if any.
    Header(Option<&'a str>),
}

/// A request's `Cookie` header lines joined as one (copied only when there
/// are several), as bytes: the cookie's parser reads as text only the pairs
/// that hold the session cookie's name, so bytes that are not UTF-8
/// elsewhere (another cookie set by a page script or a sibling subdomain,
/// `theme=café` in Latin-1) cost nothing and cannot log the user out.
pub(crate) fn cookie_header<'a>(
    lines: impl IntoIterator<Item = &'a [u8]>,
) -> Option<Cow<'a, [u8]>> {
    let mut lines = lines.into_iter();
    let first = Cow::Borrowed(lines.next()?);
    Some(lines.fold(first, |mut joined, line| {
        let joined_mut = joined.to_mut();
        joined_mut.extend_from_slice(b"; ");
        joined_mut.extend_from_slice(line);
        joined
    }))
}

/// How long the cookie set after a save lives.
#[derive(Clone, Copy)]
enum CookieLife {
    /// Until the session ends, this long from now.
    For(std::time::Duration),
    /// Until the browser closes: a session that is not remembered.
    BrowserSession,
    /// As the cookie's own attributes say.
    AsConfigured,
}

/// A session layer's settings, shared by the requests it serves.
pub(crate) struct Sessions<Sto> {
    pub(crate) cookie: Cookie<SessionProtection>,
    storage: Arc<Sto>,
    pub(crate) save_on_server_error: bool,
    pub(crate) transport: Transport,
}

impl<Sto: SessionStorage> Sessions<Sto> {
    /// Checks the cookie's secrets and makes it `HttpOnly` unless it was
    /// explicitly set otherwise.
    pub(crate) fn new<P: Protected>(cookie: Cookie<P>, storage: Sto) -> Result<Self, Error> {
        if let Some(error) = cookie.refuse_for_sessions() {
            return Err(error);
        }
        let cookie = if cookie.http_only_is_set() {
            cookie
        } else {
            cookie.http_only(true)
        };
        Ok(Sessions {
            cookie: cookie.into_session_cookie(),
            storage: Arc::new(storage),
            save_on_server_error: false,
            transport: Transport::cookie(),
        })
    }

    /// Saves the session the handler gave back, and returns what the
    /// response needs to carry of it, if anything, on the transport the
    /// request used (`carrier`). An active session is not saved after a
    /// server error (unless configured); a destroyed one always is, so a
    /// logout is never lost.
    pub(crate) async fn finish<S: Schema>(
        &self,
        home: &Home<S>,
        server_error: bool,
        carrier: &Carrier,
    ) -> Result<Option<Answer>, Error> {
        let returned = match home.finish() {
            Finish::Unused => return Ok(None),
            Finish::KeptBeyondRequest => {
                tracing::warn!(
                    "a session was kept beyond its request (moved into a task?); its changes are not saved"
                );
                return Ok(None);
            }
            Finish::Back(returned) => returned,
        };
        let (saved, life) = match &returned {
            Returned::Active(_) if server_error && !self.save_on_server_error => return Ok(None),
            Returned::Active(session) => {
                let life = if self.storage.cookie_ends_with_browser(session) {
                    CookieLife::BrowserSession
                } else {
                    self.storage
                        .cookie_max_age(session)
                        .map_or(CookieLife::AsConfigured, CookieLife::For)
                };
                let saved = self.storage.save(session).await;
                if let Ok(Some(value)) = &saved
                    && self.repeats_request(home, session, value, life, carrier)
                {
                    return Ok(None);
                }
                (saved, life)
            }
            Returned::Destroyed(session) => {
                (self.storage.save(session).await, CookieLife::AsConfigured)
            }
        };
        let answer = match saved {
            Ok(None) => return Ok(None),
            Ok(Some(value)) => self.answer(value, life, carrier),
            Err(error) => Err(error),
        };
        answer.map(Some).inspect_err(|error| {
            tracing::error!(
                error = %Chain(error),
                "the session could not be saved; answering with the error response"
            );
        })
    }

    /// Whether answering `value`, what saving `session` returned, would
    /// repeat what the request sent: the same value (an id the save kept),
    /// protected by the current secret, whose end did not move (no touch, no
    /// change of the remember mark, no `Max-Age` of the cookie's own to
    /// roll). Then the response carries nothing of the session.
    fn repeats_request<S: Schema>(
        &self,
        home: &Home<S>,
        session: &Session<S>,
        value: &str,
        life: CookieLife,
        carrier: &Carrier,
    ) -> bool {
        let rolls_by_itself =
            matches!(life, CookieLife::AsConfigured) && self.cookie.has_lifetime();
        home.credential_is_current()
            && session.was_loaded()
            && value == session.original_id()
            && session.remember_wish().is_none()
            && !self.storage.cookie_rolls(session)
            && (carrier.is_header() || !rolls_by_itself)
    }

    /// What the response carries of `value`, a save's result (empty when the
    /// session ended), on the transport the request used.
    fn answer(&self, value: String, life: CookieLife, carrier: &Carrier) -> Result<Answer, Error> {
        if let Carrier::Header { name, .. } = carrier {
            let value = if value.is_empty() {
                value
            } else {
                self.cookie.protect(&value)?
            };
            return Ok(Answer::Header {
                name: Arc::clone(name),
                value,
            });
        }
        let set_cookie = if value.is_empty() {
            self.cookie.serialize_removal()
        } else {
            match life {
                CookieLife::For(max_age) => self.cookie.serialize_expiring(&value, max_age),
                CookieLife::BrowserSession => self.cookie.serialize_for_browser_session(&value),
                CookieLife::AsConfigured => self.cookie.serialize(&value),
            }
        };
        set_cookie.map(Answer::SetCookie)
    }
}

impl<Sto> Clone for Sessions<Sto> {
    fn clone(&self) -> Self {
        Sessions {
            cookie: self.cookie.clone(),
            storage: Arc::clone(&self.storage),
            save_on_server_error: self.save_on_server_error,
            transport: self.transport.clone(),
        }
    }
}

/// The responses an integration sends instead of the handler's, for a
/// framework whose requests are `Req` and responses `Resp`.
pub(crate) struct Responses<Req: ?Sized, Resp> {
    /// The response for a storage error.
    pub(crate) error: Arc<dyn Fn(&Error) -> Resp + Send + Sync>,
    /// The response for a request that needs a logged-in session and has none.
    pub(crate) unauthenticated: Arc<dyn Fn(&Req) -> Resp + Send + Sync>,
    /// The response for a request the cross-site checks refuse.
    pub(crate) forbidden: Forbid<Req, Resp>,
}

/// The response to a refused request.
pub(crate) type Forbid<Req, Resp> = Arc<dyn Fn(Forbidden, &Req) -> Resp + Send + Sync>;

impl<Req: ?Sized, Resp> Responses<Req, Resp> {
    /// Responses from the three functions.
    pub(crate) fn new(
        error: impl Fn(&Error) -> Resp + Send + Sync + 'static,
        unauthenticated: impl Fn(&Req) -> Resp + Send + Sync + 'static,
        forbidden: impl Fn(Forbidden, &Req) -> Resp + Send + Sync + 'static,
    ) -> Self {
        Responses {
            error: Arc::new(error),
            unauthenticated: Arc::new(unauthenticated),
            forbidden: Arc::new(forbidden),
        }
    }
}

impl<Req: ?Sized, Resp> Clone for Responses<Req, Resp> {
    fn clone(&self) -> Self {
        Responses {
            error: Arc::clone(&self.error),
            unauthenticated: Arc::clone(&self.unauthenticated),
            forbidden: Arc::clone(&self.forbidden),
        }
    }
}

/// Loads sessions of schema `S` for an extractor that does not know the
/// storage's type.
pub(crate) trait Loader<S: Schema>: Send + Sync {
    /// The session the request's `credential` designates, and whether the
    /// current secret protected the value it came from.
    fn load<'a>(
        &'a self,
        credential: Credential<'a>,
    ) -> BoxFuture<'a, Result<(Session<S>, bool), Error>>;

    /// How a request whose headers `header` looks up carries its session.
    fn carrier<'h>(&self, header: &dyn Fn(&str) -> Option<&'h str>) -> Carrier;
}

impl<S: Schema, Sto: SessionStorage> Loader<S> for Sessions<Sto> {
    fn load<'a>(
        &'a self,
        credential: Credential<'a>,
    ) -> BoxFuture<'a, Result<(Session<S>, bool), Error>> {
        Box::pin(async move {
            let keyed = match credential {
                Credential::CookieHeader(header) => self.cookie.parse_keyed(header),
                Credential::Header(value) => {
                    value.and_then(|value| self.cookie.unprotect_keyed(value))
                }
            };
            let (value, current) = match keyed {
                Some((value, current)) => (Some(value), current),
                None => (None, false),
            };
            let session = self.storage.read_owned(value).await?;
            Ok((session, current))
        })
    }

    fn carrier<'h>(&self, header: &dyn Fn(&str) -> Option<&'h str>) -> Carrier {
        self.transport.carrier(header)
    }
}

/// What a request carries for its extractors: where the session goes back
/// to, and how to load it.
pub(crate) struct RequestSession<S: Schema> {
    pub(crate) home: Arc<Home<S>>,
    loader: Arc<dyn Loader<S>>,
    /// How the request carries its session.
    pub(crate) carrier: Carrier,
}

impl<S: Schema> Clone for RequestSession<S> {
    fn clone(&self) -> Self {
        RequestSession {
            home: Arc::clone(&self.home),
            loader: Arc::clone(&self.loader),
            carrier: self.carrier.clone(),
        }
    }
}

/// Why a handler cannot have the session.
pub(crate) enum LendError {
    /// It is held elsewhere in this request, destroyed earlier in it, or the
    /// response is already sent.
    Unavailable,
    /// The storage failed to load it.
    Storage(Error),
}

impl<S: Schema> RequestSession<S> {
    /// A fresh home for the session of one request, whose headers `header`
    /// looks up.
    pub(crate) fn new<'h>(
        loader: Arc<dyn Loader<S>>,
        header: &dyn Fn(&str) -> Option<&'h str>,
    ) -> Self {
        let carrier = loader.carrier(header);
        RequestSession {
            home: Arc::new(Home::new()),
            loader,
            carrier,
        }
    }

    /// Lends the request's session to a handler: the one an earlier extractor
    /// gave back, or the one the storage holds (read on first use only).
    pub(crate) async fn lend(&self, cookie_header: Option<&[u8]>) -> Result<Session<S>, LendError> {
        self.lend_tracked(cookie_header)
            .await
            .map(|(session, _)| session)
    }

    /// Lends the request's session as [`LoggedIn`], or turns the request away
    /// when it has no owner. A session loaded for the check is the one the
    /// handler gets (one storage read); one turned away is parked: a
    /// `Session<S>` argument gets it without a second read, and if none
    /// does it is not saved, so its flash values wait for a request that
    /// can show them.
    pub(crate) async fn lend_logged_in(
        &self,
        cookie_header: Option<&[u8]>,
    ) -> Result<Session<S, LoggedIn>, LoginError>
    where
        S: HasOwner,
    {
        let (session, fresh) = self
            .lend_tracked(cookie_header)
            .await
            .map_err(LoginError::Lend)?;
        session.into_logged_in().map_err(|anonymous| {
            if fresh {
                self.park(anonymous);
            }
            LoginError::NotLoggedIn
        })
    }

    /// Lends the request's session to `check` (the CSRF comparison), then
    /// keeps it for the handler: a session loaded for the check is parked
    /// (lent again without a second read; not saved unless a handler takes
    /// it), one an earlier extractor gave back goes back as it came.
    pub(crate) async fn peek<R>(
        &self,
        cookie_header: Option<&[u8]>,
        check: impl FnOnce(&Session<S>) -> R,
    ) -> Result<R, LendError> {
        let (session, fresh) = self.lend_tracked(cookie_header).await?;
        let result = check(&session);
        if fresh {
            self.park(session);
        }
        Ok(result)
    }

    /// What the request sends its session in: the header the transport
    /// chose, or the `Cookie` header `cookie_header`.
    fn credential<'a>(&'a self, cookie_header: Option<&'a [u8]>) -> Credential<'a> {
        match &self.carrier {
            Carrier::Cookie => Credential::CookieHeader(cookie_header),
            Carrier::Header { value, .. } => Credential::Header(value.as_deref()),
        }
    }

    /// Parks a session this request loaded and no handler claimed.
    fn park(&self, mut session: Session<S>) {
        session.detach_home();
        self.home.park(session);
    }

    /// [`lend`](Self::lend), and whether no handler has claimed the session
    /// yet (it was loaded now, or parked by a check), rather than given back
    /// by an earlier extractor of this request.
    async fn lend_tracked(
        &self,
        cookie_header: Option<&[u8]>,
    ) -> Result<(Session<S>, bool), LendError> {
        let mut fresh = false;
        let mut session = match self.home.lend() {
            Lend::Again(session) => session,
            Lend::Parked(session) => {
                fresh = true;
                session
            }
            Lend::Unavailable(reason) => {
                tracing::error!(reason, "a handler asked for a session it cannot have");
                return Err(LendError::Unavailable);
            }
            Lend::Load => match self.loader.load(self.credential(cookie_header)).await {
                Ok((session, current)) => {
                    self.home.note_credential(current);
                    fresh = true;
                    session
                }
                Err(error) => {
                    tracing::error!(
                        error = %Chain(&error),
                        "the session could not be loaded from its storage"
                    );
                    self.home.cancel_lend();
                    return Err(LendError::Storage(error));
                }
            },
        };
        session.set_home(Arc::clone(&self.home) as Arc<dyn crate::session::home::Home<S>>);
        Ok((session, fresh))
    }
}

/// Why a handler that takes a logged-in session cannot have it.
pub(crate) enum LoginError {
    /// As for any session.
    Lend(LendError),
    /// The session has no owner: nobody is logged in.
    NotLoggedIn,
}

/// Logs that a handler takes a session on a route without a session layer
/// of its schema (`layer` names the framework's). The response says only
/// `500 Internal Server Error` ([`INTERNAL_ERROR`]): the log has the details.
pub(crate) fn missing_layer<S: Schema>(path: &str, layer: &str) {
    let schema = std::any::type_name::<S>();
    tracing::error!(
        schema,
        path,
        "a handler takes a Session, but no {layer} of this schema is installed on its route"
    );
}

/// The body of a `500` an extractor answers with: nothing of the cause,
/// which is logged.
pub(crate) const INTERNAL_ERROR: &str = "Internal Server Error";
