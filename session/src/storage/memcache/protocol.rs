//! The few commands of memcached's text protocol the storage needs (`gets`,
//! `get` of several keys, `set`, `add`, `cas`, `delete`), over a pool of
//! Tokio TCP connections. Every reply is bounded: a line, a value and the
//! number of values read back have a limit, a value must be the one asked
//! for and end with `\r\n`, so a hostile or confused server costs a
//! bounded amount of memory and gets an error.
//!
//! Why not a client crate: the maintained async one (`async-memcached`)
//! has no `gets`/`cas` in its text protocol, which a compare-and-set needs,
//! and brings a dozen dependencies for five commands that fit on a page here.

use std::io;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

/// How long connecting, or one command, may take.
const TIMEOUT: Duration = Duration::from_secs(2);
/// Idle connections kept for reuse.
const MAX_IDLE: usize = 32;
/// The longest value read back (memcached's own default item limit is 1 MiB).
const MAX_VALUE_LEN: usize = 8 << 20;
/// The longest reply line: a `VALUE` line is a key of at most 250 bytes and
/// three numbers.
const MAX_LINE_LEN: usize = 1024;

/// A stored value and its compare-and-set token.
pub(crate) struct Item {
    pub(crate) value: Vec<u8>,
    pub(crate) cas: u64,
}

/// What a storage command answered.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// `STORED`.
    Stored,
    /// `NOT_STORED` (`add` of an existing key).
    NotStored,
    /// `EXISTS` (`cas` after another change).
    Exists,
    /// `NOT_FOUND` (`cas` of a missing key).
    NotFound,
}

/// Connections to one memcached server, reused across commands.
pub(crate) struct Pool {
    addr: String,
    idle: Mutex<Vec<Connection>>,
}

struct Connection {
    stream: BufReader<TcpStream>,
}

impl Pool {
    pub(crate) fn new(addr: &str) -> Self {
        Pool {
            addr: addr.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Opens one connection now, to fail early on an unreachable server.
    pub(crate) async fn check(&self) -> io::Result<()> {
        let connection = self.connection().await?;
        self.put_back(connection);
        Ok(())
    }

    async fn connection(&self) -> io::Result<Connection> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(connection) = idle {
            return Ok(connection);
        }
        let stream = within(TcpStream::connect(&self.addr)).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream: BufReader::new(stream),
        })
    }

    fn put_back(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(connection);
        }
    }

    /// Keeps a connection for the next command if its command went well; a
    /// connection that failed is dropped (after a restart of the server, the
    /// next command connects afresh).
    fn done<T>(&self, connection: Connection, result: io::Result<T>) -> io::Result<T> {
        if result.is_ok() {
            self.put_back(connection);
        }
        result
    }

    /// `gets key`: the value and its token, if the key exists.
    pub(crate) async fn gets(&self, key: &str) -> io::Result<Option<Item>> {
        let mut connection = self.connection().await?;
        let result = within(connection.gets(key)).await;
        self.done(connection, result)
    }

    /// `set`, `add` or `cas` (with `cas: Some(token)`) of `value` under `key`,
    /// expiring at `exptime` (0: never).
    pub(crate) async fn store(
        &self,
        verb: &str,
        key: &str,
        value: &[u8],
        exptime: u64,
        cas: Option<u64>,
    ) -> io::Result<Answer> {
        let header = match cas {
            Some(cas) => format!("{verb} {key} 0 {exptime} {} {cas}\r\n", value.len()),
            None => format!("{verb} {key} 0 {exptime} {}\r\n", value.len()),
        };
        let mut connection = self.connection().await?;
        let result = within(connection.store(&header, value)).await;
        self.done(connection, result)
    }

    /// `get k1 k2 ...`: the values of the keys that exist (one round trip).
    pub(crate) async fn get_many(&self, keys: &[String]) -> io::Result<Vec<Vec<u8>>> {
        let mut connection = self.connection().await?;
        let result = within(connection.get_many(keys)).await;
        self.done(connection, result)
    }

    /// `delete key`; a missing key is no error.
    pub(crate) async fn delete(&self, key: &str) -> io::Result<()> {
        let mut connection = self.connection().await?;
        let result = within(connection.delete(key)).await;
        self.done(connection, result)
    }
}

impl Connection {
    async fn gets(&mut self, key: &str) -> io::Result<Option<Item>> {
        self.write(&[b"gets ", key.as_bytes(), b"\r\n"]).await?;
        let item = self.read_value(&[key]).await?;
        if item.is_some() {
            let end = self.read_line().await?;
            if end != "END" {
                return Err(unexpected(&end));
            }
        }
        Ok(item.map(|(_, item)| item))
    }

    async fn get_many(&mut self, keys: &[String]) -> io::Result<Vec<Vec<u8>>> {
        let mut command =
            Vec::with_capacity(4 + keys.iter().map(|key| key.len() + 1).sum::<usize>());
        command.extend_from_slice(b"gets");
        for key in keys {
            command.push(b' ');
            command.extend_from_slice(key.as_bytes());
        }
        command.extend_from_slice(b"\r\n");
        self.write(&[&command]).await?;
        let wanted: Vec<&str> = keys.iter().map(String::as_str).collect();
        let mut values = Vec::new();
        while let Some((_, item)) = self.read_value(&wanted).await? {
            if values.len() == keys.len() {
                return Err(unexpected("more values than keys asked for"));
            }
            values.push(item.value);
        }
        Ok(values)
    }

    async fn store(&mut self, header: &str, value: &[u8]) -> io::Result<Answer> {
        self.write(&[header.as_bytes(), value, b"\r\n"]).await?;
        match self.read_line().await?.as_str() {
            "STORED" => Ok(Answer::Stored),
            "NOT_STORED" => Ok(Answer::NotStored),
            "EXISTS" => Ok(Answer::Exists),
            "NOT_FOUND" => Ok(Answer::NotFound),
            other => Err(unexpected(other)),
        }
    }

    async fn delete(&mut self, key: &str) -> io::Result<()> {
        self.write(&[b"delete ", key.as_bytes(), b"\r\n"]).await?;
        match self.read_line().await?.as_str() {
            "DELETED" | "NOT_FOUND" => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    async fn write(&mut self, parts: &[&[u8]]) -> io::Result<()> {
        let stream = self.stream.get_mut();
        for part in parts {
            stream.write_all(part).await?;
        }
        stream.flush().await
    }

    /// One reply line, without its `\r\n`, of at most [`MAX_LINE_LEN`] bytes.
    async fn read_line(&mut self) -> io::Result<String> {
        let mut line = Vec::new();
        let limit = u64::try_from(MAX_LINE_LEN + 2).unwrap_or(u64::MAX);
        let read = (&mut self.stream)
            .take(limit)
            .read_until(b'\n', &mut line)
            .await?;
        if read == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "memcached closed the connection",
            ));
        }
        if line.last() != Some(&b'\n') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a reply line from memcached is longer than {MAX_LINE_LEN} bytes"),
            ));
        }
        let line = String::from_utf8_lossy(&line);
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// Reads `VALUE <key> <flags> <bytes> <cas>\r\n<data>\r\n` for one of
    /// `wanted`, or `None` at `END`.
    async fn read_value(&mut self, wanted: &[&str]) -> io::Result<Option<(String, Item)>> {
        let line = self.read_line().await?;
        if line == "END" {
            return Ok(None);
        }
        let mut fields = line.split(' ');
        let (Some("VALUE"), Some(key), Some(_flags), Some(len), Some(cas), None) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return Err(unexpected(&line));
        };
        if !wanted.contains(&key) {
            return Err(unexpected(&format!(
                "a value for a key that was not asked for: {line}"
            )));
        }
        let len: usize = len.parse().map_err(|_| unexpected(&line))?;
        let cas: u64 = cas.parse().map_err(|_| unexpected(&line))?;
        if len > MAX_VALUE_LEN {
            return Err(unexpected(&line));
        }
        let key = key.to_owned();
        let mut value = vec![0; len + 2];
        self.stream.read_exact(&mut value).await?;
        if !value.ends_with(b"\r\n") {
            return Err(unexpected("a value that does not end with \\r\\n"));
        }
        value.truncate(len);
        Ok(Some((key, Item { value, cas })))
    }
}

/// `future`, or a time-out error after [`TIMEOUT`].
async fn within<T>(future: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    tokio::time::timeout(TIMEOUT, future)
        .await
        .unwrap_or_else(|_| {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "memcached did not answer in time",
            ))
        })
}

fn unexpected(line: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("unexpected answer from memcached: {line:?}"),
    )
}
