//! The whole request cycle in process: parse the `Cookie` header, verify (or
//! open) it, read the session, read a value, set a value, save, sign (or
//! seal), write `Set-Cookie`, as the session layers run it: when the save
//! keeps the value the request sent (the memory storage's unchanged id), no
//! `Set-Cookie` is written.
//!
//! - `request cycle`: a ten-key session (368 bytes stored) in a signed cookie,
//!   an encrypted cookie, a signed cookie with an idle timeout, and the memory
//!   storage (whose cookie holds only the id; here signed and written again
//!   every time, as the reference's cycle on Node.js it is compared with does);
//!   beside them the floor, the two HMAC-SHA256 runs the signed cycle cannot
//!   avoid (verify and sign), and a reference point that is not work the
//!   cycle does: a `serde_json::Value` parse and write of the session.
//! - `keys`: the memory-storage cycle for sessions of 1, 10, 100 and 1000 keys;
//!   and, for one key, the same cycle writing `Set-Cookie` every time.
//! - `merge`: a save that merges into a record another request changed, for
//!   sessions of 1, 10, 100 and 1000 keys.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use session_schema::{
    Cookie, CookieStorage, MemoryStorage, Protection, Session, SessionData, SessionStorage,
};
use sha2::Sha256;

mod support;
use support::{Bench, STORED, block_on, stored_with};

const SECRET: &str = "a sufficiently long secret, 32 bytes";
const ID: &str = "0123456789abcdefghijklmn";

/// Whether a cycle writes `Set-Cookie` when the save kept the value the
/// request sent (an id-based storage's unchanged id).
#[derive(Clone, Copy)]
enum Resend {
    /// As the session layers do: the response carries nothing then.
    OnlyChanged,
    /// Signs and writes the cookie again all the same (the cost a layer
    /// without that check pays).
    Always,
}

/// One request: returns the `Set-Cookie` header, if it has one.
fn cycle<P: Protection>(
    cookie: &Cookie<P>,
    storage: &impl SessionStorage,
    header: &str,
    resend: Resend,
) -> Option<String> {
    let sent = cookie.parse(Some(header));
    // As the layers read it: the parsed value handed over, not copied.
    let mut session: Session<Bench> = block_on(storage.read_owned(sent)).unwrap();
    let visits = session.get(Bench::VISITS).copied().unwrap_or_default();
    session.set(Bench::VISITS, visits + 1);
    let value = block_on(storage.save(&session)).unwrap().unwrap();
    // The session was read under the id the request sent (the benches send
    // stored ones), so a save that returns that id kept the request's value.
    if matches!(resend, Resend::OnlyChanged) && value == session.id() {
        return None;
    }
    Some(cookie.serialize(&value).unwrap())
}

/// Benches [`cycle`] as `id` in `group`: one request with `header`
/// through `cookie` and `storage`.
fn bench_cycle<P: Protection>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: BenchmarkId,
    (cookie, storage, header): (&Cookie<P>, &impl SessionStorage, &str),
    resend: Resend,
) {
    group.bench_function(id, |b| {
        b.iter(|| black_box(cycle(cookie, storage, black_box(header), resend)));
    });
}

/// A session as stored in `text`, with a value set so saving it writes.
fn stored_session(text: &str) -> Session<Bench> {
    let data: SessionData = serde_json::from_str(text).unwrap();
    let mut session = Session::<Bench>::from_data(ID, data);
    session.set(Bench::VISITS, 42);
    session
}

/// The `Cookie` request header that carries `value` in `cookie`.
fn header<P: Protection>(cookie: &Cookie<P>, value: &str) -> String {
    let set_cookie = cookie.serialize(value).unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

fn request_cycle(c: &mut Criterion) {
    let signed = Cookie::new("session").secrets([SECRET]).http_only(true);
    let encrypted = Cookie::new("session").encrypted([SECRET]).http_only(true);
    let session = stored_session(STORED);

    let storage = CookieStorage::new();
    let value = block_on(storage.save(&session)).unwrap().unwrap();
    let signed_header = header(&signed, &value);
    let encrypted_header = header(&encrypted, &value);
    let timed = CookieStorage::new().idle_timeout(Duration::from_secs(3600));
    let timed_value = block_on(timed.save(&session)).unwrap().unwrap();
    let timed_header = header(&signed, &timed_value);
    let signed_value = signed_header["session=".len()..].to_owned();
    println!(
        "cookie session: {} bytes of JSON, {} bytes signed, {} bytes encrypted",
        value.len(),
        signed_value.len(),
        encrypted_header.len() - "session=".len()
    );

    let memory = MemoryStorage::new();
    let id = block_on(memory.save(&session)).unwrap().unwrap();
    let memory_header = header(&signed, &id);

    let mut group = c.benchmark_group("request cycle");
    let named = BenchmarkId::from_parameter;
    let signed_cycle = (&signed, &storage, signed_header.as_str());
    bench_cycle(
        &mut group,
        named("cookie storage, signed"),
        signed_cycle,
        Resend::OnlyChanged,
    );
    let encrypted_cycle = (&encrypted, &storage, encrypted_header.as_str());
    bench_cycle(
        &mut group,
        named("cookie storage, encrypted"),
        encrypted_cycle,
        Resend::OnlyChanged,
    );
    let timed_cycle = (&signed, &timed, timed_header.as_str());
    bench_cycle(
        &mut group,
        named("cookie storage, signed, idle timeout"),
        timed_cycle,
        Resend::OnlyChanged,
    );
    let memory_cycle = (&signed, &memory, memory_header.as_str());
    bench_cycle(
        &mut group,
        named("memory storage"),
        memory_cycle,
        Resend::Always,
    );

    let key = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    let hmac_twice = |bytes: &[u8]| {
        let mut verify = key.clone();
        verify.update(bytes);
        let mut sign = key.clone();
        sign.update(bytes);
        (verify.finalize().into_bytes(), sign.finalize().into_bytes())
    };
    let signed_part = signed_value.rsplit_once('.').unwrap().0.to_owned();
    group.bench_function("floor: 2x HMAC-SHA256 (verify and sign)", |b| {
        b.iter(|| black_box(hmac_twice(black_box(signed_part.as_bytes()))));
    });
    group.bench_function(
        "reference, not the cycle's work: serde_json::Value parse and write",
        |b| {
            b.iter(|| {
                let tree: serde_json::Value = serde_json::from_str(black_box(&value)).unwrap();
                black_box(serde_json::to_string(&tree).unwrap())
            });
        },
    );
    group.finish();
}

/// The key counts of the benches of sessions that grow.
const KEYS: [usize; 4] = [1, 10, 100, 1000];

/// The stored text of a session with `keys` keys in all (the schema's ten,
/// or fewer, and more the schema does not know).
fn stored_of(keys: usize) -> String {
    if keys >= 10 {
        stored_with(keys - 10)
    } else {
        format!(r#"[{{"visits":{keys}}},{{}}]"#)
    }
}

fn keys(c: &mut Criterion) {
    let signed = Cookie::new("session").secrets([SECRET]).http_only(true);
    let mut group = c.benchmark_group("keys");
    for keys in KEYS {
        let memory = MemoryStorage::new();
        let session = stored_session(&stored_of(keys));
        let id = block_on(memory.save(&session)).unwrap().unwrap();
        let header = header(&signed, &id);
        let memory_cycle = (&signed, &memory, header.as_str());
        let id = BenchmarkId::new("memory cycle", keys);
        bench_cycle(&mut group, id, memory_cycle, Resend::OnlyChanged);
        if keys == 1 {
            let id = BenchmarkId::new("memory cycle, Set-Cookie every time", keys);
            bench_cycle(&mut group, id, memory_cycle, Resend::Always);
        }
    }
    group.finish();
}

fn merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge");
    for keys in KEYS {
        let memory = MemoryStorage::new();
        let id = block_on(memory.save(&stored_session(&stored_of(keys))))
            .unwrap()
            .unwrap();
        // This request read the session and changed one key...
        let mut stale: Session<Bench> = block_on(memory.read(Some(&id))).unwrap();
        stale.set(Bench::NAME, "this request".to_owned());
        // ...after which another request changed another: every save of
        // `stale` finds the record changed and merges into it.
        let mut other: Session<Bench> = block_on(memory.read(Some(&id))).unwrap();
        other.set(Bench::VISITS, 7);
        block_on(memory.save(&other)).unwrap();
        group.bench_with_input(
            BenchmarkId::new("merging save", keys),
            &stale,
            |b, stale| {
                b.iter(|| black_box(block_on(memory.save(black_box(stale))).unwrap()));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, request_cycle, keys, merge);
criterion_main!(benches);
