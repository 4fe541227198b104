//! `Session<S, St>`: the typed session.

use std::fmt;
use std::marker::PhantomData;

use std::ops::Range;
use std::sync::Arc;

use crate::data::{SessionData, StoredData, json_at, range_in};
use crate::error::Error;
use crate::handoff::Home;
use crate::id::new_session_id;
use crate::json_writer::JsonObjects;
use crate::key::{FlashKeyOf, GetKey, HasKey, SetKey, SettableIn, UnsetKey, UnsettableIn};
use crate::schema::{HasOwner, KeyDef, Schema};
use crate::slot::Slot;
use crate::state::{
    Active, CanDestroy, CanFlash, CanLogIn, CanRegenerate, CanSet, CanUnset, CanUpdate, Destroyed,
    IsLoggedIn, LoggedIn, StateOf,
};
use crate::storage::{Stamp, Times};
use crate::value::{Erased, SessionValue};

/// The data of one user across requests, typed by the schema `S`.
///
/// A session is in one of two states, a type parameter checked by the compiler:
///
/// - [`Active`] (the default): read with [`get`](Self::get) and
///   [`has`](Self::has), change with [`set`](Self::set), [`unset`](Self::unset),
///   [`flash`](Self::flash) and [`regenerate_id`](Self::regenerate_id);
/// - [`Destroyed`], reached by [`destroy`](Self::destroy), which consumes the
///   active session: it reads as empty and cannot be changed, and saving it
///   deletes it.
///
/// ```
/// use session_schema::{Session, SessionSchema};
///
/// #[derive(SessionSchema)]
/// struct App {
///     user_id: u64,
///     #[session(flash)]
///     notice: String,
/// }
///
/// let mut session = Session::<App>::new();
/// assert!(!session.dirty());
/// session.set(App::USER_ID, 7);
/// session.flash(App::NOTICE, "Welcome back".to_owned());
/// assert_eq!(session.get(App::USER_ID), Some(&7));
/// // A flashed value is for the next request, not this one.
/// assert_eq!(session.get(App::NOTICE), None);
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
    original_id: String,
    delete_id: Option<String>,
    dirty: bool,
    values: S::__ValueSlots,
    loaded_flash: S::__FlashSlots,
    next_flash: Box<[Option<Erased>]>,
    unknown_values: Vec<(StoredName, Range<usize>)>,
    unknown_flash: Vec<StoredName>,
    source: String,
    /// Whether the session was read from a storage (rather than made new).
    loaded: bool,
    /// When the session was created and last touched, as its storage read them.
    times: Option<Times>,
    /// Whether `times` were given by the storage rather than stored (a
    /// cookie without times, accepted as created at a set time): the next
    /// save writes them.
    times_assumed: bool,
    /// Where the session returns when dropped, if a web framework lent it out.
    home: Option<Arc<Home<S>>>,
    marker: PhantomData<fn() -> (S, St)>,
}

/// A session after [`Session::destroy`]: empty, unchangeable, and deleted from
/// its storage when saved.
pub type DestroyedSession<S> = Session<S, Destroyed>;

impl<S: Schema> Session<S> {
    /// A new, empty session with a fresh random id (see [`new_session_id`]).
    #[must_use]
    pub fn new() -> Self {
        Self::with_id(new_session_id())
    }

    /// A new, empty session with the given id.
    #[must_use]
    pub fn with_id(id: impl Into<String>) -> Self {
        Self::from_parts(id.into(), String::new(), Layout::empty())
    }

    /// A session with the given id and initial data, as a storage loads one.
    /// Flash values in `data` are readable in this request and dropped at the
    /// next save, so a session loaded with flash values starts dirty.
    #[must_use]
    pub fn from_data(id: impl Into<String>, data: SessionData) -> Self {
        let id = id.into();
        let SessionData { values, flash } = data;
        let text = serde_json::to_string(&(values, flash)).unwrap_or_default();
        Self::from_text(text, |text| {
            StoredData::parse(text).map(|data| (id.clone(), data))
        })
        .unwrap_or_else(|_| Self::with_id(id))
    }

    /// A session loaded from the record a storage keeps under `id`, as JSON
    /// `[values, flash]`. Saving it applies its changes to that record.
    pub(crate) fn from_stored(id: String, json: String) -> serde_json::Result<Self> {
        let mut session = Self::from_text(json, |text| Ok((id, StoredData::parse(text)?)))?;
        session.loaded = true;
        Ok(session)
    }

    /// A session from stored text; `parse` finds the id and the data in it.
    /// The session keeps the text: loaded values are ranges of it.
    pub(crate) fn from_text<E>(
        text: String,
        parse: impl FnOnce(&str) -> Result<(String, StoredData<'_>), E>,
    ) -> Result<Self, E> {
        let (id, times, layout) = {
            let (id, data) = parse(&text)?;
            (id, data.times, Layout::locate(&text, data))
        };
        let mut session = Self::from_parts(id, text, layout);
        session.times = times;
        Ok(session)
    }

    fn from_parts(id: String, source: String, layout: Layout<S>) -> Self {
        let dirty = !layout.unknown_flash.is_empty()
            || layout.loaded_flash.as_ref().iter().any(Slot::is_present);
        Session {
            original_id: id.clone(),
            id,
            delete_id: None,
            dirty,
            values: layout.values,
            loaded_flash: layout.loaded_flash,
            next_flash: (0..S::__FLASH_KEYS.len()).map(|_| None).collect(),
            unknown_values: layout.unknown_values,
            unknown_flash: layout.unknown_flash,
            source,
            loaded: false,
            times: None,
            times_assumed: false,
            home: None,
            marker: PhantomData,
        }
    }
}

/// Where each stored entry goes: a schema key's slot, or the unknown entries.
struct Layout<S: Schema> {
    values: S::__ValueSlots,
    loaded_flash: S::__FlashSlots,
    unknown_values: Vec<(StoredName, Range<usize>)>,
    unknown_flash: Vec<StoredName>,
}

/// The name of a stored entry the schema does not know: where it lies in the
/// stored text (no copy), or, when it has escapes, its decoded form.
enum StoredName {
    At(Range<usize>),
    Decoded(Box<str>),
}

impl StoredName {
    fn new(text: &str, name: std::borrow::Cow<'_, str>) -> Self {
        match name {
            std::borrow::Cow::Borrowed(name) => StoredName::At(range_in(text, name)),
            std::borrow::Cow::Owned(name) => StoredName::Decoded(name.into_boxed_str()),
        }
    }

    fn as_str<'a>(&'a self, source: &'a str) -> &'a str {
        match self {
            StoredName::At(range) => json_at(source, range),
            StoredName::Decoded(name) => name,
        }
    }
}

impl<S: Schema> Layout<S> {
    fn empty() -> Self {
        Layout {
            values: S::__value_slots(),
            loaded_flash: S::__flash_slots(),
            unknown_values: Vec::new(),
            unknown_flash: Vec::new(),
        }
    }

    fn locate(text: &str, data: StoredData<'_>) -> Self {
        let mut layout = Self::empty();
        for (name, raw) in data.values {
            let range = range_in(text, raw.get());
            match position(S::__VALUE_KEYS, &name) {
                Some(index) => layout.values.as_mut()[index] = Slot::loaded(range),
                None => layout
                    .unknown_values
                    .push((StoredName::new(text, name), range)),
            }
        }
        for (name, raw) in data.flash {
            match position(S::__FLASH_KEYS, &name) {
                Some(index) => {
                    layout.loaded_flash.as_mut()[index] = Slot::loaded(range_in(text, raw.get()));
                }
                None => layout.unknown_flash.push(StoredName::new(text, name)),
            }
        }
        layout
    }
}

impl<S: Schema> Default for Session<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Schema, St: StateOf<S>> Session<S, St> {
    /// The session's id. After [`regenerate_id`](Self::regenerate_id), the new one.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
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
            .values
            .as_ref()
            .iter()
            .filter(|slot| slot.is_present())
            .count();
        let flash = self
            .loaded_flash
            .as_ref()
            .iter()
            .filter(|slot| slot.is_present())
            .count();
        values + self.unknown_values.len() + flash + self.unknown_flash.len()
    }

    /// The value of a value key, or of a flash key loaded with this session.
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
        let slots = if key.flash {
            self.loaded_flash.as_ref()
        } else {
            self.values.as_ref()
        };
        slots.get(key.index)?.get::<K::Value>(&self.source)
    }

    /// Whether [`get`](Self::get) would return a value for this key: a typed key
    /// (`App::USER_ID`) or a variant of a key enum (`AppValueKey::UserId`).
    #[must_use]
    pub fn has(&self, key: impl HasKey<S>) -> bool {
        if St::DESTROYED {
            return false;
        }
        let key = key.__key_ref();
        let (slots, defs) = if key.flash {
            (self.loaded_flash.as_ref(), S::__FLASH_KEYS)
        } else {
            (self.values.as_ref(), S::__VALUE_KEYS)
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
        let values = unfit(self.values.as_ref(), S::__VALUE_KEYS, &self.source);
        let flash = unfit(self.loaded_flash.as_ref(), S::__FLASH_KEYS, &self.source);
        values.chain(flash).collect()
    }

    /// The session's data in the storage format: the values (known, unknown and
    /// unfit ones alike) and the values flashed for the next request. Empty for
    /// a destroyed session. A value whose `Serialize` impl fails is left out;
    /// storages report that failure as [`Error::Serialize`] instead.
    #[must_use]
    pub fn data(&self) -> SessionData {
        if St::DESTROYED {
            return SessionData::default();
        }
        let mut data = SessionData::default();
        for (slot, def) in self.values.as_ref().iter().zip(S::__VALUE_KEYS) {
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
        for (value, def) in self.next_flash.iter().zip(S::__FLASH_KEYS) {
            if let Some(value) = value.as_ref().and_then(|value| value.to_json_value().ok()) {
                data.flash.insert(def.name.to_owned(), value);
            }
        }
        data
    }

    /// Writes [`data`](Self::data) as JSON `[values, flash]` (with the times
    /// of `stamp` as a third element), untouched values copied as they were
    /// stored.
    pub(crate) fn data_json(&self, stamp: Stamp) -> Result<String, Error> {
        let mut out = JsonObjects::new();
        self.write_data(&mut out, stamp)?;
        Ok(out.finish())
    }

    /// The cookie storage's record: `{"i": id, "d": [values, flash]}`.
    pub(crate) fn cookie_json(&self, stamp: Stamp) -> Result<String, Error> {
        let mut out = JsonObjects::with_prefix(&self.id);
        self.write_data(&mut out, stamp)?;
        out.end_cookie_record();
        Ok(out.finish())
    }

    fn write_data(&self, out: &mut JsonObjects, stamp: Stamp) -> Result<(), Error> {
        if !St::DESTROYED {
            for (slot, def) in self.values.as_ref().iter().zip(S::__VALUE_KEYS) {
                if let Some(value) = slot.set_value() {
                    out.value_entry(def.name, value)?;
                } else if let Some(json) = slot.loaded_json(&self.source) {
                    out.raw_entry(def.name, json);
                }
            }
            for (name, range) in &self.unknown_values {
                out.raw_entry(name.as_str(&self.source), json_at(&self.source, range));
            }
        }
        out.next_object();
        if !St::DESTROYED {
            self.write_next_flash(out)?;
        }
        out.end_data(stamp);
        Ok(())
    }

    /// Every id this session may be stored under: its id, the id it was
    /// loaded with, and [`delete_id`](Self::delete_id), each once.
    pub(crate) fn stored_ids(&self) -> impl Iterator<Item = &str> {
        let id = self.id.as_str();
        let original = Some(self.original_id.as_str()).filter(|original| *original != id);
        let delete = self
            .delete_id
            .as_deref()
            .filter(|delete| *delete != id && Some(*delete) != original);
        std::iter::once(id).chain(original).chain(delete)
    }

    /// The id this session was loaded with (its id, if it was not regenerated).
    pub(crate) fn original_id(&self) -> &str {
        &self.original_id
    }

    /// The stored text this session was loaded from (empty if it was not).
    pub(crate) fn stored_text(&self) -> &str {
        &self.source
    }

    /// Whether the session was read from a storage (rather than made new).
    pub(crate) fn was_loaded(&self) -> bool {
        self.loaded
    }

    /// When the session was created and last touched, as its storage read
    /// them (`None` for a new session, or one stored without times).
    pub(crate) fn times(&self) -> Option<Times> {
        self.times
    }

    /// Gives the session the times a storage counts it as having, though
    /// none were stored: the next save writes them.
    pub(crate) fn assume_times(&mut self, times: Times) {
        self.times = Some(times);
        self.times_assumed = true;
    }

    /// Whether the session's times were assumed by its storage, not stored.
    pub(crate) fn times_assumed(&self) -> bool {
        self.times_assumed
    }

    /// Marks the session as read from a storage, with the times it was stored with.
    pub(crate) fn mark_loaded(&mut self) {
        self.loaded = true;
    }

    /// Applies this request's changes to `latest`, the record as it is stored
    /// now, and returns the new record: values set or unset here replace the
    /// stored ones, values not touched here stay as `latest` has them (another
    /// request may have changed them), the flash values read here are dropped
    /// and the ones flashed here are added.
    pub(crate) fn merge_into(&self, latest: &str, stamp: Stamp) -> Result<String, Error> {
        let Ok(latest) = StoredData::parse(latest) else {
            return self.data_json(stamp);
        };
        let changed = |name: &str| {
            position(S::__VALUE_KEYS, name)
                .is_some_and(|index| self.values.as_ref()[index].is_changed())
        };
        let mut out = JsonObjects::new();
        for (name, raw) in &latest.values {
            if !changed(name) {
                out.raw_entry(name, raw.get());
            }
        }
        for (slot, def) in self.values.as_ref().iter().zip(S::__VALUE_KEYS) {
            if let Some(value) = slot.set_value() {
                out.value_entry(def.name, value)?;
            }
        }
        out.next_object();
        let consumed = |name: &str| {
            self.unknown_flash
                .iter()
                .any(|unknown| unknown.as_str(&self.source) == name)
                || position(S::__FLASH_KEYS, name).is_some_and(|index| {
                    self.loaded_flash.as_ref()[index].is_present()
                        || self.next_flash[index].is_some()
                })
        };
        for (name, raw) in &latest.flash {
            if !consumed(name) {
                out.raw_entry(name, raw.get());
            }
        }
        self.write_next_flash(&mut out)?;
        out.end_data(stamp);
        Ok(out.finish())
    }

    fn write_next_flash(&self, out: &mut JsonObjects) -> Result<(), Error> {
        for (value, def) in self.next_flash.iter().zip(S::__FLASH_KEYS) {
            if let Some(value) = value {
                out.value_entry(def.name, value)?;
            }
        }
        Ok(())
    }
}

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
        if let Some(slot) = self.values.as_mut().get_mut(key.__index()) {
            *slot = Slot::set(Erased::new(value));
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
    /// struct App {
    ///     cart: Vec<String>,
    /// }
    ///
    /// let mut session = Session::<App>::new();
    /// assert!(session.get_mut(App::CART).is_none());
    /// session.set(App::CART, vec!["tea".to_owned()]);
    /// if let Some(cart) = session.get_mut(App::CART) {
    ///     cart.push("cake".to_owned());
    /// }
    /// assert_eq!(session.get(App::CART).map(Vec::len), Some(2));
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
        let slot = self.values.as_mut().get_mut(key.__index())?;
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
    /// struct App {
    ///     visits: u32,
    ///     cart: Vec<String>,
    /// }
    ///
    /// let mut session = Session::<App>::new();
    /// session.update(App::CART, |cart| cart.push("tea".to_owned()));
    /// session.update(App::VISITS, |visits| *visits += 1);
    /// assert_eq!(session.get(App::VISITS), Some(&1));
    /// assert_eq!(session.get(App::CART), Some(&vec!["tea".to_owned()]));
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
        let Some(slot) = self.values.as_mut().get_mut(key.__index()) else {
            return;
        };
        if slot.get_mut::<K::Value>(&self.source).is_none() {
            *slot = Slot::set(Erased::new(K::Value::default()));
        }
        if let Some(value) = slot.get_mut::<K::Value>(&self.source) {
            change(value);
            self.dirty = true;
        }
    }

    /// Removes a value key: a typed key or a variant of the value key enum.
    pub fn unset<K>(&mut self, key: K)
    where
        St: CanUnset,
        K: UnsetKey<S>,
        K::Role: UnsettableIn<St>,
    {
        if let Some(slot) = self.values.as_mut().get_mut(key.__index()) {
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
            self.id = new_session_id();
            self.dirty = true;
        }
    }

    /// `regenerate_id(true)`, on any state.
    fn renew_id(&mut self) {
        self.delete_id = Some(self.original_id.clone());
        self.id = new_session_id();
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
        destroyed.values = S::__value_slots();
        destroyed.loaded_flash = S::__flash_slots();
        destroyed.next_flash = Box::new([]);
        destroyed.unknown_values = Vec::new();
        destroyed.unknown_flash = Vec::new();
        // The stored text stays: it names the owner whose index the session
        // leaves when its storage deletes it. Nothing reads values from it.
        destroyed
    }
}

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
    /// struct App {
    ///     #[session(owner)]
    ///     user_id: u64,
    /// }
    ///
    /// let anonymous = Session::<App>::new();
    /// let before = anonymous.id().to_owned();
    /// let session: Session<App, LoggedIn> = anonymous.log_in(42);
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
        if let Some(slot) = self.values.as_mut().get_mut(S::OWNER.index()) {
            *slot = Slot::set(Erased::new(owner));
        }
        self.renew_id();
        self.take_as()
    }

    /// The session as [`LoggedIn`] if it has an owner (a value of the owner
    /// key that fits its type), else the session unchanged: for a session
    /// read from a storage outside a web framework integration.
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
        if let Some(slot) = self.values.as_mut().get_mut(S::OWNER.index()) {
            *slot = Slot::unset();
        }
        self.renew_id();
        self.take_as()
    }
}

impl<S: Schema, St: StateOf<S>> Session<S, St> {
    /// Moves everything out of `self` into a session of state `To`, leaving
    /// `self` empty (a session type has a `Drop` impl, so fields cannot be moved
    /// out of it directly).
    pub(crate) fn take_as<To: StateOf<S>>(&mut self) -> Session<S, To> {
        Session {
            id: std::mem::take(&mut self.id),
            original_id: std::mem::take(&mut self.original_id),
            delete_id: self.delete_id.take(),
            dirty: self.dirty,
            values: std::mem::replace(&mut self.values, S::__value_slots()),
            loaded_flash: std::mem::replace(&mut self.loaded_flash, S::__flash_slots()),
            next_flash: std::mem::take(&mut self.next_flash),
            unknown_values: std::mem::take(&mut self.unknown_values),
            unknown_flash: std::mem::take(&mut self.unknown_flash),
            source: std::mem::take(&mut self.source),
            loaded: self.loaded,
            times: self.times,
            times_assumed: self.times_assumed,
            home: self.home.take(),
            marker: PhantomData,
        }
    }

    /// Takes the session off its home: dropping it then returns nothing.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn detach_home(&mut self) {
        self.home = None;
    }

    /// Gives the session a home to go back to when it is dropped.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn set_home(&mut self, home: Arc<Home<S>>) {
        self.home = Some(home);
    }
}

/// A session lent to a handler by a web framework integration goes back to
/// its request when the handler drops it, so the integration can save it.
impl<S: Schema, St: StateOf<S>> Drop for Session<S, St> {
    fn drop(&mut self) {
        if let Some(home) = self.home.take() {
            home.take_back(self);
        }
    }
}

impl<S: Schema, St: StateOf<S>> fmt::Debug for Session<S, St> {
    /// Shows the start of the id, the state, and the names of the keys held;
    /// never the whole id (it is a credential) nor the values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held: Vec<&str> = self
            .values
            .as_ref()
            .iter()
            .zip(S::__VALUE_KEYS)
            .filter(|(slot, _)| slot.is_present())
            .map(|(_, def)| def.name)
            .chain(
                self.unknown_values
                    .iter()
                    .map(|(name, _)| name.as_str(&self.source)),
            )
            .collect();
        f.debug_struct("Session")
            .field("id", &crate::id::Redacted(&self.id))
            .field("destroyed", &St::DESTROYED)
            .field("dirty", &self.dirty)
            .field("keys", &held)
            .finish_non_exhaustive()
    }
}

fn position(defs: &[KeyDef], name: &str) -> Option<usize> {
    defs.iter().position(|def| def.name == name)
}

fn unfit<'a>(
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
