//! `SessionMiddleware` and the service it wraps an app or scope in.

use std::future::{Future, Ready, ready};
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{
    CACHE_CONTROL, HeaderMap, HeaderName, HeaderValue, SET_COOKIE, VARY,
};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};

use super::guard::{Head, default_forbidden_response, guard};
use crate::cookie::{Cookie, Protected};
use crate::cross_site::{CrossOrigin, Csrf, Forbidden};
use crate::error::Error;
use crate::guard::{CrossSite, Step};
use crate::integration::{self, Answer, Loader, RequestSession, Responses, Sessions};
use crate::schema::Schema;
use crate::storage::SessionStorage;
use crate::transport::Transport;

/// An actix-web middleware that gives handlers a typed
/// [`Session<S>`](crate::Session), kept in `Sto`, and saves it after them.
/// Wrap an `App` or a `Scope` with it. See the [module docs](crate::actix).
pub struct SessionMiddleware<S, Sto> {
    sessions: Sessions<Sto>,
    responses: Responses<HttpRequest, HttpResponse>,
    cross_site: CrossSite,
    marker: PhantomData<fn() -> S>,
}

impl<S: Schema, Sto: SessionStorage> SessionMiddleware<S, Sto> {
    /// A middleware for sessions of schema `S`, in `storage`, identified by
    /// `cookie`. The cookie must be signed or encrypted (an unsigned
    /// `Cookie::new(..)` does not compile here), and is made `HttpOnly` unless
    /// `http_only(false)` was set on it.
    ///
    /// # Errors
    ///
    /// [`Error::EmptySecret`] when the cookie has no secret or an empty one,
    /// and [`Error::ShortSecret`] when a secret is shorter than 32 bytes and
    /// the cookie does not [allow short secrets](Cookie::allow_short_secrets).
    pub fn new<P: Protected>(cookie: Cookie<P>, storage: Sto) -> Result<Self, Error> {
        Ok(SessionMiddleware {
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
    /// # use session_schema::{Cookie, CrossOrigin, MemoryStorage, SessionSchema, actix::SessionMiddleware};
    /// # #[derive(SessionSchema)] struct Shop { visits: u32 }
    /// # fn middleware() -> Result<SessionMiddleware<Shop, MemoryStorage>, session_schema::Error> {
    /// # let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
    /// let middleware = SessionMiddleware::<Shop, _>::new(cookie, MemoryStorage::new())?
    ///     .cross_origin(CrossOrigin::new().bypass("POST /webhooks/{name}")?);
    /// # Ok(middleware)
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
        response: impl Fn(Forbidden, &HttpRequest) -> HttpResponse + Send + Sync + 'static,
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
    /// # use session_schema::{Cookie, MemoryStorage, SessionSchema, Transport, actix::SessionMiddleware};
    /// # #[derive(SessionSchema)] struct Shop { visits: u32 }
    /// # fn middleware() -> Result<SessionMiddleware<Shop, MemoryStorage>, session_schema::Error> {
    /// # let cookie = Cookie::new("session").secrets(["a secret of at least 32 random bytes"]);
    /// let middleware = SessionMiddleware::<Shop, _>::new(cookie, MemoryStorage::new())?
    ///     .transport(Transport::cookie_or_header("x-session"));
    /// # Ok(middleware)
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
    /// the cookie cannot be written (default: a plain `500 Internal Server
    /// Error` that does not reveal the cause).
    #[must_use]
    pub fn on_error(
        mut self,
        response: impl Fn(&Error) -> HttpResponse + Send + Sync + 'static,
    ) -> Self {
        self.responses.error = Arc::new(response);
        self
    }

    /// The response sent, instead of running the handler, when a handler
    /// takes a `Session<S, LoggedIn>` and the request's session has no owner
    /// (default: `401 Unauthorized`). It gets the request, to send the user to
    /// a login page that comes back to where they were going.
    #[must_use]
    pub fn on_unauthenticated(
        mut self,
        response: impl Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static,
    ) -> Self {
        self.responses.unauthenticated = Arc::new(response);
        self
    }
}

impl<S, Sto> Clone for SessionMiddleware<S, Sto> {
    /// Another middleware over the same storage and settings: build one, then
    /// clone it into `HttpServer::new`'s factory.
    fn clone(&self) -> Self {
        SessionMiddleware {
            sessions: self.sessions.clone(),
            responses: self.responses.clone(),
            cross_site: self.cross_site.clone(),
            marker: PhantomData,
        }
    }
}

impl<S, Sto> std::fmt::Debug for SessionMiddleware<S, Sto> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionMiddleware")
            .field("cookie", &self.sessions.cookie)
            .field("save_on_server_error", &self.sessions.save_on_server_error)
            .field("transport", &self.sessions.transport)
            .field("cross_origin", &self.cross_site.cross_origin)
            .field("csrf", &self.cross_site.csrf)
            .finish_non_exhaustive()
    }
}

fn default_error_response(_: &Error) -> HttpResponse {
    HttpResponse::InternalServerError()
        .content_type("text/plain; charset=utf-8")
        .body("Internal Server Error: the session could not be loaded or saved")
}

fn default_unauthenticated_response(_: &HttpRequest) -> HttpResponse {
    HttpResponse::Unauthorized()
        .content_type("text/plain; charset=utf-8")
        .body("Unauthorized: log in first")
}

impl<Inner, B, S, Sto> Transform<Inner, ServiceRequest> for SessionMiddleware<S, Sto>
where
    Inner:
        Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    S: Schema,
    Sto: SessionStorage + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = SessionService<Inner, S, Sto>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, inner: Inner) -> Self::Future {
        let sessions = Arc::new(self.sessions.clone());
        ready(Ok(SessionService {
            inner: Rc::new(inner),
            loader: Arc::clone(&sessions) as Arc<dyn Loader<S>>,
            sessions,
            responses: Arc::new(self.responses.clone()),
            cross_site: Arc::new(self.cross_site.clone()),
        }))
    }
}

/// The service [`SessionMiddleware`] wraps an app or a scope in.
pub struct SessionService<Inner, S: Schema, Sto> {
    inner: Rc<Inner>,
    sessions: Arc<Sessions<Sto>>,
    loader: Arc<dyn Loader<S>>,
    responses: Arc<Responses<HttpRequest, HttpResponse>>,
    cross_site: Arc<CrossSite>,
}

impl<Inner, S: Schema, Sto> std::fmt::Debug for SessionService<Inner, S, Sto> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionService").finish_non_exhaustive()
    }
}

/// What a request carries for the extractor.
pub(crate) struct MiddlewareRequest<S: Schema> {
    pub(crate) session: RequestSession<S>,
    pub(crate) responses: Arc<Responses<HttpRequest, HttpResponse>>,
}

impl<S: Schema> Clone for MiddlewareRequest<S> {
    fn clone(&self) -> Self {
        MiddlewareRequest {
            session: self.session.clone(),
            responses: Arc::clone(&self.responses),
        }
    }
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<Inner, B, S, Sto> Service<ServiceRequest> for SessionService<Inner, S, Sto>
where
    Inner:
        Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    S: Schema,
    Sto: SessionStorage + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<Result<Self::Response, Self::Error>>;

    forward_ready!(inner);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let headers = request.headers();
        let session = RequestSession::new(Arc::clone(&self.loader), &|name| {
            headers.get(name)?.to_str().ok()
        });
        // A session in a header is no ambient credential: nothing to guard.
        let first = if session.carrier.is_header() {
            Step::Pass
        } else {
            self.cross_site.first(&Head::of(&request))
        };
        let home = Arc::clone(&session.home);
        let carrier = session.carrier.clone();
        let checked = (first != Step::Pass).then(|| session.clone());
        request.extensions_mut().insert(MiddlewareRequest {
            session,
            responses: Arc::clone(&self.responses),
        });
        let inner = Rc::clone(&self.inner);
        let sessions = Arc::clone(&self.sessions);
        let responses = Arc::clone(&self.responses);
        Box::pin(async move {
            let request = match checked {
                None => request,
                Some(session) => match guard(first, request, &session, &responses).await {
                    Ok(request) => request,
                    Err((request, refusal)) => {
                        return Ok(request.into_response(refusal).map_into_right_body());
                    }
                },
            };
            let mut response = match inner.call(request).await {
                Ok(response) => response,
                Err(error) => {
                    // An inner service failed: as for a 5xx, only a destroyed
                    // session is saved, so a logout is never lost on this
                    // path either. The error goes on, and the response
                    // made of it clears the cookie.
                    return Err(match sessions.finish(&home, true, &carrier).await {
                        Ok(Some(answer)) => WithSession { error, answer }.into(),
                        _ => error,
                    });
                }
            };
            let server_error = response.status().is_server_error();
            let answer = sessions.finish(&home, server_error, &carrier).await;
            match answer.and_then(|answer| match answer {
                Some(answer) => add_session_headers(response.headers_mut(), &answer),
                None => Ok(()),
            }) {
                Ok(()) => Ok(response.map_into_left_body()),
                Err(error) => {
                    let replacement = (responses.error)(&error);
                    let (request, _) = response.into_parts();
                    Ok(ServiceResponse::new(request, replacement).map_into_right_body())
                }
            }
        })
    }
}

/// An inner service's error whose response also carries the session's end
/// (a cleared cookie, or an empty session header).
struct WithSession {
    error: actix_web::Error,
    answer: Answer,
}

impl std::fmt::Debug for WithSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.error, f)
    }
}

impl std::fmt::Display for WithSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl actix_web::ResponseError for WithSession {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = self.error.error_response();
        // A header that cannot be written leaves the error response as it is.
        let _ = add_session_headers(response.headers_mut(), &self.answer);
        response
    }
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
        headers.get_all(VARY).map(HeaderValue::as_bytes),
        answer.vary(),
    ) {
        headers.append(VARY, vary);
    }
    Ok(())
}
