//! Where a session lent out by a web framework integration goes back when
//! it is dropped: a hook the session knows only as a trait, implemented
//! above it (`crate::handoff`), so the session layer imports nothing of the
//! integrations.

use super::{DestroyedSession, Session};
use crate::schema::Schema;
use crate::state::StateOf;

/// A session as the handler left it.
pub(crate) enum Returned<S: Schema> {
    /// Active or logged in (a logged-in session goes back as active).
    Active(Session<S>),
    /// Destroyed.
    #[cfg_attr(
        not(any(feature = "axum", feature = "actix")),
        allow(
            dead_code,
            reason = "only the web framework integrations save what comes back"
        )
    )]
    Destroyed(DestroyedSession<S>),
}

/// Takes back the sessions its request lent out.
pub(crate) trait Home<S: Schema>: Send + Sync {
    /// Takes back a dropped session.
    fn take_back(&self, session: Returned<S>);
}

/// Hands `session`, being dropped, back to `home`.
pub(super) fn give_back<S: Schema, St: StateOf<S>>(
    home: &dyn Home<S>,
    session: &mut Session<S, St>,
) {
    let returned = if St::DESTROYED {
        Returned::Destroyed(session.take_as())
    } else {
        Returned::Active(session.take_as())
    };
    home.take_back(returned);
}

impl<S: Schema, St: StateOf<S>> Session<S, St> {
    /// Takes the session off its home: dropping it then returns nothing.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn detach_home(&mut self) {
        self.home = None;
    }

    /// Gives the session a home to go back to when it is dropped.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn set_home(&mut self, home: std::sync::Arc<dyn Home<S>>) {
        self.home = Some(home);
    }
}
