//! The crate's error type.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong when reading, saving or serializing a session.
///
/// `Debug` (what `.unwrap()` and `?` in `main` print) shows the variant, the
/// message `Display` gives and the causes, so a failed `unwrap` says what to
/// do:
///
/// ```text
/// ShortSecret { length: 7, minimum: 32 }: a cookie secret is 7 bytes long; a session
/// cookie needs secrets of at least 32 random bytes, ...
/// ```
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
    /// A cookie name or attribute would break the `Set-Cookie` header, or
    /// breaks the rules of its name's `__Secure-` or `__Host-` prefix.
    InvalidCookie(String),
    /// A signed cookie has no secret, or an empty one: it cannot sign, and
    /// nothing verifies against it.
    EmptySecret,
    /// A session layer was given a cookie whose shortest secret is shorter
    /// than it accepts. Use a long random secret, or allow short ones with
    /// [`Cookie::allow_short_secrets`](crate::Cookie::allow_short_secrets).
    ShortSecret {
        /// The length of the shortest secret, in bytes.
        length: usize,
        /// The shortest length accepted, in bytes.
        minimum: usize,
    },
    /// A file-system operation of [`FsStorage`](crate::FsStorage) failed.
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What the operating system reported.
        source: std::io::Error,
    },
    /// The root of an [`FsStorage`](crate::FsStorage) exists but is not a directory.
    NotADirectory(PathBuf),
    /// The root of an [`FsStorage`](crate::FsStorage) is not private to this
    /// process's user: another local user could read the sessions in it or
    /// plant files there.
    InsecureDirectory {
        /// The directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A storage backend (such as Redis) failed.
    Backend(Box<dyn std::error::Error + Send + Sync>),
    /// A setting given to a storage or a layer is not valid; the text says
    /// which and why.
    InvalidConfig(String),
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
            Error::EmptySecret => f.write_str(
                "the cookie has no secret, or an empty one: an empty secret signs nothing, \
                 so anyone could forge the cookie; give it a long random secret",
            ),
            Error::ShortSecret { length, minimum } => write!(
                f,
                "a cookie secret is {length} bytes long; a session cookie needs secrets of at least \
                 {minimum} random bytes, or anyone who sees a cookie can guess the secret offline \
                 (to share sessions with an app whose secret is shorter, call \
                 `allow_short_secrets()` on the cookie)"
            ),
            Error::Io { path, .. } => write!(f, "session storage I/O failed on {}", path.display()),
            Error::NotADirectory(path) => {
                write!(
                    f,
                    "the session directory {} exists but is not a directory",
                    path.display()
                )
            }
            Error::InsecureDirectory { path, reason } => write!(
                f,
                "the session directory {} is not private: {reason}",
                path.display()
            ),
            Error::Backend(_) => f.write_str("the session storage backend failed"),
            Error::InvalidConfig(reason) => write!(f, "invalid setting: {reason}"),
        }
    }
}

/// The variant and its fields, as a derived `Debug` would show them.
struct Fields<'a>(&'a Error);

impl fmt::Debug for Fields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Error::Serialize { key, source } => f
                .debug_struct("Serialize")
                .field("key", key)
                .field("source", source)
                .finish(),
            Error::CookieTooLarge { size, limit } => f
                .debug_struct("CookieTooLarge")
                .field("size", size)
                .field("limit", limit)
                .finish(),
            Error::InvalidCookie(reason) => f.debug_tuple("InvalidCookie").field(reason).finish(),
            Error::EmptySecret => f.write_str("EmptySecret"),
            Error::ShortSecret { length, minimum } => f
                .debug_struct("ShortSecret")
                .field("length", length)
                .field("minimum", minimum)
                .finish(),
            Error::Io { path, source } => f
                .debug_struct("Io")
                .field("path", path)
                .field("source", source)
                .finish(),
            Error::NotADirectory(path) => f.debug_tuple("NotADirectory").field(path).finish(),
            Error::InsecureDirectory { path, reason } => f
                .debug_struct("InsecureDirectory")
                .field("path", path)
                .field("reason", reason)
                .finish(),
            Error::Backend(source) => f.debug_tuple("Backend").field(source).finish(),
            Error::InvalidConfig(reason) => f.debug_tuple("InvalidConfig").field(reason).finish(),
        }
    }
}

impl fmt::Debug for Error {
    /// The variant and its fields, then the message and its causes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", Fields(self), Chain(self))
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
            | Error::EmptySecret
            | Error::ShortSecret { .. }
            | Error::NotADirectory(_)
            | Error::InsecureDirectory { .. }
            | Error::InvalidConfig(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_says_what_display_says() {
        let error = Error::ShortSecret {
            length: 7,
            minimum: 32,
        };
        let debug = format!("{error:?}");
        assert!(
            debug.starts_with(
                "ShortSecret { length: 7, minimum: 32 }: a cookie secret is 7 bytes long"
            ),
            "{debug}"
        );
        assert!(debug.contains("allow_short_secrets()"), "{debug}");
        let io = Error::io("/x", std::io::Error::other("denied"));
        assert!(format!("{io:?}").ends_with("session storage I/O failed on /x: denied"));
    }

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
