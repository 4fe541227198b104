//! Group commit: the saves of one session that one storage makes at the same
//! time take turns, and each turn writes every save that queued meanwhile in
//! one compare-and-set, instead of each save failing on the others' writes
//! and merging again.
//!
//! The save that finds no turn in flight for its session leads: it writes
//! its own job. Saves that arrive while it writes queue up. When the leader
//! is done it passes the lead to the first save that queued, which writes its
//! own job and all the others queued behind it, and so on; when nobody
//! queued, the session has no turn in flight again.
//!
//! A leader that goes away (its request cancelled) before it answers gives
//! nobody an answer: every save waiting on it learns that, and joins again.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

/// Which session a turn is for: the schema's type and the id, so that
/// sessions of two schemas stored under one id never combine.
type SessionKey = (TypeId, String);

/// The saves waiting for a turn, by session.
pub(crate) struct Combiner<J, R> {
    queues: Mutex<HashMap<SessionKey, Vec<Waiting<J, R>>>>,
}

/// What a save gets when it joins.
pub(crate) enum Turn<J, R> {
    /// Its turn: it writes its own job, and those of the saves that queued.
    Lead(Leadership<J, R>, J),
    /// Another save wrote its job: the result.
    Done(R),
}

/// A save waiting for its session's turn: its job, and where its answer goes.
pub(crate) struct Waiting<J, R> {
    job: J,
    reply: oneshot::Sender<Reply<J, R>>,
}

enum Reply<J, R> {
    Done(R),
    Lead(Leadership<J, R>, J),
}

/// The lead of one session's saves. Dropped without being
/// [`pass_on`](Self::pass_on)ed (the leading request was cancelled), it ends
/// the turn: the saves that waited join again.
pub(crate) struct Leadership<J, R> {
    combiner: Arc<Combiner<J, R>>,
    /// `None` once the turn ended.
    key: Option<SessionKey>,
    /// The record the last turn wrote, if it wrote: what the next turn
    /// expects to find stored.
    pub(crate) latest: Option<String>,
}

impl<J, R> Default for Combiner<J, R> {
    fn default() -> Self {
        Combiner {
            queues: Mutex::new(HashMap::new()),
        }
    }
}

impl<J, R> Combiner<J, R> {
    fn queues(&self) -> MutexGuard<'_, HashMap<SessionKey, Vec<Waiting<J, R>>>> {
        // A panic while the lock was held left the map whole: every change
        // to it is one call.
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Joins the saves of the session `id` of schema `schema`: leads when no
    /// turn is in flight, else waits for the answer. `None` when the save it
    /// waited on went away without writing `job`: make it again and join
    /// again.
    pub(crate) async fn join(
        self: &Arc<Self>,
        schema: TypeId,
        id: &str,
        job: J,
    ) -> Option<Turn<J, R>> {
        let key = (schema, id.to_owned());
        let answer = {
            let mut queues = self.queues();
            if let Some(queue) = queues.get_mut(&key) {
                let (reply, answer) = oneshot::channel();
                queue.push(Waiting { job, reply });
                answer
            } else {
                queues.insert(key.clone(), Vec::new());
                let lead = Leadership {
                    combiner: Arc::clone(self),
                    key: Some(key),
                    latest: None,
                };
                return Some(Turn::Lead(lead, job));
            }
        };
        match answer.await.ok()? {
            Reply::Done(result) => Some(Turn::Done(result)),
            Reply::Lead(lead, job) => Some(Turn::Lead(lead, job)),
        }
    }
}

impl<J, R> Leadership<J, R> {
    /// The saves that queued since the turn began (or since the last call),
    /// in the order they came.
    pub(crate) fn take_waiting(&mut self) -> Vec<Waiting<J, R>> {
        let Some(key) = &self.key else {
            return Vec::new();
        };
        self.combiner
            .queues()
            .get_mut(key)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Hands the lead to the first save that queued, or ends the turn when
    /// none did.
    pub(crate) fn pass_on(mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let combiner = Arc::clone(&self.combiner);
        let latest = self.latest.take();
        let mut queues = combiner.queues();
        let Some(queue) = queues.get_mut(&key) else {
            return;
        };
        while !queue.is_empty() {
            let next = queue.remove(0);
            let lead = Leadership {
                combiner: Arc::clone(&combiner),
                key: Some(key.clone()),
                latest: latest.clone(),
            };
            // Sent under the lock: the next leader cannot look at the queue
            // before this one lets go of it.
            match next.reply.send(Reply::Lead(lead, next.job)) {
                Ok(()) => return,
                // That save went away: its job is not written, and the lead
                // (given back) goes to the next one.
                Err(Reply::Lead(mut lead, _)) => lead.key = None,
                Err(Reply::Done(_)) => {}
            }
        }
        queues.remove(&key);
    }
}

impl<J, R> Drop for Leadership<J, R> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // The waiting saves' answers are dropped with their queue: they
            // join again.
            let waiting = self.combiner.queues().remove(&key);
            drop(waiting);
        }
    }
}

impl<J, R> Waiting<J, R> {
    /// The job of this save.
    pub(crate) fn job(&self) -> &J {
        &self.job
    }

    /// Gives this save its result (lost if it went away meanwhile: its job
    /// was written all the same).
    pub(crate) fn answer(self, result: R) {
        let _ = self.reply.send(Reply::Done(result));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Combiner, Turn};

    type Test = Combiner<u32, u32>;

    fn schema() -> std::any::TypeId {
        std::any::TypeId::of::<()>()
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn the_first_save_leads_and_the_next_ones_wait_for_its_answer() {
        block_on(async {
            let combiner = Arc::new(Test::default());
            let Some(Turn::Lead(mut lead, 1)) = combiner.join(schema(), "a", 1).await else {
                panic!("the first save leads");
            };
            // Another session has its own turn.
            assert!(matches!(
                combiner.join(schema(), "b", 9).await,
                Some(Turn::Lead(_, 9))
            ));
            let waiter = tokio::spawn({
                let combiner = Arc::clone(&combiner);
                async move {
                    match combiner.join(schema(), "a", 2).await {
                        Some(Turn::Done(result)) => result,
                        _ => panic!("the second save waits for an answer"),
                    }
                }
            });
            tokio::task::yield_now().await;
            let waiting = lead.take_waiting();
            assert_eq!(waiting.iter().map(|w| *w.job()).collect::<Vec<_>>(), [2]);
            for waiting in waiting {
                waiting.answer(20);
            }
            lead.pass_on();
            assert_eq!(waiter.await.unwrap(), 20);
            // The turn ended: the next save leads.
            assert!(matches!(
                combiner.join(schema(), "a", 3).await,
                Some(Turn::Lead(_, 3))
            ));
        });
    }

    #[test]
    fn the_lead_passes_to_the_first_save_that_queued_with_what_was_written() {
        block_on(async {
            let combiner = Arc::new(Test::default());
            let Some(Turn::Lead(mut lead, _)) = combiner.join(schema(), "a", 1).await else {
                panic!("the first save leads");
            };
            let second = tokio::spawn({
                let combiner = Arc::clone(&combiner);
                async move {
                    match combiner.join(schema(), "a", 2).await {
                        Some(Turn::Lead(mut lead, job)) => {
                            let queued: Vec<u32> =
                                lead.take_waiting().iter().map(|w| *w.job()).collect();
                            (job, lead.latest.clone(), queued)
                        }
                        _ => panic!("the second save gets the lead"),
                    }
                }
            });
            tokio::task::yield_now().await;
            let third = tokio::spawn({
                let combiner = Arc::clone(&combiner);
                async move { combiner.join(schema(), "a", 3).await.is_none() }
            });
            tokio::task::yield_now().await;
            lead.latest = Some("written".to_owned());
            lead.pass_on();
            let (job, latest, queued) = second.await.unwrap();
            assert_eq!(job, 2);
            assert_eq!(latest.as_deref(), Some("written"));
            assert_eq!(queued, [3]);
            // The second leader went away holding the third save: it joins again.
            assert!(third.await.unwrap());
        });
    }

    #[test]
    fn a_leader_that_goes_away_sends_the_waiting_saves_to_join_again() {
        block_on(async {
            let combiner = Arc::new(Test::default());
            let Some(Turn::Lead(lead, _)) = combiner.join(schema(), "a", 1).await else {
                panic!("the first save leads");
            };
            let waiter = tokio::spawn({
                let combiner = Arc::clone(&combiner);
                async move { combiner.join(schema(), "a", 2).await.is_none() }
            });
            tokio::task::yield_now().await;
            drop(lead);
            assert!(waiter.await.unwrap());
            assert!(matches!(
                combiner.join(schema(), "a", 3).await,
                Some(Turn::Lead(_, 3))
            ));
        });
    }

    #[test]
    fn the_lead_skips_a_save_that_went_away() {
        block_on(async {
            let combiner = Arc::new(Test::default());
            let Some(Turn::Lead(lead, _)) = combiner.join(schema(), "a", 1).await else {
                panic!("the first save leads");
            };
            let gone = tokio::spawn({
                let combiner = Arc::clone(&combiner);
                async move { combiner.join(schema(), "a", 2).await.is_some() }
            });
            tokio::task::yield_now().await;
            gone.abort();
            let _ = gone.await;
            let next = tokio::spawn({
                let combiner = Arc::clone(&combiner);
                async move {
                    matches!(
                        combiner.join(schema(), "a", 3).await,
                        Some(Turn::Lead(_, 3))
                    )
                }
            });
            tokio::task::yield_now().await;
            lead.pass_on();
            assert!(next.await.unwrap());
        });
    }
}
