//! Writing stored data, `[values, flash]` or the cookie storage's
//! `{"i": id, "d": [values, flash]}`, entry by entry: raw JSON copied as it was
//! stored, new values serialized in place.

use std::io::Write as _;
use std::ops::Range;

use crate::data::scan::plain_len;
use crate::error::Error;
use crate::times::{Stamp, Times};
use crate::value::Erased;

/// Writes `text` as a JSON string, as `serde_json` writes it: copied between
/// quotes when nothing in it needs an escape (names and ids never do),
/// escaped by `serde_json` otherwise.
fn write_string(out: &mut Vec<u8>, text: &str) {
    if plain_len(text.as_bytes()) == text.len() {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing a `&str` into a `Vec` cannot fail.
        let _ = serde_json::to_writer(out, text);
    }
}

/// Untouched entries of a stored text, written as [`JsonObjects::raw_entry`]
/// writes them, but a run of them that lies one after the other in the text,
/// each stored as `"name":value` (as this crate and the reference write
/// them), copied at once.
pub(crate) struct StoredRun<'s> {
    source: &'s str,
    /// The run not yet written: whole entries of `source`, from the first
    /// name's quote to the last value's end.
    pending: Option<Range<usize>>,
}

impl<'s> StoredRun<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        StoredRun {
            source,
            pending: None,
        }
    }

    /// Writes the entry `name` whose value is `json`: joins the run when
    /// `json` is a slice of the source stored as `"name":json` right after
    /// it, else writes the run and then the entry.
    pub(crate) fn entry(&mut self, out: &mut JsonObjects, name: &str, json: &str) {
        let Some(Range { start, end }) = self.stored_entry(name, json) else {
            self.write(out);
            out.raw_entry(name, json);
            return;
        };
        let bytes = self.source.as_bytes();
        match &mut self.pending {
            Some(run) if run.end + 1 == start && bytes[run.end] == b',' => run.end = end,
            _ => {
                self.write(out);
                self.pending = Some(start..end);
            }
        }
    }

    /// Where the whole entry of `json` (`"name":json`) lies in the source,
    /// if `json` lies in it and is stored right after `"name":`. Then the
    /// stored bytes are the ones `raw_entry` writes: a name stored between
    /// quotes as it is holds nothing that needs an escape (that would be
    /// stored escaped).
    fn stored_entry(&self, name: &str, json: &str) -> Option<Range<usize>> {
        let source = self.source.as_bytes();
        let at = (json.as_ptr() as usize).checked_sub(source.as_ptr() as usize)?;
        if at.checked_add(json.len())? > source.len() {
            return None;
        }
        let start = at.checked_sub(name.len() + 3)?;
        let lead = &source[start..at];
        let stored_as_written = lead[0] == b'"'
            && &lead[1..=name.len()] == name.as_bytes()
            && lead[name.len() + 1..] == *b"\":";
        stored_as_written.then_some(start..at + json.len())
    }

    /// Writes the run, if there is one: before anything else is written.
    pub(crate) fn write(&mut self, out: &mut JsonObjects) {
        if let Some(run) = self.pending.take() {
            out.raw_entries(&self.source[run]);
        }
    }
}

/// Writes the JSON `[{...},{...}]` entry by entry.
pub(crate) struct JsonObjects {
    out: Vec<u8>,
    first: bool,
}

/// The room a record's writer starts with beyond the size of the record it
/// replaces: a record mostly stays about the size it was, and one that grows
/// more doubles its room. The text written is what an id-based storage
/// keeps, so its room is memory held per session.
const ROOM: usize = 128;

impl JsonObjects {
    /// Starts `[{`, with room for about `size` bytes (the record replaced).
    pub(crate) fn new(size: usize) -> Self {
        let mut out = Vec::with_capacity(size + ROOM);
        out.extend_from_slice(b"[{");
        JsonObjects { out, first: true }
    }

    /// Starts `{"i":<id>,"d":[{`, with room for about `size` bytes.
    pub(crate) fn with_prefix(id: &str, size: usize) -> Self {
        let mut out = Vec::with_capacity(size + id.len() + ROOM);
        out.extend_from_slice(b"{\"i\":");
        write_string(&mut out, id);
        out.extend_from_slice(b",\"d\":[{");
        JsonObjects { out, first: true }
    }

    /// Starts a run of entries written now and spliced into an object
    /// later by [`entries`](Self::entries); [`finish`](Self::finish) gives
    /// its text.
    pub(crate) fn fragment() -> Self {
        JsonObjects {
            out: Vec::new(),
            first: true,
        }
    }

    /// Writes the entries of a [`fragment`](Self::fragment) into the open object.
    pub(crate) fn entries(&mut self, fragment: &str) {
        if fragment.is_empty() {
            return;
        }
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
        self.out.extend_from_slice(fragment.as_bytes());
    }

    /// Writes `"name":`, preceded by a comma unless it is the first entry.
    fn name(&mut self, name: &str) {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
        write_string(&mut self.out, name);
        self.out.push(b':');
    }

    pub(crate) fn raw_entry(&mut self, name: &str, json: &str) {
        self.name(name);
        self.out.extend_from_slice(json.as_bytes());
    }

    /// Writes entries copied whole from stored text (`"a":1,"b":2`),
    /// preceded by a comma unless they are the first.
    fn raw_entries(&mut self, entries: &str) {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
        self.out.extend_from_slice(entries.as_bytes());
    }

    pub(crate) fn string_entry(&mut self, name: &str, value: &str) {
        self.name(name);
        write_string(&mut self.out, value);
    }

    pub(crate) fn value_entry(&mut self, name: &str, value: &Erased) -> Result<(), Error> {
        self.name(name);
        value
            .write_json(&mut self.out)
            .map_err(|source| Error::serialize(name, source))
    }

    /// Closes the values object and opens the flash object.
    pub(crate) fn next_object(&mut self) {
        self.out.extend_from_slice(b"},{");
        self.first = true;
    }

    /// Closes the cookie storage's record, opened by [`with_prefix`](Self::with_prefix).
    pub(crate) fn end_cookie_record(&mut self) {
        self.out.push(b'}');
    }

    /// Closes the flash object and the array, with the session's times as a
    /// third element when the storage keeps them.
    pub(crate) fn end_data(&mut self, stamp: Stamp) {
        match stamp {
            Stamp::None => self.out.extend_from_slice(b"}]"),
            Stamp::Write(Times {
                created,
                touched,
                remembered,
            }) => {
                // Writing to a `Vec` cannot fail.
                let _ = write!(self.out, r#"}},{{"c":{created},"t":{touched}"#);
                if remembered {
                    self.out.extend_from_slice(br#","r":1"#);
                }
                self.out.extend_from_slice(b"}]");
            }
        }
    }

    pub(crate) fn finish(self) -> String {
        // Only `&str`s and serde_json output were written: the bytes are UTF-8.
        String::from_utf8(self.out)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::write_string;

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for text in [
            "",
            "plain",
            "user_id",
            "héllo ✓ 🎉",
            "a/b <c> &d",
            "quote\"",
            "back\\slash",
            "line\nbreak",
            "\u{1}\u{1f}\u{7f}",
        ] {
            let mut out = Vec::new();
            write_string(&mut out, text);
            assert_eq!(out, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Any string, short or long, with a byte that needs an escape
        /// anywhere in it or none, is written as `serde_json` writes it.
        #[test]
        fn any_string_is_written_as_serde_json_writes_it(
            text in "[a-z \"\\\\\u{0}-\u{1f}\u{7f}é✓]{0,40}",
            plain_prefix in 0_usize..24,
        ) {
            let text = format!("{}{text}", "x".repeat(plain_prefix));
            let mut out = Vec::new();
            write_string(&mut out, &text);
            proptest::prop_assert_eq!(out, serde_json::to_vec(&text).unwrap());
        }
    }
}
