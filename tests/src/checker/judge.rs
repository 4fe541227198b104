//! Judges a finished history against what the storages promise. Each check
//! accepts exactly the outcomes some order of the concurrent operations
//! allows (an operation takes effect somewhere between its start and its
//! end), and rejects the rest:
//!
//! - **I1** a session that `destroy` or `destroy_owned_by` reported
//!   destroyed is never readable afterwards, under any id, unless a later
//!   `log_in` made a new one;
//! - **I2** every live session of an owner is listed by `owned_by`, and
//!   nothing else ever is;
//! - **I3** every acknowledged write of a key that no other request writes
//!   is visible to later reads of that session, and a save never drops the
//!   changes of a session that nothing ended;
//! - **I4** no read returns another session's or another owner's data;
//! - **I5** once every session has ended, the owner index holds no more than
//!   the owner's live sessions;
//! - **I6** nothing panics or hangs, and without injected faults nothing fails.

use std::collections::HashMap;
use std::fmt;

use super::plan::{ABSOLUTE_SECS, IDLE_SECS, Op};
use super::run::{Event, History, JAR_TAG, Outcome, Seen, Wrote};

/// A broken promise, found in a history.
#[derive(Debug, Clone)]
pub struct Violation {
    /// Which invariant (`I1` to `I6`).
    pub invariant: &'static str,
    /// What happened.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.invariant, self.detail)
    }
}

/// Entries an owner index may hold beyond the owner's live sessions once
/// every other session has ended.
pub const INDEX_SLACK: usize = 0;

/// A request whose read succeeded.
struct Req<'a> {
    event: &'a Event,
    seen: &'a Seen,
    wrote: &'a Wrote,
    saved: &'a Result<Option<String>, String>,
}

/// A record a request wrote: the id its save returned.
struct Write<'a> {
    id: &'a str,
    req: &'a Req<'a>,
    /// The id it was moved from, and whether the old id was deleted.
    base: Option<(&'a str, bool)>,
}

struct Judge<'a> {
    history: &'a History,
    requests: Vec<Req<'a>>,
    by_op: HashMap<u64, &'a Event>,
}

/// Where the checks put what they find.
struct Found(Vec<Violation>);

impl Found {
    fn add(&mut self, invariant: &'static str, detail: String) {
        self.0.push(Violation { invariant, detail });
    }
}

/// Every violation in `history`.
#[must_use]
pub fn judge(history: &History) -> Vec<Violation> {
    let requests: Vec<Req<'_>> = history
        .events
        .iter()
        .filter_map(|event| match &event.outcome {
            Outcome::Request {
                read: Ok(seen),
                wrote: Some(wrote),
                saved: Some(saved),
                ..
            } => Some(Req {
                event,
                seen,
                wrote,
                saved,
            }),
            _ => None,
        })
        .collect();
    let by_op = history
        .events
        .iter()
        .map(|event| (event.op_no, event))
        .collect();
    let judge = Judge {
        history,
        requests,
        by_op,
    };
    let writes = judge.writes();
    let mut found = Found(Vec::new());
    judge.check_crashes_and_errors(&mut found);
    judge.check_reads_are_own(&writes, &mut found);
    judge.check_destroyed_stay_destroyed(&mut found);
    judge.check_log_out_everywhere(&mut found);
    judge.check_owned_by(&writes, &mut found);
    judge.check_no_lost_update(&writes, &mut found);
    judge.check_no_dropped_save(&writes, &mut found);
    judge.check_index_size(&mut found);
    found.0
}

impl Judge<'_> {
    fn writes(&self) -> Vec<Write<'_>> {
        self.requests
            .iter()
            .filter_map(|req| {
                let Ok(Some(id)) = req.saved else { return None };
                if id.is_empty() {
                    return None;
                }
                let base = (req.seen.loaded && *id != req.seen.id).then(|| {
                    let delete_old = !matches!(req.event.op, Op::Regenerate { delete_old: false });
                    (req.seen.id.as_str(), delete_old)
                });
                Some(Write {
                    id: id.as_str(),
                    req,
                    base,
                })
            })
            .collect()
    }

    fn faulty(&self) -> bool {
        !self.history.plan.faults.cuts_at_ms.is_empty()
            || self.history.plan.faults.restart_at_ms.is_some()
    }

    /// I6: no panic, no hang; no error unless a fault was injected.
    fn check_crashes_and_errors(&self, out: &mut Found) {
        for crash in self.history.crashes.clone() {
            out.add("I6", crash);
        }
        if self.faulty() {
            return;
        }
        let errors: Vec<String> = self
            .history
            .events
            .iter()
            .filter_map(|event| {
                let (Outcome::Request {
                    read: Err(error), ..
                }
                | Outcome::Request {
                    saved: Some(Err(error)),
                    ..
                }
                | Outcome::OwnedBy(Err(error))
                | Outcome::DestroyOwnedBy(Err(error))) = &event.outcome
                else {
                    return None;
                };
                Some(format!(
                    "op {} ({:?}) failed with no fault injected: {error}",
                    event.op_no, event.op
                ))
            })
            .collect();
        for error in errors {
            out.add("I6", error);
        }
    }

    /// I4: what a request reads was written by its own jar, and the owner
    /// came from a `log_in` of that jar.
    fn check_reads_are_own(&self, writes: &[Write<'_>], out: &mut Found) {
        let mut found = Vec::new();
        for req in self.requests.iter().filter(|req| req.seen.loaded) {
            let (event, seen) = (req.event, req.seen);
            let jar = event.jar as u64 + 1;
            if seen.born.is_none_or(|born| born / JAR_TAG != jar) {
                found.push(format!(
                    "op {} of jar {} read session {} born {:?}, not of its jar",
                    event.op_no, event.jar, seen.id, seen.born
                ));
            }
            if let Some(user) = seen.user {
                let login = seen.login.and_then(|login| self.by_op.get(&login));
                let from_this_jar = login.is_some_and(|login| {
                    matches!(login.op, Op::LogIn { .. })
                        && login.jar == event.jar
                        && login.user == Some(user)
                });
                if !from_this_jar {
                    found.push(format!(
                        "op {} of jar {} read owner {user} with login {:?}, not a log_in of its jar",
                        event.op_no, event.jar, seen.login
                    ));
                }
            }
            let written = writes.iter().any(|write| {
                write.id == seen.id
                    && write.req.event.start < event.end
                    && write.req.wrote.born == seen.born
            });
            if !written {
                found.push(format!(
                    "op {} read session {} (born {:?}), which no save wrote",
                    event.op_no, seen.id, seen.born
                ));
            }
            let values = seen
                .keys
                .iter()
                .copied()
                .chain([seen.shared, seen.note])
                .flatten();
            for value in values {
                let author = self.by_op.get(&value);
                if author.is_none_or(|author| author.jar != event.jar) {
                    found.push(format!(
                        "op {} of jar {} read value {value}, written by another jar",
                        event.op_no, event.jar
                    ));
                }
            }
        }
        for req in &self.requests {
            let moves = matches!(req.event.op, Op::Regenerate { .. } | Op::LogIn { .. })
                || (req.event.op == Op::LogOut && req.seen.user.is_some());
            if let Ok(Some(id)) = req.saved
                && req.seen.loaded
                && !id.is_empty()
                && *id != req.seen.id
                && !moves
            {
                found.push(format!(
                    "op {} ({:?}) read {} and saved it as {id}",
                    req.event.op_no, req.event.op, req.seen.id
                ));
            }
        }
        for detail in found {
            out.add("I4", detail);
        }
    }

    /// I1: a destroyed session is not read again.
    fn check_destroyed_stay_destroyed(&self, out: &mut Found) {
        let mut found = Vec::new();
        for destroy in &self.requests {
            let destroyed = destroy.event.op == Op::Destroy
                && destroy.seen.loaded
                && matches!(destroy.saved, Ok(Some(value)) if value.is_empty());
            if !destroyed {
                continue;
            }
            for later in &self.requests {
                if later.event.start > destroy.event.end
                    && later.seen.loaded
                    && later.seen.id == destroy.seen.id
                {
                    found.push(format!(
                        "session {} destroyed by op {} was read again by op {}",
                        destroy.seen.id, destroy.event.op_no, later.event.op_no
                    ));
                }
            }
        }
        for detail in found {
            out.add("I1", detail);
        }
    }

    /// Whether login `login` of `user` made a session that existed as
    /// `user`'s before `destroy` began: saved before it, or made from such
    /// a session.
    fn login_predates(&self, login: u64, user: u64, destroy: &Event, depth: usize) -> bool {
        let Some(event) = self.by_op.get(&login) else {
            return false;
        };
        if event.end < destroy.start {
            return true;
        }
        match &event.outcome {
            Outcome::Request { read: Ok(seen), .. }
                if depth < 64 && seen.loaded && seen.user == Some(user) =>
            {
                seen.login
                    .is_some_and(|base| self.login_predates(base, user, destroy, depth + 1))
            }
            _ => false,
        }
    }

    /// I1: after log out everywhere, no session of the owner that existed
    /// before it is read again.
    fn check_log_out_everywhere(&self, out: &mut Found) {
        let mut found = Vec::new();
        for destroy in &self.history.events {
            let (Outcome::DestroyOwnedBy(Ok(_)), Some(user)) = (&destroy.outcome, destroy.user)
            else {
                continue;
            };
            for later in &self.requests {
                let seen = later.seen;
                if later.event.start > destroy.end
                    && seen.loaded
                    && seen.user == Some(user)
                    && seen
                        .login
                        .is_some_and(|login| self.login_predates(login, user, destroy, 0))
                {
                    found.push(format!(
                        "op {} read session {} of user {user} (login op {:?}) after destroy_owned_by op {} ended it",
                        later.event.op_no, seen.id, seen.login, destroy.op_no
                    ));
                }
            }
        }
        for detail in found {
            out.add("I1", detail);
        }
    }

    /// Whether session `id` may have ended (destroyed, moved away, logged out
    /// everywhere, expired, lost by the server) before tick `until`, when the
    /// clock read `clock_until`. `except` is a request not to count.
    fn possibly_ended(
        &self,
        writes: &[Write<'_>],
        id: &str,
        until: u64,
        clock_until: u64,
        except: Option<u64>,
    ) -> bool {
        let ended_by_request = self.requests.iter().any(|req| {
            Some(req.event.op_no) != except
                && req.seen.loaded
                && req.seen.id == id
                && req.event.start < until
                && (req.event.op.ends_read_id()
                    && !(req.event.op == Op::LogOut && req.seen.user.is_none()))
        });
        let owners: Vec<u64> = writes
            .iter()
            .filter(|write| write.id == id)
            .filter_map(|write| write.req.wrote.user)
            .collect();
        let ended_by_owner = self.history.events.iter().any(|event| {
            matches!(event.outcome, Outcome::DestroyOwnedBy(_))
                && event.start < until
                && event.user.is_some_and(|user| owners.contains(&user))
        });
        let lost = self.history.events.iter().any(|event| {
            matches!(event.outcome, Outcome::Fault { amnesia: true }) && event.start < until
        });
        let own_writes = writes
            .iter()
            .filter(|write| write.id == id && write.req.event.start < until);
        let last_write = own_writes
            .clone()
            .map(|write| write.req.event.clock_start)
            .max();
        let born = own_writes.clone().find_map(|write| write.req.wrote.born);
        let created = writes
            .iter()
            .filter(|write| write.req.wrote.born == born && born.is_some())
            .map(|write| write.req.event.clock_start)
            .min();
        // A write touches the session only once more than a quarter of
        // the idle timeout has passed since its last touch, so the last
        // touch may be up to that quarter before the last write.
        let expired = match (last_write, created) {
            (Some(written), Some(created)) => {
                clock_until.saturating_sub(written) >= IDLE_SECS - IDLE_SECS / 4
                    || clock_until.saturating_sub(created) >= ABSOLUTE_SECS
            }
            _ => true,
        };
        ended_by_request || ended_by_owner || lost || expired
    }

    /// I2: `owned_by` lists every session of the owner that was live for
    /// the whole call, and only sessions that were the owner's.
    fn check_owned_by(&self, writes: &[Write<'_>], out: &mut Found) {
        let mut found = Vec::new();
        for event in &self.history.events {
            let (Outcome::OwnedBy(Ok(listed)), Some(user)) = (&event.outcome, event.user) else {
                continue;
            };
            let (start, end) = (event.start, event.end);
            let candidates: Vec<&str> = writes
                .iter()
                .filter(|write| write.req.wrote.user == Some(user) && write.req.event.end < start)
                .map(|write| write.id)
                .collect();
            for id in candidates {
                let owner_changed = writes.iter().any(|write| {
                    write.id == id
                        && write.req.wrote.user != Some(user)
                        && write.req.event.start < end
                });
                let stable =
                    !owner_changed && !self.possibly_ended(writes, id, end, event.clock_end, None);
                if stable && !listed.iter().any(|listed| listed == id) {
                    found.push(format!(
                        "owned_by op {} of user {user} did not list live session {id}",
                        event.op_no
                    ));
                }
            }
            // An id no save acknowledged may be listed while a save is in
            // flight (a backend's `rename` in steps inserts first); an id
            // acknowledged as a session of someone else never.
            for id in listed {
                let known = writes.iter().any(|write| write.id == id);
                let was_users = writes.iter().any(|write| {
                    write.id == id
                        && write.req.wrote.user == Some(user)
                        && write.req.event.start < end
                });
                if known && !was_users {
                    found.push(format!(
                        "owned_by op {} of user {user} listed {id}, a session of someone else",
                        event.op_no
                    ));
                }
            }
        }
        // Deduplicate: a missed session is usually missed by every later listing.
        found.dedup();
        for detail in found {
            out.add("I2", detail);
        }
    }

    /// The ids whose writes reach session `id`: itself, and the ids it was
    /// moved or forked from, each with the window of the fork it came
    /// through (writes to it that end before the window reach `id`, writes
    /// that start after it do not, writes during it may or may not: a fork
    /// copies what is there when it takes effect).
    fn ancestry<'w>(writes: &'w [Write<'w>], id: &'w str) -> Vec<(&'w str, Option<(u64, u64)>)> {
        let mut chain: Vec<(&str, Option<(u64, u64)>)> = vec![(id, None)];
        let mut next = 0;
        while next < chain.len() {
            let (current, window) = chain[next];
            for write in writes.iter().filter(|write| write.id == current) {
                if let Some((from, delete_old)) = write.base {
                    let window = if delete_old {
                        window
                    } else {
                        let fork = (write.req.event.start, write.req.event.end);
                        Some(
                            window
                                .map_or(fork, |(start, end)| (start.min(fork.0), end.min(fork.1))),
                        )
                    };
                    if !chain.iter().any(|(known, _)| *known == from) {
                        chain.push((from, window));
                    }
                }
            }
            next += 1;
        }
        chain
    }

    /// I3: a client reading its session sees the last value of its own key
    /// that a save acknowledged (or one of its later writes whose fate is
    /// unknown).
    fn check_no_lost_update(&self, writes: &[Write<'_>], out: &mut Found) {
        let mut found = Vec::new();
        for read in self.requests.iter().filter(|req| req.seen.loaded) {
            let tab = read.event.tab;
            let chain = Self::ancestry(writes, &read.seen.id);
            let mut own: Vec<&Req<'_>> = self
                .requests
                .iter()
                .filter(|req| {
                    req.event.tab == tab
                        && req.event.op.writes_own_key()
                        && req.event.end < read.event.start
                })
                .collect();
            own.sort_by_key(|req| req.event.op_no);
            let mut last: Option<Option<u64>> = None;
            let mut loose: Vec<Option<u64>> = Vec::new();
            for write in own {
                let value = (write.event.op != Op::Unset).then_some(write.event.op_no);
                match write.saved {
                    Ok(Some(id)) if !id.is_empty() => {
                        let Some((_, window)) = chain.iter().find(|(known, _)| known == id) else {
                            continue;
                        };
                        match window {
                            Some((_, end)) if write.event.start > *end => {}
                            Some((start, _)) if write.event.end > *start => loose.push(value),
                            _ => {
                                last = Some(value);
                                loose.clear();
                            }
                        }
                    }
                    Err(_) => loose.push(value),
                    Ok(_) => {}
                }
            }
            let observed = read.seen.keys[tab];
            let expected = last.unwrap_or(None);
            if observed != expected && !loose.contains(&observed) {
                found.push(format!(
                    "op {} of client {tab} read {observed:?} in session {}, but its last acknowledged write there was {expected:?} (unsettled: {loose:?})",
                    read.event.op_no, read.seen.id
                ));
            }
        }
        for detail in found {
            out.add("I3", detail);
        }
    }

    /// I3: a save returns nothing for a changed session only when something
    /// may have ended that session.
    fn check_no_dropped_save(&self, writes: &[Write<'_>], out: &mut Found) {
        let mut found = Vec::new();
        for req in &self.requests {
            let changes = !(matches!(req.event.op, Op::Read | Op::Destroy)
                || req.event.op == Op::LogOut && req.seen.user.is_none());
            if !changes || !req.wrote.dirty || !matches!(req.saved, Ok(None)) {
                continue;
            }
            if !req.seen.loaded {
                found.push(format!(
                    "op {} ({:?}) saved a new session and the storage stored nothing",
                    req.event.op_no, req.event.op
                ));
            } else if !self.possibly_ended(
                writes,
                &req.seen.id,
                req.event.end,
                req.event.clock_end,
                Some(req.event.op_no),
            ) {
                found.push(format!(
                    "op {} ({:?}) changed live session {} and the save dropped it",
                    req.event.op_no, req.event.op, req.seen.id
                ));
            }
        }
        for detail in found {
            out.add("I3", detail);
        }
    }

    /// I5: after every session ended and one login, the index holds that
    /// login; where the backend keeps recent entries it cannot match, also
    /// at most one entry per operation that failed (cut off between its
    /// index and its record).
    fn check_index_size(&self, out: &mut Found) {
        let failed = self
            .history
            .events
            .iter()
            .filter(|event| {
                matches!(
                    &event.outcome,
                    Outcome::Request { read: Err(_), .. }
                        | Outcome::Request {
                            saved: Some(Err(_)),
                            ..
                        }
                        | Outcome::OwnedBy(Err(_))
                        | Outcome::DestroyOwnedBy(Err(_))
                )
            })
            .count();
        let allowed = 1
            + INDEX_SLACK
            + if self.history.keeps_recent_entries {
                failed
            } else {
                0
            };
        let mut found = Vec::new();
        for event in &self.history.events {
            if let (Outcome::IndexSize { entries, .. }, Some(user)) = (&event.outcome, event.user) {
                if *entries == usize::MAX {
                    if !self.faulty() {
                        found.push(format!("the owner index of user {user} could not be read"));
                    }
                } else if *entries > allowed {
                    found.push(format!(
                        "the owner index of user {user} holds {entries} entries once every session but one ended (at most {allowed})"
                    ));
                }
            }
        }
        for detail in found {
            out.add("I5", detail);
        }
    }
}
