//! How a cookie's value is protected, as a type: [`Unsigned`] (the plain
//! codec), [`Signed`] (HMAC-SHA256), [`Encrypted`] (XChaCha20-Poly1305) and,
//! for sessions, only the protected ones ([`Protected`]).

use super::codec;
use super::sealing::{self, Sealer};
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
    pub trait Codec: Send + Sync + 'static {
        /// Appends the protected form of `value` to `out`.
        fn encode(&self, cookie_name: &str, value: &str, out: &mut String) -> Result<(), Error>;
        /// The value behind a raw cookie value, if it verifies and decodes,
        /// and whether the current (first) secret protected it: protecting
        /// the value again would then change nothing a reader can tell.
        fn decode_keyed(&self, cookie_name: &str, raw: &str) -> Option<(String, bool)>;
        /// The value behind a raw cookie value, if it verifies and decodes.
        fn decode(&self, cookie_name: &str, raw: &str) -> Option<String> {
            self.decode_keyed(cookie_name, raw).map(|(value, _)| value)
        }
        /// Why these secrets must not protect a session cookie, if they must not.
        fn refuse_for_sessions(&self) -> Option<Error>;
        /// How many secrets there are, for `Debug`.
        fn secret_count(&self) -> usize;
        /// Accepts secrets shorter than session layers require.
        fn allow_short_secrets(&mut self) {}
    }

    /// Turns a protection a session layer accepts into the one form layers keep.
    pub trait IntoSession {
        /// The protection as a layer keeps it.
        fn into_session(self) -> super::SessionProtection;
    }
}

/// How a [`Cookie`](super::Cookie)'s value is protected: [`Unsigned`],
/// [`Signed`] or [`Encrypted`]. Sealed: no other protections exist.
pub trait Protection: sealed::Codec + Clone {}

/// A protection that keeps a client from forging a session: implemented for
/// [`Signed`] and [`Encrypted`], so a session layer given an unsigned cookie
/// does not compile.
#[diagnostic::on_unimplemented(
    message = "a session cookie must be signed: call `.secrets([...])` on the cookie",
    label = "this cookie is a `Cookie<{Self}>`, which a client can forge",
    note = "`Cookie::new(name)` makes an unsigned cookie; `Cookie::new(name).secrets([secret])` signs it with HMAC-SHA256, \
            and `Cookie::new(name).encrypted([secret])` encrypts it"
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
    secrets: Secrets,
}

/// An encrypted cookie: the value is sealed with XChaCha20-Poly1305 under a
/// key derived from the first secret and the cookie's name, and reads back
/// only if one of the secrets' keys opens it. The client sees neither the
/// data nor its shape; the reference implementation cannot read it.
#[derive(Clone)]
pub struct Encrypted {
    sealers: Vec<Sealer>,
    secrets: Secrets,
}

/// What the protected kinds check of their secrets.
#[derive(Clone, Copy)]
struct Secrets {
    /// The length of the shortest secret, in bytes (0 when there is none).
    shortest: usize,
    /// Whether secrets shorter than [`MIN_SECRET_LEN`] are accepted for sessions.
    allow_short: bool,
}

impl Secrets {
    /// Makes one keyed thing per secret, noting the shortest.
    fn key<I, T>(secrets: I, mut key: impl FnMut(&str) -> T) -> (Vec<T>, Secrets)
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut shortest = usize::MAX;
        let keyed: Vec<T> = secrets
            .into_iter()
            .map(|secret| {
                let secret = secret.as_ref();
                shortest = shortest.min(secret.len());
                key(secret)
            })
            .collect();
        let shortest = if keyed.is_empty() { 0 } else { shortest };
        (
            keyed,
            Secrets {
                shortest,
                allow_short: false,
            },
        )
    }

    /// Whether the secrets can protect a value: at least one, and none empty.
    fn usable(self) -> bool {
        self.shortest > 0
    }

    fn refuse_for_sessions(self) -> Option<Error> {
        if !self.usable() {
            return Some(Error::EmptySecret);
        }
        (self.shortest < MIN_SECRET_LEN && !self.allow_short).then_some(Error::ShortSecret {
            length: self.shortest,
            minimum: MIN_SECRET_LEN,
        })
    }
}

impl Signed {
    pub(crate) fn new<I>(secrets: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let (signers, secrets) = Secrets::key(secrets, Signer::new);
        Signed { signers, secrets }
    }
}

impl Encrypted {
    pub(crate) fn new<I>(secrets: I, cookie_name: &str) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let (sealers, secrets) = Secrets::key(secrets, |secret| Sealer::new(secret, cookie_name));
        Encrypted { sealers, secrets }
    }
}

impl sealed::Codec for Unsigned {
    fn encode(&self, _: &str, value: &str, out: &mut String) -> Result<(), Error> {
        codec::encode_into(value, out);
        Ok(())
    }

    fn decode_keyed(&self, cookie_name: &str, raw: &str) -> Option<(String, bool)> {
        let decoded = codec::decode(raw);
        if decoded.is_none() {
            tracing::debug!(cookie = %cookie_name, "cookie refused: not base64 of UTF-8 text");
        }
        decoded.map(|value| (value, true))
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
        let (Some(signer), true) = (self.signers.first(), self.secrets.usable()) else {
            return Err(Error::EmptySecret);
        };
        let start = out.len();
        codec::encode_into(value, out);
        signer.sign_suffix(out, start);
        Ok(())
    }

    fn decode_keyed(&self, cookie_name: &str, raw: &str) -> Option<(String, bool)> {
        if !self.secrets.usable() {
            return None;
        }
        let Some((verified, current)) = signing::unsign(raw, &self.signers) else {
            tracing::debug!(cookie = %cookie_name, "cookie refused: its signature does not verify");
            return None;
        };
        let decoded = codec::decode(verified);
        if decoded.is_none() {
            tracing::debug!(cookie = %cookie_name, "cookie refused: not base64 of UTF-8 text");
        }
        decoded.map(|value| (value, current))
    }

    fn refuse_for_sessions(&self) -> Option<Error> {
        self.secrets.refuse_for_sessions()
    }

    fn secret_count(&self) -> usize {
        self.signers.len()
    }

    fn allow_short_secrets(&mut self) {
        self.secrets.allow_short = true;
    }
}

impl sealed::Codec for Encrypted {
    fn encode(&self, cookie_name: &str, value: &str, out: &mut String) -> Result<(), Error> {
        let (Some(sealer), true) = (self.sealers.first(), self.secrets.usable()) else {
            return Err(Error::EmptySecret);
        };
        sealer.seal(cookie_name, value, out);
        Ok(())
    }

    fn decode_keyed(&self, cookie_name: &str, raw: &str) -> Option<(String, bool)> {
        if !self.secrets.usable() {
            return None;
        }
        let opened = sealing::open(raw, cookie_name, &self.sealers);
        if opened.is_none() {
            tracing::debug!(cookie = %cookie_name, "cookie refused: none of the keys opens it");
        }
        opened
    }

    fn refuse_for_sessions(&self) -> Option<Error> {
        self.secrets.refuse_for_sessions()
    }

    fn secret_count(&self) -> usize {
        self.sealers.len()
    }

    fn allow_short_secrets(&mut self) {
        self.secrets.allow_short = true;
    }
}

/// The protection of a session layer's cookie, whichever protected kind it
/// was given. Not nameable outside the crate.
#[doc(hidden)]
#[derive(Clone)]
pub enum SessionProtection {
    Signed(Signed),
    Encrypted(Encrypted),
}

impl SessionProtection {
    fn codec(&self) -> &dyn sealed::Codec {
        match self {
            SessionProtection::Signed(signed) => signed,
            SessionProtection::Encrypted(encrypted) => encrypted,
        }
    }
}

impl sealed::Codec for SessionProtection {
    fn encode(&self, cookie_name: &str, value: &str, out: &mut String) -> Result<(), Error> {
        self.codec().encode(cookie_name, value, out)
    }

    fn decode_keyed(&self, cookie_name: &str, raw: &str) -> Option<(String, bool)> {
        self.codec().decode_keyed(cookie_name, raw)
    }

    fn refuse_for_sessions(&self) -> Option<Error> {
        self.codec().refuse_for_sessions()
    }

    fn secret_count(&self) -> usize {
        self.codec().secret_count()
    }
}

impl sealed::IntoSession for Signed {
    fn into_session(self) -> SessionProtection {
        SessionProtection::Signed(self)
    }
}

impl sealed::IntoSession for Encrypted {
    fn into_session(self) -> SessionProtection {
        SessionProtection::Encrypted(self)
    }
}

impl Protection for Unsigned {}
impl Protection for Signed {}
impl Protection for Encrypted {}
impl Protection for SessionProtection {}
impl Protected for Signed {}
impl Protected for Encrypted {}
