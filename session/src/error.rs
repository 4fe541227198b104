//! The crate's error type.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong when reading, saving or serializing a session.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A session value could not be serialized to JSON.
    Serialize {
        /// The stored name of the key whose value failed.
        key: String,
        /// What `serde_json` reported.
        source: serde_json::Error,
    },
    /// The `Set-Cookie` header would be longer than browsers accept; they would
    /// drop it silently, so it is refused instead.
    CookieTooLarge {
        /// The length of the `Set-Cookie` value, in bytes.
        size: usize,
        /// The largest length accepted.
        limit: usize,
    },
    /// A cookie name or attribute would break the `Set-Cookie` header.
    InvalidCookie(String),
    /// The session layer was given a cookie without secrets. A session cookie
    /// must be signed: without a signature a client can forge it.
    UnsignedCookie,
    /// A file-system operation of [`FsStorage`](crate::FsStorage) failed.
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What the operating system reported.
        source: std::io::Error,
    },
    /// The root of an [`FsStorage`](crate::FsStorage) exists but is not a directory.
    NotADirectory(PathBuf),
    /// A storage backend (such as Redis) failed.
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    pub(crate) fn serialize(key: &str, source: serde_json::Error) -> Self {
        Error::Serialize {
            key: key.to_owned(),
            source,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Serialize { key, .. } => {
                write!(f, "could not serialize the session value of `{key}`")
            }
            Error::CookieTooLarge { size, limit } => write!(
                f,
                "the Set-Cookie header would be {size} bytes, over the {limit}-byte limit browsers accept; \
                 store less in the cookie or use a server-side storage"
            ),
            Error::InvalidCookie(reason) => write!(f, "invalid cookie: {reason}"),
            Error::UnsignedCookie => f.write_str(
                "the session cookie must be signed: give it secrets with `Cookie::secrets`, \
                 or a client could forge its session",
            ),
            Error::Io { path, .. } => write!(f, "session storage I/O failed on {}", path.display()),
            Error::NotADirectory(path) => {
                write!(
                    f,
                    "the session directory {} exists but is not a directory",
                    path.display()
                )
            }
            Error::Backend(_) => f.write_str("the session storage backend failed"),
        }
    }
}

/// An error and its causes, as one line: `outer: cause: root cause`. For logs.
pub(crate) struct Chain<'a>(pub(crate) &'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Serialize { source, .. } => Some(source),
            Error::Io { source, .. } => Some(source),
            Error::Backend(source) => Some(&**source),
            Error::CookieTooLarge { .. }
            | Error::InvalidCookie(_)
            | Error::UnsignedCookie
            | Error::NotADirectory(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_names_every_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let error = Error::io("/var/sessions/ab", io);
        assert_eq!(
            Chain(&error).to_string(),
            "session storage I/O failed on /var/sessions/ab: denied"
        );
    }
}
