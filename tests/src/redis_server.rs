//! Private Redis servers on free loopback ports, stopped when dropped: one
//! server, a cluster of three masters, or a master with a replica and three
//! sentinels.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::servers::process::{Process, free_port, wait_for};

/// A running `redis-server` of this test's own.
pub struct RedisServer {
    process: Process,
    port: u16,
    /// Extra arguments (a cluster node's configuration).
    args: Vec<String>,
    /// The server's own directory, when the arguments name none: nothing
    /// is read from or written to the tests' working directory (a replica
    /// writes the master's snapshot there, which the next server started
    /// there would load).
    _dir: Option<tempfile::TempDir>,
}

impl RedisServer {
    /// Starts a server on a free port, without persistence.
    ///
    /// # Panics
    ///
    /// When `redis-server` is not installed (`scripts/test.sh` installs it) or
    /// does not start.
    #[must_use]
    pub fn start() -> Self {
        let args = ["--save", "", "--appendonly", "no"]
            .map(str::to_owned)
            .to_vec();
        Self::start_with(free_port(), args)
    }

    /// Starts a server on a free port that writes every command to its
    /// append-only file before answering (`appendfsync always`), in `dir`:
    /// a restart loses nothing it acknowledged.
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start).
    #[must_use]
    pub fn start_durable(dir: &std::path::Path) -> Self {
        let args = [
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
            dir.to_str().expect("a UTF-8 path"),
        ]
        .map(str::to_owned)
        .to_vec();
        Self::start_with(free_port(), args)
    }

    /// The server's port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    fn start_with(port: u16, mut args: Vec<String>) -> Self {
        let dir = if args.iter().any(|arg| arg == "--dir") {
            None
        } else {
            let dir = tempfile::tempdir().expect("a temporary directory");
            args.extend([
                "--dir".to_owned(),
                dir.path().to_str().expect("a UTF-8 path").to_owned(),
            ]);
            Some(dir)
        };
        let mut server = RedisServer {
            process: Process::start("true", &[]),
            port,
            args,
            _dir: dir,
        };
        server.restart();
        server
    }

    /// The server's URL.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (as a crash would).
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// Starts the server again on the same port, and waits until it accepts connections.
    ///
    /// # Panics
    ///
    /// When it does not start within ten seconds.
    pub fn restart(&mut self) {
        self.kill();
        let port = self.port.to_string();
        let mut args = vec!["--port", &port, "--bind", "127.0.0.1"];
        args.extend(self.args.iter().map(String::as_str));
        self.process = Process::start("redis-server", &args);
        wait_for(self.port, "redis-server", Duration::from_secs(10));
        // It accepts connections while it loads its data (answering
        // `LOADING`): ready once it answers `PING`.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "ping"])
            .output()
            .is_ok_and(|output| output.stdout.starts_with(b"PONG"))
        {
            assert!(Instant::now() < deadline, "redis-server did not get ready");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Three `redis-server` masters in cluster mode, with persistence (so a node
/// restarted keeps its sessions), in a temporary directory.
pub struct RedisCluster {
    /// The nodes.
    pub nodes: Vec<RedisServer>,
    _dir: tempfile::TempDir,
}

impl RedisCluster {
    /// Starts three nodes and joins them into a cluster (`redis-cli --cluster create`).
    ///
    /// # Panics
    ///
    /// When the servers do not start or the cluster does not form.
    #[must_use]
    pub fn start() -> Self {
        let ports = [Self::free_port(), Self::free_port(), Self::free_port()];
        Self::start_announcing(&ports, &[])
    }

    /// A free port for a node, whose bus port (the port + 10000) is free too.
    #[must_use]
    pub fn free_port() -> u16 {
        loop {
            let port = free_port();
            if port < 55_000 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
                return port;
            }
        }
    }

    /// Starts three nodes on `ports` that tell clients to reach them at the
    /// `announced` ports (proxies in front of them, already serving:
    /// `cluster-announce-port`), and joins them into a cluster. Without
    /// announced ports, each node announces its own.
    ///
    /// # Panics
    ///
    /// When the servers do not start or the cluster does not form.
    #[must_use]
    pub fn start_announcing(ports: &[u16; 3], announced: &[u16]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let nodes: Vec<RedisServer> = (0..3)
            .map(|number| {
                // A cluster node also listens on its port + 10000.
                let port = ports[number];
                let node_dir: PathBuf = dir.path().join(port.to_string());
                std::fs::create_dir(&node_dir).unwrap();
                let mut args = vec![
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    "2000",
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                    "--save",
                    "",
                    "--dir",
                    node_dir.to_str().unwrap(),
                ];
                let (announce_port, bus_port) = (
                    announced.get(number).map(ToString::to_string),
                    (port + 10_000).to_string(),
                );
                if let Some(announce_port) = &announce_port {
                    args.extend([
                        "--cluster-announce-ip",
                        "127.0.0.1",
                        "--cluster-announce-port",
                        announce_port,
                        "--cluster-announce-bus-port",
                        &bus_port,
                    ]);
                }
                RedisServer::start_with(port, args.into_iter().map(str::to_owned).collect())
            })
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect();
        let created = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli runs (it comes with redis-server)");
        assert!(
            created.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        let cluster = RedisCluster { nodes, _dir: dir };
        cluster.wait_until_ok();
        cluster
    }

    /// The nodes' URLs.
    #[must_use]
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// Waits until every node reports the cluster as `ok`.
    ///
    /// # Panics
    ///
    /// When it does not within thirty seconds.
    pub fn wait_until_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        for node in &self.nodes {
            loop {
                let info = Command::new("redis-cli")
                    .args(["-p", &node.port.to_string(), "cluster", "info"])
                    .output()
                    .expect("redis-cli runs");
                if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok") {
                    break;
                }
                assert!(Instant::now() < deadline, "the cluster did not become ok");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// A master, a replica of it, and three Redis Sentinels watching it under
/// the name [`SentinelGroup::MASTER`], each on a free loopback port: the
/// sentinels agree a master is down after one second, and promote the
/// replica.
pub struct SentinelGroup {
    /// The master the group starts with.
    pub master: RedisServer,
    /// Its replica, promoted when the master fails.
    pub replica: RedisServer,
    sentinels: Vec<(u16, Process)>,
    _dir: tempfile::TempDir,
}

impl SentinelGroup {
    /// The name the sentinels know the master by.
    pub const MASTER: &'static str = "sessions";

    /// Starts the group, and waits until every sentinel knows the replica
    /// and the two other sentinels (so a failover can be agreed).
    ///
    /// # Panics
    ///
    /// When a server does not start, or the group does not form within
    /// thirty seconds.
    #[must_use]
    pub fn start() -> Self {
        let master = RedisServer::start();
        let master_port = master.port().to_string();
        let replica = RedisServer::start_with(
            free_port(),
            [
                "--save",
                "",
                "--appendonly",
                "no",
                "--replicaof",
                "127.0.0.1",
                &master_port,
                // The test stalls the replica with DEBUG SLEEP.
                "--enable-debug-command",
                "yes",
            ]
            .map(str::to_owned)
            .to_vec(),
        );
        let dir = tempfile::tempdir().expect("a temporary directory");
        let sentinels = (0..3)
            .map(|number| {
                let port = free_port();
                let conf = dir.path().join(format!("sentinel-{number}.conf"));
                std::fs::write(
                    &conf,
                    format!(
                        "port {port}\nbind 127.0.0.1\n\
                         sentinel monitor {name} 127.0.0.1 {master_port} 2\n\
                         sentinel down-after-milliseconds {name} 1000\n\
                         sentinel failover-timeout {name} 10000\n\
                         sentinel parallel-syncs {name} 1\n",
                        name = Self::MASTER
                    ),
                )
                .expect("the sentinel's configuration is written");
                let process =
                    Process::start("redis-server", &[conf.to_str().unwrap(), "--sentinel"]);
                wait_for(port, "redis-sentinel", Duration::from_secs(10));
                (port, process)
            })
            .collect();
        let group = SentinelGroup {
            master,
            replica,
            sentinels,
            _dir: dir,
        };
        group.wait_until_formed();
        group
    }

    /// The sentinels' URLs.
    #[must_use]
    pub fn sentinel_urls(&self) -> Vec<String> {
        self.sentinels
            .iter()
            .map(|(port, _)| format!("redis://127.0.0.1:{port}"))
            .collect()
    }

    /// The port of the master the sentinels name now.
    ///
    /// # Panics
    ///
    /// When the first sentinel does not answer.
    #[must_use]
    pub fn named_master_port(&self) -> Option<u16> {
        let output = redis_cli(
            self.sentinels[0].0,
            &["SENTINEL", "get-master-addr-by-name", Self::MASTER],
        );
        output
            .lines()
            .nth(1)
            .and_then(|port| port.trim().parse().ok())
    }

    /// The value of `key` on the server at `port`, if it answers one.
    #[must_use]
    pub fn get(port: u16, key: &str) -> Option<String> {
        let value = redis_cli(port, &["GET", key]);
        let value = value.trim_end_matches('\n');
        (!value.is_empty()).then(|| value.to_owned())
    }

    fn wait_until_formed(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        for (port, _) in &self.sentinels {
            loop {
                let fields = redis_cli(*port, &["SENTINEL", "master", Self::MASTER]);
                let lines: Vec<&str> = fields.lines().collect();
                let field = |name: &str| {
                    lines
                        .iter()
                        .position(|line| *line == name)
                        .and_then(|at| lines.get(at + 1))
                        .copied()
                };
                if field("num-slaves") == Some("1") && field("num-other-sentinels") == Some("2") {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the sentinels did not find the replica and each other: {fields}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// What `redis-cli -p port args...` prints.
///
/// # Panics
///
/// When `redis-cli` cannot run.
#[must_use]
pub fn redis_cli(port: u16, args: &[&str]) -> String {
    let output = Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli runs (it comes with redis-server)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}
