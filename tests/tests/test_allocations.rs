//! What a request allocates, counted with a counting global allocator (per
//! thread, so the tests of this binary do not count each other's):
//!
//! - a session does not allocate per key it does not touch: reading, changing
//!   one key and saving a session of ten thousand keys makes about as many
//!   allocations as one of ten (10,000 keys: 400 KB stored);
//! - a returning user's request on the memory storage stays within its
//!   budget of allocations;
//! - the memory storage holds about the size of a session's record per
//!   session, not a fixed writer's room;
//! - the actix-web extractor reads the `Cookie` header where it lies: a
//!   request carrying many other cookies allocates no copy of them.

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
    // Bytes allocated by this thread, freed or not.
    static ALLOCATED_BYTES: Cell<usize> = const { Cell::new(0) };
}

fn count_bytes(change: isize) {
    LIVE_BYTES.with(|live| live.set(live.get() + change));
}

fn count_allocated(size: usize) {
    ALLOCATED_BYTES.with(|total| total.set(total.get() + size));
}

/// The bytes this thread allocated so far, freed or not.
fn allocated_bytes() -> usize {
    ALLOCATED_BYTES.with(Cell::get)
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
        count_allocated(layout.size());
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
        count_allocated(new_size);
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

/// The bytes a returning request allocates through an actix-web app with the
/// session middleware, on this thread: with the session cookie alone in its
/// `Cookie` header, and with `other` (other cookies of the site) before it.
fn bytes_of_actix_requests(other: &str) -> (usize, usize) {
    use actix_web::{App as ActixApp, test, web};
    use session_schema::actix::SessionMiddleware;

    async fn visit(mut session: Session<App>) -> String {
        session.update(App::USER_ID, |user| *user += 1);
        "visited".to_owned()
    }
    block_on(async {
        let cookie = Cookie::new("sid").secrets(["a sufficiently long secret, 32 bytes"]);
        let middleware = SessionMiddleware::<App, _>::new(cookie, MemoryStorage::new()).unwrap();
        let app = test::init_service(
            ActixApp::new()
                .wrap(middleware)
                .route("/", web::get().to(visit)),
        )
        .await;
        let first = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
        let set_cookie = first.headers().get("set-cookie").unwrap().to_str().unwrap();
        let session_cookie = set_cookie.split(';').next().unwrap().to_owned();
        let mut made = Vec::new();
        // The first returning request warms what is made once; then the
        // session cookie alone, then beside the others.
        for header in [
            session_cookie.clone(),
            session_cookie.clone(),
            format!("{other}{session_cookie}"),
        ] {
            let request = test::TestRequest::get()
                .uri("/")
                .insert_header(("cookie", header))
                .to_request();
            let before = allocated_bytes();
            let response = test::call_service(&app, request).await;
            made.push(allocated_bytes() - before);
            assert!(response.status().is_success());
            assert!(
                response.headers().get("set-cookie").is_none(),
                "the session cookie was read: its id is kept"
            );
        }
        (made[1], made[2])
    })
}

#[test]
fn an_actix_request_reads_the_cookie_header_without_copying_it() {
    let mut other = String::new();
    for n in 0..100 {
        write!(other, "analytics_{n:03}=0123456789abcdef0123456789abcdef; ").unwrap();
    }
    assert!(other.len() > 4000);
    let (alone, crowded) = bytes_of_actix_requests(&other);
    // What the request allocates must not grow with the other cookies: a
    // copy of the header would add its 4 KB.
    assert!(
        crowded < alone + 1024,
        "{alone} bytes allocated with the session cookie alone, {crowded} with {} bytes of other cookies before it",
        other.len()
    );
}
