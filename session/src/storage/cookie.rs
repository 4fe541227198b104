//! The cookie storage: the whole session in the cookie value.

use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::lifecycle::{Lifecycle, lifecycle_setters};
use super::{MAX_RECORD_LEN, SessionStorage};
use crate::data::{StoredData, scan};
use crate::error::Error;
use crate::schema::Schema;
use crate::session::Session;
use crate::state::StateOf;
use crate::times::Times;

/// Keeps the whole session in the cookie, as the JSON `{"i": id, "d": [values, flash]}`
/// of the reference implementation. Nothing is stored on the server, so it
/// scales without shared state; the price is that the session must fit in the
/// cookie (4096 bytes in all, so about 3 KB of JSON once encoded and signed),
/// is sent with every request, and cannot be revoked on the server (there is
/// no "log out everywhere" here).
///
/// Always use it with a signed [`Cookie`](crate::Cookie): the client holds the
/// data and could change it otherwise. A regenerated id cannot delete the
/// old session here: there is nothing on the server to delete.
///
/// Timeouts are enforced on the server all the same: with an
/// [`idle_timeout`](Self::idle_timeout) or an
/// [`absolute_timeout`](Self::absolute_timeout), the signed value carries the
/// session's times (`{"i": .., "d": [values, flash, {"c": created, "t": touched}]}`,
/// a form the reference reads and ignores), so a client cannot keep a session
/// alive by keeping its cookie. A value without times (signed before the
/// timeouts were configured, or by Node.js, which drops them) then reads as
/// a fresh session, unless [`untimed_created_at`](Self::untimed_created_at)
/// says when such sessions count as created.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use session_schema::CookieStorage;
///
/// // Timeouts turned on today: cookies signed before end within 12 hours,
/// // as if they had all been created now.
/// let storage = CookieStorage::new()
///     .absolute_timeout(Duration::from_secs(12 * 3600))
///     .untimed_created_at(SystemTime::now());
/// # let _ = storage;
/// ```
#[derive(Debug, Clone, Default)]
pub struct CookieStorage {
    lifecycle: Lifecycle,
    /// When a value without times counts as created and last touched, if
    /// such values are accepted at all.
    untimed_created_at: Option<u64>,
}

impl CookieStorage {
    /// A cookie storage, without timeouts.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    lifecycle_setters!();

    /// Accepts cookie values that carry no times while timeouts are
    /// configured, counting each as created and last touched at `created`:
    /// they all end by the timeouts measured from then (and are given times
    /// of their own when next saved). For a migration to timeouts, or for
    /// sessions shared with Node.js, whose reference packages write no times.
    /// Without it, such a value reads as a fresh session: otherwise a cookie
    /// stolen before the timeouts were turned on would never end.
    #[must_use]
    pub fn untimed_created_at(mut self, created: SystemTime) -> Self {
        self.untimed_created_at = Some(super::lifecycle::unix_secs(created));
        self
    }
}

#[derive(Deserialize)]
struct CookieRecord<'a> {
    i: String,
    #[serde(borrow)]
    d: StoredData<'a>,
}

impl SessionStorage for CookieStorage {
    async fn read<S: Schema>(&self, cookie_value: Option<&str>) -> Result<Session<S>, Error> {
        // Checked before the copy: a value that reads as absent is not copied.
        let value = cookie_value.filter(|value| value.len() <= MAX_RECORD_LEN);
        self.read_owned(value.map(str::to_owned)).await
    }

    /// Keeps the value as the session's stored text, without a copy.
    async fn read_owned<S: Schema>(
        &self,
        cookie_value: Option<String>,
    ) -> Result<Session<S>, Error> {
        let Some(value) = cookie_value.filter(|value| !value.is_empty()) else {
            return Ok(Session::new());
        };
        if value.len() > MAX_RECORD_LEN {
            return Ok(Session::new());
        }
        let loaded = Session::from_text(value, |locator| {
            if let Ok((id, times)) = scan::cookie_record_into(locator.text(), locator) {
                return Ok((id.to_owned(), times));
            }
            locator.clear();
            serde_json::from_str::<CookieRecord<'_>>(locator.text())
                .map(|record| (record.i, record.d.feed(locator)))
        });
        let Ok(mut session) = loaded else {
            return Ok(Session::new());
        };
        if self.lifecycle.enabled() && session.times().is_none() {
            // Every read of a cookie is a first read: an untimed value would
            // count as new each time, and never end.
            let Some(created) = self.untimed_created_at else {
                return Ok(Session::new());
            };
            session.assume_times(Times::new(created, created));
        }
        if let Some(times) = session.times()
            && self.lifecycle.ended(times, self.lifecycle.now())
        {
            return Ok(Session::new());
        }
        session.mark_loaded();
        Ok(session)
    }

    async fn save<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> Result<Option<String>, Error> {
        if St::DESTROYED {
            return Ok(Some(String::new()));
        }
        let (touch, stamp, _) = self.lifecycle.plan(
            session.was_loaded(),
            session.times(),
            session.remembered_now(),
        );
        if !session.dirty() && !touch && !session.times_assumed() {
            return Ok(None);
        }
        session.cookie_json(stamp).map(Some)
    }

    fn cookie_max_age<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> Option<Duration> {
        self.lifecycle
            .cookie_max_age(session.times(), session.remembered_now())
    }

    fn cookie_ends_with_browser<S: Schema, St: StateOf<S>>(
        &self,
        session: &Session<S, St>,
    ) -> bool {
        self.lifecycle
            .cookie_ends_with_browser(session.remembered_now())
    }
}
