//! The id-based storages: the request cycle with Redis on loopback, and what
//! merging a request's changes into the latest stored session costs compared
//! with overwriting it (memory and Redis).
//!
//! Starts a private `redis-server` on a free port (it must be installed).

use std::hint::black_box;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use session::{Cookie, MemoryStorage, RedisStorage, Session, SessionData, SessionStorage};

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

/// Saves through the merge path: the session was read from the storage.
async fn merge_save(storage: &impl SessionStorage, id: &str) -> Option<String> {
    let mut session: Session<Bench> = storage.read(Some(id)).await.unwrap();
    session.set(Bench::VISITS, 43);
    storage.save(&session).await.unwrap()
}

/// Saves through the overwrite path: the same session, not read from the storage.
async fn overwrite_save(storage: &impl SessionStorage) -> Option<String> {
    let mut session = stored();
    session.set(Bench::VISITS, 43);
    storage.save(&session).await.unwrap()
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

    let cookie = Cookie::new("session").secrets(["a sufficiently long secret"]);
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
    group.bench_function("read + merge save", |b| {
        b.iter(|| runtime.block_on(merge_save(&redis, &id)))
    });
    group.bench_function("read + overwrite save", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let _: Session<Bench> = redis.read(Some(&id)).await.unwrap();
                overwrite_save(&redis).await
            })
        });
    });
    group.finish();

    let mut group = c.benchmark_group("memory");
    group.bench_function("read + merge save", |b| {
        b.iter(|| runtime.block_on(merge_save(&memory, &id)))
    });
    group.bench_function("read + overwrite save", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let _: Session<Bench> = memory.read(Some(&id)).await.unwrap();
                overwrite_save(&memory).await
            })
        });
    });
    group.finish();
}

criterion_group!(benches, storages);
criterion_main!(benches);
