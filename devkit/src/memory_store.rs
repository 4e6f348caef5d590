//! An in-memory [`IdempotencyStore`] for unit tests of the processor, with
//! the DynamoDB adapter's rules (tested against moto in
//! `tests/tests/idempotency_store.rs`): it can be down, and it can be slow.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use switchboard::processor::{Claim, ClaimWindow, Effects, StoreError};
use switchboard::IdempotencyStore;

/// One key's record.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Claimed until the time, remembered with the completed effects.
    InProgress {
        /// When the claim stops keeping others out.
        until: DateTime<Utc>,
        /// When the key is forgotten.
        expires_at: DateTime<Utc>,
        /// Effects a released claim kept.
        done: Effects,
    },
    /// Every effect done; remembered until the time.
    Completed(DateTime<Utc>),
}

/// Which store call, for [`MemoryStore::calls`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `claim`.
    Claim,
    /// `complete`.
    Complete,
    /// `release`, with effects (`true`) or without.
    Release(bool),
}

/// The store in a map.
#[derive(Debug, Default)]
pub struct MemoryStore {
    /// Every key's record.
    pub items: Mutex<HashMap<String, Status>>,
    /// When set, every call fails as `Unavailable`.
    pub down: AtomicBool,
    /// Added before `complete` and `release` answer, in milliseconds.
    pub settle_delay_ms: AtomicUsize,
    /// When set, `complete` fails as `Unavailable` (the other calls work).
    pub complete_fails: AtomicBool,
    calls: Mutex<Vec<Call>>,
}

impl MemoryStore {
    /// A store whose `complete` and `release` take `delay` each.
    pub fn slow_to_settle(delay: Duration) -> Self {
        let store = Self::default();
        store
            .settle_delay_ms
            .store(delay.as_millis() as usize, Ordering::SeqCst);
        store
    }

    /// The calls made so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// The record of `key`.
    pub fn status(&self, key: &str) -> Option<Status> {
        self.items.lock().ok()?.get(key).cloned()
    }

    fn enter(&self, call: Call) -> Result<(), StoreError> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(call);
        }
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("down".into()));
        }
        Ok(())
    }

    async fn settle_delay(&self) {
        let delay = self.settle_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay as u64)).await;
        }
    }

    fn items(&self) -> std::sync::MutexGuard<'_, HashMap<String, Status>> {
        self.items
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn claim(&self, key: &str, window: ClaimWindow) -> Result<Claim, StoreError> {
        self.enter(Call::Claim)?;
        let mut items = self.items();
        let kept = match items.get(key) {
            Some(Status::Completed(expires)) if *expires > window.now => {
                return Ok(Claim::Completed)
            }
            Some(Status::InProgress { until, .. }) if *until > window.now => {
                return Ok(Claim::InProgressElsewhere)
            }
            Some(Status::InProgress {
                expires_at, done, ..
            }) if *expires_at > window.now => done.clone(),
            _ => Effects::none(),
        };
        items.insert(
            key.to_owned(),
            Status::InProgress {
                until: window.in_progress_until,
                expires_at: window.expires_at,
                done: kept.clone(),
            },
        );
        Ok(Claim::Proceed(kept))
    }

    async fn complete(&self, key: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.enter(Call::Complete)?;
        self.settle_delay().await;
        if self.complete_fails.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("complete refused".into()));
        }
        self.items()
            .insert(key.to_owned(), Status::Completed(expires_at));
        Ok(())
    }

    async fn release(&self, key: &str, done: &Effects) -> Result<(), StoreError> {
        self.enter(Call::Release(!done.is_empty()))?;
        self.settle_delay().await;
        let mut items = self.items();
        if let Some(Status::InProgress { expires_at, .. }) = items.get(key).cloned() {
            if done.is_empty() {
                items.remove(key);
            } else {
                items.insert(
                    key.to_owned(),
                    Status::InProgress {
                        until: DateTime::<Utc>::MIN_UTC,
                        expires_at,
                        done: done.clone(),
                    },
                );
            }
        }
        Ok(())
    }
}
