//! The idempotency store's port: each effect of an event runs once per dedupe
//! key, following AWS Lambda Powertools' idempotency utility. An event's
//! effects are its handlers (one effect, [`HANDLERS`]) and each destination
//! that takes its type (one effect each, by [`Destination::name`]).
//!
//! Before anything runs, the key is claimed `IN_PROGRESS` until a time past
//! the invocation's end; the claim answers with the effects an earlier
//! attempt completed, and only the others run. When they all succeed the key
//! becomes `COMPLETED` for a TTL, and a redelivery is acknowledged without
//! running anything. A key in progress elsewhere fails its record so SQS
//! retries it later. When an effect fails, the claim is released with the
//! names of the effects that did complete, so the retry runs at once and runs
//! only what is left. The DynamoDB adapter is `store::dynamodb`, behind the
//! `dynamodb` feature.
//!
//! [`Destination::name`]: super::Destination::name

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The effect name of an event's handlers, run as one unit: they run in
/// order, a later one may rely on an earlier one, and a handler has no
/// identity that survives a refactor, so "the handlers" is the one name the
/// store can keep stable.
pub const HANDLERS: &str = "handlers";

/// The effects of one event that have completed, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects(BTreeSet<String>);

impl Effects {
    /// No effect completed yet.
    pub fn none() -> Self {
        Self::default()
    }

    /// True when the effect `name` has completed.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains(name)
    }

    /// Notes that the effect `name` has completed.
    pub fn insert(&mut self, name: &str) {
        self.0.insert(name.to_owned());
    }

    /// True when no effect has completed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl<S: Into<String>> FromIterator<S> for Effects {
    fn from_iter<I: IntoIterator<Item = S>>(names: I) -> Self {
        Self(names.into_iter().map(Into::into).collect())
    }
}

/// What the store says about a key when the effects are about to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is now `IN_PROGRESS` for this invocation: run every effect
    /// not in the set (which an earlier, failed attempt completed).
    Proceed(Effects),
    /// Every effect already succeeded for this key: acknowledge, run nothing.
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
    /// Claims `key` as `IN_PROGRESS` until `window.in_progress_until`, unless
    /// it is `COMPLETED` and not yet expired, or `IN_PROGRESS` and not yet
    /// expired. The key, and the effects it records, are remembered until
    /// `window.expires_at`. Answers with the effects a released claim kept.
    async fn claim(&self, key: &str, window: ClaimWindow) -> Result<Claim, StoreError>;

    /// Marks `key` `COMPLETED`, remembered until `expires_at`.
    async fn complete(&self, key: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Ends an `IN_PROGRESS` claim, so the next delivery proceeds at once,
    /// remembering `done` (the effects that completed so far) so it runs
    /// only the others. With `done` empty the key is simply forgotten.
    async fn release(&self, key: &str, done: &Effects) -> Result<(), StoreError>;
}

/// The times a claim is made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimWindow {
    /// Now, as the processor's clock says.
    pub now: DateTime<Utc>,
    /// Until when the claim keeps other invocations out.
    pub in_progress_until: DateTime<Utc>,
    /// Until when the key and its completed effects are remembered.
    pub expires_at: DateTime<Utc>,
}

/// The default of `IDEMPOTENCY_TTL_SECS`: 14 days, the longest SQS keeps a
/// message (counted from its first enqueue, in the DLQ too), so a redrive of
/// anything still in the DLQ is recognised.
pub const DEFAULT_TTL: Duration = Duration::from_secs(14 * 24 * 60 * 60);

/// The shortest `IDEMPOTENCY_TTL_SECS` accepted: Discord retries an event for
/// up to 10 minutes, and a shorter memory would run those retries again.
pub const MIN_TTL: Duration = Duration::from_secs(10 * 60);
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
