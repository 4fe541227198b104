//! How a cookie's value is protected, as a type: [`Unsigned`] (the plain
//! codec), [`Signed`] (HMAC-SHA256) and, for sessions, only the protected
//! ones ([`Protected`]).

use super::codec;
use super::signing::{self, Signer};
use crate::error::Error;

/// The length, in bytes, that session layers require of every secret unless
/// the cookie allows shorter ones ([`Cookie::allow_short_secrets`](super::Cookie::allow_short_secrets)).
pub const MIN_SECRET_LEN: usize = 32;

pub(crate) mod sealed {
    #![allow(
        unnameable_types,
        reason = "sealed: reachable through the public traits' bounds, nameable only in the crate"
    )]
    use crate::error::Error;

    /// What a protection does to a value; sealed, so only this crate's
    /// protections exist.
    pub trait Codec: Clone + Send + Sync + 'static {
        /// Appends the protected form of `value` to `out`.
        fn encode(&self, cookie_name: &str, value: &str, out: &mut String) -> Result<(), Error>;
        /// The value behind a raw cookie value, if it verifies and decodes.
        fn decode(&self, cookie_name: &str, raw: &str) -> Option<String>;
        /// Why these secrets must not protect a session cookie, if they must not.
        fn refuse_for_sessions(&self) -> Option<Error>;
        /// How many secrets there are, for `Debug`.
        fn secret_count(&self) -> usize;
    }

    /// Turns a protection a session layer accepts into the one form layers keep.
    pub trait IntoSession {
        /// The protection as a layer keeps it.
        fn into_session(self) -> super::SessionProtection;
    }
}

/// How a [`Cookie`](super::Cookie)'s value is protected: [`Unsigned`] or
/// [`Signed`]. Sealed: no other protections exist.
pub trait Protection: sealed::Codec {}

/// A protection that keeps a client from forging a session: implemented for
/// [`Signed`] only, so a session layer given an unsigned cookie does not
/// compile.
#[diagnostic::on_unimplemented(
    message = "a session cookie must be signed: call `.secrets([...])` on the cookie",
    label = "this cookie is a `Cookie<{Self}>`, which a client can forge",
    note = "`Cookie::new(name)` makes an unsigned cookie; `Cookie::new(name).secrets([secret])` signs it with HMAC-SHA256"
)]
pub trait Protected: Protection + sealed::IntoSession {}

/// An unsigned cookie: the value is only base64-encoded, and any client can
/// write any value. This is the reference's plain codec, for cookies that hold
/// nothing a client could abuse (a theme, a language); a session layer does not
/// accept it.
#[derive(Clone, Debug, Default)]
pub struct Unsigned {
    _private: (),
}

/// A signed cookie: the value is followed by its HMAC-SHA256 under the first
/// secret, and it reads back only if one of the secrets verifies it.
#[derive(Clone)]
pub struct Signed {
    signers: Vec<Signer>,
    /// The length of the shortest secret, in bytes (0 when there is none).
    shortest: usize,
    /// Whether secrets shorter than [`MIN_SECRET_LEN`] are accepted for sessions.
    allow_short: bool,
}

impl Signed {
    pub(crate) fn new<I>(secrets: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut shortest = usize::MAX;
        let signers: Vec<Signer> = secrets
            .into_iter()
            .map(|secret| {
                let secret = secret.as_ref();
                shortest = shortest.min(secret.len());
                Signer::new(secret)
            })
            .collect();
        Signed {
            shortest: if signers.is_empty() { 0 } else { shortest },
            signers,
            allow_short: false,
        }
    }

    pub(crate) fn allow_short(&mut self) {
        self.allow_short = true;
    }

    /// Whether the secrets can sign: at least one, and none empty.
    fn usable(&self) -> bool {
        self.shortest > 0
    }
}

impl sealed::Codec for Unsigned {
    fn encode(&self, _: &str, value: &str, out: &mut String) -> Result<(), Error> {
        codec::encode_into(value, out);
        Ok(())
    }

    fn decode(&self, cookie_name: &str, raw: &str) -> Option<String> {
        let decoded = codec::decode(raw);
        if decoded.is_none() {
            tracing::debug!(cookie = %cookie_name, "cookie refused: not base64 of UTF-8 text");
        }
        decoded
    }

    fn refuse_for_sessions(&self) -> Option<Error> {
        None
    }

    fn secret_count(&self) -> usize {
        0
    }
}

impl sealed::Codec for Signed {
    fn encode(&self, _: &str, value: &str, out: &mut String) -> Result<(), Error> {
        let (Some(signer), true) = (self.signers.first(), self.usable()) else {
            return Err(Error::EmptySecret);
        };
        let start = out.len();
        codec::encode_into(value, out);
        signer.sign_suffix(out, start);
        Ok(())
    }

    fn decode(&self, cookie_name: &str, raw: &str) -> Option<String> {
        if !self.usable() {
            return None;
        }
        let Some(verified) = signing::unsign(raw, &self.signers) else {
            tracing::debug!(cookie = %cookie_name, "cookie refused: its signature does not verify");
            return None;
        };
        let decoded = codec::decode(verified);
        if decoded.is_none() {
            tracing::debug!(cookie = %cookie_name, "cookie refused: not base64 of UTF-8 text");
        }
        decoded
    }

    fn refuse_for_sessions(&self) -> Option<Error> {
        if !self.usable() {
            return Some(Error::EmptySecret);
        }
        (self.shortest < MIN_SECRET_LEN && !self.allow_short).then_some(Error::ShortSecret {
            length: self.shortest,
            minimum: MIN_SECRET_LEN,
        })
    }

    fn secret_count(&self) -> usize {
        self.signers.len()
    }
}

/// The protection of a session layer's cookie, whichever protected kind it
/// was given. Not nameable outside the crate.
#[doc(hidden)]
#[derive(Clone)]
pub enum SessionProtection {
    Signed(Signed),
}

impl sealed::Codec for SessionProtection {
    fn encode(&self, cookie_name: &str, value: &str, out: &mut String) -> Result<(), Error> {
        match self {
            SessionProtection::Signed(signed) => signed.encode(cookie_name, value, out),
        }
    }

    fn decode(&self, cookie_name: &str, raw: &str) -> Option<String> {
        match self {
            SessionProtection::Signed(signed) => signed.decode(cookie_name, raw),
        }
    }

    fn refuse_for_sessions(&self) -> Option<Error> {
        match self {
            SessionProtection::Signed(signed) => signed.refuse_for_sessions(),
        }
    }

    fn secret_count(&self) -> usize {
        match self {
            SessionProtection::Signed(signed) => signed.secret_count(),
        }
    }
}

impl sealed::IntoSession for Signed {
    fn into_session(self) -> SessionProtection {
        SessionProtection::Signed(self)
    }
}

impl Protection for Unsigned {}
impl Protection for Signed {}
impl Protection for SessionProtection {}
impl Protected for Signed {}
