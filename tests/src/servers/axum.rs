//! The routes of [`Framework`], served by axum.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::App;
use crate::http::serve;
use crate::web::{Framework, Probe, Setup};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, LoggedIn, Session};

use super::handlers::{
    count, csrf_token, flash, forget, maybe, maybe_notice, plain, race_cart, race_name, read_flash,
    remember, submitted,
};

async fn login(mut session: Session<App>) -> Redirect {
    session.regenerate_id(true);
    session.set(App::NAME, "Ada".into());
    session.flash(App::NOTICE, "welcome".into());
    Redirect::to("/")
}

async fn logout(session: Session<App>) -> Redirect {
    session.destroy();
    Redirect::to("/")
}

async fn fail(mut session: Session<App>) -> StatusCode {
    session.set(App::NAME, "half-done".into());
    StatusCode::INTERNAL_SERVER_ERROR
}

async fn failing_logout(session: Session<App>) -> StatusCode {
    session.destroy();
    StatusCode::INTERNAL_SERVER_ERROR
}

async fn cached(mut session: Session<App>) -> impl IntoResponse {
    session.set(App::NAME, "x".into());
    (
        [(CACHE_CONTROL, "max-age=60"), (VARY, "Accept-Encoding")],
        "the handler's own cache rule",
    )
}

async fn stamp(mut session: Session<App>, request: Request, next: Next) -> Response {
    session.set(App::NAME, "from the middleware".into());
    drop(session);
    next.run(request).await
}

async fn log_in(session: Session<App>) -> Redirect {
    let mut session = session.log_in(9);
    session.flash(App::NOTICE, "welcome".into());
    Redirect::to("/account")
}

async fn account(State(probe): State<Arc<Probe>>, session: Session<App, LoggedIn>) -> String {
    probe.handled.fetch_add(1, Ordering::SeqCst);
    format!("account of user {}", session.owner())
}

async fn log_out(session: Session<App, LoggedIn>) -> Redirect {
    let _anonymous = session.log_out();
    Redirect::to("/")
}

async fn submit(
    State(probe): State<Arc<Probe>>,
    method: Method,
    session: Session<App>,
    body: String,
) -> String {
    submitted(&probe, method.as_str(), &body, &session)
}

fn routes(layer: SessionLayer<App, Arc<Probe>>, probe: Arc<Probe>) -> Router {
    Router::new()
        .route("/", get(count))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/plain", get(plain))
        .route("/fail", get(fail))
        .route("/failing-logout", post(failing_logout))
        .route("/cached", get(cached))
        .route("/twice", get(count).layer(from_fn(stamp)))
        .route("/log-in", post(log_in))
        .route("/account", get(account))
        .route("/log-out", post(log_out))
        .route("/flash", get(flash))
        .route("/read-flash", get(read_flash))
        .route(
            "/race/name",
            get(|State(probe): State<Arc<Probe>>, session| async move {
                race_name(&probe, session).await
            }),
        )
        .route(
            "/race/cart",
            get(|State(probe): State<Arc<Probe>>, session| async move {
                race_cart(&probe, session).await
            }),
        )
        .route("/csrf-token", get(csrf_token))
        .route("/maybe", get(maybe))
        .route("/remember", post(remember))
        .route("/forget", post(forget))
        .route("/maybe-notice", get(maybe_notice))
        .route("/submit", any(submit))
        .route("/webhooks/{name}", any(submit))
        .route("/api", any(submit))
        .route("/api/{*rest}", any(submit))
        .layer(layer)
        .with_state(probe)
}

/// The routes of [`Framework`], served by axum.
pub struct Axum;

impl Framework for Axum {
    async fn start(setup: Setup) -> SocketAddr {
        let storage = Arc::clone(&setup.storage);
        let layer = if setup.encrypted {
            let cookie = Cookie::new("sid").encrypted(setup.secrets());
            SessionLayer::new(cookie, storage)
        } else {
            let cookie = Cookie::new("sid").secrets(setup.secrets());
            let cookie = if setup.not_http_only {
                cookie.http_only(false)
            } else {
                cookie
            };
            SessionLayer::new(cookie, storage)
        }
        .unwrap()
        .save_on_server_error(setup.save_on_server_error);
        let layer = if setup.custom_error {
            layer.on_error(|error| {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("sessions unavailable: {error}"),
                )
                    .into_response()
            })
        } else {
            layer
        };
        let layer = if setup.login_redirect {
            layer.on_unauthenticated(|request| {
                Redirect::to(&format!("/login-page?next={}", request.uri.path())).into_response()
            })
        } else {
            layer
        };
        let layer = match setup.cross_origin {
            Some(cross_origin) => layer.cross_origin(cross_origin),
            None => layer,
        };
        let layer = match setup.csrf {
            Some(csrf) => layer.csrf(csrf),
            None => layer,
        };
        let layer = match setup.transport {
            Some(transport) => layer.transport(transport),
            None => layer,
        };
        let layer = if setup.custom_forbidden {
            layer.on_forbidden(|reason, request| {
                let status = StatusCode::from_u16(451).unwrap();
                (
                    status,
                    format!("refused: {reason} on {}", request.uri.path()),
                )
                    .into_response()
            })
        } else {
            layer
        };
        serve(routes(layer, setup.storage)).await
    }

    async fn start_without_layer() -> SocketAddr {
        serve(Router::new().route("/", get(count))).await
    }
}
