//! `Session<S>` and `Session<S, LoggedIn>` as actix-web extractors.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse};

use super::guard::cookie_header;
use super::middleware::MiddlewareRequest;
use crate::integration::{LendError, LoginError, missing_layer};
use crate::owner::HasOwner;
use crate::schema::Schema;
use crate::session::Session;
use crate::state::LoggedIn;

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// Extracts the request's session, loading it from the storage on first use.
/// Fails with `500 Internal Server Error` when no `SessionMiddleware<S, _>`
/// wraps the route, or the storage fails (the middleware's
/// [`on_error`](super::SessionMiddleware::on_error) response).
impl<S: Schema> FromRequest for Session<S> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = found::<S>(request);
        Box::pin(async move {
            let (middleware, header) = found?;
            match middleware.session.lend(header.as_deref()).await {
                Ok(session) => Ok(session),
                Err(LendError::Unavailable(reason)) => Err(internal_error(reason)),
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
impl<S: HasOwner> FromRequest for Session<S, LoggedIn> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = found::<S>(request);
        let request = request.clone();
        Box::pin(async move {
            let (middleware, header) = found?;
            match middleware.session.lend_logged_in(header.as_deref()).await {
                Ok(session) => Ok(session),
                Err(LoginError::NotLoggedIn) => {
                    Err(rejection((middleware.responses.unauthenticated)(&request)))
                }
                Err(LoginError::Lend(LendError::Unavailable(reason))) => {
                    Err(internal_error(reason))
                }
                Err(LoginError::Lend(LendError::Storage(error))) => {
                    Err(rejection((middleware.responses.error)(&error)))
                }
            }
        })
    }
}

/// What the middleware left in the request for schema `S`, and the request's
/// `Cookie` header (several lines joined as one).
fn found<S: Schema>(
    request: &HttpRequest,
) -> Result<(MiddlewareRequest<S>, Option<String>), actix_web::Error> {
    let Some(middleware) = request.extensions().get::<MiddlewareRequest<S>>().cloned() else {
        let reason = missing_layer::<S>(request.path(), "SessionMiddleware");
        return Err(internal_error(&reason));
    };
    let header = cookie_header(request.headers()).map(std::borrow::Cow::into_owned);
    Ok((middleware, header))
}

/// An extractor error that answers with exactly `response`.
fn rejection(response: HttpResponse) -> actix_web::Error {
    InternalError::from_response("the session extractor turned the request away", response).into()
}

fn internal_error(reason: &str) -> actix_web::Error {
    rejection(HttpResponse::InternalServerError().body(format!("Internal Server Error: {reason}")))
}
