//! The cross-site checks on an actix-web request: its head for the checks,
//! the form body read (bounded) and handed on intact, and the refusals.

use std::borrow::Cow;

use actix_web::body::{BodyLimitExceeded, BodyStream, to_bytes_limited};
use actix_web::dev::ServiceRequest;
use actix_web::http::header::{CONTENT_LENGTH, COOKIE, HOST, HeaderMap, HeaderValue};
use actix_web::http::{Method, Uri};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};

use crate::cross_site::{Forbidden, RequestHead};
use crate::guard::{CrossSite, Step, TOO_LARGE, UNREADABLE};
use crate::integration::{self, RequestSession, Responses};
use crate::schema::Schema;

/// What the checks read of an actix-web request.
pub(super) struct Head<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
}

impl<'a> Head<'a> {
    pub(super) fn of(request: &'a ServiceRequest) -> Self {
        Head {
            method: request.method(),
            uri: request.uri(),
            headers: request.headers(),
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
    integration::cookie_header(headers.get_all(COOKIE).map(HeaderValue::as_bytes))
}

/// The default refusal: `403 Forbidden` with the reference's text.
pub(super) fn default_forbidden_response(reason: Forbidden, _: &HttpRequest) -> HttpResponse {
    HttpResponse::Forbidden()
        .content_type("text/plain; charset=utf-8")
        .body(reason.message())
}

/// Runs the checks `first` asked for: the request to hand on, or the
/// response that answers it instead.
pub(super) async fn guard<S: Schema>(
    first: Step,
    mut request: ServiceRequest,
    session: &RequestSession<S>,
    responses: &Responses<HttpRequest, HttpResponse>,
) -> Result<ServiceRequest, (ServiceRequest, HttpResponse)> {
    let step = match first {
        Step::ReadForm { limit } => match read_form(&mut request, limit).await {
            Ok(step) => step,
            Err(response) => return Err((request, response)),
        },
        step => step,
    };
    let refusal = match step {
        Step::Pass | Step::ReadForm { .. } => return Ok(request),
        Step::Refuse(reason) => reason,
        Step::Compare(token) => {
            let header = cookie_header(request.headers());
            match CrossSite::compare(&token, session, header.as_deref()).await {
                Ok(None) => return Ok(request),
                Ok(Some(reason)) => reason,
                Err(error) => {
                    let response = (responses.error)(&error);
                    return Err((request, response));
                }
            }
        }
    };
    let response = (responses.forbidden)(refusal, request.request());
    Err((request, response))
}

/// Reads a form body of at most `limit` bytes, finds its token, and puts
/// the body back as it was for the handler.
async fn read_form(request: &mut ServiceRequest, limit: usize) -> Result<Step, HttpResponse> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let payload = request.take_payload();
    let bytes = match to_bytes_limited(BodyStream::new(payload), limit).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return Err(HttpResponse::BadRequest()
                .content_type("text/plain; charset=utf-8")
                .body(UNREADABLE));
        }
        Err(BodyLimitExceeded { .. }) => return Err(too_large()),
    };
    let step = CrossSite::after_form(&bytes, &Head::of(request));
    request.set_payload(bytes.into());
    Ok(step)
}

fn too_large() -> HttpResponse {
    HttpResponse::PayloadTooLarge()
        .content_type("text/plain; charset=utf-8")
        .body(TOO_LARGE)
}
