//! The raw storage format `[values, flash]`, as a public tree (`SessionData`)
//! and as the borrowed-free raw form the storages load sessions from.

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
/// use session::SessionData;
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

/// Stored data with every value kept as the JSON text it was stored as, in
/// stored order. Values the session never touches are written back from here
/// byte for byte.
#[derive(Debug, Default)]
pub(crate) struct RawData {
    pub(crate) values: RawMap,
    pub(crate) flash: RawMap,
}

/// A JSON object's entries, in order, with raw values.
#[derive(Debug, Default)]
pub(crate) struct RawMap(pub(crate) Vec<(String, Box<RawValue>)>);

impl RawData {
    /// Parses `[values, flash]`.
    pub(crate) fn from_json(json: &str) -> serde_json::Result<Self> {
        serde_json::from_str(json)
    }
}

impl<'de> Deserialize<'de> for RawData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (values, flash) = deserializer.deserialize_seq(PairVisitor::<RawMap>::default())?;
        Ok(RawData { values, flash })
    }
}

impl<'de> Deserialize<'de> for RawMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawMapVisitor;
        impl<'de> Visitor<'de> for RawMapVisitor {
            type Value = RawMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of session values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawMap, A::Error> {
                let mut entries: Vec<(String, Box<RawValue>)> =
                    Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((name, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    // As in JavaScript's `JSON.parse`, a repeated name keeps the last value.
                    if let Some(slot) = entries.iter_mut().find(|(existing, _)| *existing == name) {
                        slot.1 = value;
                    } else {
                        entries.push((name, value));
                    }
                }
                Ok(RawMap(entries))
            }
        }
        deserializer.deserialize_map(RawMapVisitor)
    }
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
    fn raw_data_keeps_order_and_text() {
        let raw = RawData::from_json(r#"[{"b": 1.50, "a": {"x" : 1}}, {"n": "hi"}]"#).unwrap();
        let names: Vec<_> = raw
            .values
            .0
            .iter()
            .map(|(n, v)| (n.as_str(), v.get()))
            .collect();
        assert_eq!(names, [("b", "1.50"), ("a", r#"{"x" : 1}"#)]);
        assert_eq!(raw.flash.0[0].1.get(), "\"hi\"");
    }

    #[test]
    fn missing_or_null_halves_read_as_empty() {
        let raw = RawData::from_json("[]").unwrap();
        assert!(raw.values.0.is_empty() && raw.flash.0.is_empty());
        let raw = RawData::from_json(r#"[{"a":1}, null]"#).unwrap();
        assert_eq!(raw.values.0.len(), 1);
        assert!(RawData::from_json(r#"{"a":1}"#).is_err());
        assert!(RawData::from_json("[{}, {}, {}]").is_err());
    }

    #[test]
    fn repeated_names_keep_the_last_value() {
        let raw = RawData::from_json(r#"[{"a":1,"a":2},{}]"#).unwrap();
        assert_eq!(raw.values.0.len(), 1);
        assert_eq!(raw.values.0[0].1.get(), "2");
    }
}
