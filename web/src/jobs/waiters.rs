//! Long-poll wake-ups: one Redis subscription per velo-web process to the channel workers publish
//! ended jobs on (id and final record), fanned out to the requests waiting on those ids, which
//! answer with the record they are handed instead of reading it back. After losing Redis the
//! subscription is re-made and every waiter is woken to re-read its job, since messages sent
//! meanwhile are lost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use velo_jobs::keys;

#[derive(Default)]
pub struct Waiters {
    by_id: Mutex<HashMap<String, Arc<Slot>>>,
}

/// What the requests waiting on one job share.
#[derive(Default)]
pub struct Slot {
    pub notify: Notify,
    /// The job's final record (JSON), once a worker announced it.
    ended: Mutex<Option<Arc<str>>>,
}

impl Slot {
    pub fn ended(&self) -> Option<Arc<str>> {
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

    /// Hand a job's final record to its waiters. Most jobs have none (nobody long-polls them
    /// from this process): those cost a map lookup, not a copy.
    fn ended(&self, message: &str) {
        let Some((id, record)) = velo_jobs::record::parse_done_message(message) else {
            return;
        };
        let slot = self.by_id.lock().expect("waiters lock").get(id).cloned();
        if let Some(slot) = slot {
            *slot.ended.lock().expect("slot lock") = Some(Arc::from(record));
            slot.notify.notify_waiters();
        }
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
                        self.wake_all();
                        let mut messages = pubsub.into_on_message();
                        while let Some(msg) = messages.next().await {
                            if let Ok(message) = std::str::from_utf8(msg.get_payload_bytes()) {
                                self.ended(message);
                            }
                        }
                        tracing::warn!("lost the Redis subscription to finished jobs");
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
