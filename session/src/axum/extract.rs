//! `Session<S>` as an axum extractor.

use std::sync::Arc;

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::COOKIE;
use http::request::Parts;

use super::home::Lend;
use super::layer::RequestSession;
use crate::error::Chain;
use crate::schema::Schema;
use crate::session::Session;

/// Extracts the request's session, loading it from the storage on first use.
/// Rejects with `500 Internal Server Error` when no `SessionLayer<S, _>` is
/// installed on the route, or the storage fails.
impl<S: Schema, AppState: Send + Sync> FromRequestParts<AppState> for Session<S> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        let Some(request) = parts.extensions.get::<RequestSession<S>>().cloned() else {
            let schema = std::any::type_name::<S>();
            tracing::error!(
                schema,
                path = %parts.uri.path(),
                "a handler takes a Session, but no SessionLayer of this schema is installed on its route"
            );
            return Err(internal_error(&format!(
                "no SessionLayer<{schema}, _> is installed for this route"
            )));
        };
        let mut session = match request.home.lend() {
            Lend::Again(session) => session,
            Lend::Unavailable(reason) => {
                tracing::error!(reason, "a handler asked for a session it cannot have");
                return Err(internal_error(reason));
            }
            Lend::Load => {
                let header = cookie_header(parts);
                let value = request.loader.cookie().parse(header.as_deref());
                match request.loader.read(value).await {
                    Ok(session) => session,
                    Err(error) => {
                        tracing::error!(
                            error = %Chain(&error),
                            "the session could not be loaded from its storage"
                        );
                        request.home.cancel_lend();
                        return Err(request.loader.error_response(&error));
                    }
                }
            }
        };
        session.set_home(Arc::clone(&request.home));
        Ok(session)
    }
}

/// The `Cookie` header, with several header lines joined as one.
fn cookie_header(parts: &Parts) -> Option<String> {
    let mut values = parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok());
    let first = values.next()?;
    Some(values.fold(first.to_owned(), |mut joined, value| {
        joined.push_str("; ");
        joined.push_str(value);
        joined
    }))
}

fn internal_error(reason: &str) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Internal Server Error: {reason}"),
    )
        .into_response()
}
