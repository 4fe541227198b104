//! When sessions end: the idle and absolute timeouts every storage enforces,
//! the times a stored session carries, and the clock they are read from.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

pub(crate) use crate::times::unix_secs;
use crate::times::{Stamp, Times};

/// Where a storage reads the time from. The default is the system clock;
/// tests use a [`ManualClock`] they advance, so expiry tests are exact and fast.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's clock, [`SystemTime::now`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that stands still until it is told to move: for tests of expiry.
/// Clones share one time, so a test keeps a clone and advances the storage's.
///
/// ```
/// use std::time::Duration;
/// use session_schema::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let start = clock.now();
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now().duration_since(start).unwrap(), Duration::from_secs(90));
/// ```
#[derive(Clone)]
pub struct ManualClock {
    /// Milliseconds since the Unix epoch.
    millis: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock that reads the current system time, and stays there.
    #[must_use]
    pub fn new() -> Self {
        Self::at(SystemTime::now())
    }

    /// A clock that reads `time` (before the Unix epoch reads as the epoch).
    #[must_use]
    pub fn at(time: SystemTime) -> Self {
        ManualClock {
            millis: Arc::new(AtomicU64::new(unix_millis(time))),
        }
    }

    /// Moves the clock forward, for every clone of it (no further than the
    /// year 9999).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .millis
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(by).min(LATEST_MILLIS))
            });
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ManualClock").field(&self.now()).finish()
    }
}

/// The latest time a [`ManualClock`] reads: 9999-12-31T23:59:59Z, in milliseconds.
const LATEST_MILLIS: u64 = 253_402_300_799_000;

fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis())
                .map_or(LATEST_MILLIS, |millis| millis.min(LATEST_MILLIS))
        })
}

/// A storage's lifecycle settings: the timeouts and the clock.
#[derive(Clone)]
pub(crate) struct Lifecycle {
    pub(crate) idle: Option<Duration>,
    pub(crate) absolute: Option<Duration>,
    /// The timeouts of remembered sessions, when the storage offers them.
    pub(crate) remembered: Option<(Duration, Duration)>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            idle: None,
            absolute: None,
            remembered: None,
            clock: Arc::new(SystemClock),
        }
    }
}

impl fmt::Debug for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lifecycle")
            .field("idle_timeout", &self.idle)
            .field("absolute_timeout", &self.absolute)
            .field("remember_timeouts", &self.remembered)
            .finish_non_exhaustive()
    }
}

impl Lifecycle {
    /// Whether sessions end at all, so records carry times.
    pub(crate) fn enabled(&self) -> bool {
        self.idle.is_some() || self.absolute.is_some() || self.remembered.is_some()
    }

    /// The idle and absolute timeouts of a session, remembered or not: a
    /// remembered session ends by the remembered timeouts when the storage
    /// has them, by the others when it does not.
    fn timeouts(&self, remembered: bool) -> (Option<Duration>, Option<Duration>) {
        match self.remembered {
            Some((idle, absolute)) if remembered => (Some(idle), Some(absolute)),
            _ => (self.idle, self.absolute),
        }
    }

    /// Whether the cookie of a session with this mark ends with the browser:
    /// on a storage with remembered timeouts, a session that is not remembered
    /// gets a cookie without `Max-Age` or `Expires`.
    pub(crate) fn cookie_ends_with_browser(&self, remembered: bool) -> bool {
        self.remembered.is_some() && !remembered
    }

    /// The current time, in whole seconds since the Unix epoch.
    pub(crate) fn now(&self) -> u64 {
        unix_secs(self.clock.now())
    }

    /// What a save of a session read with `times` (`loaded`: read from the
    /// storage rather than made new) does about them: whether it is due for a
    /// touch, and the times to write. The clock is read only when sessions end.
    pub(crate) fn plan(
        &self,
        loaded: bool,
        times: Option<Times>,
        remembered: bool,
    ) -> (bool, Stamp, u64) {
        if !self.enabled() {
            return (false, Stamp::None, 0);
        }
        self.plan_at(loaded, times, remembered, self.now())
    }

    /// [`plan`](Self::plan) at `now` (whole seconds), read by the caller.
    pub(crate) fn plan_at(
        &self,
        loaded: bool,
        times: Option<Times>,
        remembered: bool,
        now: u64,
    ) -> (bool, Stamp, u64) {
        if !self.enabled() {
            return (false, Stamp::None, now);
        }
        let touch = loaded && self.touch_due(times, now);
        (touch, self.stamp(times, remembered, now), now)
    }

    /// Whether a session with these times has ended at `now`: idle for longer
    /// than the idle timeout, or older than the absolute timeout.
    pub(crate) fn ended(&self, times: Times, now: u64) -> bool {
        let past = |since: u64, timeout: Option<Duration>| {
            timeout.is_some_and(|timeout| now.saturating_sub(since) >= timeout_secs(timeout))
        };
        let (idle, absolute) = self.timeouts(times.remembered);
        past(times.touched, idle) || past(times.created, absolute)
    }

    /// Whether a live session read with `times` (or without any) must be
    /// written back even if it did not change: its times are missing, or more
    /// than a quarter of the idle timeout passed since its last touch.
    pub(crate) fn touch_due(&self, times: Option<Times>, now: u64) -> bool {
        if !self.enabled() {
            return false;
        }
        let Some(times) = times else {
            return true;
        };
        self.timeouts(times.remembered)
            .0
            .is_some_and(|idle| now.saturating_sub(times.touched) > timeout_secs(idle) / 4)
    }

    /// The times a save writes: created as loaded (or now for a new session),
    /// touched now when a touch is due (else as loaded: a write within a
    /// quarter of the idle timeout moves the session's end no more than a
    /// read does, so the cookie's `Max-Age` set at the last touch stays
    /// right), remembered as the session now is.
    pub(crate) fn stamp(&self, loaded: Option<Times>, remembered: bool, now: u64) -> Stamp {
        if !self.enabled() {
            return Stamp::None;
        }
        let touched = match loaded {
            Some(times) if !self.touch_due(loaded, now) => times.touched,
            _ => now,
        };
        Stamp::Write(Times {
            created: loaded.map_or(now, |times| times.created),
            touched,
            remembered,
        })
    }

    /// Whether a save of a session read with `times` (`loaded`) moves its
    /// end, so the cookie's `Max-Age` must roll: a new session, or one due
    /// for a touch. Never on a storage without timeouts.
    pub(crate) fn end_moves(&self, loaded: bool, times: Option<Times>) -> bool {
        self.enabled() && (!loaded || self.touch_due(times, self.now()))
    }

    /// How long a session saved with these times lives from `now`: until its
    /// idle or its absolute timeout, whichever comes first.
    pub(crate) fn remaining(&self, times: Times, now: u64) -> Option<Duration> {
        let until = |since: u64, timeout: Option<Duration>| {
            timeout.map(|timeout| {
                let end = since.saturating_add(timeout_secs(timeout));
                Duration::from_secs(end.saturating_sub(now))
            })
        };
        let (idle, absolute) = self.timeouts(times.remembered);
        match (until(times.touched, idle), until(times.created, absolute)) {
            (Some(idle), Some(absolute)) => Some(idle.min(absolute)),
            (one, other) => one.or(other),
        }
    }

    /// How long the cookie of a session just saved should live: until the
    /// session ends (`None` without timeouts: the cookie's own attributes
    /// apply).
    pub(crate) fn cookie_max_age(
        &self,
        loaded: Option<Times>,
        remembered: bool,
    ) -> Option<Duration> {
        if !self.enabled() || self.cookie_ends_with_browser(remembered) {
            return None;
        }
        let now = self.now();
        match self.stamp(loaded, remembered, now) {
            Stamp::Write(times) => self.remaining(times, now),
            Stamp::None => None,
        }
    }

    /// When a record saved with these times expires, for the backend's own
    /// expiry (Redis `EX`, memory and fs deadlines).
    pub(crate) fn expires_at(&self, stamp: Stamp, now: u64) -> Option<SystemTime> {
        let Stamp::Write(times) = stamp else {
            return None;
        };
        let remaining = self.remaining(times, now)?;
        // An end too far to represent is no end: the session lives on.
        SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(now))?
            .checked_add(remaining)
    }
}

/// A timeout in whole seconds, at least one, saturating.
fn timeout_secs(timeout: Duration) -> u64 {
    timeout.as_secs().max(1)
}

/// The setters every storage has for its lifecycle, written once.
macro_rules! lifecycle_setters {
    () => {
        /// Ends a session not used for this long: it then reads as a fresh
        /// session (new id, empty). Enforced on the server, from the time the
        /// session carries. A live session that is read and saved is touched
        /// (written back with a new time, and its cookie's `Max-Age` and
        /// `Expires` rolled forward) once more than a quarter of the timeout
        /// has passed since its last touch, so an active user stays in
        /// without a write on every request. The timeout counts from the
        /// last touch (a change written within a quarter does not move the
        /// end), so a session ends between three quarters of the timeout
        /// and the whole of it after its last request.
        ///
        /// Times are kept in whole seconds (the timeout too, at least one):
        /// a session ends in the second its timeout is reached, and "a
        /// quarter of the timeout" is counted in whole seconds, so a touch
        /// may come up to a second later than a quarter exactly.
        #[must_use]
        pub fn idle_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.lifecycle.idle = Some(timeout);
            self
        }

        /// Ends a session this long after it was created, however active it
        /// is: it then reads as a fresh session. `regenerate_id` keeps the
        /// creation time. Whole seconds, at least one.
        #[must_use]
        pub fn absolute_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.lifecycle.absolute = Some(timeout);
            self
        }

        /// Timeouts for remembered sessions ("keep me signed in"): a session
        /// marked with [`Session::set_remembered(true)`](crate::Session::set_remembered)
        /// ends when unused for `idle` or `absolute` after its creation,
        /// instead of by the storage's other timeouts, enforced on the server
        /// like them. With remembered timeouts, a session that is not
        /// remembered gets a cookie that ends when the browser closes (no
        /// `Max-Age`, no `Expires`), and a remembered one a cookie that lives
        /// until its end, rolling forward with it. Whole seconds, at least one.
        #[must_use]
        pub fn remember_timeouts(
            mut self,
            idle: std::time::Duration,
            absolute: std::time::Duration,
        ) -> Self {
            self.lifecycle.remembered = Some((idle, absolute));
            self
        }

        /// The clock the timeouts are read from (default: the system clock).
        /// Tests pass a [`ManualClock`](crate::ManualClock) and advance it.
        #[must_use]
        pub fn clock(mut self, clock: impl $crate::Clock) -> Self {
            self.lifecycle.clock = std::sync::Arc::new(clock);
            self
        }
    };
}

pub(crate) use lifecycle_setters;

#[cfg(test)]
mod tests {
    use super::*;

    fn lifecycle(idle: Option<u64>, absolute: Option<u64>) -> Lifecycle {
        Lifecycle {
            idle: idle.map(Duration::from_secs),
            absolute: absolute.map(Duration::from_secs),
            ..Lifecycle::default()
        }
    }

    #[test]
    fn a_session_ends_when_idle_or_old() {
        let both = lifecycle(Some(60), Some(600));
        let times = Times::new(1000, 1500);
        assert!(!both.ended(times, 1559));
        assert!(both.ended(times, 1560), "idle for the whole timeout");
        let busy = Times::new(1000, 1599);
        assert!(both.ended(busy, 1600), "created ten minutes ago");
        assert!(!lifecycle(None, None).ended(times, u64::MAX));
    }

    #[test]
    fn a_touch_is_due_after_a_quarter_of_the_idle_timeout() {
        let idle = lifecycle(Some(400), None);
        let times = Some(Times::new(0, 1000));
        assert!(!idle.touch_due(times, 1100));
        assert!(idle.touch_due(times, 1101));
        assert!(idle.touch_due(None, 1000), "times missing");
        assert!(!lifecycle(None, Some(10)).touch_due(times, 5000));
        assert!(lifecycle(None, Some(10)).touch_due(None, 5000));
        assert!(!lifecycle(None, None).touch_due(None, 5000));
    }

    #[test]
    fn the_remaining_time_is_the_nearer_end() {
        let both = lifecycle(Some(60), Some(600));
        let fresh = Times::new(1000, 1000);
        assert_eq!(both.remaining(fresh, 1000), Some(Duration::from_secs(60)));
        let old = Times::new(1000, 1590);
        assert_eq!(both.remaining(old, 1590), Some(Duration::from_secs(10)));
        assert_eq!(lifecycle(None, None).remaining(fresh, 1000), None);
    }

    #[test]
    fn huge_timeouts_saturate_instead_of_panicking() {
        let huge = Lifecycle {
            idle: Some(Duration::MAX),
            absolute: Some(Duration::MAX),
            ..Lifecycle::default()
        };
        let now = unix_secs(SystemTime::now());
        let stamp = huge.stamp(None, false, now);
        let Stamp::Write(times) = stamp else {
            panic!("times are written")
        };
        assert!(!huge.ended(times, now));
        assert!(huge.remaining(times, now).is_some());
        assert_eq!(
            huge.expires_at(stamp, now),
            None,
            "an end past what SystemTime holds is no end"
        );
        assert!(!huge.touch_due(Some(times), now));
    }

    #[test]
    fn a_manual_clock_moves_only_when_told_and_saturates() {
        let clock = ManualClock::at(SystemTime::UNIX_EPOCH + Duration::from_secs(100));
        let shared = clock.clone();
        shared.advance(Duration::from_secs(5));
        assert_eq!(unix_secs(clock.now()), 105);
        clock.advance(Duration::MAX);
        assert!(clock.now() > SystemTime::UNIX_EPOCH);
    }
}
