//! `Session<S, St>`: the typed session, and what users call on it, in three
//! sections: what every state has (`id`, `get`, `has`, `size`, `data`, ...),
//! what an active or logged-in session adds (`set`, `update`, `get_mut`,
//! `unset`, `flash`, `regenerate_id`, `destroy`), and the login state
//! (`log_in`, `owner`, `log_out`, `into_logged_in`). They stay in this
//! module: the compiler names a method in its messages by the module of its
//! `impl` ("required by a bound in `Session::<S, St>::set`"), and a user
//! reads this module's name best. Beside it:
//!
//! - [`layout`]: how a session is made, new or from stored text;
//! - [`stored`]: what a storage needs (the stored text, the merge, the JSON written);
//! - [`home`]: where a session lent to a handler goes back when dropped;
//! - [`debug`]: what `Debug` shows (never a whole id, never a value).

mod debug;
pub(crate) mod home;
mod layout;
mod stored;

pub(crate) use stored::Changes;

use std::marker::PhantomData;
use std::ops::Range;
use std::sync::Arc;

use crate::data::{SessionData, json_at};
use crate::id::{new_csrf_token, new_session_id, session_handle};
use crate::key::{FlashKeyOf, GetKey, HasKey, SetKey, UnsetKey};
use crate::owner::HasOwner;
use crate::schema::Schema;
use crate::slot::Slot;
use crate::state::{
    Active, CanDestroy, CanFlash, CanLogIn, CanRegenerate, CanSet, CanUnset, CanUpdate, Destroyed,
    IsLoggedIn, LoggedIn, SettableIn, StateOf, UnsettableIn,
};
use crate::table::KeyDef;
use crate::times::Times;
use crate::value::{Erased, SessionValue};

use home::Home;
use layout::StoredName;

/// The data of one user across requests, typed by the schema `S`.
///
/// A session is in one of three states, a type parameter checked by the compiler:
///
/// - [`Active`] (the default): read with [`get`](Self::get) and
///   [`has`](Self::has), change with [`set`](Self::set),
///   [`update`](Self::update), [`get_mut`](Self::get_mut),
///   [`unset`](Self::unset), [`flash`](Self::flash) and
///   [`regenerate_id`](Self::regenerate_id);
/// - [`LoggedIn`], for a schema with a `#[session(owner)]` field: reached by
///   [`log_in`](Self::log_in), which sets the owner and renews the id; it
///   can do everything an active session can except change the owner, and
///   [`owner`](Self::owner) returns it;
/// - [`Destroyed`], reached by [`destroy`](Self::destroy) from either, which
///   consumes the session: it reads as empty and cannot be changed, and
///   saving it deletes it.
///
/// ```
/// use session_schema::{Session, SessionSchema};
///
/// #[derive(SessionSchema)]
/// struct Shop {
///     user_id: u64,
///     #[session(flash)]
///     notice: String,
/// }
///
/// let mut session = Session::<Shop>::new();
/// assert!(!session.dirty());
/// session.set(Shop::USER_ID, 7);
/// session.flash(Shop::NOTICE, "Welcome back".to_owned());
/// assert_eq!(session.get(Shop::USER_ID), Some(&7));
/// // A flashed value is for the next request, not this one.
/// assert_eq!(session.get(Shop::NOTICE), None);
/// assert!(session.dirty());
///
/// let destroyed = session.destroy();
/// assert!(destroyed.destroyed());
/// assert_eq!(destroyed.size(), 0);
/// ```
///
/// Stored values the schema does not know, and stored values that do not fit
/// their key's type, are kept as they were and written back unchanged by
/// [`data`](Self::data) and the storages; [`get`](Self::get) reads the latter as
/// `None` and [`mismatched_keys`](Self::mismatched_keys) lists them.
pub struct Session<S: Schema, St: StateOf<S> = Active> {
    id: String,
    /// The id the session was loaded (or made) with, once `regenerate_id`
    /// changed `id`; `None` while it is `id`.
    original_id: Option<String>,
    delete_id: Option<String>,
    dirty: bool,
    /// One slot per key: the value keys', then the flash keys' (the flash
    /// values loaded with the session), in the schema's order; a value key's
    /// index is its slot's.
    slots: Box<[Slot]>,
    /// The values flashed in this request, by flash key: empty until the
    /// first [`flash`](Self::flash).
    next_flash: Box<[Option<Erased>]>,
    unknown_values: Vec<(StoredName, Range<usize>)>,
    unknown_flash: Vec<StoredName>,
    source: String,
    /// Whether the session was read from a storage (rather than made new).
    loaded: bool,
    /// When the session was created and last touched, as its storage read them.
    times: Option<Times>,
    /// A CSRF token made in this request ([`csrf_token`](Self::csrf_token)),
    /// to store under `_csrf`.
    new_csrf: Option<String>,
    /// Whether this request marked the session remembered or not
    /// ([`set_remembered`](Self::set_remembered)); `None`: as stored.
    remember: Option<bool>,
    /// Whether `times` were given by the storage rather than stored (a
    /// cookie without times, accepted as created at a set time): the next
    /// save writes them.
    times_assumed: bool,
    /// Where the session returns when dropped, if a web framework lent it out.
    home: Option<Arc<dyn Home<S>>>,
    marker: PhantomData<fn() -> (S, St)>,
}

/// The stored name of the CSRF token: `@remix-run/csrf-middleware`'s key.
pub(crate) const CSRF_KEY: &str = "_csrf";

/// A session after [`Session::destroy`]: empty, unchangeable, and deleted from
/// its storage when saved.
pub type DestroyedSession<S> = Session<S, Destroyed>;

// ----------------------------------------------------------------------
// What every state has
// ----------------------------------------------------------------------

impl<S: Schema, St: StateOf<S>> Session<S, St> {
    /// The session's id. After [`regenerate_id`](Self::regenerate_id), the new one.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The session's public handle: derived from the id (22 characters, 128
    /// bits of SHA-256), safe to show in a page or a URL, and not reversible
    /// to the id, which is a credential. It changes when the id does. A
    /// "your devices" page marks the current session with it (see
    /// [`BackendStorage::sessions_of`](crate::BackendStorage::sessions_of)).
    #[must_use]
    pub fn handle(&self) -> String {
        session_handle(&self.id)
    }

    /// The id to delete from the storage when the session is saved: the id the
    /// session was loaded with, once [`regenerate_id(true)`](Self::regenerate_id)
    /// was called (however many times), else `None`.
    #[must_use]
    pub fn delete_id(&self) -> Option<&str> {
        self.delete_id.as_deref()
    }

    /// Whether the session was destroyed; true exactly for a [`DestroyedSession`].
    #[must_use]
    pub fn destroyed(&self) -> bool {
        St::DESTROYED
    }

    /// Whether the session changed since it was loaded (and so must be saved):
    /// set, unset, flash and `regenerate_id` make it dirty, and so do flash values
    /// loaded with it, which the next save drops.
    #[must_use]
    pub fn dirty(&self) -> bool {
        self.dirty
    }

    /// The number of stored values plus loaded flash values, including those the
    /// schema does not know; 0 for a destroyed session.
    #[must_use]
    pub fn size(&self) -> usize {
        if St::DESTROYED {
            return 0;
        }
        let values = self
            .value_slots()
            .iter()
            .filter(|slot| slot.is_present())
            .count();
        let flash = self
            .flash_slots()
            .iter()
            .filter(|slot| slot.is_present())
            .count();
        let new_csrf = usize::from(self.new_csrf.is_some() && self.unknown(CSRF_KEY).is_none());
        values + self.unknown_values.len() + new_csrf + flash + self.unknown_flash.len()
    }

    /// The value of a value key, or of a flash key loaded with this session,
    /// to read; to change a value in place, use [`update`](Self::update) or
    /// [`get_mut`](Self::get_mut) (a `get` then `push` does not compile: the
    /// reference is shared).
    ///
    /// `None` when the key is absent, when its stored value does not fit the
    /// key's type, and always on a destroyed session. A stored value is decoded
    /// once, on the first read; later reads return the same reference.
    #[inline]
    pub fn get<K>(&self, key: K) -> Option<&K::Value>
    where
        K: GetKey<S>,
        K::Value: SessionValue,
    {
        if St::DESTROYED {
            return None;
        }
        let key = key.__key_ref();
        // Value keys' slots come first, at their index; flash keys' after them.
        let at = if key.flash {
            S::__VALUE_KEYS.len() + key.index
        } else {
            key.index
        };
        self.slots.get(at)?.get::<K::Value>(&self.source)
    }

    /// Whether [`get`](Self::get) would return a value for this key: a typed key
    /// (`Shop::USER_ID`) or a variant of a key enum (`ShopValueKey::UserId`).
    #[must_use]
    pub fn has(&self, key: impl HasKey<S>) -> bool {
        if St::DESTROYED {
            return false;
        }
        let key = key.__key_ref();
        let (slots, defs) = if key.flash {
            (self.flash_slots(), S::__FLASH_KEYS)
        } else {
            (self.value_slots(), S::__VALUE_KEYS)
        };
        match (slots.get(key.index), defs.get(key.index)) {
            (Some(slot), Some(def)) => slot.holds_fit_value(def, &self.source),
            _ => false,
        }
    }

    /// The stored names of keys whose stored value does not fit the key's type
    /// (value keys, then loaded flash keys). Such values read as `None` and are
    /// kept unchanged until the key is set or unset.
    #[must_use]
    pub fn mismatched_keys(&self) -> Vec<&'static str> {
        if St::DESTROYED {
            return Vec::new();
        }
        let values = unfit(self.value_slots(), S::__VALUE_KEYS, &self.source);
        let flash = unfit(self.flash_slots(), S::__FLASH_KEYS, &self.source);
        values.chain(flash).collect()
    }

    /// The session's data in the storage format: the values (known, unknown and
    /// unfit ones alike) and the values flashed for the next request. Empty for
    /// a destroyed session. A value whose `Serialize` impl fails is left out;
    /// storages report that failure as [`Error::Serialize`](crate::Error::Serialize) instead.
    #[must_use]
    pub fn data(&self) -> SessionData {
        if St::DESTROYED {
            return SessionData::default();
        }
        let mut data = SessionData::default();
        for (slot, def) in self.value_slots().iter().zip(S::__VALUE_KEYS) {
            let value = match (slot.set_value(), slot.loaded_json(&self.source)) {
                (Some(value), _) => value.to_json_value().ok(),
                (None, Some(json)) => serde_json::from_str(json).ok(),
                (None, None) => None,
            };
            if let Some(value) = value {
                data.values.insert(def.name.to_owned(), value);
            }
        }
        for (name, range) in &self.unknown_values {
            if let Ok(value) = serde_json::from_str(json_at(&self.source, range)) {
                data.values
                    .insert(name.as_str(&self.source).to_owned(), value);
            }
        }
        if let Some(token) = &self.new_csrf {
            data.values
                .insert(CSRF_KEY.to_owned(), token.clone().into());
        }
        for (value, def) in self.next_flash.iter().zip(S::__FLASH_KEYS) {
            if let Some(value) = value.as_ref().and_then(|value| value.to_json_value().ok()) {
                data.flash.insert(def.name.to_owned(), value);
            }
        }
        data
    }
}

// ----------------------------------------------------------------------
// What an active or logged-in session adds
// ----------------------------------------------------------------------

impl<S: Schema, St: StateOf<S>> Session<S, St> {
    /// Sets a value key. The value is encoded when the session is saved, not now.
    ///
    /// Does not compile with a flash key (use [`flash`](Self::flash)), a key of
    /// another schema, a value of another type, or on a destroyed session.
    pub fn set<K>(&mut self, key: K, value: K::Value)
    where
        St: CanSet,
        K: SetKey<S>,
        K::Value: SessionValue,
        K::Role: SettableIn<St>,
    {
        if let Some(slot) = self.slots.get_mut(key.__index()) {
            slot.put(value);
        }
        self.dirty = true;
    }

    /// The value of a value key, to change in place: `None` when the key is
    /// absent or its stored value does not fit the key's type. A value
    /// reached this way counts as set in this request (the session becomes
    /// dirty and saving writes the value back), whether or not it is changed.
    ///
    /// ```
    /// # use session_schema::{Session, SessionSchema};
    /// #[derive(SessionSchema)]
    /// struct Shop {
    ///     cart: Vec<String>,
    /// }
    ///
    /// let mut session = Session::<Shop>::new();
    /// assert!(session.get_mut(Shop::CART).is_none());
    /// session.set(Shop::CART, vec!["tea".to_owned()]);
    /// if let Some(cart) = session.get_mut(Shop::CART) {
    ///     cart.push("cake".to_owned());
    /// }
    /// assert_eq!(session.get(Shop::CART).map(Vec::len), Some(2));
    /// ```
    ///
    /// Same rules as [`set`](Self::set): it does not compile with a flash key,
    /// a key of another schema, or on a destroyed session.
    pub fn get_mut<K>(&mut self, key: K) -> Option<&mut K::Value>
    where
        St: CanUpdate,
        K: SetKey<S>,
        K::Value: SessionValue,
        K::Role: SettableIn<St>,
    {
        let slot = self.slots.get_mut(key.__index())?;
        let value = slot.get_mut::<K::Value>(&self.source)?;
        self.dirty = true;
        Some(value)
    }

    /// Changes the value of a value key in place, starting from
    /// `Default::default()` when the key is absent or its stored value does
    /// not fit. No clone of the stored value is needed:
    ///
    /// ```
    /// # use session_schema::{Session, SessionSchema};
    /// #[derive(SessionSchema)]
    /// struct Shop {
    ///     visits: u32,
    ///     cart: Vec<String>,
    /// }
    ///
    /// let mut session = Session::<Shop>::new();
    /// session.update(Shop::CART, |cart| cart.push("tea".to_owned()));
    /// session.update(Shop::VISITS, |visits| *visits += 1);
    /// assert_eq!(session.get(Shop::VISITS), Some(&1));
    /// assert_eq!(session.get(Shop::CART), Some(&vec!["tea".to_owned()]));
    /// ```
    ///
    /// Same rules as [`set`](Self::set).
    pub fn update<K>(&mut self, key: K, change: impl FnOnce(&mut K::Value))
    where
        St: CanUpdate,
        K: SetKey<S>,
        K::Value: SessionValue + Default,
        K::Role: SettableIn<St>,
    {
        let Some(slot) = self.slots.get_mut(key.__index()) else {
            return;
        };
        if slot.get_mut::<K::Value>(&self.source).is_none() {
            slot.put(K::Value::default());
        }
        if let Some(value) = slot.get_mut::<K::Value>(&self.source) {
            change(value);
            self.dirty = true;
        }
    }

    /// The session's token against cross-site request forgery: the one kept
    /// in the session under `_csrf` (64 lowercase hex characters from 32
    /// random bytes, as `@remix-run/csrf-middleware` makes them), created on
    /// first use (which makes the session dirty). Put it in the forms a page
    /// renders (`<input type="hidden" name="_csrf" value="...">`) or in the
    /// `X-Csrf-Token` header of script requests; a layer built with
    /// [`Csrf`](crate::Csrf) refuses unsafe requests that do not carry it.
    ///
    /// ```
    /// use session_schema::{Session, SessionSchema};
    ///
    /// #[derive(SessionSchema)]
    /// struct Shop {
    ///     visits: u32,
    /// }
    ///
    /// let mut session = Session::<Shop>::new();
    /// let token = session.csrf_token();
    /// assert_eq!(token.len(), 64);
    /// assert_eq!(session.csrf_token(), token, "the same token for the session's life");
    /// assert_eq!(session.data().values["_csrf"], token.as_str());
    /// ```
    pub fn csrf_token(&mut self) -> String
    where
        St: CanSet,
    {
        if let Some(token) = self.stored_csrf_token() {
            return token;
        }
        let token = new_csrf_token();
        self.new_csrf = Some(token.clone());
        self.dirty = true;
        token
    }

    /// Marks the session remembered ("keep me signed in") or not. On a
    /// storage with [`remember_timeouts`](crate::MemoryStorage::remember_timeouts),
    /// a remembered session ends by those timeouts, and its cookie outlives
    /// the browser; a session that is not remembered ends by the storage's
    /// other timeouts, with a cookie that ends when the browser closes. The
    /// mark is kept across [`regenerate_id`](Self::regenerate_id) and
    /// [`log_in`](Self::log_in), travels with the session's times (in the
    /// record, or the cookie), and is enforced on the server. A change makes
    /// the session dirty.
    ///
    /// ```
    /// use std::time::Duration;
    /// use session_schema::{MemoryStorage, Session, SessionSchema, SessionStorage};
    ///
    /// #[derive(SessionSchema)]
    /// struct Shop {
    ///     #[session(owner)]
    ///     user: String,
    /// }
    ///
    /// const DAY: Duration = Duration::from_secs(24 * 3600);
    /// let storage = MemoryStorage::new()
    ///     .idle_timeout(Duration::from_secs(3600))
    ///     .remember_timeouts(30 * DAY, 90 * DAY);
    ///
    /// // The login form's "keep me signed in" box was ticked.
    /// let mut session = Session::<Shop>::new().log_in("ada".to_owned());
    /// session.set_remembered(true);
    /// assert!(session.remembered());
    /// assert_eq!(storage.cookie_max_age(&session), Some(30 * DAY));
    /// ```
    pub fn set_remembered(&mut self, remembered: bool)
    where
        St: CanSet,
    {
        if self.remembered() != remembered {
            self.remember = Some(remembered);
            self.dirty = true;
        }
    }

    /// Whether the session is remembered ([`set_remembered`](Self::set_remembered)):
    /// as this request marked it, else as stored.
    #[must_use]
    pub fn remembered(&self) -> bool
    where
        St: CanSet,
    {
        self.remembered_now()
    }

    /// The CSRF token the session holds, if any (a non-empty string under `_csrf`).
    pub(crate) fn stored_csrf_token(&self) -> Option<String> {
        if St::DESTROYED {
            return None;
        }
        if let Some(token) = &self.new_csrf {
            return Some(token.clone());
        }
        let json = json_at(&self.source, self.unknown(CSRF_KEY)?);
        serde_json::from_str::<String>(json)
            .ok()
            .filter(|token| !token.is_empty())
    }

    /// Where an unknown value stored as `name` lies in the stored text.
    fn unknown(&self, name: &str) -> Option<&Range<usize>> {
        self.unknown_values
            .iter()
            .find(|(stored, _)| stored.as_str(&self.source) == name)
            .map(|(_, range)| range)
    }

    /// Removes a value key: a typed key or a variant of the value key enum.
    pub fn unset<K>(&mut self, key: K)
    where
        St: CanUnset,
        K: UnsetKey<S>,
        K::Role: UnsettableIn<St>,
    {
        if let Some(slot) = self.slots.get_mut(key.__index()) {
            *slot = Slot::unset();
        }
        self.dirty = true;
    }

    /// Flashes a value: it is saved for the next request only, where
    /// [`get`](Self::get) reads it; it is not readable in this one.
    pub fn flash<K>(&mut self, key: K, value: K::Value)
    where
        St: CanFlash,
        K: FlashKeyOf<S>,
        K::Value: SessionValue,
    {
        // Most requests flash nothing: the slots are made on the first flash.
        if self.next_flash.is_empty() {
            self.next_flash = (0..S::__FLASH_KEYS.len()).map(|_| None).collect();
        }
        if let Some(slot) = self.next_flash.get_mut(key.__index()) {
            *slot = Some(Erased::new(value));
        }
        self.dirty = true;
    }

    /// Gives the session a new random id, keeping its data; call it after login
    /// and other privilege changes, so an id known before is worthless after.
    /// With `delete_old`, saving deletes the session stored under the id it was
    /// loaded with ([`delete_id`](Self::delete_id)).
    pub fn regenerate_id(&mut self, delete_old: bool)
    where
        St: CanRegenerate,
    {
        if delete_old {
            self.renew_id();
        } else {
            self.new_id();
        }
    }

    /// `regenerate_id(true)`, on any state.
    pub(super) fn renew_id(&mut self) {
        self.delete_id = Some(self.original_id().to_owned());
        self.new_id();
    }

    /// Gives the session a new random id, keeping the id it was loaded with.
    fn new_id(&mut self) {
        let previous = std::mem::replace(&mut self.id, new_session_id());
        if self.original_id.is_none() {
            self.original_id = Some(previous);
        }
        self.dirty = true;
    }

    /// Destroys the session, consuming it: the [`DestroyedSession`] returned reads
    /// as empty, cannot be changed, and is deleted from its storage when saved
    /// (in axum, the session layer saves it when the handler returns).
    #[allow(
        clippy::must_use_candidate,
        reason = "in axum handlers the destroyed session is dropped on purpose: the layer saves it"
    )]
    pub fn destroy(mut self) -> DestroyedSession<S>
    where
        St: CanDestroy,
    {
        let mut destroyed = self.take_as::<Destroyed>();
        destroyed.slots = layout::empty_slots::<S>();
        destroyed.next_flash = Box::new([]);
        destroyed.unknown_values = Vec::new();
        destroyed.unknown_flash = Vec::new();
        // The stored text stays: it names the owner whose index the session
        // leaves when its storage deletes it. Nothing reads values from it.
        destroyed
    }
}

// ----------------------------------------------------------------------
// The login state
// ----------------------------------------------------------------------

impl<S: Schema, St: StateOf<S>> Session<S, St> {
    /// Logs the user in: sets the owner and gives the session a new id,
    /// deleting the old one when saved (so an id planted before the login is
    /// worthless after it), and returns the session as [`LoggedIn`]. The
    /// fixation defence cannot be forgotten: it is part of logging in.
    ///
    /// ```
    /// use session_schema::{LoggedIn, Session, SessionSchema};
    ///
    /// #[derive(SessionSchema)]
    /// struct Shop {
    ///     #[session(owner)]
    ///     user_id: u64,
    /// }
    ///
    /// let anonymous = Session::<Shop>::new();
    /// let before = anonymous.id().to_owned();
    /// let session: Session<Shop, LoggedIn> = anonymous.log_in(42);
    /// assert_eq!(*session.owner(), 42);
    /// assert_ne!(session.id(), before);
    /// assert_eq!(session.delete_id(), Some(before.as_str()));
    /// ```
    #[must_use = "the logged-in session replaces this one"]
    pub fn log_in(mut self, owner: S::Owner) -> Session<S, LoggedIn>
    where
        S: HasOwner,
        St: CanLogIn,
    {
        if let Some(slot) = self.slots.get_mut(S::OWNER.index()) {
            slot.put(owner);
        }
        self.renew_id();
        self.take_as()
    }

    /// The session as [`LoggedIn`] if it has an owner (a value of the owner
    /// key that fits its type), else the session unchanged. For a handler
    /// that does something for everyone and more for a logged-in user with
    /// one `Session<S>` argument (a page that only shows who is logged in
    /// can take `Option<Session<S, LoggedIn>>` instead), and for a session
    /// read from a storage outside a web framework integration.
    ///
    /// ```
    /// use session_schema::{Session, SessionSchema};
    ///
    /// #[derive(SessionSchema)]
    /// struct Shop {
    ///     #[session(owner)]
    ///     user: String,
    ///     visits: u32,
    /// }
    ///
    /// fn home(mut session: Session<Shop>) -> String {
    ///     session.update(Shop::VISITS, |visits| *visits += 1);
    ///     match session.into_logged_in() {
    ///         Ok(user) => format!("welcome back, {}", user.owner()),
    ///         Err(_anonymous) => "welcome".to_owned(),
    ///     }
    /// }
    ///
    /// assert_eq!(home(Session::new()), "welcome");
    /// let stored = serde_json::from_str(r#"[{"user":"ada"},{}]"#).unwrap();
    /// assert_eq!(home(Session::from_data("id", stored)), "welcome back, ada");
    /// ```
    ///
    /// # Errors
    ///
    /// The session itself, when it has no owner.
    #[allow(
        clippy::result_large_err,
        reason = "the session itself comes back on failure, as `Arc::try_unwrap` gives back the `Arc`"
    )]
    pub fn into_logged_in(mut self) -> Result<Session<S, LoggedIn>, Self>
    where
        S: HasOwner,
        St: CanLogIn,
    {
        if self.get(S::OWNER).is_some() {
            Ok(self.take_as())
        } else {
            Err(self)
        }
    }

    /// The user this session belongs to: the value of the `#[session(owner)]`
    /// key, which a logged-in session always holds.
    #[allow(
        clippy::missing_panics_doc,
        reason = "a LoggedIn session is made only with its owner set, and nothing can unset it"
    )]
    #[must_use]
    pub fn owner<Owner>(&self) -> &Owner
    where
        S: HasOwner<Owner = Owner>,
        Owner: SessionValue,
        St: IsLoggedIn,
    {
        match self.get(S::OWNER) {
            Some(owner) => owner,
            None => unreachable!("a logged-in session holds its owner"),
        }
    }

    /// Logs the user out: unsets the owner and gives the session a new id,
    /// deleting the old one when saved, and returns it as an active session.
    /// Other values stay unless the app unsets them (or calls
    /// [`destroy`](Self::destroy) instead, which ends the session outright).
    #[must_use = "the logged-out session replaces this one"]
    pub fn log_out(mut self) -> Session<S>
    where
        S: HasOwner,
        St: IsLoggedIn,
    {
        if let Some(slot) = self.slots.get_mut(S::OWNER.index()) {
            *slot = Slot::unset();
        }
        self.renew_id();
        self.take_as()
    }
}

// ----------------------------------------------------------------------
// Moving between states, and dropping
// ----------------------------------------------------------------------

impl<S: Schema, St: StateOf<S>> Session<S, St> {
    /// The slots of the value keys.
    pub(crate) fn value_slots(&self) -> &[Slot] {
        self.slots.get(..S::__VALUE_KEYS.len()).unwrap_or_default()
    }

    /// The slots of the flash keys: the flash values loaded with the session.
    pub(crate) fn flash_slots(&self) -> &[Slot] {
        self.slots.get(S::__VALUE_KEYS.len()..).unwrap_or_default()
    }

    /// Moves everything out of `self` into a session of state `To`, leaving
    /// `self` empty (a session type has a `Drop` impl, so fields cannot be moved
    /// out of it directly).
    pub(crate) fn take_as<To: StateOf<S>>(&mut self) -> Session<S, To> {
        Session {
            id: std::mem::take(&mut self.id),
            original_id: self.original_id.take(),
            delete_id: self.delete_id.take(),
            dirty: self.dirty,
            slots: std::mem::take(&mut self.slots),
            next_flash: std::mem::take(&mut self.next_flash),
            unknown_values: std::mem::take(&mut self.unknown_values),
            unknown_flash: std::mem::take(&mut self.unknown_flash),
            source: std::mem::take(&mut self.source),
            loaded: self.loaded,
            times: self.times,
            times_assumed: self.times_assumed,
            new_csrf: self.new_csrf.take(),
            remember: self.remember,
            home: self.home.take(),
            marker: PhantomData,
        }
    }
}

/// A session lent to a handler by a web framework integration goes back to
/// its request when the handler drops it, so the integration can save it.
impl<S: Schema, St: StateOf<S>> Drop for Session<S, St> {
    fn drop(&mut self) {
        if let Some(home) = self.home.take() {
            home::give_back(&*home, self);
        }
    }
}

pub(super) fn position(defs: &[KeyDef], name: &str) -> Option<usize> {
    defs.iter().position(|def| def.name == name)
}

pub(super) fn unfit<'a>(
    slots: &'a [Slot],
    defs: &'static [KeyDef],
    source: &'a str,
) -> impl Iterator<Item = &'static str> + 'a {
    slots
        .iter()
        .zip(defs)
        .filter(move |(slot, def)| slot.holds_unfit_value(def, source))
        .map(|(_, def)| def.name)
}
