//! Handlers that both frameworks serve as they are: they take at most the
//! session and answer with text.

use session_schema::{LoggedIn, Session};

use crate::App;
use crate::web;

/// Counts visits and shows the name and the flash notice.
pub async fn count(mut session: Session<App>) -> String {
    session.update(App::USER_ID, |visits| *visits += 1);
    let visits = session.get(App::USER_ID).copied().unwrap_or_default();
    let notice = session.get(App::NOTICE).cloned().unwrap_or_default();
    let name = session.get(App::NAME).cloned().unwrap_or_default();
    format!("visits={visits} name={name} notice={notice}")
}

/// A route that takes no session.
pub async fn plain() -> &'static str {
    "no session here"
}

/// Flashes a notice for the next request.
pub async fn flash(mut session: Session<App>) -> &'static str {
    session.flash(App::NOTICE, "for the next page".into());
    "flashed"
}

/// Shows the flashed notice, if any.
pub async fn read_flash(session: Session<App>) -> String {
    session.get(App::NOTICE).cloned().unwrap_or_default()
}

/// Sets the name, then waits until the racing request has its session too,
/// so both saves start from the same stored session.
pub async fn race_name(probe: &web::Probe, mut session: Session<App>) -> &'static str {
    session.set(App::NAME, "raced".into());
    if probe.meet().await {
        "name set, raced"
    } else {
        "name set alone"
    }
}

/// Sets the cart, then waits as [`race_name`] does.
pub async fn race_cart(probe: &web::Probe, mut session: Session<App>) -> &'static str {
    session.set(App::CART, web::raced_cart());
    if probe.meet().await {
        "cart set, raced"
    } else {
        "cart set alone"
    }
}

/// The session's CSRF token (`GET /csrf-token`).
pub async fn csrf_token(mut session: Session<App>) -> String {
    session.csrf_token()
}

/// What a protected route answers (`/submit`, `/webhooks/{name}`, `/api/...`):
/// counts a handler run, and shows the method, the body as the handler got
/// it, and the session's name.
pub fn submitted(probe: &web::Probe, method: &str, body: &str, session: &Session<App>) -> String {
    probe
        .handled
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let name = session.get(App::NAME).cloned().unwrap_or_default();
    format!("handled {method} body={body} name={name}")
}

/// A page that changes when someone is logged in (`GET /maybe`).
pub async fn maybe(user: Option<Session<App, LoggedIn>>) -> String {
    match user {
        Some(session) => format!("user {}", session.owner()),
        None => "anonymous".to_owned(),
    }
}

/// The same, then the anonymous session for its notice (`GET /maybe-notice`).
pub async fn maybe_notice(user: Option<Session<App, LoggedIn>>, session: Session<App>) -> String {
    let notice = session.get(App::NOTICE).cloned().unwrap_or_default();
    format!("logged in: {}, notice={notice}", user.is_some())
}

/// Marks the session remembered (`POST /remember`).
pub async fn remember(mut session: Session<App>) -> &'static str {
    session.set_remembered(true);
    "remembered"
}

/// Takes the mark off (`POST /forget`).
pub async fn forget(mut session: Session<App>) -> &'static str {
    session.set_remembered(false);
    "forgotten"
}
