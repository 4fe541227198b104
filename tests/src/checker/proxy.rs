//! A loopback TCP proxy of the checker's own, between a storage and its
//! server: it delays every chunk by a random latency and can cut every
//! connection at once, as a flaky network would.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::rng::Rng;

/// A running proxy, stopped when dropped.
pub struct Proxy {
    addr: SocketAddr,
    control: Arc<Control>,
    task: tokio::task::JoinHandle<()>,
}

struct Control {
    latency_ms: AtomicU64,
    seed: AtomicU64,
    cuts: watch::Sender<u64>,
    connections: AtomicU64,
}

impl Proxy {
    /// Starts a proxy on a free loopback port that forwards to `target`.
    ///
    /// # Panics
    ///
    /// When no port can be bound.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        Self::serve(listener, addr, target)
    }

    /// Starts a proxy on `listener` (bound already, so its port can be handed
    /// to a server before the proxy runs) that forwards to `target`.
    pub fn serve(listener: TcpListener, addr: SocketAddr, target: SocketAddr) -> Proxy {
        let (cuts, _) = watch::channel(0);
        let control = Arc::new(Control {
            latency_ms: AtomicU64::new(0),
            seed: AtomicU64::new(0),
            cuts,
            connections: AtomicU64::new(0),
        });
        let shared = Arc::clone(&control);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let control = Arc::clone(&shared);
                tokio::spawn(async move {
                    let _ = forward(client, target, &control).await;
                });
            }
        });
        Proxy {
            addr,
            control,
            task,
        }
    }

    /// Where clients connect.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Delays every chunk by up to `max_ms` milliseconds from now on, drawn
    /// from `seed`.
    pub fn set_latency(&self, max_ms: u64, seed: u64) {
        self.control.latency_ms.store(max_ms, Ordering::SeqCst);
        self.control.seed.store(seed, Ordering::SeqCst);
    }

    /// Cuts every open connection.
    pub fn cut(&self) {
        self.control.cuts.send_modify(|generation| *generation += 1);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.task.abort();
    }
}

async fn forward(client: TcpStream, target: SocketAddr, control: &Control) -> std::io::Result<()> {
    let mut cuts = control.cuts.subscribe();
    cuts.mark_unchanged();
    let server = TcpStream::connect(target).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let number = control.connections.fetch_add(1, Ordering::SeqCst);
    let seed = control.seed.load(Ordering::SeqCst) ^ number.wrapping_mul(0x9E37_79B9);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let upstream = pump(client_read, server_write, control, Rng::new(seed));
    let downstream = pump(server_read, client_write, control, Rng::new(!seed));
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
        _ = cuts.changed() => {}
    }
    Ok(())
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    control: &Control,
    mut rng: Rng,
) -> std::io::Result<()> {
    let mut buffer = vec![0_u8; 16 * 1024];
    loop {
        let read = from.read(&mut buffer).await?;
        if read == 0 {
            return to.shutdown().await;
        }
        let latency = control.latency_ms.load(Ordering::SeqCst);
        if latency > 0 {
            tokio::time::sleep(Duration::from_micros(rng.range(0, latency * 1000))).await;
        }
        to.write_all(&buffer[..read]).await?;
    }
}
