//! The raw storage format `[values, flash]`, as a public tree (`SessionData`)
//! and as the borrowed-free raw form the storages load sessions from.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::times::Times;

pub(crate) mod scan;

/// A session's data as storages keep it: the values, and the flash values for
/// the next request. Serializes as the JSON array `[values, flash]`, the format
/// of the reference implementation.
///
/// ```
/// use session_schema::SessionData;
///
/// let mut data = SessionData::default();
/// data.values.insert("user_id".into(), 7.into());
/// assert_eq!(serde_json::to_string(&data).unwrap(), r#"[{"user_id":7},{}]"#);
/// let back: SessionData = serde_json::from_str(r#"[{"user_id":7},{}]"#).unwrap();
/// assert_eq!(back, data);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionData {
    /// Values, by stored key name.
    pub values: Map<String, Value>,
    /// Flash values, by stored key name.
    pub flash: Map<String, Value>,
}

impl SessionData {
    /// Whether there are neither values nor flash values.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.flash.is_empty()
    }
}

impl Serialize for SessionData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(2)?;
        tuple.serialize_element(&self.values)?;
        tuple.serialize_element(&self.flash)?;
        tuple.end()
    }
}

impl<'de> Deserialize<'de> for SessionData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (values, flash, _) =
            deserializer.deserialize_seq(DataVisitor::<Map<String, Value>>::default())?;
        Ok(SessionData { values, flash })
    }
}

/// Stored data `[values, flash]`, or `[values, flash, times]` when the storage
/// has timeouts, parsed in place: the names and the raw JSON of the values
/// borrow from the stored text (a name is copied only when it has escapes).
/// Entries keep their stored order.
#[derive(Debug, Default)]
pub(crate) struct StoredData<'a> {
    pub(crate) values: Vec<(Cow<'a, str>, &'a str)>,
    pub(crate) flash: Vec<(Cow<'a, str>, &'a str)>,
    pub(crate) times: Option<Times>,
}

impl<'a> StoredData<'a> {
    /// Parses `[values, flash]`: with the fast reader of the records this
    /// crate writes, else with `serde_json` (which reads the same way, and
    /// says why a text is not a record).
    pub(crate) fn parse(json: &'a str) -> serde_json::Result<Self> {
        match scan::stored_data(json) {
            Some(data) => Ok(data),
            None => serde_json::from_str(json),
        }
    }

    /// Hands the entries to `sink`, in stored order, and gives the times.
    pub(crate) fn feed(self, sink: &mut impl EntrySink<'a>) -> Option<Times> {
        for (name, value) in self.values {
            sink.entry(Half::Values, name, value);
        }
        for (name, value) in self.flash {
            sink.entry(Half::Flash, name, value);
        }
        self.times
    }
}

/// The half of stored data `[values, flash]` an entry is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Half {
    /// The values.
    Values,
    /// The flash values.
    Flash,
}

/// Where a reader of stored data puts the entries it finds, as it finds
/// them, in stored order: a repeated name comes again, and its last value
/// is the one that counts (as in JavaScript's `JSON.parse`).
pub(crate) trait EntrySink<'a> {
    /// One entry of the object `half`: its name and its value's raw JSON.
    fn entry(&mut self, half: Half, name: Cow<'a, str>, value: &'a str);
}

/// Collects entries into [`StoredData`]'s vectors.
#[derive(Default)]
pub(crate) struct DataSink<'a> {
    values: Collector<'a>,
    flash: Collector<'a>,
}

impl<'a> DataSink<'a> {
    /// The stored data read, with its `times`.
    pub(crate) fn into_data(self, times: Option<Times>) -> StoredData<'a> {
        StoredData {
            values: self.values.into_entries(),
            flash: self.flash.into_entries(),
            times,
        }
    }
}

impl<'a> EntrySink<'a> for DataSink<'a> {
    fn entry(&mut self, half: Half, name: Cow<'a, str>, value: &'a str) {
        match half {
            Half::Values => self.values.add(name, value),
            Half::Flash => self.flash.add(name, value),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for StoredData<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (values, flash, times) =
            deserializer.deserialize_seq(DataVisitor::<Entries<'de>>::default())?;
        Ok(StoredData {
            values: values.0,
            flash: flash.0,
            times,
        })
    }
}

/// Entries up to which repeated names are found by scanning; past it, an
/// index of the names keeps reading a record linear in its size.
const SCAN_LIMIT: usize = 16;

/// The room a [`Collector`] makes for entries when the first comes: most
/// sessions have about this many keys.
const FIRST_ROOM: usize = 12;

/// A JSON object's entries, in order, borrowed.
#[derive(Default)]
struct Entries<'a>(Vec<(Cow<'a, str>, &'a str)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of session values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Collector::with_capacity(map.size_hint().unwrap_or(12));
                while let Some((Name(name), value)) =
                    map.next_entry::<Name<'de>, &'de RawValue>()?
                {
                    entries.add(name, value.get());
                }
                Ok(Entries(entries.into_entries()))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

/// A JSON object's entries in stored order, a repeated name keeping the last
/// value, as in JavaScript's `JSON.parse`. Names are found by scanning while
/// there are few; past [`SCAN_LIMIT`], through an index, so reading stays
/// linear in the size of the record.
#[derive(Default)]
pub(crate) struct Collector<'a> {
    entries: Vec<(Cow<'a, str>, &'a str)>,
    /// One bit per name seen while scanning (by [`name_bit`]): a name whose
    /// bit is clear is new, without a comparison.
    seen: u64,
    /// Names to positions, past [`SCAN_LIMIT`] entries.
    index: Option<HashMap<Cow<'a, str>, usize>>,
}

impl<'a> Collector<'a> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Collector {
            entries: Vec::with_capacity(capacity.min(SCAN_LIMIT)),
            seen: 0,
            index: None,
        }
    }

    /// The entries, in stored order.
    pub(crate) fn into_entries(self) -> Vec<(Cow<'a, str>, &'a str)> {
        self.entries
    }

    pub(crate) fn add(&mut self, name: Cow<'a, str>, value: &'a str) {
        let Some(index) = &mut self.index else {
            let bit = name_bit(&name);
            let maybe_seen = self.seen & bit != 0;
            self.seen |= bit;
            if maybe_seen
                && let Some(position) = self.entries.iter().position(|(existing, _)| {
                    #[cfg(test)]
                    tests::count_probe();
                    *existing == name
                })
            {
                self.entries[position].1 = value;
                return;
            }
            if self.entries.capacity() == 0 {
                // No allocation for an object without entries (most flash
                // objects are).
                self.entries.reserve_exact(FIRST_ROOM);
            }
            self.entries.push((name, value));
            if self.entries.len() > SCAN_LIMIT {
                let mut index = HashMap::with_capacity(self.entries.len() * 8);
                for (at, (name, _)) in self.entries.iter().enumerate() {
                    index.insert(name.clone(), at);
                }
                self.index = Some(index);
            }
            return;
        };
        // One hash per entry: found, or inserted where it will be pushed.
        #[cfg(test)]
        tests::count_probe();
        match index.entry(name) {
            std::collections::hash_map::Entry::Occupied(found) => {
                self.entries[*found.get()].1 = value;
            }
            std::collections::hash_map::Entry::Vacant(vacant) => {
                let name = vacant.key().clone();
                vacant.insert(self.entries.len());
                self.entries.push((name, value));
            }
        }
    }
}

/// A name's bit among 64, from its length and its first and last bytes:
/// names that differ there (most do) have different bits.
fn name_bit(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let (first, last) = (
        bytes.first().copied().unwrap_or(0),
        bytes.last().copied().unwrap_or(0),
    );
    let mixed = bytes
        .len()
        .wrapping_mul(31)
        .wrapping_add(usize::from(first).wrapping_mul(7))
        .wrapping_add(usize::from(last));
    1 << (mixed % 64)
}

/// An object key, borrowed from the input unless it has escapes.
struct Name<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key name")
            }
            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(name)))
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(name.to_owned())))
            }
            fn visit_string<E: de::Error>(self, name: String) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(name)))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// The JSON text at `range` of the stored text, the inverse of [`range_in`].
/// Ranges come from `range_in` on the same text, so the fallback is never
/// used; it keeps a broken invariant from becoming a panic.
pub(crate) fn json_at<'a>(text: &'a str, range: &std::ops::Range<usize>) -> &'a str {
    text.get(range.clone()).unwrap_or("null")
}

/// Where `part`, a slice of `text`, lies in it.
pub(crate) fn range_in(text: &str, part: &str) -> std::ops::Range<usize> {
    let start = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    start..start + part.len()
}

/// Reads `[values, flash]` or `[values, flash, times]`; a missing or `null`
/// element reads as empty, as the reference implementation reads it, and a
/// third element that is not `{"c": .., "t": ..}` reads as no times.
struct DataVisitor<M>(std::marker::PhantomData<M>);

impl<M> Default for DataVisitor<M> {
    fn default() -> Self {
        DataVisitor(std::marker::PhantomData)
    }
}

impl<'de, M: Deserialize<'de> + Default> Visitor<'de> for DataVisitor<M> {
    type Value = (M, M, Option<Times>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("session data as the JSON array [values, flash]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let first: Option<Option<M>> = seq.next_element()?;
        let second: Option<Option<M>> = seq.next_element()?;
        let times: Option<StoredTimes> = seq.next_element()?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(4, &self));
        }
        Ok((
            first.flatten().unwrap_or_default(),
            second.flatten().unwrap_or_default(),
            times.and_then(|times| times.0),
        ))
    }
}

/// The third element of stored data, read leniently: anything but
/// `{"c": created, "t": touched}` with whole-second times reads as no times.
struct StoredTimes(Option<Times>);

impl<'de> Deserialize<'de> for StoredTimes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimesVisitor;
        impl<'de> Visitor<'de> for TimesVisitor {
            type Value = StoredTimes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the session's times")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StoredTimes, A::Error> {
                let (mut created, mut touched, mut remembered) = (None, None, false);
                while let Some(Name(name)) = map.next_key::<Name<'de>>()? {
                    match &*name {
                        "c" => created = map.next_value::<Seconds>()?.0,
                        "t" => touched = map.next_value::<Seconds>()?.0,
                        // `1` marks a remembered session; anything else, not.
                        "r" => remembered = map.next_value::<Seconds>()?.0 == Some(1),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(StoredTimes(created.zip(touched).map(
                    |(created, touched)| Times {
                        created,
                        touched,
                        remembered,
                    },
                )))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StoredTimes, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(StoredTimes(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<StoredTimes, E> {
                Ok(StoredTimes(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<StoredTimes, E> {
                Ok(StoredTimes(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<StoredTimes, E> {
                Ok(StoredTimes(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<StoredTimes, E> {
                Ok(StoredTimes(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<StoredTimes, E> {
                Ok(StoredTimes(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StoredTimes, E> {
                Ok(StoredTimes(None))
            }
        }
        deserializer.deserialize_any(TimesVisitor)
    }
}

/// A time in whole seconds, or `None` for any other JSON value.
struct Seconds(Option<u64>);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecondsVisitor;
        impl<'de> Visitor<'de> for SecondsVisitor {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a time in whole seconds")
            }
            fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<Seconds, E> {
                Ok(Seconds(Some(seconds)))
            }
            fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<Seconds, E> {
                Ok(Seconds(u64::try_from(seconds).ok()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Seconds, E> {
                Ok(Seconds(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Seconds, E> {
                Ok(Seconds(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Seconds, E> {
                Ok(Seconds(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Seconds, E> {
                Ok(Seconds(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Seconds, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Seconds(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Seconds, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Seconds(None))
            }
        }
        deserializer.deserialize_any(SecondsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_data_keeps_order_and_text() {
        let text = r#"[{"b": 1.50, "a": {"x" : 1}}, {"n": "hi"}]"#;
        let raw = StoredData::parse(text).unwrap();
        let names: Vec<_> = raw.values.iter().map(|(n, v)| (n.as_ref(), *v)).collect();
        assert_eq!(names, [("b", "1.50"), ("a", r#"{"x" : 1}"#)]);
        assert_eq!(raw.flash[0].1, "\"hi\"");
        assert!(
            matches!(raw.values[0].0, Cow::Borrowed(_)),
            "plain names are borrowed"
        );
        assert_eq!(&text[range_in(text, raw.values[1].1)], r#"{"x" : 1}"#);
    }

    #[test]
    fn escaped_names_are_decoded() {
        let raw = StoredData::parse(r#"[{"a\"b": 1}, {}]"#).unwrap();
        assert_eq!(raw.values[0].0, "a\"b");
    }

    #[test]
    fn missing_or_null_halves_read_as_empty() {
        let raw = StoredData::parse("[]").unwrap();
        assert!(raw.values.is_empty() && raw.flash.is_empty());
        let raw = StoredData::parse(r#"[{"a":1}, null]"#).unwrap();
        assert_eq!(raw.values.len(), 1);
        assert!(StoredData::parse(r#"{"a":1}"#).is_err());
        assert!(StoredData::parse("[{}, {}, {}, {}]").is_err());
    }

    #[test]
    fn a_third_element_carries_the_times_and_anything_else_there_is_ignored() {
        let raw = StoredData::parse(r#"[{"a":1},{},{"c":10,"t":20,"x":[1]}]"#).unwrap();
        assert_eq!(raw.times, Some(Times::new(10, 20)));
        let remembered = StoredData::parse(r#"[{},{},{"c":10,"t":20,"r":1}]"#).unwrap();
        assert_eq!(
            remembered.times,
            Some(Times {
                created: 10,
                touched: 20,
                remembered: true
            })
        );
        for not_remembered in [
            r#"{"c":1,"t":2,"r":0}"#,
            r#"{"c":1,"t":2,"r":true}"#,
            r#"{"c":1,"t":2,"r":"1"}"#,
        ] {
            let text = format!("[{{}},{{}},{not_remembered}]");
            let raw = StoredData::parse(&text).unwrap();
            assert_eq!(raw.times, Some(Times::new(1, 2)), "{not_remembered}");
        }
        for other in [
            "[{},{},null]",
            "[{},{},{}]",
            r#"[{},{},{"c":"10","t":20}]"#,
            r#"[{},{},{"c":-1,"t":20}]"#,
            r#"[{},{},{"c":1.5,"t":2}]"#,
            r#"[{},{},[1,{"c":1}]]"#,
            r#"[{},{},"text"]"#,
        ] {
            let raw = StoredData::parse(other).unwrap_or_else(|error| panic!("{other}: {error}"));
            assert_eq!(raw.times, None, "{other}");
        }
        let data: SessionData = serde_json::from_str(r#"[{"a":1},{},{"c":1,"t":2}]"#).unwrap();
        assert_eq!(data.values.len(), 1);
    }

    thread_local! {
        /// Name comparisons and index lookups made by this thread's parses.
        static PROBES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    pub(super) fn count_probe() {
        PROBES.with(|probes| probes.set(probes.get() + 1));
    }

    /// The probes a parse of `n` distinct names, each then repeated, makes.
    fn probes_for(n: usize) -> usize {
        use std::fmt::Write as _;
        let mut json = String::from("[{");
        for key in 0..n {
            write!(json, "\"k{key}\":{key},").unwrap();
        }
        for key in 0..n {
            write!(json, "\"k{key}\":0,").unwrap();
        }
        json.push_str("\"last\":1},{}]");
        PROBES.with(|probes| probes.set(0));
        let raw = StoredData::parse(&json).unwrap();
        assert_eq!(raw.values.len(), n + 1);
        assert!(raw.values.iter().take(n).all(|(_, value)| *value == "0"));
        PROBES.with(std::cell::Cell::get)
    }

    #[test]
    fn many_repeated_names_parse_in_linear_time() {
        // Eight times the names, about eight times the work: a quadratic
        // parse would do sixty-four times as much.
        let (small, large) = (probes_for(5_000), probes_for(40_000));
        assert!(
            large <= small * 9,
            "{large} probes for 40,000 names, {small} for 5,000: not linear"
        );
        assert!(
            large >= small * 7,
            "the probes are counted: {small}, {large}"
        );
    }

    #[test]
    fn repeated_names_keep_the_last_value() {
        let raw = StoredData::parse(r#"[{"a":1,"a":2},{}]"#).unwrap();
        assert_eq!(raw.values.len(), 1);
        assert_eq!(raw.values[0].1, "2");
    }
}
