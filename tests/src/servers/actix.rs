//! The routes of [`Framework`], served by actix-web.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::App;
use crate::web::{Framework, Probe, Setup};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CACHE_CONTROL, LOCATION, VARY};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App as ActixApp, HttpRequest, HttpResponse, HttpServer, web as actix};
use session_schema::actix::SessionMiddleware;
use session_schema::{Cookie, LoggedIn, Session};

use super::handlers::{
    count, csrf_token, flash, forget, maybe, maybe_notice, plain, race_cart, race_name, read_flash,
    remember, submitted,
};

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

async fn login(mut session: Session<App>) -> HttpResponse {
    session.regenerate_id(true);
    session.set(App::NAME, "Ada".into());
    session.flash(App::NOTICE, "welcome".into());
    redirect("/")
}

async fn logout(session: Session<App>) -> HttpResponse {
    session.destroy();
    redirect("/")
}

async fn fail(mut session: Session<App>) -> HttpResponse {
    session.set(App::NAME, "half-done".into());
    HttpResponse::InternalServerError().finish()
}

async fn failing_logout(session: Session<App>) -> HttpResponse {
    session.destroy();
    HttpResponse::InternalServerError().finish()
}

async fn cached(mut session: Session<App>) -> HttpResponse {
    session.set(App::NAME, "x".into());
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "max-age=60"))
        .insert_header((VARY, "Accept-Encoding"))
        .body("the handler's own cache rule")
}

async fn stamp(
    mut session: Session<App>,
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    session.set(App::NAME, "from the middleware".into());
    drop(session);
    next.call(request).await
}

/// A service between the session middleware and the handler that fails
/// after the handler ran (actix-only: `POST /erroring-logout`).
async fn fail_after(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let _ = next.call(request).await?;
    Err::<ServiceResponse<actix_web::body::BoxBody>, _>(actix_web::error::ErrorBadGateway(
        "an inner service failed after the handler",
    ))
}

async fn log_in(session: Session<App>) -> HttpResponse {
    let mut session = session.log_in(9);
    session.flash(App::NOTICE, "welcome".into());
    redirect("/account")
}

async fn account(probe: actix::Data<Arc<Probe>>, session: Session<App, LoggedIn>) -> String {
    probe.handled.fetch_add(1, Ordering::SeqCst);
    format!("account of user {}", session.owner())
}

async fn log_out(session: Session<App, LoggedIn>) -> HttpResponse {
    let _anonymous = session.log_out();
    redirect("/")
}

async fn submit(
    probe: actix::Data<Arc<Probe>>,
    request: HttpRequest,
    session: Session<App>,
    body: String,
) -> String {
    submitted(&probe, request.method().as_str(), &body, &session)
}

fn routes(config: &mut actix::ServiceConfig) {
    config
        .route("/", actix::get().to(count))
        .route("/login", actix::post().to(login))
        .route("/logout", actix::post().to(logout))
        .route("/plain", actix::get().to(plain))
        .route("/fail", actix::get().to(fail))
        .route("/failing-logout", actix::post().to(failing_logout))
        .route("/cached", actix::get().to(cached))
        .service(
            actix::resource("/twice")
                .wrap(from_fn(stamp))
                .route(actix::get().to(count)),
        )
        .route("/log-in", actix::post().to(log_in))
        .route("/account", actix::get().to(account))
        .route("/log-out", actix::post().to(log_out))
        .route("/flash", actix::get().to(flash))
        .route("/read-flash", actix::get().to(read_flash))
        .route(
            "/race/name",
            actix::get().to(|probe: actix::Data<Arc<Probe>>, session| async move {
                race_name(&probe, session).await
            }),
        )
        .route(
            "/race/cart",
            actix::get().to(|probe: actix::Data<Arc<Probe>>, session| async move {
                race_cart(&probe, session).await
            }),
        )
        .route("/csrf-token", actix::get().to(csrf_token))
        .route("/maybe", actix::get().to(maybe))
        .route("/remember", actix::post().to(remember))
        .route("/forget", actix::post().to(forget))
        .route("/maybe-notice", actix::get().to(maybe_notice))
        .route("/submit", actix::route().to(submit))
        .route("/webhooks/{name}", actix::route().to(submit))
        .route("/api", actix::route().to(submit))
        .route("/api/{rest:.*}", actix::route().to(submit))
        .service(
            actix::resource("/erroring-logout")
                .wrap(from_fn(fail_after))
                .route(actix::post().to(logout)),
        );
}

fn middleware(setup: &Setup) -> SessionMiddleware<App, Arc<Probe>> {
    let storage = Arc::clone(&setup.storage);
    let middleware = if setup.encrypted {
        SessionMiddleware::new(Cookie::new("sid").encrypted(setup.secrets()), storage)
    } else {
        let cookie = Cookie::new("sid").secrets(setup.secrets());
        let cookie = if setup.not_http_only {
            cookie.http_only(false)
        } else {
            cookie
        };
        SessionMiddleware::new(cookie, storage)
    }
    .unwrap()
    .save_on_server_error(setup.save_on_server_error);
    let middleware = if setup.custom_error {
        middleware.on_error(|error| {
            HttpResponse::ServiceUnavailable().body(format!("sessions unavailable: {error}"))
        })
    } else {
        middleware
    };
    let middleware = if setup.login_redirect {
        middleware
            .on_unauthenticated(|request| redirect(&format!("/login-page?next={}", request.path())))
    } else {
        middleware
    };
    let middleware = match &setup.cross_origin {
        Some(cross_origin) => middleware.cross_origin(cross_origin.clone()),
        None => middleware,
    };
    let middleware = match &setup.csrf {
        Some(csrf) => middleware.csrf(csrf.clone()),
        None => middleware,
    };
    let middleware = match &setup.transport {
        Some(transport) => middleware.transport(transport.clone()),
        None => middleware,
    };
    if setup.custom_forbidden {
        middleware.on_forbidden(|reason, request| {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(451).unwrap())
                .body(format!("refused: {reason} on {}", request.path()))
        })
    } else {
        middleware
    }
}

/// Runs an actix-web server in a thread of its own (it has its own runtime),
/// and returns its address once it listens.
fn spawn(setup: Option<Setup>) -> SocketAddr {
    let (bound, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            if let Some(setup) = setup {
                let middleware = middleware(&setup);
                let probe = actix::Data::new(setup.storage);
                let server = HttpServer::new(move || {
                    ActixApp::new()
                        .app_data(probe.clone())
                        .wrap(middleware.clone())
                        .configure(routes)
                })
                .workers(1)
                .disable_signals()
                .bind("127.0.0.1:0")
                .unwrap();
                bound.send(server.addrs()[0]).unwrap();
                server.run().await
            } else {
                let server = HttpServer::new(|| ActixApp::new().route("/", actix::get().to(count)))
                    .workers(1)
                    .disable_signals()
                    .bind("127.0.0.1:0")
                    .unwrap();
                bound.send(server.addrs()[0]).unwrap();
                server.run().await
            }
        })
    });
    address.recv().unwrap()
}

/// The routes of [`Framework`], served by actix.
pub struct Actix;

impl Framework for Actix {
    async fn start(setup: Setup) -> SocketAddr {
        spawn(Some(setup))
    }

    async fn start_without_layer() -> SocketAddr {
        spawn(None)
    }
}
