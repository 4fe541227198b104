//! The demo's pages, the same HTML for both frameworks. Every form carries
//! the session's CSRF token (`csrf`) in a hidden `_csrf` field, which the
//! session layer checks on every POST.

use crate::app::Device;

/// The home page: the visit counter, who is logged in, and the one-time notice.
pub fn home(
    visits: u64,
    user: Option<&str>,
    notice: Option<&str>,
    can_revoke: bool,
    csrf: &str,
) -> String {
    let account = match user {
        Some(user) => format!(
            r#"<p id="user">Logged in as <strong>{}</strong>. <a href="/account" id="account-link">Your account</a></p>
{}"#,
            escape(user),
            logout_forms(can_revoke, csrf)
        ),
        None => format!(
            r#"<p id="user">Not logged in.</p>
{}"#,
            login_form("/", csrf)
        ),
    };
    layout(
        "session demo",
        notice,
        &format!(
            r#"<p id="visits">You have visited this page <strong>{visits}</strong> time{plural}.</p>
{account}"#,
            plural = if visits == 1 { "" } else { "s" },
        ),
    )
}

/// The account page, for logged-in users only, with the user's devices
/// when the storage can list them.
pub fn account(user: &str, notice: Option<&str>, devices: Option<&[Device]>, csrf: &str) -> String {
    layout(
        "your account",
        notice,
        &format!(
            r#"<p id="account">This page is only for logged-in users. You are <strong>{}</strong>.</p>
<p><a href="/">Home</a></p>
{}
{}"#,
            escape(user),
            devices.map_or_else(String::new, |devices| device_list(devices, csrf)),
            logout_forms(devices.is_some(), csrf)
        ),
    )
}

/// "Your devices": each session of the user, this one marked, the others
/// with a button that signs them out.
fn device_list(devices: &[Device], csrf: &str) -> String {
    let items: Vec<String> = devices
        .iter()
        .map(|device| {
            let action = if device.current {
                r#"<strong class="current">this device</strong>"#.to_owned()
            } else {
                format!(
                    r#"<form method="post" action="/devices/sign-out">{}<input type="hidden" name="handle" value="{}"><button type="submit" class="sign-out">Sign out this device</button></form>"#,
                    token_field(csrf),
                    escape(&device.handle)
                )
            };
            format!(
                r#"<li class="device" data-handle="{}">{}, last used {} {action}</li>"#,
                escape(&device.handle),
                escape(&device.browser),
                escape(&device.last_seen)
            )
        })
        .collect();
    format!(
        r#"<h2>Your devices</h2>
<ul id="devices">
{}
</ul>"#,
        items.join("\n")
    )
}

/// The login page, which comes back to `next` after logging in.
pub fn login(next: &str, notice: Option<&str>, csrf: &str) -> String {
    layout(
        "log in",
        notice,
        &format!(
            r#"<p id="login-needed">Log in to see that page.</p>
{}"#,
            login_form(next, csrf)
        ),
    )
}

fn login_form(next: &str, csrf: &str) -> String {
    format!(
        r#"<form method="post" action="/login">
  {}
  <input type="hidden" name="next" value="{}">
  <label>Name <input name="name" id="name" autocomplete="username" required></label>
  <label><input type="checkbox" name="remember" id="remember" value="1"> Keep me signed in</label>
  <button type="submit" id="login">Log in</button>
</form>"#,
        token_field(csrf),
        escape(next)
    )
}

fn logout_forms(can_revoke: bool, csrf: &str) -> String {
    let token = token_field(csrf);
    let everywhere = if can_revoke {
        format!(
            r#"<form method="post" action="/logout-everywhere">{token}<button type="submit" id="logout-everywhere">Log out everywhere</button></form>"#
        )
    } else {
        r#"<p id="no-revoke">"Log out everywhere" needs a storage that keeps sessions on the server.</p>"#.to_owned()
    };
    format!(
        r#"<form method="post" action="/logout">{token}<button type="submit" id="logout">Log out</button></form>
{everywhere}"#
    )
}

/// The hidden field that carries the session's CSRF token.
fn token_field(csrf: &str) -> String {
    format!(
        r#"<input type="hidden" name="_csrf" value="{}">"#,
        escape(csrf)
    )
}

fn layout(title: &str, notice: Option<&str>, body: &str) -> String {
    let notice = notice.map_or_else(String::new, |notice| {
        format!(r#"<p class="notice" id="notice">{}</p>"#, escape(notice))
    });
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; line-height: 1.5; }}
  .notice {{ background: #e6f4ea; border: 1px solid #7cb88b; padding: .5rem 1rem; border-radius: .4rem; }}
  form {{ margin: .5rem 0; }}
  button {{ padding: .3rem 1rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
{notice}
{body}
</body>
</html>
"#
    )
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}
