//! The demo app in a real browser: headless Chromium, driven by playwright-core.

use std::process::Command;

use serde_json::{Value, json};
use session_tests::demo::Demo;
use session_tests::reference::node_dir;

/// Drives the demo binary `exe` through `browser.mjs` and checks what the
/// browser saw; `name` tells the screenshots apart.
fn drive(exe: &str, name: &str) {
    let demo = Demo::start(exe, "memory", &[]);
    let screenshots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&screenshots).unwrap();
    let screenshot = screenshots.join(format!("{name}-logged-in.png"));
    let _ = std::fs::remove_file(&screenshot);
    assert!(
        node_dir().join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci --prefix tests/node` (scripts/test.sh does)"
    );
    let output = Command::new("node")
        .arg("browser.mjs")
        .current_dir(node_dir())
        .env("DEMO_URL", format!("http://{}", demo.addr))
        .env("SCREENSHOT", &screenshot)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "browser.mjs failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_slice(&output.stdout).unwrap();

    assert_eq!(
        seen["first"],
        json!({"visits": "You have visited this page 1 time.", "user": "Not logged in.", "notice": null})
    );
    assert_eq!(
        seen["guarded"],
        json!({"path": "/login?next=/account", "text": "Log in to see that page."}),
        "a logged-in page sends an anonymous visitor to log in"
    );
    assert_eq!(
        seen["afterLogin"],
        json!({
            "path": "/account",
            "account": "This page is only for logged-in users. You are Ada.",
            "notice": "Welcome, Ada!"
        }),
        "and back to the page after logging in"
    );
    assert_eq!(
        seen["cookie"],
        json!({"httpOnly": true, "sameSite": "Lax", "expires": -1}),
        "without \"keep me signed in\", the cookie ends with the browser"
    );
    assert_eq!(
        seen["rememberedCookieDays"],
        json!(30),
        "with it, the cookie lasts as long as the remembered session may idle"
    );
    assert_eq!(
        seen["home"],
        json!({"visits": "You have visited this page 2 times.", "user": "Logged in as Ada. Your account", "notice": null}),
        "the welcome was shown once, on the account page"
    );
    assert_eq!(
        seen["afterReload"]["visits"],
        json!("You have visited this page 3 times.")
    );
    let removal = seen["logoutSetCookie"].as_str().unwrap();
    assert!(
        removal.starts_with("demo_session=;") && removal.contains("Max-Age=0"),
        "{removal}"
    );
    assert_eq!(
        seen["afterLogout"],
        json!({"visits": "You have visited this page 1 time.", "user": "Not logged in."})
    );
    assert_eq!(seen["cookieReplaced"], json!(true));
    assert_eq!(
        seen["otherBefore"],
        json!("This page is only for logged-in users. You are Grace.")
    );
    assert_eq!(seen["afterEverywhere"], json!("Not logged in."));
    assert_eq!(
        seen["otherAfter"],
        json!({"path": "/login", "text": "Log in to see that page."}),
        "logging out everywhere in one browser logged the other out"
    );
    devices_and_cross_site(&seen);

    let png = std::fs::read(&screenshot).expect("a screenshot of the logged-in page");
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
}

/// What the browser saw of the devices list, and of the cross-site posts.
fn devices_and_cross_site(seen: &Value) {
    assert_eq!(
        seen["devices"],
        json!([
            "Chrome on Linux, last used just now this device",
            "Firefox on Linux, last used just now Sign out this device",
        ]),
        "the account page lists both browsers, this one first"
    );
    assert_eq!(
        seen["afterSignOut"],
        json!({
            "notice": "Signed out that device.",
            "devices": ["Chrome on Linux, last used just now this device"],
        })
    );
    assert_eq!(
        seen["secondAfterSignOut"],
        json!("/login"),
        "the signed-out browser is logged out"
    );
    assert_eq!(
        seen["crossSitePost"],
        json!({
            "from": "http://127.0.0.1",
            "status": 403,
            "text": "Forbidden: cross-origin request detected from Sec-Fetch-Site header",
            "fetchSite": "same-site",
        }),
        "a form on another origin cannot log the user out, even with the user's token"
    );
    assert_eq!(
        seen["afterCrossSitePost"],
        json!("Logged in as Ada. Your account")
    );
    assert_eq!(
        seen["sameOriginWithoutToken"],
        json!({"status": 403, "text": "Forbidden: missing CSRF token"}),
        "a post from the demo's own page needs the token"
    );
    assert_eq!(
        (seen["beforeRemoval"].clone(), seen["afterRemoval"].clone()),
        (json!(true), json!(false)),
        "the logout with the token ends the session"
    );
}

#[test]
fn the_axum_demo_in_chromium() {
    drive(env!("CARGO_BIN_EXE_demo"), "axum");
}

#[test]
fn the_actix_demo_in_chromium() {
    drive(env!("CARGO_BIN_EXE_demo_actix"), "actix");
}
