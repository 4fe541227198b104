//! Fuzzes the read path: a `Cookie` header, through signature checking and
//! decoding, into the cookie storage and a typed session; and the same bytes
//! as a stored session file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_schema::{Cookie, CookieStorage, FsStorage, Session, SessionSchema, SessionStorage};

#[derive(SessionSchema)]
struct App {
    user_id: u64,
    name: String,
    tags: Vec<String>,
    #[session(flash)]
    notice: String,
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

fn exercise(session: &Session<App>) {
    let _ = (session.get(App::USER_ID), session.get(App::NAME), session.get(App::TAGS), session.get(App::NOTICE));
    let _ = (session.size(), session.mismatched_keys(), session.data());
}

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    for cookie in [Cookie::new("session"), Cookie::new("session").secrets(["a", "b"])] {
        let value = cookie.parse(Some(header));
        let session: Session<App> = block_on(CookieStorage::new().read(value.as_deref())).unwrap();
        exercise(&session);
    }
    // The raw input as a cookie storage value and as a stored file.
    let session: Session<App> = block_on(CookieStorage::new().read(Some(header))).unwrap();
    exercise(&session);
    let dir = std::env::temp_dir().join(format!("session-fuzz-{}", std::process::id()));
    let storage = FsStorage::new(&dir).unwrap();
    let mut seed: Session<App> = Session::with_id("fuzz");
    seed.set(App::USER_ID, 1);
    block_on(storage.save(&seed)).unwrap();
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|entry| entry.file_name() != ".locks")
        .flat_map(|entry| std::fs::read_dir(entry.path()).unwrap().flatten())
        .map(|entry| entry.path())
        .next()
        .expect("the seed session was saved");
    std::fs::write(&path, data).unwrap();
    let session: Session<App> = block_on(storage.read(Some("fuzz"))).unwrap();
    exercise(&session);
});
