//! Typed `get`/`set`/`data()` on a ten-key session (368 bytes stored), against a plain struct
//! field read and against a `HashMap<String, serde_json::Value>` with `serde_json`
//! (de)serialization on each access, as string-keyed session crates do.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::Value;
use session_schema::{Session, SessionData};

mod support;
use support::{Bench, Item, Plain, STORED};

fn loaded() -> Session<Bench> {
    let data: SessionData = serde_json::from_str(STORED).unwrap();
    let session = Session::<Bench>::from_data("id", data);
    // Decode once, as the first read of a request does.
    assert_eq!(session.get(Bench::VISITS), Some(&42));
    assert!(session.get(Bench::NAME).is_some());
    session
}

fn plain() -> Plain {
    Plain {
        user_id: 1_234_567,
        name: "Ada Lovelace".into(),
        email: "ada.lovelace@example.com".into(),
        role: "administrator".into(),
        visits: 42,
        cart: vec![Item {
            sku: "tea".into(),
            quantity: 2,
        }],
        theme: "dark".into(),
        locale: "en-GB".into(),
        last_seen: 1_790_000_000,
    }
}

fn map() -> HashMap<String, Value> {
    let data: SessionData = serde_json::from_str(STORED).unwrap();
    data.values.into_iter().collect()
}

fn get(c: &mut Criterion) {
    let session = loaded();
    let plain = plain();
    let map = map();
    let mut group = c.benchmark_group("get");
    group.bench_function("typed u32", |b| {
        b.iter(|| black_box(black_box(&session).get(Bench::VISITS)));
    });
    group.bench_function("struct field u32", |b| {
        b.iter(|| black_box(&black_box(&plain).visits));
    });
    group.bench_function("map+serde_json u32", |b| {
        b.iter(|| {
            black_box(
                black_box(&map)
                    .get("visits")
                    .cloned()
                    .and_then(|value| serde_json::from_value::<u32>(value).ok()),
            )
        });
    });
    // The first read of a request: the value is decoded from the stored text.
    let stored: SessionData = serde_json::from_str(STORED).unwrap();
    group.bench_function("typed u32, first read (decode included)", |b| {
        b.iter_batched_ref(
            || Session::<Bench>::from_data("id", stored.clone()),
            |session| black_box(session.get(Bench::VISITS).copied()),
            criterion::BatchSize::SmallInput,
        );
    });
    group.bench_function("typed String", |b| {
        b.iter(|| black_box(black_box(&session).get(Bench::NAME)));
    });
    group.bench_function("struct field String", |b| {
        b.iter(|| black_box(&black_box(&plain).name));
    });
    group.bench_function("map+serde_json String", |b| {
        b.iter(|| {
            black_box(
                black_box(&map)
                    .get("name")
                    .cloned()
                    .and_then(|value| serde_json::from_value::<String>(value).ok()),
            )
        });
    });
    group.finish();
}

fn set(c: &mut Criterion) {
    let mut group = c.benchmark_group("set");
    let mut session = loaded();
    group.bench_function("typed u32", |b| {
        b.iter(|| session.set(Bench::VISITS, black_box(43)));
    });
    let mut map = map();
    group.bench_function("map+serde_json u32", |b| {
        b.iter(|| {
            map.insert(
                "visits".to_owned(),
                serde_json::to_value(black_box(43_u32)).unwrap(),
            )
        });
    });
    group.finish();
}

fn data(c: &mut Criterion) {
    let mut group = c.benchmark_group("data");
    let mut session = loaded();
    session.set(Bench::VISITS, 43);
    group.bench_function("typed data()", |b| {
        b.iter(|| black_box(black_box(&session).data()));
    });
    let map = map();
    group.bench_function("map clone", |b| {
        b.iter(|| black_box(black_box(&map).clone()));
    });
    group.finish();
}

criterion_group!(benches, get, set, data);
criterion_main!(benches);
