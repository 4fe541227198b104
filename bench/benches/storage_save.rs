//! The id-based storages: the request cycle with Redis on loopback, and what
//! merging a request's changes into the latest stored session costs compared
//! with overwriting it (memory and Redis).
//!
//! Starts a private `redis-server` on a free port (it must be installed).

use std::hint::black_box;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use session_schema::{Cookie, MemoryStorage, RedisStorage, Session, SessionData, SessionStorage};

mod support;
use support::{Bench, STORED};

struct RedisServer(Child, u16);

impl RedisServer {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(20));
        }
        RedisServer(child, port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn stored() -> Session<Bench> {
    let data: SessionData = serde_json::from_str(STORED).unwrap();
    Session::from_data("0123456789abcdefghijklmn", data)
}

/// The session of a request that read it from `storage` and changed one value:
/// saving it merges the change into the stored session.
async fn read_and_changed(storage: &impl SessionStorage, id: &str) -> Session<Bench> {
    let mut session: Session<Bench> = storage.read(Some(id)).await.unwrap();
    assert_eq!(session.id(), id);
    session.set(Bench::VISITS, 43);
    session
}

/// The same session built without the storage: saving it overwrites the record.
fn built_and_changed() -> Session<Bench> {
    let mut session = stored();
    session.set(Bench::VISITS, 43);
    session
}

fn storages(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = RedisServer::start();
    let redis = runtime
        .block_on(RedisStorage::connect(&format!(
            "redis://127.0.0.1:{}",
            server.1
        )))
        .unwrap();
    let memory = MemoryStorage::new();
    let id = runtime.block_on(async {
        let mut session = stored();
        session.set(Bench::VISITS, 42);
        memory.save(&session).await.unwrap();
        redis.save(&session).await.unwrap().unwrap()
    });

    let cookie = Cookie::new("session").secrets(["a sufficiently long secret, 32 bytes"]);
    let header = cookie
        .serialize(&id)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mut group = c.benchmark_group("redis");
    group.bench_function("request cycle", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let value = cookie.parse(Some(black_box(&header)));
                let mut session: Session<Bench> = redis.read(value.as_deref()).await.unwrap();
                let visits = session.get(Bench::VISITS).copied().unwrap_or_default();
                session.set(Bench::VISITS, visits + 1);
                let value = redis.save(&session).await.unwrap().unwrap();
                black_box(cookie.serialize(&value).unwrap())
            })
        });
    });
    save_paths(&mut group, &runtime, &redis, &id);
    group.finish();

    let mut group = c.benchmark_group("memory");
    save_paths(&mut group, &runtime, &memory, &id);
    group.finish();
}

/// Times one save of each path: merging into a record nobody changed since
/// the read (the common case, one compare-and-set), merging into a record
/// another request changed (read the latest, merge, compare-and-set), and a
/// plain overwrite.
fn save_paths(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    runtime: &tokio::runtime::Runtime,
    storage: &impl SessionStorage,
    id: &str,
) {
    group.bench_function("save, merged into an unchanged record", |b| {
        b.iter_batched(
            || runtime.block_on(read_and_changed(storage, id)),
            |session| runtime.block_on(storage.save(&session)).unwrap(),
            BatchSize::SmallInput,
        );
    });
    // Once saved, the record differs from what this session read, so each
    // later save finds it changed and goes the long way.
    let mut stale: Session<Bench> = runtime.block_on(storage.read(Some(id))).unwrap();
    let visits = stale.get(Bench::VISITS).copied().unwrap_or_default();
    stale.set(Bench::VISITS, visits + 1);
    runtime.block_on(storage.save(&stale)).unwrap();
    group.bench_function("save, merged into a changed record", |b| {
        b.iter(|| runtime.block_on(storage.save(black_box(&stale))).unwrap());
    });
    let overwriting = built_and_changed();
    group.bench_function("save, overwriting", |b| {
        b.iter(|| {
            runtime
                .block_on(storage.save(black_box(&overwriting)))
                .unwrap()
        });
    });
}

criterion_group!(benches, storages);
criterion_main!(benches);
