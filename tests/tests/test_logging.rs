//! What the library logs, and that no log or `Debug` output shows a whole
//! session id, a value or a secret. One subscriber captures every event of
//! this test binary (the servers run on other threads).

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::routing::get;
use session_schema::axum::SessionLayer;
use session_schema::{Cookie, Error, MemoryStorage, Session, SessionStorage, StateOf};
use session_tests::App;
use session_tests::http::{send, serve};

const SECRET: &str = "a test secret that is long enough to be accepted";

/// Every line logged so far, at every level.
fn logs() -> String {
    static CAPTURED: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    let captured = CAPTURED.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_ansi(false)
            .with_writer(move || Capture(Arc::clone(&writer)))
            .init();
        buffer
    });
    String::from_utf8_lossy(&captured.lock().unwrap()).into_owned()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_refused_cookie_is_logged_at_debug_without_its_value() {
    logs();
    let cookie = Cookie::new("sid").secrets([SECRET]);
    let forged = "sid=eyJpIjoiZm9yZ2VkLWlkIn0=.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(cookie.parse(Some(forged)), None);
    let logs = logs();
    let line = logs
        .lines()
        .find(|line| line.contains("cookie refused: its signature does not verify"))
        .expect("the refusal is logged");
    assert!(line.contains("DEBUG"), "{line}");
    assert!(line.contains("cookie=sid"), "{line}");
    assert!(
        !logs.contains("eyJpIjoiZm9yZ2VkLWlkIn0"),
        "no cookie value in the logs"
    );
    assert!(!logs.contains(SECRET), "no secret in the logs");
}

#[tokio::test]
async fn a_retried_merge_is_logged_with_a_shortened_id() {
    logs();
    let storage = MemoryStorage::new();
    let mut session = Session::<App>::new();
    session.set(App::USER_ID, 1);
    let id = storage.save(&session).await.unwrap().unwrap();
    let mut first: Session<App> = storage.read(Some(&id)).await.unwrap();
    let mut second: Session<App> = storage.read(Some(&id)).await.unwrap();
    first.set(App::NAME, "first".into());
    second.set(App::USER_ID, 2);
    storage.save(&first).await.unwrap();
    storage.save(&second).await.unwrap();

    let logs = logs();
    let line = logs
        .lines()
        .find(|line| line.contains("merging this request's changes") && line.contains(&id[..4]))
        .expect("the retried merge is logged");
    assert!(line.contains("DEBUG"), "{line}");
    assert!(!logs.contains(&id), "the whole id is never logged");
}

/// A storage whose every call fails, with a cause behind the error.
struct Down;

impl SessionStorage for Down {
    async fn read<S: session_schema::Schema>(&self, _: Option<&str>) -> Result<Session<S>, Error> {
        let cause =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        Err(Error::Backend(Box::new(cause)))
    }

    async fn save<S: session_schema::Schema, St: StateOf<S>>(
        &self,
        _: &Session<S, St>,
    ) -> Result<Option<String>, Error> {
        Err(Error::Backend("unreachable".into()))
    }
}

async fn visit(mut session: Session<App>) -> &'static str {
    session.set(App::USER_ID, 1);
    "ok"
}

#[tokio::test]
async fn a_storage_error_is_logged_with_its_cause() {
    logs();
    let layer = SessionLayer::<App, _>::new(Cookie::new("sid").secrets([SECRET]), Down).unwrap();
    let addr = serve(Router::new().route("/", get(visit)).layer(layer)).await;
    let response = send(addr, "GET", "/", None, None).await;
    assert_eq!(response.status, 500);
    let logs = logs();
    let line = logs
        .lines()
        .find(|line| line.contains("could not be loaded"))
        .expect("the storage error is logged");
    assert!(line.contains("ERROR"), "{line}");
    assert!(
        line.contains("the session storage backend failed: connection refused"),
        "the cause is in the event: {line}"
    );
}

#[tokio::test]
async fn a_route_without_the_layer_is_logged() {
    logs();
    let addr = serve(Router::new().route("/no-layer", get(visit))).await;
    let response = send(addr, "GET", "/no-layer", None, None).await;
    assert_eq!(response.status, 500);
    let logs = logs();
    let line = logs
        .lines()
        .find(|line| line.contains("no SessionLayer of this schema is installed"))
        .expect("the missing layer is logged");
    assert!(
        line.contains("ERROR") && line.contains("/no-layer") && line.contains("session_tests::App"),
        "the log names the route and the schema: {line}"
    );
    assert_eq!(
        response.body, "Internal Server Error",
        "the body names nothing"
    );
}

#[tokio::test]
async fn debug_output_shows_no_id_value_or_secret() {
    let storage = MemoryStorage::new();
    let mut session = Session::<App>::new();
    session.set(App::NAME, "a private name".into());
    let id = storage.save(&session).await.unwrap().unwrap();

    let shown = format!(
        "{session:?} {storage:?} {:?}",
        Cookie::new("sid").secrets([SECRET])
    );
    assert!(!shown.contains(&id), "{shown}");
    assert!(shown.contains(&format!("{}…", &id[..4])), "{shown}");
    assert!(!shown.contains("a private name"), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("sessions: 1"), "{shown}");
}

#[tokio::test]
async fn a_record_that_is_no_session_is_logged_without_its_content() {
    logs();
    let dir = tempfile::tempdir().unwrap();
    let storage = session_schema::FsStorage::new(dir.path()).unwrap();
    let mut session = Session::<App>::new();
    session.set(App::NAME, "saved".into());
    let id = storage.save(&session).await.unwrap().unwrap();
    // Overwritten with a record the reference would not write: the flash
    // half is a string, and serde's error would quote it.
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|entry| entry.file_name().len() == 2)
        .flat_map(|entry| std::fs::read_dir(entry.path()).unwrap().flatten())
        .next()
        .expect("the session's file")
        .path();
    std::fs::write(&file, r#"[{"user_id":1},"the confidential value"]"#).unwrap();
    let read: Session<App> = storage.read(Some(&id)).await.unwrap();
    assert_ne!(read.id(), id, "read as absent");
    let logs = logs();
    let line = logs
        .lines()
        .find(|line| line.contains("a stored session is not valid session data"))
        .expect("the refusal is logged");
    assert!(line.contains("WARN"), "{line}");
    assert!(
        line.contains("JSON of the wrong shape at line 1 column"),
        "{line}"
    );
    assert!(
        !logs.contains("confidential"),
        "no stored value in the logs: {line}"
    );
}
