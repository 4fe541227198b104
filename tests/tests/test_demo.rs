//! The demo apps as a user meets them: where a login sends the browser.

use session_tests::demo::{Demo, csrf_field};
use session_tests::http::Jar;

/// The demo's forms carry the session's token, and a post without it is
/// refused with the reference's words, in both demos.
#[tokio::test]
async fn the_demo_forms_carry_the_token_and_posts_need_it() {
    for exe in [env!("CARGO_BIN_EXE_demo"), env!("CARGO_BIN_EXE_demo_actix")] {
        let demo = Demo::start(exe, "memory", &[]);
        let mut browser = Jar::default();
        let home = browser.send(demo.addr, "GET", "/", None).await;
        let token = csrf_field(&home.body).to_owned();
        assert_eq!(token.len(), 64, "{exe}: {}", home.body);
        let refused = browser
            .send(demo.addr, "POST", "/login", Some("name=Ada"))
            .await;
        assert_eq!(
            (refused.status, refused.body.as_str()),
            (403, "Forbidden: missing CSRF token"),
            "{exe}"
        );
        let wrong = browser
            .send(
                demo.addr,
                "POST",
                "/login",
                Some(&format!("name=Ada&_csrf={}", "0".repeat(64))),
            )
            .await;
        assert_eq!(wrong.body, "Forbidden: invalid CSRF token", "{exe}");
        let login = browser
            .send(
                demo.addr,
                "POST",
                "/login",
                Some(&format!("name=Ada&_csrf={token}")),
            )
            .await;
        assert_eq!(login.status, 303, "{exe}");
        // Logging in renews the id and keeps the token: the account page's forms carry it.
        let account = browser.send(demo.addr, "GET", "/account", None).await;
        assert_eq!(csrf_field(&account.body), token, "{exe}");
        assert!(
            account.body.contains("You are <strong>Ada</strong>"),
            "{exe}"
        );
    }
}

/// After logging in, the demo goes to `next` only if it is a path of the
/// demo itself: never to another site, however the address is disguised.
#[tokio::test]
async fn a_login_goes_back_to_a_page_of_the_site_only() {
    for exe in [env!("CARGO_BIN_EXE_demo"), env!("CARGO_BIN_EXE_demo_actix")] {
        let demo = Demo::start(exe, "memory", &[]);
        let cases = [
            ("%2Faccount", "/account"),
            ("%2Faccount%3Ftab%3Dsessions", "/account?tab=sessions"),
            ("%2F%2Fevil.example", "/"),
            ("%2F%09%2Fevil.example", "/"),
            ("%2F%0A%2Fevil.example", "/"),
            ("%2F%5Cevil.example", "/"),
            ("%2F%20%2Fevil.example", "/"),
            ("https%3A%2F%2Fevil.example", "/"),
            ("evil.example", "/"),
        ];
        for (next, expected) in cases {
            let mut browser = Jar::default();
            let form = browser.send(demo.addr, "GET", "/login", None).await;
            let token = csrf_field(&form.body);
            let login = browser
                .send(
                    demo.addr,
                    "POST",
                    "/login",
                    Some(&format!("name=Ada&next={next}&_csrf={token}")),
                )
                .await;
            assert_eq!(login.status, 303, "{exe} {next}");
            let location = login
                .headers
                .iter()
                .find(|(name, _)| name == "location")
                .map(|(_, value)| value.as_str());
            assert_eq!(location, Some(expected), "{exe}: next={next}");
        }
    }
}
