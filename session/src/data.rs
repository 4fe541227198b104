//! The raw storage format `[values, flash]`, as a public tree (`SessionData`)
//! and as the borrowed-free raw form the storages load sessions from.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

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
        let (values, flash) =
            deserializer.deserialize_seq(PairVisitor::<Map<String, Value>>::default())?;
        Ok(SessionData { values, flash })
    }
}

/// Stored data `[values, flash]` parsed in place: the names and the raw JSON
/// of the values borrow from the stored text (a name is copied only when it
/// has escapes). Entries keep their stored order.
#[derive(Debug, Default)]
pub(crate) struct StoredData<'a> {
    pub(crate) values: Vec<(Cow<'a, str>, &'a RawValue)>,
    pub(crate) flash: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> StoredData<'a> {
    /// Parses `[values, flash]`.
    pub(crate) fn parse(json: &'a str) -> serde_json::Result<Self> {
        serde_json::from_str(json)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for StoredData<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (values, flash) =
            deserializer.deserialize_seq(PairVisitor::<Entries<'de>>::default())?;
        Ok(StoredData {
            values: values.0,
            flash: flash.0,
        })
    }
}

/// A JSON object's entries, in order, borrowed.
#[derive(Default)]
struct Entries<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of session values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries: Vec<(Cow<'de, str>, &'de RawValue)> =
                    Vec::with_capacity(map.size_hint().unwrap_or(12));
                while let Some((Name(name), value)) =
                    map.next_entry::<Name<'de>, &'de RawValue>()?
                {
                    // As in JavaScript's `JSON.parse`, a repeated name keeps the last value.
                    if let Some(slot) = entries.iter_mut().find(|(existing, _)| *existing == name) {
                        slot.1 = value;
                    } else {
                        entries.push((name, value));
                    }
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
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

/// Reads `[a, b]`; a missing or `null` element reads as empty, as the reference
/// implementation reads it.
struct PairVisitor<M>(std::marker::PhantomData<M>);

impl<M> Default for PairVisitor<M> {
    fn default() -> Self {
        PairVisitor(std::marker::PhantomData)
    }
}

impl<'de, M: Deserialize<'de> + Default> Visitor<'de> for PairVisitor<M> {
    type Value = (M, M);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("session data as the JSON array [values, flash]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(M, M), A::Error> {
        let first: Option<Option<M>> = seq.next_element()?;
        let second: Option<Option<M>> = seq.next_element()?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(3, &self));
        }
        Ok((
            first.flatten().unwrap_or_default(),
            second.flatten().unwrap_or_default(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_data_keeps_order_and_text() {
        let text = r#"[{"b": 1.50, "a": {"x" : 1}}, {"n": "hi"}]"#;
        let raw = StoredData::parse(text).unwrap();
        let names: Vec<_> = raw
            .values
            .iter()
            .map(|(n, v)| (n.as_ref(), v.get()))
            .collect();
        assert_eq!(names, [("b", "1.50"), ("a", r#"{"x" : 1}"#)]);
        assert_eq!(raw.flash[0].1.get(), "\"hi\"");
        assert!(
            matches!(raw.values[0].0, Cow::Borrowed(_)),
            "plain names are borrowed"
        );
        assert_eq!(&text[range_in(text, raw.values[1].1.get())], r#"{"x" : 1}"#);
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
        assert!(StoredData::parse("[{}, {}, {}]").is_err());
    }

    #[test]
    fn repeated_names_keep_the_last_value() {
        let raw = StoredData::parse(r#"[{"a":1,"a":2},{}]"#).unwrap();
        assert_eq!(raw.values.len(), 1);
        assert_eq!(raw.values[0].1.get(), "2");
    }
}
