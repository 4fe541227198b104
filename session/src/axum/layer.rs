//! `SessionLayer` and the service it wraps handlers in.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::response::{IntoResponse, Response};
use http::header::{HeaderValue, SET_COOKIE};
use http::{Request, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use super::home::{Finish, Home, Returned};
use crate::cookie::Cookie;
use crate::error::{Chain, Error};
use crate::schema::Schema;
use crate::session::Session;
use crate::storage::SessionStorage;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
type ErrorResponse = Arc<dyn Fn(&Error) -> Response + Send + Sync>;

/// A tower layer that gives handlers a typed [`Session<S>`](crate::Session),
/// kept in `Sto`, and saves it after them. See the [module docs](crate::axum).
pub struct SessionLayer<S, Sto> {
    cookie: Cookie,
    storage: Arc<Sto>,
    save_on_server_error: bool,
    on_error: ErrorResponse,
    marker: PhantomData<fn() -> S>,
}

/// What the services of one layer share.
pub(crate) struct Config<Sto> {
    pub(crate) cookie: Cookie,
    storage: Arc<Sto>,
    save_on_server_error: bool,
    on_error: ErrorResponse,
}

impl<S: Schema, Sto: SessionStorage> SessionLayer<S, Sto> {
    /// A layer for sessions of schema `S`, in `storage`, identified by `cookie`.
    /// The cookie is made `HttpOnly` unless `http_only(false)` was set on it.
    ///
    /// # Errors
    ///
    /// [`Error::UnsignedCookie`] when the cookie has no secrets: an unsigned
    /// session cookie can be forged by its client.
    pub fn new(cookie: Cookie, storage: Sto) -> Result<Self, Error> {
        if !cookie.is_signed() {
            return Err(Error::UnsignedCookie);
        }
        let cookie = if cookie.http_only_is_set() {
            cookie
        } else {
            cookie.http_only(true)
        };
        Ok(SessionLayer {
            cookie,
            storage: Arc::new(storage),
            save_on_server_error: false,
            on_error: Arc::new(default_error_response),
            marker: PhantomData,
        })
    }

    /// Whether a response with a 5xx status still saves the session (default
    /// `false`: a failed request leaves the stored session as it was).
    #[must_use]
    pub fn save_on_server_error(mut self, save: bool) -> Self {
        self.save_on_server_error = save;
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
        self.on_error = Arc::new(response);
        self
    }

    /// The cookie the layer reads and writes.
    #[must_use]
    pub fn cookie(&self) -> &Cookie {
        &self.cookie
    }
}

impl<S, Sto> Clone for SessionLayer<S, Sto> {
    fn clone(&self) -> Self {
        SessionLayer {
            cookie: self.cookie.clone(),
            storage: Arc::clone(&self.storage),
            save_on_server_error: self.save_on_server_error,
            on_error: Arc::clone(&self.on_error),
            marker: PhantomData,
        }
    }
}

impl<S, Sto> std::fmt::Debug for SessionLayer<S, Sto> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionLayer")
            .field("cookie", &self.cookie)
            .field("save_on_server_error", &self.save_on_server_error)
            .finish_non_exhaustive()
    }
}

fn default_error_response(_: &Error) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error: the session could not be loaded or saved",
    )
        .into_response()
}

impl<Inner, S: Schema, Sto> Layer<Inner> for SessionLayer<S, Sto> {
    type Service = SessionService<Inner, S, Sto>;

    fn layer(&self, inner: Inner) -> Self::Service {
        let config = Config {
            cookie: self.cookie.clone(),
            storage: Arc::clone(&self.storage),
            save_on_server_error: self.save_on_server_error,
            on_error: Arc::clone(&self.on_error),
        };
        SessionService {
            inner,
            config: Arc::new(config),
            marker: PhantomData,
        }
    }
}

/// The service [`SessionLayer`] wraps a handler in.
pub struct SessionService<Inner, S, Sto> {
    inner: Inner,
    config: Arc<Config<Sto>>,
    marker: PhantomData<fn() -> S>,
}

impl<Inner: Clone, S, Sto> Clone for SessionService<Inner, S, Sto> {
    fn clone(&self) -> Self {
        SessionService {
            inner: self.inner.clone(),
            config: Arc::clone(&self.config),
            marker: PhantomData,
        }
    }
}

impl<Inner: std::fmt::Debug, S, Sto> std::fmt::Debug for SessionService<Inner, S, Sto> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// What a request carries for the extractor: where the session goes back to,
/// and how to load it.
pub(crate) struct RequestSession<S: Schema> {
    pub(crate) home: Arc<Home<S>>,
    pub(crate) loader: Arc<dyn Loader<S>>,
}

impl<S: Schema> Clone for RequestSession<S> {
    fn clone(&self) -> Self {
        RequestSession {
            home: Arc::clone(&self.home),
            loader: Arc::clone(&self.loader),
        }
    }
}

/// Loads sessions of schema `S` from a storage whose type the extractor does
/// not know.
pub(crate) trait Loader<S: Schema>: Send + Sync {
    fn cookie(&self) -> &Cookie;
    fn read(&self, cookie_value: Option<String>) -> BoxFuture<'_, Result<Session<S>, Error>>;
    fn error_response(&self, error: &Error) -> Response;
}

impl<S: Schema, Sto: SessionStorage> Loader<S> for Config<Sto> {
    fn cookie(&self) -> &Cookie {
        &self.cookie
    }

    fn read(&self, cookie_value: Option<String>) -> BoxFuture<'_, Result<Session<S>, Error>> {
        Box::pin(async move { self.storage.read(cookie_value.as_deref()).await })
    }

    fn error_response(&self, error: &Error) -> Response {
        (self.on_error)(error)
    }
}

impl<Sto: SessionStorage> Config<Sto> {
    /// Saves the session the handler gave back and sets or clears the cookie.
    async fn finish<S: Schema>(&self, home: &Home<S>, mut response: Response) -> Response {
        let returned = match home.finish() {
            Finish::Unused => return response,
            Finish::KeptBeyondRequest => {
                tracing::warn!(
                    "a session was kept beyond its request (moved into a task?); its changes are not saved"
                );
                return response;
            }
            Finish::Back(returned) => returned,
        };
        if response.status().is_server_error() && !self.save_on_server_error {
            return response;
        }
        let saved = match &*returned {
            Returned::Active(session) => self.storage.save(session).await,
            Returned::Destroyed(session) => self.storage.save(session).await,
        };
        let set_cookie = match saved {
            Ok(None) => return response,
            Ok(Some(value)) if value.is_empty() => self.cookie.serialize_removal(),
            Ok(Some(value)) => self.cookie.serialize(&value),
            Err(error) => Err(error),
        };
        let header = set_cookie.and_then(|header| {
            HeaderValue::try_from(header)
                .map_err(|_| Error::InvalidCookie("not a valid header value".into()))
        });
        match header {
            Ok(header) => {
                response.headers_mut().append(SET_COOKIE, header);
                response
            }
            Err(error) => {
                tracing::error!(
                    error = %Chain(&error),
                    "the session could not be saved; answering with the error response"
                );
                (self.on_error)(&error)
            }
        }
    }
}

impl<Inner, S, Sto, Body> Service<Request<Body>> for SessionService<Inner, S, Sto>
where
    Inner: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    Inner::Future: Send + 'static,
    S: Schema,
    Sto: SessionStorage + 'static,
    Body: Send + 'static,
{
    type Response = Response;
    type Error = Inner::Error;
    type Future = BoxFuture<'static, Result<Response, Inner::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        let home = Arc::new(Home::<S>::new());
        let loader: Arc<dyn Loader<S>> = Arc::clone(&self.config) as Arc<dyn Loader<S>>;
        request.extensions_mut().insert(RequestSession {
            home: Arc::clone(&home),
            loader,
        });
        // The clone that was made ready is the one to call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = Arc::clone(&self.config);
        Box::pin(async move {
            let response = inner.call(request).await?;
            Ok(config.finish(&home, response).await)
        })
    }
}
