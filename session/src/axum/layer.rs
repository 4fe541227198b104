//! `SessionLayer` and the service it wraps handlers in.

use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, HeaderName, HeaderValue, SET_COOKIE, VARY};
use http::request::Parts;
use http::{HeaderMap, Request, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use bytes::Bytes;

use super::guard::{Head, default_forbidden_response, guard};
use crate::cookie::{Cookie, Protected};
use crate::cross_site::{CrossOrigin, Csrf, Forbidden};
use crate::error::Error;
use crate::guard::{CrossSite, Step};
use crate::handoff::Home;
use crate::integration::{
    self, Answer, BoxFuture, Credential, Loader, RequestSession, Responses, Sessions,
};
use crate::schema::Schema;
use crate::session::Session;
use crate::storage::SessionStorage;
use crate::transport::{Carrier, Transport};

/// A tower layer that gives handlers a typed [`Session<S>`](crate::Session),
/// kept in `Sto`, and saves it after them. See the [module docs](crate::axum).
pub struct SessionLayer<S, Sto> {
    sessions: Sessions<Sto>,
    responses: Responses<Parts, Response>,
    cross_site: CrossSite,
    marker: PhantomData<fn() -> S>,
}

impl<S: Schema, Sto: SessionStorage> SessionLayer<S, Sto> {
    /// A layer for sessions of schema `S`, in `storage`, identified by `cookie`.
    /// The cookie must be signed (an unsigned `Cookie::new(..)` does not
    /// compile here), and is made `HttpOnly` unless `http_only(false)` was set
    /// on it.
    ///
    /// # Errors
    ///
    /// [`Error::EmptySecret`] when the cookie has no secret or an empty one,
    /// and [`Error::ShortSecret`] when a secret is shorter than 32 bytes and
    /// the cookie does not [allow short secrets](Cookie::allow_short_secrets).
    pub fn new<P: Protected>(cookie: Cookie<P>, storage: Sto) -> Result<Self, Error> {
        Ok(SessionLayer {
            sessions: Sessions::new(cookie, storage)?,
            responses: Responses::new(
                default_error_response,
                default_unauthenticated_response,
                default_forbidden_response,
            ),
            cross_site: CrossSite::default(),
            marker: PhantomData,
        })
    }

    /// The cross-origin protection (default [`CrossOrigin::new()`]: unsafe
    /// requests a browser sends from another origin are refused with `403`
    /// before the handler and the storage run). Trust a front end on another
    /// origin, or let webhooks through, with
    /// [`trusted_origin`](CrossOrigin::trusted_origin) and
    /// [`bypass`](CrossOrigin::bypass); [`CrossOrigin::off()`] turns it off.
    ///
    /// ```
    /// # use session_schema::{Cookie, CrossOrigin, MemoryStorage, SessionSchema, axum::SessionLayer};
    /// # #[derive(SessionSchema)] struct Shop { visits: u32 }
    /// # fn layer() -> Result<SessionLayer<Shop, MemoryStorage>, session_schema::Error> {
    /// # let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
    /// let layer = SessionLayer::<Shop, _>::new(cookie, MemoryStorage::new())?
    ///     .cross_origin(CrossOrigin::new().trusted_origin("https://app.example.com")?);
    /// # Ok(layer)
    /// # }
    /// ```
    #[must_use]
    pub fn cross_origin(mut self, cross_origin: CrossOrigin) -> Self {
        self.cross_site.cross_origin = cross_origin;
        self
    }

    /// Checks the session's CSRF token on unsafe requests (see [`Csrf`] for
    /// where a request carries it); off by default. Forms put
    /// [`Session::csrf_token`](crate::Session::csrf_token) in a `_csrf` field.
    ///
    /// ```
    /// # use session_schema::{Cookie, Csrf, MemoryStorage, SessionSchema, axum::SessionLayer};
    /// # #[derive(SessionSchema)] struct Shop { visits: u32 }
    /// # fn layer() -> Result<SessionLayer<Shop, MemoryStorage>, session_schema::Error> {
    /// # let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
    /// let layer = SessionLayer::<Shop, _>::new(cookie, MemoryStorage::new())?.csrf(Csrf::new());
    /// # Ok(layer)
    /// # }
    /// ```
    #[must_use]
    pub fn csrf(mut self, csrf: Csrf) -> Self {
        self.cross_site.csrf = Some(csrf);
        self
    }

    /// The response sent, instead of running the handler, when the
    /// cross-site checks refuse a request (default: `403 Forbidden` with
    /// the reason's [message](Forbidden::message)).
    #[must_use]
    pub fn on_forbidden(
        mut self,
        response: impl Fn(Forbidden, &Parts) -> Response + Send + Sync + 'static,
    ) -> Self {
        self.responses.forbidden = Arc::new(response);
        self
    }

    /// How requests carry their session (default [`Transport::cookie()`]): the
    /// cookie, a header of the app's choosing for API and mobile clients, or
    /// both. A request whose session travels in a header skips the
    /// cross-site checks: a browser never adds that header by itself.
    ///
    /// ```
    /// # use session_schema::{Cookie, MemoryStorage, SessionSchema, Transport, axum::SessionLayer};
    /// # #[derive(SessionSchema)] struct Shop { visits: u32 }
    /// # fn layer() -> Result<SessionLayer<Shop, MemoryStorage>, session_schema::Error> {
    /// # let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
    /// let layer = SessionLayer::<Shop, _>::new(cookie, MemoryStorage::new())?
    ///     .transport(Transport::cookie_or_header("x-session"));
    /// # Ok(layer)
    /// # }
    /// ```
    #[must_use]
    pub fn transport(mut self, transport: Transport) -> Self {
        self.sessions.transport = transport;
        self
    }

    /// Whether a response with a 5xx status still saves the session (default
    /// `false`: a failed request leaves the stored session as it was). A
    /// destroyed session is saved (deleted) whatever the status.
    #[must_use]
    pub fn save_on_server_error(mut self, save: bool) -> Self {
        self.sessions.save_on_server_error = save;
        self
    }

    /// The response sent when the storage fails to load or save a session, or
    /// the cookie cannot be written (default: a plain `500 Internal Server Error`
    /// that does not reveal the cause).
    #[must_use]
    pub fn on_error(
        mut self,
        response: impl Fn(&Error) -> Response + Send + Sync + 'static,
    ) -> Self {
        self.responses.error = Arc::new(response);
        self
    }

    /// The response sent, instead of running the handler, when a handler takes
    /// a `Session<S, LoggedIn>` and the request's session has no owner
    /// (default: `401 Unauthorized`). It gets the request's parts, to send the
    /// user to a login page that comes back to where they were going:
    ///
    /// ```
    /// use axum::response::{IntoResponse, Redirect};
    /// # use session_schema::{Cookie, MemoryStorage, SessionSchema, axum::SessionLayer};
    /// # #[derive(SessionSchema)] struct Shop { #[session(owner)] user: String }
    /// # fn layer() -> Result<SessionLayer<Shop, MemoryStorage>, session_schema::Error> {
    /// # let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
    /// let layer = SessionLayer::<Shop, _>::new(cookie, MemoryStorage::new())?
    ///     .on_unauthenticated(|request| {
    ///         Redirect::to(&format!("/login?next={}", request.uri.path())).into_response()
    ///     });
    /// # Ok(layer)
    /// # }
    /// ```
    #[must_use]
    pub fn on_unauthenticated(
        mut self,
        response: impl Fn(&Parts) -> Response + Send + Sync + 'static,
    ) -> Self {
        self.responses.unauthenticated = Arc::new(response);
        self
    }
}

impl<S, Sto> Clone for SessionLayer<S, Sto> {
    fn clone(&self) -> Self {
        SessionLayer {
            sessions: self.sessions.clone(),
            responses: self.responses.clone(),
            cross_site: self.cross_site.clone(),
            marker: PhantomData,
        }
    }
}

impl<S, Sto> std::fmt::Debug for SessionLayer<S, Sto> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionLayer")
            .field("cookie", &self.sessions.cookie)
            .field("save_on_server_error", &self.sessions.save_on_server_error)
            .field("transport", &self.sessions.transport)
            .field("cross_origin", &self.cross_site.cross_origin)
            .field("csrf", &self.cross_site.csrf)
            .finish_non_exhaustive()
    }
}

fn default_unauthenticated_response(_: &Parts) -> Response {
    (StatusCode::UNAUTHORIZED, "Unauthorized: log in first").into_response()
}

fn default_error_response(_: &Error) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error: the session could not be loaded or saved",
    )
        .into_response()
}

impl<Inner, S: Schema, Sto: SessionStorage + 'static> Layer<Inner> for SessionLayer<S, Sto> {
    type Service = SessionService<Inner, S, Sto>;

    fn layer(&self, inner: Inner) -> Self::Service {
        SessionService {
            inner,
            shared: Arc::new(Shared {
                sessions: self.sessions.clone(),
                responses: Arc::new(self.responses.clone()),
                cross_site: self.cross_site.clone(),
                marker: PhantomData,
            }),
        }
    }
}

/// The service [`SessionLayer`] wraps a handler in.
pub struct SessionService<Inner, S: Schema, Sto> {
    inner: Inner,
    /// Everything but the handler, behind one reference count: axum clones
    /// the service for every request.
    shared: Arc<Shared<S, Sto>>,
}

/// What every request through one [`SessionService`] shares. It is also the
/// request's session loader.
struct Shared<S, Sto> {
    sessions: Sessions<Sto>,
    responses: Arc<Responses<Parts, Response>>,
    cross_site: CrossSite,
    marker: PhantomData<fn() -> S>,
}

impl<S: Schema, Sto: SessionStorage> Loader<S> for Shared<S, Sto> {
    fn load<'a>(
        &'a self,
        credential: Credential<'a>,
    ) -> BoxFuture<'a, Result<(Session<S>, bool), Error>> {
        Loader::<S>::load(&self.sessions, credential)
    }

    fn carrier<'h>(&self, header: &dyn Fn(&str) -> Option<&'h str>) -> Carrier {
        Loader::<S>::carrier(&self.sessions, header)
    }
}

impl<Inner: Clone, S: Schema, Sto> Clone for SessionService<Inner, S, Sto> {
    fn clone(&self) -> Self {
        SessionService {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<Inner: std::fmt::Debug, S: Schema, Sto> std::fmt::Debug for SessionService<Inner, S, Sto> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// What a request carries for the extractor.
pub(crate) struct LayerRequest<S: Schema> {
    pub(crate) session: RequestSession<S>,
    pub(crate) responses: Arc<Responses<Parts, Response>>,
}

impl<S: Schema> Clone for LayerRequest<S> {
    fn clone(&self) -> Self {
        LayerRequest {
            session: self.session.clone(),
            responses: Arc::clone(&self.responses),
        }
    }
}

impl<Inner, S, Sto, Body> Service<Request<Body>> for SessionService<Inner, S, Sto>
where
    Inner: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    Inner::Future: Send + 'static,
    S: Schema,
    Sto: SessionStorage + 'static,
    Body: http_body::Body + From<Bytes> + Send + 'static,
    Body::Data: Send,
    Body::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response;
    type Error = Inner::Error;
    type Future = BoxFuture<'static, Result<Response, Inner::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        let shared = &self.shared;
        let headers = request.headers();
        let loader = Arc::clone(shared) as Arc<dyn Loader<S>>;
        let session = RequestSession::new(loader, &|name| headers.get(name)?.to_str().ok());
        // A session in a header is no ambient credential: nothing to guard.
        let first = if session.carrier.is_header() {
            Step::Pass
        } else {
            shared.cross_site.first(&Head::of(&request))
        };
        let home = Arc::clone(&session.home);
        let carrier = session.carrier.clone();
        let checked = (first != Step::Pass).then(|| session.clone());
        request.extensions_mut().insert(LayerRequest {
            session,
            responses: Arc::clone(&shared.responses),
        });
        let shared = Arc::clone(shared);
        let Some(session) = checked else {
            // Nothing to check first: the handler is called now, on the
            // service that was made ready, so that the future holds the
            // handler's call and not the request beside it.
            let call = self.inner.call(request);
            return Box::pin(save_after(call, shared, home, carrier));
        };
        // The handler is called later: the clone that was made ready is the
        // one to call, and a fresh clone stays for the next request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let request = match guard(first, request, &session, &shared.responses).await {
                Ok(request) => request,
                Err(refusal) => return Ok(refusal),
            };
            let call = inner.call(request);
            save_after(call, shared, home, carrier).await
        })
    }
}

/// Waits for the handler's response (`call`), saves the session it gave
/// back, and adds the session's headers; the error response instead when
/// the save fails.
async fn save_after<S: Schema, Sto: SessionStorage, E>(
    call: impl Future<Output = Result<Response, E>>,
    shared: Arc<Shared<S, Sto>>,
    home: Arc<Home<S>>,
    carrier: Carrier,
) -> Result<Response, E> {
    let mut response = call.await?;
    let server_error = response.status().is_server_error();
    let answer = shared.sessions.finish(&home, server_error, &carrier).await;
    if let Err(error) = answer.and_then(|answer| match answer {
        Some(answer) => add_session_headers(response.headers_mut(), &answer),
        None => Ok(()),
    }) {
        response = (shared.responses.error)(&error);
    }
    Ok(response)
}

/// Adds the session's header (`Set-Cookie`, or the session header), and the
/// headers that keep shared caches from storing the response:
/// `Cache-Control: private, no-store` unless the handler set its own, and the
/// request header the response depends on in `Vary`.
fn add_session_headers(headers: &mut HeaderMap, answer: &Answer) -> Result<(), Error> {
    fn invalid<E>(_: E) -> Error {
        Error::InvalidCookie("not a valid header value".into())
    }
    let value = HeaderValue::try_from(answer.value()).map_err(invalid)?;
    let vary = match answer {
        Answer::SetCookie(_) => {
            headers.append(SET_COOKIE, value);
            HeaderValue::from_static(integration::VARY)
        }
        Answer::Header { name, .. } => {
            headers.insert(HeaderName::try_from(&**name).map_err(invalid)?, value);
            HeaderValue::try_from(&**name).map_err(invalid)?
        }
    };
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static(integration::CACHE_CONTROL),
        );
    }
    if !integration::varies_on(
        headers.get_all(VARY).iter().map(HeaderValue::as_bytes),
        answer.vary(),
    ) {
        headers.append(VARY, vary);
    }
    Ok(())
}
