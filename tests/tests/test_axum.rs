//! The axum integration against a real server on loopback: the shared HTTP
//! flows of `session_tests::web`, served by axum.

use session_schema::Cookie;
use session_schema::axum::SessionLayer;
use session_tests::App;
use session_tests::cross_site;
use session_tests::servers::axum::Axum;
use session_tests::transport;
use session_tests::web::{self, SECRET};

macro_rules! flows {
    ($module:ident: $($flow:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $flow() {
                $module::$flow::<Axum>().await;
            }
        )*
    };
}

flows!(
    web:
    remembered_sessions_get_a_lasting_cookie,
    an_optional_login_is_none_for_an_anonymous_request,
    a_route_without_the_layer_gets_a_clear_500,
    the_cookie_is_set_and_read_back,
    flash_is_shown_exactly_once,
    login_regenerates_the_id_and_kills_the_old_one,
    logout_removes_the_cookie_and_the_session,
    a_tampered_cookie_gives_a_fresh_session,
    a_non_ascii_cookie_beside_the_session_keeps_it,
    handlers_without_a_session_cost_no_storage_call,
    each_request_kind_writes_and_sends_only_what_changed,
    a_touch_writes_and_rolls_the_cookie_even_on_a_read,
    a_cookie_of_an_old_secret_is_signed_again_once,
    a_storage_error_is_a_clean_500_and_configurable,
    a_server_error_response_does_not_save_unless_asked,
    a_logout_that_answers_a_server_error_still_ends_the_session,
    http_only_can_be_turned_off_explicitly,
    two_extractors_in_one_request_share_the_session,
    responses_that_set_the_cookie_are_private_to_caches,
    the_cookie_rolls_forward_with_the_idle_timeout,
    an_encrypted_cookie_carries_a_cookie_session_unseen,
    an_anonymous_request_is_turned_away_before_the_handler_without_a_write,
    a_logged_in_request_gets_its_session_from_one_read,
    the_rejection_can_send_the_user_to_log_in_and_back,
    racing_requests_of_one_user_both_keep_their_change,
);

flows!(
    cross_site:
    cross_origin_requests_are_refused_by_default,
    trusted_origins_and_bypass_patterns_let_requests_through,
    the_protection_can_be_turned_off_or_answer_otherwise,
    csrf_tokens_come_from_headers_then_the_form_then_the_query,
    csrf_forms_reach_the_handler_and_other_bodies_use_the_query,
    a_multipart_form_carries_the_token_in_a_header_or_the_query,
    a_form_larger_than_the_limit_is_refused,
    a_token_of_another_session_is_refused,
    the_csrf_check_refuses_another_origin,
    safe_requests_pass_the_csrf_check_unread,
);

flows!(
    transport:
    a_header_carries_the_session_instead_of_the_cookie,
    a_tampered_header_reads_as_a_fresh_session,
    cookie_or_header_answers_on_the_transport_the_request_used,
    a_header_client_follows_the_value_across_log_in_and_logout,
    header_borne_requests_skip_the_cross_site_checks,
);

#[test]
fn short_secrets_are_refused_unless_allowed() {
    use session_schema::{Error, MemoryStorage};
    let short = Cookie::new("sid").secrets([SECRET, "node-secret"]);
    let error = SessionLayer::<App, _>::new(short.clone(), MemoryStorage::new()).unwrap_err();
    assert!(
        matches!(
            error,
            Error::ShortSecret {
                length: 11,
                minimum: 32
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("11 bytes") && message.contains("allow_short_secrets()"),
        "{message}"
    );
    assert!(SessionLayer::<App, _>::new(short.allow_short_secrets(), MemoryStorage::new()).is_ok());
    for cookie in [
        Cookie::new("sid").secrets([""]),
        Cookie::new("sid").secrets(Vec::<String>::new()),
        Cookie::new("sid").secrets([SECRET, ""]),
    ] {
        let error = SessionLayer::<App, _>::new(cookie.allow_short_secrets(), MemoryStorage::new())
            .unwrap_err();
        assert!(matches!(error, Error::EmptySecret), "{error:?}");
        assert!(error.to_string().contains("signs nothing"), "{error}");
    }
}

/// A service that may be called once per `poll_ready`, and only the instance
/// that was made ready: a clone starts unready, as the clones of a tower
/// buffer or concurrency limit do.
struct ReadyOnce<T> {
    inner: T,
    ready: bool,
}

impl<T: Clone> Clone for ReadyOnce<T> {
    fn clone(&self) -> Self {
        ReadyOnce {
            inner: self.inner.clone(),
            ready: false,
        }
    }
}

impl<T: tower_service::Service<R>, R> tower_service::Service<R> for ReadyOnce<T> {
    type Response = T::Response;
    type Error = T::Error;
    type Future = T::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), T::Error>> {
        let poll = self.inner.poll_ready(cx);
        self.ready |= poll.is_ready();
        poll
    }

    fn call(&mut self, request: R) -> T::Future {
        assert!(
            std::mem::take(&mut self.ready),
            "the layer called a service that it had not made ready"
        );
        self.inner.call(request)
    }
}

/// The layer keeps tower's contract with the service it wraps: the call goes
/// to the instance `poll_ready` was asked of, whether the request goes
/// straight to the handler (a `GET`) or through the CSRF check first (a
/// `POST`, called after the check).
#[tokio::test]
async fn the_layer_calls_the_service_it_made_ready() {
    use axum::body::Body;
    use axum::handler::HandlerWithoutStateExt;
    use axum::http::Request;
    use session_schema::{Csrf, MemoryStorage, Session};
    use tower_layer::Layer;
    use tower_service::Service;

    async fn token(mut session: Session<App>) -> String {
        session.csrf_token()
    }
    async fn send<Svc>(service: &mut Svc, request: Request<Body>) -> axum::response::Response
    where
        Svc: Service<Request<Body>, Response = axum::response::Response>,
        Svc::Error: std::fmt::Debug,
    {
        std::future::poll_fn(|cx| service.poll_ready(cx))
            .await
            .unwrap();
        service.call(request).await.unwrap()
    }
    async fn body(response: axum::response::Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    let layer =
        SessionLayer::<App, _>::new(Cookie::new("sid").secrets([SECRET]), MemoryStorage::new())
            .unwrap()
            .csrf(Csrf::new());
    let mut service = layer.layer(ReadyOnce {
        inner: token.into_service(),
        ready: false,
    });
    for _ in 0..2 {
        let first = send(&mut service, Request::get("/").body(Body::empty()).unwrap()).await;
        let cookie = first.headers()["set-cookie"].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let issued = body(first).await;
        let checked = send(
            &mut service,
            Request::post("/")
                .header("cookie", &cookie)
                .header("sec-fetch-site", "same-origin")
                .header("x-csrf-token", &issued)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(
            checked.status(),
            200,
            "the checked POST reached the handler"
        );
        assert_eq!(body(checked).await, issued, "the same session's token");
    }
}
