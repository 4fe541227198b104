//! `Session<S>`, `Session<S, LoggedIn>` and `Option<Session<S, LoggedIn>>`
//! as axum extractors.

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use super::guard::cookie_header;
use super::layer::LayerRequest;
use crate::integration::{INTERNAL_ERROR, LendError, LoginError, missing_layer};
use crate::owner::HasOwner;
use crate::schema::Schema;
use crate::session::Session;
use crate::state::LoggedIn;

/// Extracts the request's session, loading it from the storage on first use.
/// Rejects with `500 Internal Server Error` when no `SessionLayer<S, _>` is
/// installed on the route, or the storage fails (the layer's
/// [`on_error`](super::SessionLayer::on_error) response), or the handler
/// already holds the session through another argument: a handler takes the
/// session once (two session arguments answer `500` and log why), except
/// after an `Option<Session<S, LoggedIn>>` that was `None`.
impl<S: Schema, AppState: Send + Sync> FromRequestParts<AppState> for Session<S> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        let Some(request) = parts.extensions.get::<LayerRequest<S>>() else {
            missing_layer::<S>(parts.uri.path(), "SessionLayer");
            return Err(internal_error());
        };
        let header = cookie_header(&parts.headers);
        match request.session.lend(header.as_deref()).await {
            Ok(session) => Ok(session),
            Err(LendError::Unavailable) => Err(internal_error()),
            Err(LendError::Storage(error)) => Err((request.responses.error)(&error)),
        }
    }
}

/// Extracts the request's session as a logged-in one: a request whose session
/// has no owner is turned away before the handler runs, with `401
/// Unauthorized` (or the layer's
/// [`on_unauthenticated`](super::SessionLayer::on_unauthenticated) response),
/// and nothing is saved. The session loaded for the check is the one the
/// handler gets.
impl<S: HasOwner, AppState: Send + Sync> FromRequestParts<AppState> for Session<S, LoggedIn> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        let Some(request) = parts.extensions.get::<LayerRequest<S>>() else {
            missing_layer::<S>(parts.uri.path(), "SessionLayer");
            return Err(internal_error());
        };
        let header = cookie_header(&parts.headers);
        match request.session.lend_logged_in(header.as_deref()).await {
            Ok(session) => Ok(session),
            Err(LoginError::NotLoggedIn) => Err((request.responses.unauthenticated)(parts)),
            Err(LoginError::Lend(LendError::Unavailable)) => Err(internal_error()),
            Err(LoginError::Lend(LendError::Storage(error))) => {
                Err((request.responses.error)(&error))
            }
        }
    }
}

/// Extracts the request's session as a logged-in one if it has an owner:
/// `Option<Session<S, LoggedIn>>` is `None` for an anonymous request (no
/// `401`), for pages that change when someone is logged in. A session loaded
/// for the check and found anonymous stays the request's: a `Session<S>`
/// argument after this one gets it without a second storage read.
/// Rejects with a `500` as [`Session<S>`] does.
impl<S: HasOwner, AppState: Send + Sync> OptionalFromRequestParts<AppState>
    for Session<S, LoggedIn>
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Option<Self>, Response> {
        let Some(request) = parts.extensions.get::<LayerRequest<S>>() else {
            missing_layer::<S>(parts.uri.path(), "SessionLayer");
            return Err(internal_error());
        };
        let header = cookie_header(&parts.headers);
        match request.session.lend_logged_in(header.as_deref()).await {
            Ok(session) => Ok(Some(session)),
            Err(LoginError::NotLoggedIn) => Ok(None),
            Err(LoginError::Lend(LendError::Unavailable)) => Err(internal_error()),
            Err(LoginError::Lend(LendError::Storage(error))) => {
                Err((request.responses.error)(&error))
            }
        }
    }
}

/// A plain `500`: the cause is in the log.
fn internal_error() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_ERROR).into_response()
}
