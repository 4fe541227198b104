//! The demo's one page.

/// The page: the visit counter, who is logged in, and the one-time notice.
pub fn render(visits: u64, user: Option<&str>, notice: Option<&str>) -> String {
    let notice = notice.map_or_else(String::new, |notice| {
        format!(r#"<p class="notice" id="notice">{}</p>"#, escape(notice))
    });
    let account = match user {
        Some(user) => format!(
            r#"<p id="user">Logged in as <strong>{}</strong>.</p>
<form method="post" action="/logout"><button type="submit" id="logout">Log out</button></form>"#,
            escape(user)
        ),
        None => r#"<p id="user">Not logged in.</p>
<form method="post" action="/login">
  <label>Name <input name="name" id="name" autocomplete="username" required></label>
  <button type="submit" id="login">Log in</button>
</form>"#
            .to_owned(),
    };
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>session demo</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; line-height: 1.5; }}
  .notice {{ background: #e6f4ea; border: 1px solid #7cb88b; padding: .5rem 1rem; border-radius: .4rem; }}
  button {{ padding: .3rem 1rem; }}
</style>
</head>
<body>
<h1>session demo</h1>
{notice}
<p id="visits">You have visited this page <strong>{visits}</strong> time{plural}.</p>
{account}
</body>
</html>
"#,
        plural = if visits == 1 { "" } else { "s" },
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
