//! Long-poll wake-ups: one Redis subscription per velo-web process to the channel workers publish
//! ended jobs on (id and final record, compressed when large), fanned out to the requests waiting on those ids, which
//! answer with the record they are handed instead of reading it back; the last seconds of them
//! are kept for long-polls that arrive after their job ended. After losing Redis the
//! subscription is re-made and every waiter is woken to re-read its job, since messages sent
//! meanwhile are lost.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use velo_jobs::keys;
use velo_jobs::record::Ended;

/// How long an announced final record is kept for long-polls that come after it.
const RECENT_FOR: Duration = Duration::from_secs(10);
/// And how much of them at most (a 2048-bin plot's record is 66 kB, 11 kB compressed).
const RECENT_BYTES: usize = 32 << 20;

/// How long this process remembers queueing a job, for its long-polls (see [`Queued`]).
const QUEUED_FOR: Duration = Duration::from_secs(60);
/// And how many such jobs at most.
const QUEUED_MAX: usize = 50_000;

#[derive(Default)]
pub struct Waiters {
    by_id: Mutex<HashMap<String, Arc<Slot>>>,
    recent: Mutex<Recent>,
    queued: Mutex<Queued>,
    /// Counts the subscription's starts and losses: odd while it is live. A job queued during
    /// one live stretch is sure to be announced to us while this stays the same.
    subscription: AtomicU64,
}

/// The jobs this process queued in the last [`QUEUED_FOR`] and has not yet heard end, with the
/// subscription's count when they were queued. A long-poll for one of them need not read its
/// record to learn it has not ended (a round trip, issue 11): had it ended, its announcement
/// would have come, since the subscription was live when it was queued and has not dropped
/// since. Forgetting one early (past the bounds) only means reading its record.
#[derive(Default)]
struct Queued {
    order: VecDeque<(Instant, String)>,
    by_id: HashMap<String, u64>,
}

impl Queued {
    fn insert(&mut self, id: &str, subscription: u64, now: Instant) {
        self.by_id.insert(id.to_string(), subscription);
        self.order.push_back((now, id.to_string()));
        while let Some((at, _)) = self.order.front() {
            if now.duration_since(*at) <= QUEUED_FOR && self.order.len() <= QUEUED_MAX {
                break;
            }
            let (_, old) = self.order.pop_front().expect("front exists");
            self.by_id.remove(&old);
        }
    }
}

/// The final records announced in the last [`RECENT_FOR`]. A quick job usually ends before its
/// long-poll arrives (the browser asks right after submitting): that request is answered from
/// the announcement this process already received, instead of reading the record back from
/// Redis (a round trip and the whole result again, issue 11).
#[derive(Default)]
struct Recent {
    /// Announcement times, oldest first, to expire by.
    order: VecDeque<(Instant, String)>,
    by_id: HashMap<String, (Instant, Ended)>,
    bytes: usize,
}

impl Recent {
    fn insert(&mut self, id: &str, record: Ended, now: Instant) {
        self.bytes += record.size();
        if let Some((_, old)) = self.by_id.insert(id.to_string(), (now, record)) {
            self.bytes -= old.size();
        }
        self.order.push_back((now, id.to_string()));
        while let Some((at, _)) = self.order.front() {
            if now.duration_since(*at) <= RECENT_FOR && self.bytes <= RECENT_BYTES {
                break;
            }
            let (at, old_id) = self.order.pop_front().expect("front exists");
            // Unless a later announcement of the same id replaced it.
            if self.by_id.get(&old_id).is_some_and(|(t, _)| *t == at) {
                if let Some((_, old)) = self.by_id.remove(&old_id) {
                    self.bytes -= old.size();
                }
            }
        }
    }

    fn get(&self, id: &str, now: Instant) -> Option<Ended> {
        let (at, rec) = self.by_id.get(id)?;
        (now.duration_since(*at) <= RECENT_FOR).then(|| rec.clone())
    }
}

/// What the requests waiting on one job share.
#[derive(Default)]
pub struct Slot {
    pub notify: Notify,
    /// The job's final record, once a worker announced it.
    ended: Mutex<Option<Ended>>,
}

impl Slot {
    pub fn ended(&self) -> Option<Ended> {
        self.ended.lock().expect("slot lock").clone()
    }
}

/// A waiter's registration; dropping it forgets the id once nobody else waits on it.
pub struct Registration<'a> {
    waiters: &'a Waiters,
    id: String,
    pub slot: Arc<Slot>,
}

impl Waiters {
    pub fn register(&self, id: &str) -> Registration<'_> {
        let slot = self
            .by_id
            .lock()
            .expect("waiters lock")
            .entry(id.to_string())
            .or_default()
            .clone();
        Registration {
            waiters: self,
            id: id.to_string(),
            slot,
        }
    }

    /// Hand a job's final record to its waiters, and keep it for the long-polls still to come.
    fn ended(&self, message: &[u8]) {
        let Some((id, record)) = velo_jobs::record::parse_done_message(message) else {
            return;
        };
        self.recent
            .lock()
            .expect("recent lock")
            .insert(id, record.clone(), Instant::now());
        self.queued.lock().expect("queued lock").by_id.remove(id);
        let slot = self.by_id.lock().expect("waiters lock").get(id).cloned();
        if let Some(slot) = slot {
            *slot.ended.lock().expect("slot lock") = Some(record);
            slot.notify.notify_waiters();
        }
    }

    /// Remember that this process queued `id`, if the subscription is live.
    pub fn queued(&self, id: &str) {
        let subscription = self.subscription.load(Ordering::SeqCst);
        if subscription % 2 == 1 {
            self.queued
                .lock()
                .expect("queued lock")
                .insert(id, subscription, Instant::now());
        }
    }

    /// Whether `id` was queued here while the subscription was live, and it has been ever since:
    /// then its end will be announced here, and until then its record need not be read.
    pub fn announces(&self, id: &str) -> bool {
        let now = self.subscription.load(Ordering::SeqCst);
        self.queued.lock().expect("queued lock").by_id.get(id) == Some(&now)
    }

    /// The final record of `id` if a worker announced it in the last [`RECENT_FOR`].
    pub fn recently_ended(&self, id: &str) -> Option<Ended> {
        self.recent
            .lock()
            .expect("recent lock")
            .get(id, Instant::now())
    }

    fn wake_all(&self) {
        for slot in self.by_id.lock().expect("waiters lock").values() {
            slot.notify.notify_waiters();
        }
    }

    /// Follow the done channel for as long as the process lives.
    pub async fn listen(self: Arc<Self>, client: redis::Client) {
        use futures_util::StreamExt;
        let mut backoff = Duration::from_millis(100);
        loop {
            match client.get_async_pubsub().await {
                Ok(mut pubsub) => match pubsub.subscribe(keys::DONE_CHANNEL).await {
                    Ok(()) => {
                        tracing::debug!("following finished jobs");
                        backoff = Duration::from_millis(100);
                        self.subscription.fetch_add(1, Ordering::SeqCst);
                        self.wake_all();
                        let mut messages = pubsub.into_on_message();
                        while let Some(msg) = messages.next().await {
                            self.ended(msg.get_payload_bytes());
                        }
                        tracing::warn!("lost the Redis subscription to finished jobs");
                        self.subscription.fetch_add(1, Ordering::SeqCst);
                        self.wake_all();
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot subscribe to finished jobs"),
                },
                Err(e) => tracing::debug!(error = %e, "cannot reach Redis for finished jobs"),
            }
            // Reconnect back-off while Redis is away; not a synchronisation wait.
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        let mut map = self.waiters.by_id.lock().expect("waiters lock");
        // Two owners left (the map and us): we were the last waiter on this id.
        if map.get(&self.id).is_some_and(|s| Arc::strong_count(s) <= 2) {
            map.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use velo_jobs::JobRecord;

    fn json(s: &str) -> Ended {
        Ended::Json(Arc::from(s))
    }

    #[test]
    fn recent_records_expire_by_age_and_by_size() {
        let t0 = Instant::now();
        let mut r = Recent::default();
        r.insert("a", json("{\"status\":\"finished\"}"), t0);
        assert!(r.get("a", t0 + RECENT_FOR).is_some());
        assert!(r
            .get("a", t0 + RECENT_FOR + Duration::from_millis(1))
            .is_none());
        assert!(r.get("b", t0).is_none());
        // Another announcement after the first expired drops it for good.
        r.insert("b", json("x"), t0 + RECENT_FOR * 2);
        assert!(!r.by_id.contains_key("a"));
        assert_eq!(r.bytes, 1);
        // Past the byte bound the oldest go first, however young.
        let big = json(&"y".repeat(RECENT_BYTES / 2 + 1));
        let t1 = t0 + RECENT_FOR * 2;
        r.insert("c", big.clone(), t1);
        r.insert("d", big, t1);
        assert!(r.get("b", t1).is_none() && r.get("c", t1).is_none());
        assert!(r.get("d", t1).is_some());
        assert!(r.bytes <= RECENT_BYTES);
    }

    #[test]
    fn a_job_queued_here_is_announced_here_while_the_subscription_lasts() {
        let w = Waiters::default();
        let (a, b, c) = (
            velo_jobs::new_job_id(),
            velo_jobs::new_job_id(),
            velo_jobs::new_job_id(),
        );
        // Not subscribed: nothing is promised.
        w.queued(&a);
        assert!(!w.announces(&a));
        w.subscription.store(1, Ordering::SeqCst);
        w.queued(&a);
        w.queued(&b);
        w.queued(&c);
        assert!(w.announces(&a) && w.announces(&b));
        // Its end heard: nothing more will come.
        let mut done = JobRecord::queued(a.clone(), "t", serde_json::Value::Null);
        done.fail("x");
        w.ended(&velo_jobs::record::done_message(&a, &done.to_json(), None));
        assert!(!w.announces(&a) && w.announces(&b));
        // The subscription dropped: announcements may have been missed.
        w.subscription.fetch_add(1, Ordering::SeqCst);
        assert!(!w.announces(&b));
        w.subscription.fetch_add(1, Ordering::SeqCst);
        assert!(!w.announces(&c), "queued before the drop");
    }

    #[test]
    fn queued_jobs_are_forgotten_by_age_and_by_number() {
        let t0 = Instant::now();
        let mut q = Queued::default();
        q.insert("a", 1, t0);
        q.insert("b", 1, t0 + QUEUED_FOR + Duration::from_millis(1));
        assert!(!q.by_id.contains_key("a") && q.by_id.contains_key("b"));
        for i in 0..QUEUED_MAX {
            q.insert(&i.to_string(), 1, t0 + QUEUED_FOR);
        }
        assert_eq!(q.order.len(), QUEUED_MAX);
        assert!(!q.by_id.contains_key("b"));
    }
}
