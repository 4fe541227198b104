//! The one-key memory-storage cycle of `benches/request_cycle.rs` (parse the
//! signed id cookie, read, get, set, save), run `CYCLES` times (default
//! 20,000) without criterion around it: for instruction counts, which the
//! machine's noise does not move.
//!
//! ```sh
//! cargo build --release -p session-schema-bench --example memory_cycle_loop
//! valgrind --tool=callgrind --callgrind-out-file=cycle.out target/release/examples/memory_cycle_loop
//! callgrind_annotate --inclusive=yes cycle.out
//! ```

use std::hint::black_box;

use session_schema::{Cookie, MemoryStorage, Session, SessionData, SessionStorage, Signed};

#[path = "../benches/support/mod.rs"]
#[allow(
    dead_code,
    reason = "the benches' shared module; this loop uses part of it"
)]
mod support;
use support::{Bench, block_on};

/// One request: the cookie parsed, the session read, its counter read and
/// set, the session saved.
#[inline(never)]
fn cycle(cookie: &Cookie<Signed>, storage: &MemoryStorage, header: &str) {
    let sent = cookie.parse(Some(header));
    let mut session: Session<Bench> = block_on(storage.read_owned(sent)).unwrap();
    let visits = session.get(Bench::VISITS).copied().unwrap_or_default();
    session.set(Bench::VISITS, visits + 1);
    black_box(block_on(storage.save(&session)).unwrap());
}

fn main() {
    let cycles: usize = std::env::var("CYCLES")
        .ok()
        .and_then(|cycles| cycles.parse().ok())
        .unwrap_or(20_000);
    let cookie = Cookie::new("session")
        .secrets(["a sufficiently long secret, 32 bytes"])
        .http_only(true);
    let data: SessionData = serde_json::from_str(r#"[{"visits":1},{}]"#).unwrap();
    let mut seed = Session::<Bench>::from_data("0123456789abcdefghijklmn", data);
    seed.set(Bench::VISITS, 42);
    let storage = MemoryStorage::new();
    let id = block_on(storage.save(&seed)).unwrap().unwrap();
    let set_cookie = cookie.serialize(&id).unwrap();
    let header = set_cookie.split(';').next().unwrap().to_owned();
    for _ in 0..cycles {
        cycle(&cookie, &storage, black_box(&header));
    }
}
