//! `Session<S>`, `Session<S, LoggedIn>` (and so `Option<Session<S, LoggedIn>>`)
//! as actix-web extractors.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse};

use super::guard::cookie_header;
use super::middleware::MiddlewareRequest;
use crate::integration::{INTERNAL_ERROR, LendError, LoginError, missing_layer};
use crate::owner::HasOwner;
use crate::schema::Schema;
use crate::session::Session;
use crate::state::LoggedIn;

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// Extracts the request's session, loading it from the storage on first use.
/// Fails with `500 Internal Server Error` when no `SessionMiddleware<S, _>`
/// wraps the route, or the storage fails (the middleware's
/// [`on_error`](super::SessionMiddleware::on_error) response), or the
/// handler already holds the session through another argument (take it
/// once); the log says which.
impl<S: Schema> FromRequest for Session<S> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = found::<S>(request);
        let request = request.clone();
        Box::pin(async move {
            let middleware = found?;
            let header = cookie_header(request.headers());
            match middleware.session.lend(header.as_deref()).await {
                Ok(session) => Ok(session),
                Err(LendError::Unavailable) => Err(internal_error()),
                Err(LendError::Storage(error)) => {
                    Err(rejection((middleware.responses.error)(&error)))
                }
            }
        })
    }
}

/// Extracts the request's session as a logged-in one: a request whose session
/// has no owner is turned away before the handler runs, with `401
/// Unauthorized` (or the middleware's
/// [`on_unauthenticated`](super::SessionMiddleware::on_unauthenticated)
/// response), and nothing is saved. The session loaded for the check is the
/// one the handler gets.
///
/// `Option<Session<S, LoggedIn>>` is `None` for an anonymous request (no
/// `401`), for pages that change when someone is logged in; the session
/// loaded for the check stays the request's, so a `Session<S>` argument
/// after it gets it without a second storage read. actix-web turns every
/// error of an `Option<T>` extractor into `None`: a storage failure there
/// reads as anonymous (and is logged as an error).
///
/// A handler takes the session once: two session arguments in one handler
/// (`Session<S>` twice, or `Session<S>` and `Session<S, LoggedIn>`) answer
/// `500` and log why. `Option<Session<S, LoggedIn>>` followed by
/// `Session<S>` is the exception: the second gets the session only when the
/// first is `None`.
impl<S: HasOwner> FromRequest for Session<S, LoggedIn> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = found::<S>(request);
        let request = request.clone();
        Box::pin(async move {
            let middleware = found?;
            let header = cookie_header(request.headers());
            match middleware.session.lend_logged_in(header.as_deref()).await {
                Ok(session) => Ok(session),
                Err(LoginError::NotLoggedIn) => {
                    Err(rejection((middleware.responses.unauthenticated)(&request)))
                }
                Err(LoginError::Lend(LendError::Unavailable)) => Err(internal_error()),
                Err(LoginError::Lend(LendError::Storage(error))) => {
                    Err(rejection((middleware.responses.error)(&error)))
                }
            }
        })
    }
}

/// What the middleware left in the request for schema `S`. (The extractors
/// read the `Cookie` header inside their futures, from the request they
/// hold: borrowed, not copied.)
fn found<S: Schema>(request: &HttpRequest) -> Result<MiddlewareRequest<S>, actix_web::Error> {
    let Some(middleware) = request.extensions().get::<MiddlewareRequest<S>>().cloned() else {
        missing_layer::<S>(request.path(), "SessionMiddleware");
        return Err(internal_error());
    };
    Ok(middleware)
}

/// An extractor error that answers with exactly `response`.
fn rejection(response: HttpResponse) -> actix_web::Error {
    InternalError::from_response("the session extractor turned the request away", response).into()
}

/// A plain `500`: the cause is in the log.
fn internal_error() -> actix_web::Error {
    rejection(
        HttpResponse::InternalServerError()
            .content_type("text/plain; charset=utf-8")
            .body(INTERNAL_ERROR),
    )
}
