//! Saves of one session made at once by one storage take turns, and each turn
//! writes every save that queued meanwhile in one compare-and-set: eight
//! requests of one user over a backend with a slow round trip cost two
//! writes, not eight or more, and every change lands, even when the request
//! whose turn it was goes away mid-write.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use session_schema::{BackendStorage, Error, Record, Session, SessionBackend, SessionStorage};
use session_tests::Wide;
use session_tests::map_backend::MapBackend;

/// How long each compare-and-set takes: long enough that the other saves
/// queue behind the first one.
const ROUND_TRIP: Duration = Duration::from_millis(200);

/// The docs' map backend with a slow compare-and-set, counted.
struct Slow {
    inner: MapBackend,
    combines: bool,
    replaces: AtomicUsize,
}

impl Slow {
    fn storage(combines: bool) -> Arc<BackendStorage<Slow>> {
        Arc::new(BackendStorage::from_backend(Slow {
            inner: MapBackend::default(),
            combines,
            replaces: AtomicUsize::new(0),
        }))
    }
}

impl SessionBackend for Slow {
    async fn load(&self, id: &str) -> Result<Option<Vec<u8>>, Error> {
        self.inner.load(id).await
    }

    async fn insert(&self, id: &str, record: Record<'_>) -> Result<(), Error> {
        self.inner.insert(id, record).await
    }

    async fn replace(
        &self,
        id: &str,
        expected: &str,
        previous_owner: Option<&str>,
        record: Record<'_>,
    ) -> Result<bool, Error> {
        self.replaces.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(ROUND_TRIP).await;
        self.inner
            .replace(id, expected, previous_owner, record)
            .await
    }

    async fn remove(&self, id: &str, owner: Option<&str>) -> Result<(), Error> {
        self.inner.remove(id, owner).await
    }

    fn combines_saves(&self) -> bool {
        self.combines
    }
}

/// A stored session, and eight requests that each read it and set their own
/// key. The saves start once all have read, the first request's a quarter
/// of a round trip before the others; given `first_deadline`, the first
/// request goes away when it passes. The id, and what each save returned
/// (`None`: the request went away).
async fn eight_requests(
    storage: &Arc<BackendStorage<Slow>>,
    first_deadline: Option<Duration>,
) -> (String, Vec<Option<Option<String>>>) {
    let mut session: Session<Wide> = Session::new();
    session.set(Wide::K0, 1000);
    let id = storage.save(&session).await.unwrap().unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(Wide::KEYS.len()));
    let tasks: Vec<_> = Wide::KEYS
        .iter()
        .enumerate()
        .map(|(index, key)| {
            let (storage, barrier, id, key) =
                (Arc::clone(storage), Arc::clone(&barrier), id.clone(), *key);
            tokio::spawn(async move {
                let mut session: Session<Wide> = storage.read(Some(&id)).await.unwrap();
                session.set(key, u32::try_from(index).unwrap());
                barrier.wait().await;
                if index > 0 {
                    // The first request's save leads.
                    tokio::time::sleep(ROUND_TRIP / 4).await;
                }
                let save = storage.save(&session);
                match first_deadline.filter(|_| index == 0) {
                    Some(deadline) => tokio::time::timeout(deadline, save)
                        .await
                        .ok()
                        .map(Result::unwrap),
                    None => Some(save.await.unwrap()),
                }
            })
        })
        .collect();
    let mut saved = Vec::new();
    for task in tasks {
        saved.push(task.await.unwrap());
    }
    (id, saved)
}

async fn stored(storage: &BackendStorage<Slow>, id: &str) -> Vec<Option<u32>> {
    let session: Session<Wide> = storage.read(Some(id)).await.unwrap();
    assert_eq!(session.id(), id, "the session is still stored");
    Wide::KEYS
        .iter()
        .map(|key| session.get(*key).copied())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_saves_of_one_session_at_once_are_two_writes_and_keep_every_change() {
    let storage = Slow::storage(true);
    let (id, saved) = eight_requests(&storage, None).await;
    assert!(
        saved
            .iter()
            .all(|saved| saved.as_ref() == Some(&Some(id.clone()))),
        "every save reports the session written: {saved:?}"
    );
    assert_eq!(
        stored(&storage, &id).await,
        (0..8).map(Some).collect::<Vec<_>>()
    );
    // The first save alone, then the seven that queued behind it in one.
    assert_eq!(storage.backend().replaces.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_combining_the_same_saves_each_write_and_merge_again() {
    let storage = Slow::storage(false);
    let (id, _) = eight_requests(&storage, None).await;
    assert_eq!(
        stored(&storage, &id).await,
        (0..8).map(Some).collect::<Vec<_>>()
    );
    // Each of the eight writes at least once; all but one of those that
    // read the same record fail and write again.
    assert!(storage.backend().replaces.load(Ordering::SeqCst) > 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_leading_save_that_goes_away_mid_write_leaves_the_others_to_write() {
    let storage = Slow::storage(true);
    // The first request goes away halfway through its compare-and-set,
    // with the seven others queued behind it.
    let (id, saved) = tokio::time::timeout(
        Duration::from_secs(20),
        eight_requests(&storage, Some(ROUND_TRIP / 2)),
    )
    .await
    .expect("the saves that waited on the request that went away finish");
    assert_eq!(saved[0], None, "the first request went away");
    assert!(
        saved[1..]
            .iter()
            .all(|saved| saved.as_ref() == Some(&Some(id.clone()))),
        "every other save reports the session written: {saved:?}"
    );
    let mut expected: Vec<Option<u32>> = (0..8).map(Some).collect();
    // The first request's own change went with it; the stored K0 stays.
    expected[0] = Some(1000);
    assert_eq!(stored(&storage, &id).await, expected);
}
