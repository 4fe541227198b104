//! Handlers that both frameworks serve as they are: they take at most the
//! session and answer with text.

use session_schema::Session;

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

/// Sets the name, then waits, so that a racing request overlaps it.
pub async fn race_name(mut session: Session<App>) -> &'static str {
    session.set(App::NAME, "raced".into());
    tokio::time::sleep(web::RACE_PAUSE).await;
    "name set"
}

/// Sets the cart, then waits, so that a racing request overlaps it.
pub async fn race_cart(mut session: Session<App>) -> &'static str {
    session.set(App::CART, web::raced_cart());
    tokio::time::sleep(web::RACE_PAUSE).await;
    "cart set"
}
