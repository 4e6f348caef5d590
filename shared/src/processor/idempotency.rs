//! The idempotency store's port: each event's handlers run once per dedupe
//! key, following AWS Lambda Powertools' idempotency utility. Before the
//! handlers, the key is claimed `IN_PROGRESS` until a time past the
//! invocation's end; after they all succeed it becomes `COMPLETED` for a TTL.
//! A completed key is acknowledged without running anything; a key in
//! progress elsewhere fails its record so SQS retries it later; a failed or
//! panicking handler releases the key so the retry runs again. The DynamoDB
//! adapter is `store::dynamodb`, behind the `dynamodb` feature.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// What the store says about a key when the handlers are about to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The key is now `IN_PROGRESS` for this invocation: run the handlers.
    Proceed,
    /// Every handler already succeeded for this key: acknowledge, run nothing.
    Completed,
    /// Another invocation holds the key and its claim has not expired.
    InProgressElsewhere,
}

/// Why the store could not answer; the record then fails, and its handlers
/// never run unguarded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The store did not answer, or refused the call.
    #[error("the idempotency store is unavailable: {0}")]
    Unavailable(String),
    /// The store answered with something that is not one of our records.
    #[error("the idempotency store's record is malformed: {0}")]
    Malformed(String),
}

/// Where claims and completions are kept.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` as `IN_PROGRESS` until `in_progress_until`, unless it is
    /// `COMPLETED` and not yet expired, or `IN_PROGRESS` and not yet expired.
    async fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        in_progress_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError>;

    /// Marks `key` `COMPLETED`, remembered until `expires_at`.
    async fn complete(&self, key: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Forgets an `IN_PROGRESS` claim, so the next delivery runs the handlers.
    async fn release(&self, key: &str) -> Result<(), StoreError>;
}

/// The default of `IDEMPOTENCY_TTL_SECS`: a DLQ redrive days later is still
/// recognised.
pub const DEFAULT_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// Added to the invocation's time left to make a claim's expiry, so a claim
/// outlives the invocation that made it, but not by much.
pub const IN_PROGRESS_MARGIN: Duration = Duration::from_secs(10);
/// How long a claim lasts when the runtime gave no deadline (local emulators).
pub const IN_PROGRESS_WITHOUT_DEADLINE: Duration = Duration::from_secs(60);

/// The store and its timings, as the processor uses them.
#[derive(Clone)]
pub struct Idempotency {
    /// The store.
    pub store: Arc<dyn IdempotencyStore>,
    /// How long a completed key is remembered.
    pub ttl: Duration,
}

impl Idempotency {
    /// A store with the default TTL.
    pub fn new(store: Arc<dyn IdempotencyStore>) -> Self {
        Self {
            store,
            ttl: DEFAULT_TTL,
        }
    }
}

impl std::fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idempotency")
            .field("ttl", &self.ttl)
            .finish()
    }
}
