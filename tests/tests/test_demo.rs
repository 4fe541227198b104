//! The demo apps as a user meets them: where a login sends the browser.

use session_tests::demo::Demo;
use session_tests::http::Jar;

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
            let login = browser
                .send(
                    demo.addr,
                    "POST",
                    "/login",
                    Some(&format!("name=Ada&next={next}")),
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
