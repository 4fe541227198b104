//! The demo app in a real browser: headless Chromium, driven by playwright-core.

use std::process::Command;

use serde_json::{Value, json};
use session_tests::demo::Demo;
use session_tests::reference::node_dir;

#[test]
fn log_in_see_the_welcome_once_and_log_out_in_chromium() {
    let demo = Demo::start(env!("CARGO_BIN_EXE_demo"), "memory", &[]);
    let screenshots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&screenshots).unwrap();
    let screenshot = screenshots.join("logged-in.png");
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
        seen["afterLogin"],
        json!({"visits": "You have visited this page 2 times.", "user": "Logged in as Ada.", "notice": "Welcome, Ada!"})
    );
    assert_eq!(seen["cookie"], json!({"httpOnly": true, "sameSite": "Lax"}));
    assert_eq!(
        seen["afterReload"],
        json!({"visits": "You have visited this page 3 times.", "user": "Logged in as Ada.", "notice": null}),
        "the welcome is shown once, the counter goes on"
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
        (seen["beforeRemoval"].clone(), seen["afterRemoval"].clone()),
        (json!(true), json!(false))
    );

    let png = std::fs::read(&screenshot).expect("a screenshot of the logged-in page");
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
}
