//! What a request allocates, counted with a counting global allocator (per
//! thread, so the tests of this binary do not count each other's):
//!
//! - a session does not allocate per key it does not touch: reading, changing
//!   one key and saving a session of ten thousand keys makes about as many
//!   allocations as one of ten (10,000 keys: 400 KB stored);
//! - a returning user's request on the memory storage stays within its
//!   budget of allocations;
//! - the memory storage holds about the size of a session's record per
//!   session, not a fixed writer's room.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write as _;

use session_schema::{Cookie, MemoryStorage, Session, SessionStorage};
use session_tests::{App, block_on};

struct Counting;

thread_local! {
    // `const`, with no destructor: reading it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    // Bytes allocated and not yet freed, by this thread.
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

fn count_bytes(change: isize) {
    LIVE_BYTES.with(|live| live.set(live.get() + change));
}

/// The bytes this thread allocated and has not freed.
fn live_bytes() -> isize {
    LIVE_BYTES.with(Cell::get)
}

/// A size as a signed change.
fn signed(size: usize) -> isize {
    isize::try_from(size).unwrap_or(isize::MAX)
}

fn count_one() {
    ALLOCATIONS.with(|count| count.set(count.get() + 1));
}

/// The allocations this thread made so far.
fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        count_bytes(signed(layout.size()));
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count_bytes(-signed(layout.size()));
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        count_bytes(signed(new_size) - signed(layout.size()));
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations of one request on a stored session with `keys` keys the
/// schema does not know: read, read a value, set one, save.
fn allocations_of_a_request(keys: usize) -> usize {
    let storage = MemoryStorage::new();
    let mut record = String::from(r#"[{"user_id":1"#);
    for key in 0..keys {
        write!(record, r#","untouched{key}":{{"nested":[{key},"text"]}}"#).unwrap();
    }
    record.push_str("},{}]");
    let data = serde_json::from_str(&record).unwrap();
    let mut seed = Session::<App>::from_data("seed", data);
    seed.set(App::USER_ID, 1);
    let id = block_on(storage.save(&seed)).unwrap().unwrap();
    block_on(async {
        let before = allocations();
        let mut session: Session<App> = storage.read(Some(&id)).await.unwrap();
        let user = session.get(App::USER_ID).copied();
        session.set(App::NAME, format!("user {user:?}"));
        storage.save(&session).await.unwrap();
        drop(session);
        allocations() - before
    })
}

#[test]
fn untouched_keys_cost_no_allocation_each() {
    let few = allocations_of_a_request(10);
    let many = allocations_of_a_request(10_000);
    // Growing vectors and an index of names double as they fill: a few dozen
    // more allocations for a thousand times the keys, not one per key.
    assert!(
        many < few + 100,
        "{few} allocations for 10 keys, {many} for 10,000: allocations grow with untouched keys"
    );
}

/// What one request of a returning user allocates on the memory storage,
/// with a signed id cookie: the cookie read, the session read, its one
/// value read and set, the save, and the `Set-Cookie` written.
fn allocations_of_a_returning_request() -> usize {
    let cookie = Cookie::new("id").secrets(["a sufficiently long secret, 32 bytes"]);
    let storage = MemoryStorage::new();
    let mut first = Session::<App>::new();
    first.set(App::USER_ID, 1);
    let id = block_on(storage.save(&first)).unwrap().unwrap();
    let set_cookie = cookie.serialize(&id).unwrap();
    let header = set_cookie.split(';').next().unwrap().to_owned();
    block_on(async {
        let before = allocations();
        let value = cookie.parse(Some(&header));
        // As the session layers read it: the id out of the cookie becomes
        // the session's, not copied.
        let mut session: Session<App> = storage.read_owned(value).await.unwrap();
        let user = session.get(App::USER_ID).copied().unwrap_or_default();
        session.set(App::USER_ID, user + 1);
        let value = storage.save(&session).await.unwrap().unwrap();
        let set_cookie = cookie.serialize(&value).unwrap();
        assert_eq!(value, id, "the id is kept");
        drop((session, set_cookie));
        allocations() - before
    })
}

#[test]
fn a_returning_request_on_the_memory_storage_stays_within_its_allocations() {
    // The id out of the cookie (which becomes the session's); the record
    // copied out of the map and the session's key slots (the entries of a
    // schema's keys go straight to them); the value read (the value set
    // takes its box); the record written and the id the save returns; the
    // `Set-Cookie` header. (A session without a flash value allocates
    // nothing for it, nor does a save for the owner index of a session
    // nobody logged in to.)
    const BUDGET: usize = 7;
    let made = allocations_of_a_returning_request();
    assert!(
        made <= BUDGET,
        "a returning request made {made} allocations, more than its budget of {BUDGET}"
    );
}

#[test]
fn the_memory_storage_holds_about_a_records_size_per_session() {
    // A one-key session's record is 17 bytes (`[{"user_id":1},{}]`); what
    // the storage holds beside it is its id (twice: the map's key and its
    // list's), the map's entry and its share of the map's table.
    const SESSIONS: isize = 1000;
    const BUDGET_PER_SESSION: isize = 400;
    let storage = MemoryStorage::new();
    let before = live_bytes();
    for user in 0..SESSIONS {
        let mut session = Session::<App>::new();
        session.set(App::USER_ID, u64::try_from(user).unwrap());
        block_on(storage.save(&session)).unwrap().unwrap();
    }
    let per_session = (live_bytes() - before) / SESSIONS;
    assert_eq!(storage.len(), 1000);
    assert!(
        per_session <= BUDGET_PER_SESSION,
        "the memory storage holds {per_session} bytes per one-key session, more than {BUDGET_PER_SESSION}"
    );
}
