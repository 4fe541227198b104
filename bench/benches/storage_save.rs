//! The id-based storages on loopback, each against a private server the bench
//! starts (as the tests do):
//!
//! - `cycle`: the request cycle (parse and verify the cookie, read, change one
//!   value, save, sign) of the memory, fs, Redis, Memcached and PostgreSQL
//!   storages;
//! - `redis` and `memory`: a save that merges a request's changes into the
//!   stored session, beside a plain overwrite;
//! - `racing saves`: eight requests of one user saving different keys at
//!   once, per storage (time for all eight);
//! - `redis clients`: the Redis cycle with 1, 8 and 64 concurrent clients
//!   (time per cycle).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use session_schema::{
    Cookie, FsStorage, MemcacheStorage, MemoryStorage, PostgresStorage, RedisStorage, Session,
    SessionData, SessionStorage,
};
use session_tests::redis_server::RedisServer;
use session_tests::servers::postgres::Postgres;
use session_tests::servers::process::Memcached;

mod support;
use support::{Bench, STORED};

const SECRET: &str = "a sufficiently long secret, 32 bytes";

fn stored() -> Session<Bench> {
    let data: SessionData = serde_json::from_str(STORED).unwrap();
    let mut session = Session::from_data(session_schema::new_session_id(), data);
    session.set(Bench::VISITS, 42);
    session
}

/// One request against `storage`: returns the `Set-Cookie` header.
async fn cycle(cookie: &Cookie, storage: &impl SessionStorage, header: &str) -> String {
    let value = cookie.parse(Some(header));
    let mut session: Session<Bench> = storage.read(value.as_deref()).await.unwrap();
    let visits = session.get(Bench::VISITS).copied().unwrap_or_default();
    session.set(Bench::VISITS, visits + 1);
    let value = storage.save(&session).await.unwrap().unwrap();
    cookie.serialize(&value).unwrap()
}

/// The servers and the storages over them.
struct Storages {
    memory: MemoryStorage,
    fs: FsStorage,
    redis: RedisStorage,
    memcache: MemcacheStorage,
    postgres: PostgresStorage,
    _servers: (RedisServer, Memcached, Postgres, tempfile::TempDir),
}

impl Storages {
    fn start(runtime: &tokio::runtime::Runtime) -> Self {
        let redis_server = RedisServer::start();
        let memcached = Memcached::start();
        let postgres_server = Postgres::start();
        let dir = tempfile::tempdir().unwrap();
        runtime.block_on(async {
            Storages {
                memory: MemoryStorage::new(),
                fs: FsStorage::new(dir.path()).unwrap(),
                redis: RedisStorage::connect(&redis_server.url()).await.unwrap(),
                memcache: MemcacheStorage::connect(&memcached.addr()).await.unwrap(),
                postgres: PostgresStorage::connect(&postgres_server.url())
                    .await
                    .unwrap(),
                _servers: (redis_server, memcached, postgres_server, dir),
            }
        })
    }
}

/// Runs `each` for every storage, with its name.
macro_rules! for_each_storage {
    ($storages:expr, |$name:ident, $storage:ident| $body:expr) => {{
        let storages = $storages;
        {
            let ($name, $storage) = ("memory", &storages.memory);
            $body;
        }
        {
            let ($name, $storage) = ("fs", &storages.fs);
            $body;
        }
        {
            let ($name, $storage) = ("redis", &storages.redis);
            $body;
        }
        {
            let ($name, $storage) = ("memcached", &storages.memcache);
            $body;
        }
        {
            let ($name, $storage) = ("postgres", &storages.postgres);
            $body;
        }
    }};
}

fn storages(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Kept for the whole bench, so the cycles can run as tasks of the runtime.
    let storages: &'static Storages = Box::leak(Box::new(Storages::start(&runtime)));
    let cookie = Cookie::new("session").secrets([SECRET]);

    let mut group = c.benchmark_group("cycle");
    for_each_storage!(&storages, |name, storage| {
        let id = runtime.block_on(storage.save(&stored())).unwrap().unwrap();
        let header = cookie
            .serialize(&id)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        // The cycles run in a task of the runtime, as a server's requests
        // do, beside the connections' own tasks: no hand-over from outside
        // the runtime per iteration.
        group.bench_function(name, |b| {
            b.iter_custom(|cycles| {
                let (cookie, header) = (cookie.clone(), header.clone());
                let task = runtime.spawn(async move {
                    let started = std::time::Instant::now();
                    for _ in 0..cycles {
                        black_box(cycle(&cookie, storage, black_box(&header)).await);
                    }
                    started.elapsed()
                });
                runtime.block_on(task).unwrap()
            });
        });
    });
    group.finish();

    let mut group = c.benchmark_group("redis");
    save_paths(&mut group, &runtime, &storages.redis);
    group.finish();
    let mut group = c.benchmark_group("memory");
    save_paths(&mut group, &runtime, &storages.memory);
    group.finish();

    let mut group = c.benchmark_group("racing saves");
    group.sample_size(20);
    for_each_storage!(&storages, |name, storage| {
        group.bench_function(BenchmarkId::new("8 requests", name), |b| {
            b.iter_custom(|rounds| {
                let mut total = Duration::ZERO;
                for _ in 0..rounds {
                    total += runtime.block_on(racing_round(storage));
                }
                total
            });
        });
    });
    group.finish();

    let redis = Arc::new(storages.redis.clone());
    // One user per client, each with a session of its own.
    let headers: Vec<String> = (0..64)
        .map(|_| {
            let id = runtime.block_on(redis.save(&stored())).unwrap().unwrap();
            cookie
                .serialize(&id)
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut group = c.benchmark_group("redis clients");
    for clients in [1_u64, 8, 64] {
        group.bench_with_input(
            BenchmarkId::new("cycle per client", clients),
            &clients,
            |b, &clients| {
                b.iter_custom(|cycles| {
                    // `cycles` cycles in all, spread over `clients` concurrent clients:
                    // the time per cycle is the wall time divided by `cycles`.
                    let per_client = cycles.div_ceil(clients);
                    runtime.block_on(async {
                        let started = Instant::now();
                        let tasks: Vec<_> = headers[..usize::try_from(clients).unwrap()]
                            .iter()
                            .map(|header| {
                                let (redis, cookie, header) =
                                    (Arc::clone(&redis), cookie.clone(), header.clone());
                                tokio::spawn(async move {
                                    for _ in 0..per_client {
                                        black_box(cycle(&cookie, &*redis, &header).await);
                                    }
                                })
                            })
                            .collect();
                        for task in tasks {
                            task.await.unwrap();
                        }
                        let nanos = started.elapsed().as_nanos() * u128::from(cycles)
                            / u128::from(per_client * clients);
                        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
                    })
                });
            },
        );
    }
    group.finish();
}

/// Eight requests of one user read the same session, each sets another key,
/// and all save at once: the time until every save is done.
async fn racing_round(storage: &impl SessionStorage) -> Duration {
    let id = storage.save(&stored()).await.unwrap().unwrap();
    let mut sessions = Vec::new();
    for _ in 0..8 {
        let session: Session<Bench> = storage.read(Some(&id)).await.unwrap();
        sessions.push(session);
    }
    for (index, session) in sessions.iter_mut().enumerate() {
        match index % 4 {
            0 => session.set(Bench::USER_ID, 7),
            1 => session.set(Bench::LAST_SEEN, 8),
            2 => session.set(Bench::NAME, "racing".to_owned()),
            _ => session.set(Bench::VISITS, 9),
        }
    }
    let started = Instant::now();
    let saves = sessions.iter().map(|session| storage.save(session));
    for saved in futures_join(saves).await {
        saved.unwrap();
    }
    started.elapsed()
}

/// Runs futures concurrently on the current task and collects their outputs.
async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (future, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

/// Times one save of each path: merging into a record nobody changed since
/// the read (the common case, one compare-and-set), merging into a record
/// another request changed (read the latest, merge, compare-and-set), and a
/// plain overwrite.
fn save_paths(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    runtime: &tokio::runtime::Runtime,
    storage: &impl SessionStorage,
) {
    let id = runtime.block_on(storage.save(&stored())).unwrap().unwrap();
    group.bench_function("save, merged into an unchanged record", |b| {
        b.iter_batched(
            || {
                let mut session: Session<Bench> =
                    runtime.block_on(storage.read(Some(&id))).unwrap();
                session.set(Bench::VISITS, 43);
                session
            },
            |session| runtime.block_on(storage.save(&session)).unwrap(),
            BatchSize::SmallInput,
        );
    });
    // Once saved, the record differs from what this session read, so each
    // later save finds it changed and goes the long way.
    let mut stale: Session<Bench> = runtime.block_on(storage.read(Some(&id))).unwrap();
    stale.set(Bench::VISITS, 44);
    runtime.block_on(storage.save(&stale)).unwrap();
    group.bench_function("save, merged into a changed record", |b| {
        b.iter(|| runtime.block_on(storage.save(black_box(&stale))).unwrap());
    });
    let mut overwriting = stored();
    overwriting.set(Bench::VISITS, 43);
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
