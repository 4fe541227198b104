//! A minimal HTTP/1.1 client for tests against servers on loopback, and a
//! cookie jar that behaves like a browser's for one host.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response: status, headers (lower-case names, in order), body.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Every header line as `(name, value)`.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Response {
    /// Every value of a header.
    #[must_use]
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The `Set-Cookie` header, if there is exactly one.
    #[must_use]
    pub fn set_cookie(&self) -> Option<&str> {
        match self.all("set-cookie").as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

/// Sends one request with `Connection: close` and reads the whole response.
///
/// # Panics
///
/// When the server cannot be reached or answers something that is not HTTP.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> Response {
    let mut headers = Vec::new();
    if let Some(cookie) = cookie {
        headers.push(("Cookie", cookie));
    }
    if form.is_some() {
        headers.push(("Content-Type", "application/x-www-form-urlencoded"));
    }
    request(
        addr,
        method,
        path,
        &headers,
        Body::Sized(form.unwrap_or_default().as_bytes()),
    )
    .await
}

/// How a request's body is sent.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    /// With `Content-Length`.
    Sized(&'a [u8]),
    /// With `Transfer-Encoding: chunked`, in chunks of at most 1 KiB: the
    /// server learns the length only by reading.
    Chunked(&'a [u8]),
}

/// Sends one request with these headers (besides `Host`, `Connection:
/// close` and the body's length) and reads the whole response.
///
/// # Panics
///
/// When the server cannot be reached or answers something that is not HTTP.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Body<'_>,
) -> Response {
    use std::fmt::Write as _;
    let stream = TcpStream::connect(addr)
        .await
        .expect("the server accepts connections");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let mut raw = Vec::new();
    match body {
        Body::Sized(bytes) => {
            let _ = write!(head, "Content-Length: {}\r\n\r\n", bytes.len());
            raw.extend_from_slice(head.as_bytes());
            raw.extend_from_slice(bytes);
        }
        Body::Chunked(bytes) => {
            head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            raw.extend_from_slice(head.as_bytes());
            for chunk in bytes.chunks(1024) {
                raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                raw.extend_from_slice(chunk);
                raw.extend_from_slice(b"\r\n");
            }
            raw.extend_from_slice(b"0\r\n\r\n");
        }
    }
    exchange(stream, &raw).await
}

/// Sends a `GET` whose `Cookie` header is `cookie`, bytes that need not be
/// UTF-8 (a browser sends what a page script or a sibling subdomain set,
/// Latin-1 included), and reads the whole response.
///
/// # Panics
///
/// As [`send`].
pub async fn send_cookie_bytes(addr: SocketAddr, path: &str, cookie: &[u8]) -> Response {
    let stream = TcpStream::connect(addr)
        .await
        .expect("the server accepts connections");
    let mut raw = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: ")
        .into_bytes();
    raw.extend_from_slice(cookie);
    raw.extend_from_slice(b"\r\nContent-Length: 0\r\n\r\n");
    exchange(stream, &raw).await
}

/// Writes a request's bytes and reads the whole response.
async fn exchange(mut stream: TcpStream, raw: &[u8]) -> Response {
    // A server that refuses a request early may stop reading its body.
    let _ = stream.write_all(raw).await;
    let mut answer = Vec::new();
    // A server that answers before reading the whole body may close the
    // connection under the rest: what it answered is still read.
    let _ = stream.read_to_end(&mut answer).await;
    parse(&String::from_utf8_lossy(&answer))
}

fn parse(raw: &str) -> Response {
    let (head, body) = raw.split_once("\r\n\r\n").expect("a complete response");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let chunked = raw
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    Response {
        status,
        headers,
        body: if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        },
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// Cookies for one host, kept and expired as a browser does for the
/// attributes the session layer writes.
#[derive(Debug, Default, Clone)]
pub struct Jar {
    cookies: BTreeMap<String, String>,
}

impl Jar {
    /// Applies every `Set-Cookie` of a response.
    pub fn store(&mut self, response: &Response) {
        for header in response.all("set-cookie") {
            let pair = header.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let removed = header.contains("Max-Age=0") || value.is_empty();
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// The `Cookie` header to send, if any cookie is held.
    #[must_use]
    pub fn header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// A cookie's value.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Sets a cookie by hand (to replay or tamper with one).
    pub fn set(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    /// Sends a request with the jar's cookies and keeps the response's.
    pub async fn send(
        &mut self,
        addr: SocketAddr,
        method: &str,
        path: &str,
        form: Option<&str>,
    ) -> Response {
        let response = send(addr, method, path, self.header().as_deref(), form).await;
        self.store(&response);
        response
    }

    /// Sends a request with the jar's cookies and these headers and body
    /// ([`request`]), and keeps the response's cookies.
    pub async fn request(
        &mut self,
        addr: SocketAddr,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
    ) -> Response {
        let cookie = self.header();
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if let Some(cookie) = &cookie {
            all.push(("Cookie", cookie));
        }
        let response = request(addr, method, path, &all, body).await;
        self.store(&response);
        response
    }
}

/// Serves `router` on a free loopback port until the test ends.
///
/// # Panics
///
/// When no port can be bound.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}
