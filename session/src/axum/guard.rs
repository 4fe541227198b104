//! The cross-site checks on an axum request: its head for the checks, the
//! form body read (bounded) and handed on intact, and the refusals.

use std::borrow::Cow;

use axum_core::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, COOKIE, HOST, HeaderValue};
use http::request::Parts;
use http::{HeaderMap, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use crate::cross_site::{Forbidden, RequestHead};
use crate::guard::{CrossSite, Step, TOO_LARGE, UNREADABLE};
use crate::integration::{self, RequestSession, Responses};
use crate::schema::Schema;

/// What the checks read of an axum request.
pub(super) struct Head<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
}

impl<'a> Head<'a> {
    pub(super) fn of<B>(request: &'a Request<B>) -> Self {
        Head {
            method: request.method(),
            uri: request.uri(),
            headers: request.headers(),
        }
    }

    fn of_parts(parts: &'a Parts) -> Self {
        Head {
            method: &parts.method,
            uri: &parts.uri,
            headers: &parts.headers,
        }
    }
}

impl RequestHead for Head<'_> {
    fn method(&self) -> &str {
        self.method.as_str()
    }

    fn path(&self) -> &str {
        self.uri.path()
    }

    fn query(&self) -> Option<&str> {
        self.uri.query()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    fn host(&self) -> Option<&str> {
        match self.uri.authority() {
            Some(authority) => Some(authority.as_str()),
            None => self.headers.get(HOST)?.to_str().ok(),
        }
    }
}

/// The `Cookie` header, with several header lines joined as one.
pub(super) fn cookie_header(headers: &HeaderMap) -> Option<Cow<'_, [u8]>> {
    integration::cookie_header(headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes))
}

/// The default refusal: `403 Forbidden` with the reference's text.
pub(super) fn default_forbidden_response(reason: Forbidden, _: &Parts) -> Response {
    (StatusCode::FORBIDDEN, reason.message()).into_response()
}

/// Runs the checks `first` asked for: the request to hand on, or the
/// response that answers it instead.
pub(super) async fn guard<S: Schema, Body>(
    first: Step,
    request: Request<Body>,
    session: &RequestSession<S>,
    responses: &Responses<Parts, Response>,
) -> Result<Request<Body>, Response>
where
    Body: http_body::Body + From<Bytes> + Send,
    Body::Data: Send,
    Body::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (step, request) = match first {
        Step::ReadForm { limit } => read_form(request, limit).await?,
        step => (step, request),
    };
    let refusal = match step {
        Step::Pass | Step::ReadForm { .. } => return Ok(request),
        Step::Refuse(reason) => reason,
        Step::Compare(token) => {
            let header = cookie_header(request.headers());
            match CrossSite::compare(&token, session, header.as_deref()).await {
                Ok(None) => return Ok(request),
                Ok(Some(reason)) => reason,
                Err(error) => return Err((responses.error)(&error)),
            }
        }
    };
    let (parts, _) = request.into_parts();
    Err((responses.forbidden)(refusal, &parts))
}

/// Reads a form body of at most `limit` bytes, finds its token, and puts
/// the body back as it was for the handler.
async fn read_form<Body>(
    request: Request<Body>,
    limit: usize,
) -> Result<(Step, Request<Body>), Response>
where
    Body: http_body::Body + From<Bytes> + Send,
    Body::Data: Send,
    Body::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE).into_response());
    }
    let (parts, body) = request.into_parts();
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<LengthLimitError>() => {
            return Err((StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE).into_response());
        }
        Err(_) => return Err((StatusCode::BAD_REQUEST, UNREADABLE).into_response()),
    };
    let step = CrossSite::after_form(&bytes, &Head::of_parts(&parts));
    Ok((step, Request::from_parts(parts, Body::from(bytes))))
}
