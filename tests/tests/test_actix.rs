//! The actix integration against a real server on loopback: the shared HTTP
//! flows of `session_tests::web`, served by actix.

use session_schema::actix::SessionMiddleware;
use session_schema::{Cookie, MemoryStorage};
use session_tests::App;
use session_tests::servers::actix::Actix;
use session_tests::{cross_site, transport, web};

macro_rules! flows {
    ($module:ident: $($flow:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $flow() {
                $module::$flow::<Actix>().await;
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
fn short_and_empty_secrets_are_refused() {
    use session_schema::Error;
    let short = Cookie::new("sid").secrets(["node-secret"]);
    assert!(matches!(
        SessionMiddleware::<App, _>::new(short.clone(), MemoryStorage::new()),
        Err(Error::ShortSecret {
            length: 11,
            minimum: 32
        })
    ));
    assert!(
        SessionMiddleware::<App, _>::new(short.allow_short_secrets(), MemoryStorage::new()).is_ok()
    );
    assert!(matches!(
        SessionMiddleware::<App, _>::new(
            Cookie::new("sid").secrets([""]).allow_short_secrets(),
            MemoryStorage::new()
        ),
        Err(Error::EmptySecret)
    ));
}

/// An inner service that fails after the handler destroyed the session:
/// the session is deleted all the same and the error's response clears the
/// cookie.
#[tokio::test]
async fn a_logout_is_saved_when_an_inner_service_fails() {
    use session_tests::http::{Jar, send};
    use session_tests::web::{Probe, Setup};
    let probe = Probe::memory();
    let addr = <Actix as session_tests::web::Framework>::start(Setup::over(&probe)).await;
    let mut jar = Jar::default();
    jar.send(addr, "POST", "/login", Some("")).await;
    let old = jar.get("sid").unwrap().to_owned();
    assert_eq!(probe.len(), 1);
    let response = jar.send(addr, "POST", "/erroring-logout", Some("")).await;
    assert_eq!(
        response.status, 502,
        "the inner service's error is the answer"
    );
    let removal = response.set_cookie().expect("the cookie is cleared");
    assert!(removal.starts_with("sid=;"), "{removal}");
    assert_eq!(probe.len(), 0, "the destroyed session is deleted");
    let replay = send(addr, "GET", "/", Some(&format!("sid={old}")), None).await;
    assert!(replay.body.contains("name= "), "{}", replay.body);
}
