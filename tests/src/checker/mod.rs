//! A concurrency checker for the id-based storages, in the manner of
//! Jepsen: random concurrent histories of requests (reads, writes of own and
//! shared keys, flashes, id regeneration, logins and logouts, destroys),
//! "log out everywhere" and listings by owner, with a clock that moves, over
//! several storage instances sharing a backend, through a proxy that adds
//! latency and cuts connections, and servers restarted mid-history. Each
//! history is judged against the invariants of [`judge`]; a failure prints
//! its seed and its history, and the seed replays the same operations and
//! faults (`CHECK_SEED=<seed>`).

pub mod judge;
pub mod plan;
pub mod proxy;
pub mod rng;
pub mod run;
pub mod target;

use std::fmt::Write as _;
use std::sync::Arc;

pub use judge::Violation;
pub use plan::Plan;
pub use run::{Event, History, Outcome};
pub use target::Target;

/// What a run of many histories found.
#[derive(Debug, Default)]
pub struct Report {
    /// The storage checked.
    pub storage: &'static str,
    /// Histories run.
    pub histories: usize,
    /// Operations performed by the clients.
    pub operations: usize,
    /// Faults injected (connection cuts and restarts).
    pub faults: usize,
    /// Histories with latency added.
    pub with_latency: usize,
    /// The histories that broke an invariant: seed and a printout.
    pub failures: Vec<(u64, String)>,
    /// For each invariant broken, the seeds of the histories that broke it.
    pub by_invariant: std::collections::BTreeMap<&'static str, Vec<u64>>,
}

impl Report {
    /// How many violations were found in all.
    #[must_use]
    pub fn violations(&self) -> usize {
        self.failures.len()
    }

    /// One line for logs and the reliability figures, and the first seeds
    /// that broke each invariant.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{}: {} histories, {} operations, {} faults injected, {} with latency, {} failing",
            self.storage,
            self.histories,
            self.operations,
            self.faults,
            self.with_latency,
            self.failures.len()
        );
        for (invariant, seeds) in &self.by_invariant {
            let first: Vec<String> = seeds.iter().take(8).map(u64::to_string).collect();
            let _ = write!(
                out,
                "\n  {invariant} broken in {} histories, seeds {}",
                seeds.len(),
                first.join(", ")
            );
        }
        out
    }
}

/// How many histories to run: `CHECK_HISTORIES`, else `default`.
#[must_use]
pub fn budget(default: usize) -> usize {
    std::env::var("CHECK_HISTORIES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// The seeds to run: `CHECK_SEED` alone when set (a replay; `CHECK_REPEAT`
/// times, default once: the operations and faults replay exactly, the
/// interleaving of the clients does not, so a rare one may take several
/// runs), else `histories` seeds from `CHECK_FIRST_SEED` (default: a
/// different start for each storage, so the storages do not all see the
/// same histories).
#[must_use]
pub fn seeds(storage: &str, histories: usize) -> Vec<u64> {
    if let Some(seed) = std::env::var("CHECK_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
    {
        let repeat = std::env::var("CHECK_REPEAT")
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(1);
        return vec![seed; repeat];
    }
    let first = std::env::var("CHECK_FIRST_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| {
            storage.bytes().fold(0_u64, |hash, byte| {
                hash.wrapping_mul(31).wrapping_add(u64::from(byte))
            }) % 1_000_000
                * 1000
        });
    (0..histories as u64).map(|offset| first + offset).collect()
}

/// Runs one history per seed against `target` and judges each.
pub async fn check<T: Target>(target: &Arc<T>, seeds: &[u64]) -> Report {
    let mut report = Report {
        storage: target.name(),
        ..Report::default()
    };
    for &seed in seeds {
        let plan = Plan::draw(seed, target.network());
        report.histories += 1;
        report.operations += plan.operations();
        report.faults += plan.fault_count();
        report.with_latency += usize::from(plan.faults.latency_ms > 0);
        let history = run::run(target, plan).await;
        let violations = judge::judge(&history);
        let mut broken: Vec<&'static str> = violations.iter().map(|v| v.invariant).collect();
        broken.sort_unstable();
        broken.dedup();
        for invariant in broken {
            report.by_invariant.entry(invariant).or_default().push(seed);
        }
        if !violations.is_empty() {
            report
                .failures
                .push((seed, printout(&history, &violations)));
        }
    }
    report
}

/// Runs the histories and fails with every failing seed and its history.
///
/// # Panics
///
/// When a history breaks an invariant.
pub async fn assert_holds<T: Target>(target: T, default_histories: usize) {
    let target = Arc::new(target);
    let seeds = seeds(target.name(), budget(default_histories));
    let report = check(&target, &seeds).await;
    eprintln!("{}", report.summary());
    if !report.failures.is_empty() {
        let mut out = String::new();
        for (seed, text) in report.failures.iter().take(3) {
            let _ = writeln!(
                out,
                "---- seed {seed} (replay: CHECK_SEED={seed}) ----\n{text}"
            );
        }
        let seeds: Vec<u64> = report.failures.iter().map(|(seed, _)| *seed).collect();
        panic!("{}\nfailing seeds: {seeds:?}\n{out}", report.summary());
    }
}

/// A history and what it broke, as text.
#[must_use]
pub fn printout(history: &History, violations: &[Violation]) -> String {
    let mut out = String::new();
    let _ = write!(out, "{}", history.plan);
    for violation in violations {
        let _ = writeln!(out, "violation {violation}");
    }
    let _ = writeln!(out, "history ([start..end] client op, clock, outcome):");
    for event in &history.events {
        let client = if event.tab == usize::MAX {
            "-".to_owned()
        } else {
            format!("c{}/j{}", event.tab, event.jar)
        };
        let _ = writeln!(
            out,
            "  [{}..{}] {client} op {} {:?} user {:?} clock {}..{}: {}",
            event.start,
            event.end,
            event.op_no,
            event.op,
            event.user,
            event.clock_start,
            event.clock_end,
            describe(&event.outcome)
        );
    }
    out
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Request {
            cookie,
            read,
            saved,
            ..
        } => {
            let read = match read {
                Ok(seen) => format!(
                    "read {}{} user {:?} login {:?} born {:?} keys {:?} shared {:?}",
                    short(&seen.id),
                    if seen.loaded { "" } else { " (fresh)" },
                    seen.user,
                    seen.login,
                    seen.born,
                    seen.keys,
                    seen.shared
                ),
                Err(error) => format!("read failed: {error}"),
            };
            let saved = match saved {
                Some(Ok(Some(value))) if value.is_empty() => "saved: cleared".to_owned(),
                Some(Ok(Some(value))) => format!("saved: {}", short(value)),
                Some(Ok(None)) => "saved: nothing".to_owned(),
                Some(Err(error)) => format!("save failed: {error}"),
                None => String::new(),
            };
            format!(
                "cookie {} {read}; {saved}",
                cookie.as_deref().map_or("-".to_owned(), short)
            )
        }
        Outcome::OwnedBy(Ok(ids)) => format!(
            "owned_by {:?}",
            ids.iter().map(|id| short(id)).collect::<Vec<_>>()
        ),
        Outcome::OwnedBy(Err(error)) => format!("owned_by failed: {error}"),
        Outcome::DestroyOwnedBy(result) => format!("destroy_owned_by {result:?}"),
        Outcome::Advanced => "clock advanced".to_owned(),
        Outcome::Fault { amnesia } => format!("fault (data lost: {amnesia})"),
        Outcome::IndexSize { entries, ids } => format!(
            "owner index holds {entries}: {:?}",
            ids.iter().map(|id| short(id)).collect::<Vec<_>>()
        ),
    }
}

/// The first characters of an id, enough to follow it through a printout.
fn short(id: &str) -> String {
    id.chars().take(6).collect()
}
