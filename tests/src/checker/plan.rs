//! What a history does, drawn from its seed before it runs: the clients
//! (tabs sharing a browser's cookie jar), the operations each performs, the
//! timeouts, and the faults injected.

use std::fmt;

use super::rng::Rng;

/// The idle timeout of every history's storages, in seconds.
pub const IDLE_SECS: u64 = 1800;
/// The absolute timeout of every history's storages, in seconds.
pub const ABSOLUTE_SECS: u64 = 7200;
/// The most clients a history has: each owns one of the schema's keys.
pub const MAX_TABS: usize = 8;

/// One operation of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A request that sets the client's own key.
    Write,
    /// A request that unsets the client's own key.
    Unset,
    /// A request that sets the key every client writes.
    WriteShared,
    /// A request that flashes a value.
    Flash,
    /// A request that only reads.
    Read,
    /// A request that renews the id (keeping or deleting the old record)
    /// and sets the client's own key.
    Regenerate {
        /// `regenerate_id(true)`.
        delete_old: bool,
    },
    /// A request that logs in as `user` (logging out first when logged in).
    LogIn {
        /// Which of the history's users.
        user: usize,
    },
    /// A request that logs out, when logged in.
    LogOut,
    /// A request that destroys the session.
    Destroy,
    /// `owned_by` of a user.
    OwnedBy {
        /// Which of the history's users.
        user: usize,
    },
    /// `destroy_owned_by` of a user: log out everywhere.
    DestroyOwnedBy {
        /// Which of the history's users.
        user: usize,
    },
    /// Moves the storages' clock forward.
    Advance {
        /// By this many seconds.
        secs: u64,
    },
}

impl Op {
    /// Whether the operation is a request: a read of the jar's session, then a save.
    #[must_use]
    pub fn is_request(self) -> bool {
        !matches!(
            self,
            Op::OwnedBy { .. } | Op::DestroyOwnedBy { .. } | Op::Advance { .. }
        )
    }

    /// Whether the request changes the client's own key.
    #[must_use]
    pub fn writes_own_key(self) -> bool {
        matches!(self, Op::Write | Op::Unset | Op::Regenerate { .. })
    }

    /// Whether the request ends the session under the id it read (destroys
    /// it, or moves it to a new id deleting the old).
    #[must_use]
    pub fn ends_read_id(self) -> bool {
        matches!(
            self,
            Op::Destroy | Op::LogIn { .. } | Op::LogOut | Op::Regenerate { delete_old: true }
        )
    }
}

/// One client: the jar it shares and what it does, in order.
#[derive(Debug, Clone)]
pub struct TabPlan {
    /// The cookie jar (browser) the client uses.
    pub jar: usize,
    /// Its operations.
    pub ops: Vec<Op>,
}

/// The faults of a history.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    /// The most latency the proxy adds to each chunk, in milliseconds (0: none).
    pub latency_ms: u64,
    /// After how many milliseconds of the history each connection cut happens.
    pub cuts_at_ms: Vec<u64>,
    /// After how many milliseconds the server restarts, if it does.
    pub restart_at_ms: Option<u64>,
}

/// A whole history, before it runs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The seed it was drawn from.
    pub seed: u64,
    /// The clients.
    pub tabs: Vec<TabPlan>,
    /// How many cookie jars there are.
    pub jars: usize,
    /// The owners the history logs in as (unique to the history).
    pub users: [u64; 2],
    /// How many storage instances share the backend.
    pub instances: usize,
    /// The faults injected (for network backends).
    pub faults: FaultPlan,
}

impl Plan {
    /// Draws a history from `seed`. `network` allows faults.
    #[must_use]
    pub fn draw(seed: u64, network: bool) -> Plan {
        let mut rng = Rng::new(seed);
        let tab_count = usize::try_from(rng.range(2, MAX_TABS as u64)).unwrap_or(2);
        let jars = usize::try_from(rng.range(1, 3)).unwrap_or(1).min(tab_count);
        let instances = usize::try_from(rng.range(1, 3)).unwrap_or(1);
        // Owners unique to this seed, so histories sharing a server never meet.
        let base = (seed % 1_000_000_000) * 10;
        let users = [base + 1, base + 2];
        let tabs = (0..tab_count)
            .map(|tab| {
                let mut ops_rng = rng.fork();
                let count = ops_rng.range(4, 14);
                TabPlan {
                    jar: tab % jars,
                    ops: (0..count).map(|_| draw_op(&mut ops_rng)).collect(),
                }
            })
            .collect();
        let faults = if network {
            let mut faults_rng = rng.fork();
            match faults_rng.range(0, 9) {
                0..=3 => FaultPlan::default(),
                4..=6 => FaultPlan {
                    latency_ms: faults_rng.range(1, 5),
                    ..FaultPlan::default()
                },
                7 | 8 => FaultPlan {
                    latency_ms: faults_rng.range(0, 5),
                    cuts_at_ms: (0..faults_rng.range(1, 3))
                        .map(|_| faults_rng.range(2, 120))
                        .collect(),
                    restart_at_ms: None,
                },
                _ => FaultPlan {
                    latency_ms: faults_rng.range(0, 3),
                    cuts_at_ms: Vec::new(),
                    restart_at_ms: Some(faults_rng.range(5, 80)),
                },
            }
        } else {
            FaultPlan::default()
        };
        Plan {
            seed,
            tabs,
            jars,
            users,
            instances,
            faults,
        }
    }

    /// How many operations the clients perform in all.
    #[must_use]
    pub fn operations(&self) -> usize {
        self.tabs.iter().map(|tab| tab.ops.len()).sum()
    }

    /// How many faults the history injects.
    #[must_use]
    pub fn fault_count(&self) -> usize {
        self.faults.cuts_at_ms.len() + usize::from(self.faults.restart_at_ms.is_some())
    }
}

fn draw_op(rng: &mut Rng) -> Op {
    let user = rng.below(2);
    match rng.range(0, 99) {
        0..=21 => Op::Write,
        22..=26 => Op::Unset,
        27..=31 => Op::WriteShared,
        32..=35 => Op::Flash,
        36..=43 => Op::Read,
        44..=51 => Op::Regenerate { delete_old: true },
        52..=55 => Op::Regenerate { delete_old: false },
        56..=67 => Op::LogIn { user },
        68..=71 => Op::LogOut,
        72..=76 => Op::Destroy,
        77..=83 => Op::OwnedBy { user },
        84..=90 => Op::DestroyOwnedBy { user },
        _ => Op::Advance {
            secs: rng.range(1, 900),
        },
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "seed {}: {} clients over {} jar(s), {} storage instance(s), users {:?}, faults {:?}",
            self.seed,
            self.tabs.len(),
            self.jars,
            self.instances,
            self.users,
            self.faults
        )?;
        for (index, tab) in self.tabs.iter().enumerate() {
            writeln!(f, "  client {index} (jar {}): {:?}", tab.jar, tab.ops)?;
        }
        Ok(())
    }
}
