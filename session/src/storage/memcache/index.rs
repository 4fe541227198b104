//! One item of a Memcached owner index: lines `<id> <end ms or -> <added ms>`,
//! and the changes made to it.

use std::time::{Duration, SystemTime};

use crate::storage::backend::Record;

/// An owner index entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct IndexEntry {
    pub(super) id: String,
    /// When the session ends, in milliseconds by the storage's clock.
    pub(super) ends: Option<u64>,
    /// When the entry was written, in milliseconds by the system clock.
    pub(super) added: u64,
}

/// A change to an owner's index entry of one id.
pub(super) enum Edit {
    /// Adds the entry, or moves its end (and drops ended entries).
    Add { ends: Option<u64>, now: u64 },
    /// Takes the entry out.
    Remove,
    /// Takes the entry out unless it was written within the grace.
    RemoveUnlessRecent,
}

impl Edit {
    pub(super) fn add(record: &Record<'_>) -> Self {
        Edit::Add {
            ends: record.expires_at.map(millis),
            now: millis(record.now),
        }
    }

    /// The storage's time, for an edit that has it.
    pub(super) fn now(&self) -> Option<u64> {
        match self {
            Edit::Add { now, .. } => Some(*now),
            Edit::Remove | Edit::RemoveUnlessRecent => None,
        }
    }
}

/// Milliseconds since the Unix epoch.
pub(super) fn millis(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// The later of two ends (`None`: never).
fn later(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    a.zip(b).map(|(a, b)| a.max(b))
}

/// The entries of an item; lines that are not entries are skipped.
pub(super) fn parse(bytes: &[u8]) -> Vec<IndexEntry> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let id = fields.next().filter(|id| !id.is_empty())?;
            let ends = fields.next().and_then(|ends| ends.parse().ok());
            let added = fields
                .next()
                .and_then(|added| added.parse().ok())
                .unwrap_or(0);
            Some(IndexEntry {
                id: id.to_owned(),
                ends,
                added,
            })
        })
        .collect()
}

/// The item holding `entries`.
pub(super) fn write(entries: &[IndexEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&entry.id);
        out.push(' ');
        match entry.ends {
            Some(ends) => out.push_str(&ends.to_string()),
            None => out.push('-'),
        }
        out.push(' ');
        out.push_str(&entry.added.to_string());
    }
    out
}

/// Applies `edit` of `id` to `entries`: `Some(true)` when they changed,
/// `Some(false)` when they were already as asked, `None` when an unindex
/// keeps a recent entry.
pub(super) fn apply(
    entries: &mut Vec<IndexEntry>,
    id: &str,
    edit: &Edit,
    wall: u64,
    grace: Duration,
) -> Option<bool> {
    let position = entries.iter().position(|entry| entry.id == id);
    match *edit {
        Edit::Add { ends, now } => {
            let before = entries.len();
            entries.retain(|entry| entry.id == id || entry.ends.is_none_or(|ends| ends > now));
            let pruned = entries.len() != before;
            match entries.iter_mut().find(|entry| entry.id == id) {
                // An end only moves forward: a slower save's earlier end
                // would have the entry dropped while its session lives.
                Some(entry) if later(entry.ends, ends) == entry.ends && !pruned => {
                    return Some(false);
                }
                Some(entry) => {
                    entry.ends = later(entry.ends, ends);
                    entry.added = wall;
                }
                None => entries.push(IndexEntry {
                    id: id.to_owned(),
                    ends,
                    added: wall,
                }),
            }
            Some(true)
        }
        Edit::Remove => {
            let Some(position) = position else {
                return Some(false);
            };
            entries.remove(position);
            Some(true)
        }
        Edit::RemoveUnlessRecent => {
            let Some(position) = position else {
                return Some(false);
            };
            let grace = u64::try_from(grace.as_millis()).unwrap_or(u64::MAX);
            if entries[position].added > wall.saturating_sub(grace) {
                return None;
            }
            entries.remove(position);
            Some(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(60);

    #[test]
    fn entries_round_trip() {
        let entries = vec![
            IndexEntry {
                id: "a".into(),
                ends: Some(5),
                added: 1,
            },
            IndexEntry {
                id: "b".into(),
                ends: None,
                added: 2,
            },
        ];
        assert_eq!(parse(write(&entries).as_bytes()), entries);
        assert!(parse(b"").is_empty());
    }

    #[test]
    fn an_add_drops_the_entries_of_ended_sessions() {
        let mut entries = parse(b"old 100 0\nlive 900 0\nforever - 0");
        let edit = Edit::Add {
            ends: Some(2000),
            now: 500,
        };
        assert_eq!(apply(&mut entries, "new", &edit, 10, GRACE), Some(true));
        let ids: Vec<&str> = entries.iter().map(|entry| entry.id.as_str()).collect();
        assert_eq!(ids, ["live", "forever", "new"]);
    }

    #[test]
    fn an_add_moves_the_end_of_an_entry() {
        let mut entries = parse(b"a 900 0");
        let edit = Edit::Add {
            ends: Some(1900),
            now: 500,
        };
        assert_eq!(apply(&mut entries, "a", &edit, 10, GRACE), Some(true));
        assert_eq!(entries[0].ends, Some(1900));
        assert_eq!(apply(&mut entries, "a", &edit, 10, GRACE), Some(false));
        let earlier = Edit::Add {
            ends: Some(1200),
            now: 500,
        };
        assert_eq!(apply(&mut entries, "a", &earlier, 10, GRACE), Some(false));
        assert_eq!(
            entries[0].ends,
            Some(1900),
            "a slower save's earlier end is ignored"
        );
    }

    #[test]
    fn a_recent_entry_is_kept_by_an_unindex() {
        let mut entries = parse(b"a 900 100000");
        assert_eq!(
            apply(&mut entries, "a", &Edit::RemoveUnlessRecent, 130_000, GRACE),
            None
        );
        assert_eq!(
            apply(&mut entries, "a", &Edit::RemoveUnlessRecent, 170_000, GRACE),
            Some(true)
        );
        assert!(entries.is_empty());
        assert_eq!(
            apply(&mut entries, "a", &Edit::Remove, 0, GRACE),
            Some(false)
        );
    }
}
