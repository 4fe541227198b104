//! A session does not allocate per key it does not touch: reading, changing
//! one key and saving a session of ten thousand keys makes about as many
//! allocations as one of ten (10,000 keys: 400 KB stored). Counted with a counting global allocator (the
//! only test in this binary, so nothing else allocates meanwhile).

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};

use session_schema::{MemoryStorage, Session, SessionStorage};
use session_tests::{App, block_on};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
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
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let mut session: Session<App> = storage.read(Some(&id)).await.unwrap();
        let user = session.get(App::USER_ID).copied();
        session.set(App::NAME, format!("user {user:?}"));
        storage.save(&session).await.unwrap();
        drop(session);
        ALLOCATIONS.load(Ordering::Relaxed) - before
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
