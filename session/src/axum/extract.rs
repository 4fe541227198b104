//! `Session<S>` as an axum extractor.

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use super::guard::cookie_header;
use super::layer::LayerRequest;
use crate::integration::{LendError, LoginError, missing_layer};
use crate::owner::HasOwner;
use crate::schema::Schema;
use crate::session::Session;
use crate::state::LoggedIn;

/// Extracts the request's session, loading it from the storage on first use.
/// Rejects with `500 Internal Server Error` when no `SessionLayer<S, _>` is
/// installed on the route, or the storage fails (the layer's
/// [`on_error`](super::SessionLayer::on_error) response).
impl<S: Schema, AppState: Send + Sync> FromRequestParts<AppState> for Session<S> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        let Some(request) = parts.extensions.get::<LayerRequest<S>>().cloned() else {
            let reason = missing_layer::<S>(parts.uri.path(), "SessionLayer");
            return Err(internal_error(&reason));
        };
        let header = cookie_header(&parts.headers);
        match request.session.lend(header.as_deref()).await {
            Ok(session) => Ok(session),
            Err(LendError::Unavailable(reason)) => Err(internal_error(reason)),
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
        let Some(request) = parts.extensions.get::<LayerRequest<S>>().cloned() else {
            let reason = missing_layer::<S>(parts.uri.path(), "SessionLayer");
            return Err(internal_error(&reason));
        };
        let header = cookie_header(&parts.headers);
        match request.session.lend_logged_in(header.as_deref()).await {
            Ok(session) => Ok(session),
            Err(LoginError::NotLoggedIn) => Err((request.responses.unauthenticated)(parts)),
            Err(LoginError::Lend(LendError::Unavailable(reason))) => Err(internal_error(reason)),
            Err(LoginError::Lend(LendError::Storage(error))) => {
                Err((request.responses.error)(&error))
            }
        }
    }
}

fn internal_error(reason: &str) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Internal Server Error: {reason}"),
    )
        .into_response()
}
