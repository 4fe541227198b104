//! The cross-site checks of a session layer, in the order the reference
//! middlewares run them, whatever the framework: cross-origin protection
//! first (no token, no storage read), then, with [`Csrf`], the origin, the
//! submitted token, and the session's token to compare it with.
//!
//! A framework module asks [`CrossSite::first`] what to do with a request,
//! reads the form body when told to ([`Step::ReadForm`]), and lends the
//! session for the comparison with [`CrossSite::compare`]. A safe request
//! (`GET`, `HEAD`, `OPTIONS`) is answered [`Step::Pass`] without an allocation.

use crate::cross_site::{
    CrossOrigin, Csrf, Forbidden, RequestHead, form_token, is_form, is_safe, query_token,
    tokens_match,
};
use crate::error::Error;
use crate::integration::{LendError, RequestSession};
use crate::schema::Schema;

/// A layer's cross-site settings.
#[derive(Clone, Default)]
pub(crate) struct CrossSite {
    /// Cross-origin protection (on unless turned off).
    pub(crate) cross_origin: CrossOrigin,
    /// The session-bound token check, when asked for.
    pub(crate) csrf: Option<Csrf>,
}

/// What to do with a request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Run the handler.
    Pass,
    /// Answer `403` with this reason.
    Refuse(Forbidden),
    /// Read the form body, at most `limit` bytes (larger: `413`), and ask
    /// [`CrossSite::after_form`].
    ReadForm {
        /// The largest body read.
        limit: usize,
    },
    /// Compare this submitted token with the session's ([`CrossSite::compare`]).
    Compare(String),
}

impl CrossSite {
    /// The first step for `request`, from its head alone.
    pub(crate) fn first(&self, request: &impl RequestHead) -> Step {
        if let Some(reason) = self.cross_origin.check(request) {
            return Step::Refuse(reason);
        }
        let Some(csrf) = &self.csrf else {
            return Step::Pass;
        };
        if is_safe(request.method()) {
            return Step::Pass;
        }
        if let Some(reason) = Csrf::check_origin(request) {
            return Step::Refuse(reason);
        }
        if let Some(token) = Csrf::header_token(request) {
            return Step::Compare(token.to_owned());
        }
        if request.header("content-type").is_some_and(is_form) {
            return Step::ReadForm {
                limit: csrf.limit(),
            };
        }
        Self::from_query(request)
    }

    /// The step once the form body is read: its `_csrf` field, else the query's.
    pub(crate) fn after_form(body: &[u8], request: &impl RequestHead) -> Step {
        match form_token(body) {
            Some(token) => Step::Compare(token),
            None => Self::from_query(request),
        }
    }

    fn from_query(request: &impl RequestHead) -> Step {
        match request.query().and_then(query_token) {
            Some(token) => Step::Compare(token),
            None => Step::Refuse(Forbidden::MissingToken),
        }
    }

    /// Whether `submitted` is the token of the request's session, which is
    /// loaded and parked (the handler then gets the same session, with no
    /// second read; a handler that takes none saves nothing). A session
    /// without a token refuses every token.
    ///
    /// # Errors
    ///
    /// The storage's error when it cannot load the session.
    pub(crate) async fn compare<S: Schema>(
        submitted: &str,
        session: &RequestSession<S>,
        cookie_header: Option<&[u8]>,
    ) -> Result<Option<Forbidden>, Error> {
        let matches = session
            .peek(cookie_header, |session| {
                session
                    .stored_csrf_token()
                    .is_some_and(|expected| tokens_match(submitted, &expected))
            })
            .await;
        match matches {
            Ok(true) => Ok(None),
            // Nothing was lent before the handler runs; were it so
            // (`Unavailable`), refusing is the safe answer.
            Ok(false) | Err(LendError::Unavailable) => Ok(Some(Forbidden::InvalidToken)),
            Err(LendError::Storage(error)) => Err(error),
        }
    }
}

/// The body of the response to a form larger than the CSRF check reads.
pub(crate) const TOO_LARGE: &str =
    "Payload Too Large: a form body larger than the CSRF check reads; send the token in a header";

/// The body of the response to a form body that could not be read.
pub(crate) const UNREADABLE: &str = "Bad Request: the form body could not be read";

#[cfg(test)]
mod tests {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    use super::*;

    /// Counts the allocations of the thread that makes them, so tests
    /// running beside one do not count.
    struct Counting;

    thread_local! {
        static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    }

    // SAFETY: every call is passed on to the system allocator unchanged.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
            // SAFETY: the caller's contract is the system allocator's.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static ALLOCATOR: Counting = Counting;

    struct Head(&'static str, Vec<(&'static str, &'static str)>);

    impl RequestHead for Head {
        fn method(&self) -> &str {
            self.0
        }
        fn path(&self) -> &'static str {
            "/api/carts"
        }
        fn query(&self) -> Option<&'static str> {
            Some("_csrf=abc")
        }
        fn header(&self, name: &str) -> Option<&str> {
            self.1
                .iter()
                .find(|(known, _)| known.eq_ignore_ascii_case(name))
                .map(|(_, value)| *value)
        }
        fn host(&self) -> Option<&str> {
            Some("example.com")
        }
    }

    fn allocations_of(check: impl FnOnce() -> Step) -> (Step, usize) {
        let before = ALLOCATIONS.with(Cell::get);
        let step = check();
        (step, ALLOCATIONS.with(Cell::get) - before)
    }

    #[test]
    fn a_safe_request_is_passed_without_an_allocation() {
        let checks = CrossSite {
            cross_origin: CrossOrigin::new()
                .trusted_origin("https://app.example.com")
                .unwrap()
                .bypass("/api/{rest...}")
                .unwrap(),
            csrf: Some(Csrf::new()),
        };
        let headers = vec![
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
            ("x-csrf-token", "abc"),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        for method in ["GET", "HEAD", "OPTIONS"] {
            let request = Head(method, headers.clone());
            assert_eq!(
                allocations_of(|| checks.first(&request)),
                (Step::Pass, 0),
                "{method}"
            );
        }
        // The count works: an unsafe request with a token copies it.
        let post = Head("POST", vec![("x-csrf-token", "abc")]);
        let (step, allocations) = allocations_of(|| checks.first(&post));
        assert_eq!(step, Step::Compare("abc".into()));
        assert!(allocations > 0);
    }

    #[test]
    fn the_steps_in_the_reference_order() {
        let checks = CrossSite {
            cross_origin: CrossOrigin::new(),
            csrf: Some(Csrf::new().form_limit(10)),
        };
        let form = ("content-type", "application/x-www-form-urlencoded");
        let cross = Head(
            "POST",
            vec![("sec-fetch-site", "cross-site"), ("x-csrf-token", "t")],
        );
        assert_eq!(
            checks.first(&cross),
            Step::Refuse(Forbidden::CrossOriginRequest)
        );
        let elsewhere = Head(
            "POST",
            vec![("referer", "https://evil.example/"), ("x-csrf-token", "t")],
        );
        assert_eq!(
            checks.first(&elsewhere),
            Step::Refuse(Forbidden::InvalidOrigin)
        );
        let header = Head("POST", vec![form, ("x-xsrf-token", "t")]);
        assert_eq!(checks.first(&header), Step::Compare("t".into()));
        let body = Head("POST", vec![form]);
        assert_eq!(checks.first(&body), Step::ReadForm { limit: 10 });
        assert_eq!(
            CrossSite::after_form(b"_csrf=f", &body),
            Step::Compare("f".into())
        );
        assert_eq!(
            CrossSite::after_form(b"a=b", &body),
            Step::Compare("abc".into()),
            "then the query"
        );
        let json = Head("POST", vec![("content-type", "application/json")]);
        assert_eq!(checks.first(&json), Step::Compare("abc".into()));
        let without = CrossSite::default();
        assert_eq!(
            without.first(&json),
            Step::Pass,
            "no token check unless asked"
        );
    }
}
