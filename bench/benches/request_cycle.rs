//! The whole cookie-session request cycle on a ten-key, ~450-byte session:
//! parse the `Cookie` header, verify, decode, read a value, set a value,
//! encode, sign, serialize `Set-Cookie`; the same with the memory storage; and
//! the floor: two HMAC-SHA256 runs over the same bytes, alone and with the
//! JSON parse and write of the session.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use session_schema::{Cookie, CookieStorage, MemoryStorage, Session, SessionData, SessionStorage};
use sha2::Sha256;

mod support;
use support::{Bench, STORED, block_on};

fn cookie() -> Cookie {
    Cookie::new("session")
        .secrets(["a sufficiently long secret, 32 bytes"])
        .http_only(true)
}

/// One request: returns the `Set-Cookie` header.
fn cycle(cookie: &Cookie, storage: &impl SessionStorage, header: &str) -> String {
    let value = cookie.parse(Some(header));
    let mut session: Session<Bench> = block_on(storage.read(value.as_deref())).unwrap();
    let visits = session.get(Bench::VISITS).copied().unwrap_or_default();
    session.set(Bench::VISITS, visits + 1);
    let value = block_on(storage.save(&session)).unwrap().unwrap();
    cookie.serialize(&value).unwrap()
}

fn request_cycle(c: &mut Criterion) {
    let cookie = cookie();
    let data: SessionData = serde_json::from_str(STORED).unwrap();
    let session = Session::<Bench>::from_data("0123456789abcdefghijklmn", data);

    let storage = CookieStorage::new();
    let mut stored = Session::<Bench>::from_data(session.id(), session.data());
    stored.set(Bench::VISITS, 42);
    let value = block_on(storage.save(&stored)).unwrap().unwrap();
    let set_cookie = cookie.serialize(&value).unwrap();
    let header = set_cookie.split(';').next().unwrap().to_owned();
    let signed = header["session=".len()..].to_owned();
    println!(
        "cookie session: {} bytes of JSON, {} bytes signed",
        value.len(),
        signed.len()
    );

    let memory = MemoryStorage::new();
    let id = block_on(memory.save(&stored)).unwrap().unwrap();
    let memory_header = cookie
        .serialize(&id)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    let mut group = c.benchmark_group("request cycle");
    group.bench_function("cookie storage", |b| {
        b.iter(|| black_box(cycle(&cookie, &storage, black_box(&header))));
    });
    group.bench_function("memory storage", |b| {
        b.iter(|| black_box(cycle(&cookie, &memory, black_box(&memory_header))));
    });

    let key = <Hmac<Sha256> as KeyInit>::new_from_slice(b"a sufficiently long secret").unwrap();
    let hmac_twice = |bytes: &[u8]| {
        let mut first = key.clone();
        first.update(bytes);
        let mut second = key.clone();
        second.update(bytes);
        (
            first.finalize().into_bytes(),
            second.finalize().into_bytes(),
        )
    };
    group.bench_function("floor: 2x HMAC-SHA256", |b| {
        b.iter(|| black_box(hmac_twice(black_box(signed.as_bytes()))));
    });
    group.bench_function("floor: 2x HMAC-SHA256 + JSON parse and write", |b| {
        b.iter(|| {
            let macs = hmac_twice(black_box(signed.as_bytes()));
            let tree: serde_json::Value = serde_json::from_str(black_box(&value)).unwrap();
            black_box((macs, serde_json::to_string(&tree).unwrap()))
        });
    });
    group.finish();
}

criterion_group!(benches, request_cycle);
criterion_main!(benches);
