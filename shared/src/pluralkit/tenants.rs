//! The tenants one ingest instance knows: each tenant's item, read from the
//! tenant table (the [`TenantDirectory`] port) and kept in a bounded
//! in-memory cache.
//!
//! - A cached item is trusted for the cache time (`PLURALKIT_TENANT_CACHE_SECS`,
//!   60 s by default): a removed token or tenant stops working within it.
//! - A tenant the table does not have is remembered as unknown for the
//!   refresh interval (`SECRET_REFRESH_INTERVAL_SECS`).
//! - A token that matches nothing cached makes the tenant's item be read
//!   again at once, at most once per refresh interval per tenant: so a token
//!   an integrator's backend wrote seconds ago is accepted while PluralKit's
//!   prompt waits, and a flood of bad tokens costs at most one read per
//!   tenant per interval.
//! - At most [`TENANT_CACHE_CAPACITY`] tenants are kept, least recently
//!   used dropped first; tenants the table does not have are kept apart (at
//!   most [`UNKNOWN_CACHE_CAPACITY`]), so a flood of random ids cannot push
//!   real tenants out.
//! - A read that fails counts as a read for the refresh interval, so a table
//!   in trouble is not asked again by every bad token.
//! - One call to the table takes at most [`TABLE_CALL_LIMIT`], so the queue
//!   keeps most of PluralKit's budget.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use lru::LruCache;
use tokio::time::Instant;

use super::config::{TenantsConfig, TENANT_CACHE_CAPACITY};
use super::tenant::{TenantId, TenantRecord};

/// How many tenants the table does not have one instance remembers.
pub const UNKNOWN_CACHE_CAPACITY: usize = 1_000;

/// The longest one call to the tenant table may take (the client's two
/// attempts of 1 s and a backoff): PluralKit's 8 s must leave the queue
/// most of its share.
pub const TABLE_CALL_LIMIT: Duration = Duration::from_millis(2_500);

/// Why the tenant table could not answer. Never holds a token or a digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TenantError(pub String);

/// What pinning a tenant to a system came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pinned {
    /// The item now names the system.
    Pinned,
    /// The item already named a system (another instance pinned it first),
    /// or it is gone: read it again.
    Unchanged,
}

/// Where tenants' items live (the DynamoDB tenant table when deployed).
#[async_trait]
pub trait TenantDirectory: Send + Sync + std::fmt::Debug {
    /// The tenant's item, `None` when there is none.
    async fn read(&self, tenant: &TenantId) -> Result<Option<TenantRecord>, TenantError>;

    /// Writes `system_id` into the tenant's item, only if it names none yet.
    async fn pin(&self, tenant: &TenantId, system_id: &str) -> Result<Pinned, TenantError>;
}

/// What the cache holds for one tenant.
#[derive(Debug, Clone)]
struct Entry {
    /// The item, or `None` for a tenant the table does not have.
    record: Option<Arc<TenantRecord>>,
    /// When it was read.
    read_at: Instant,
    /// When it was last asked for, successfully or not.
    attempted_at: Instant,
}

/// The two caches: tenants the table has, and ids it does not.
#[derive(Debug)]
struct Caches {
    known: LruCache<TenantId, Entry>,
    unknown: LruCache<TenantId, Entry>,
}

impl Caches {
    fn get(&mut self, tenant: &TenantId) -> Option<&mut Entry> {
        if self.known.contains(tenant) {
            return self.known.get_mut(tenant);
        }
        self.unknown.get_mut(tenant)
    }

    fn put(&mut self, tenant: TenantId, entry: Entry) {
        if entry.record.is_some() {
            self.unknown.pop(&tenant);
            self.known.put(tenant, entry);
        } else {
            self.known.pop(&tenant);
            self.unknown.put(tenant, entry);
        }
    }
}

/// Why a tenant could not be looked up in time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantLookupError {
    /// The table answered with an error.
    #[error("the tenant table could not be read: {0}")]
    Unavailable(TenantError),
    /// The table did not answer within the request's deadline.
    #[error("the tenant table did not answer in time")]
    TimedOut,
}

/// What a read prompted by an unknown token came to.
#[derive(Debug, Clone)]
pub enum TenantRefresh {
    /// The tenant's item was read less than the refresh interval ago.
    TooSoon,
    /// The item now (`None`: the tenant is gone).
    Read(Option<Arc<TenantRecord>>),
    /// The table did not answer; what was cached stands.
    Failed(TenantLookupError),
}

/// The tenants of one function instance.
#[derive(Debug)]
pub struct Tenants {
    directory: Arc<dyn TenantDirectory>,
    cache: Mutex<Caches>,
    cache_ttl: Duration,
    refresh_interval: Duration,
}

impl Tenants {
    /// The tenants in `directory`, cached as `config` says.
    pub fn new(directory: Arc<dyn TenantDirectory>, config: &TenantsConfig) -> Self {
        Self::with_capacity(directory, config, TENANT_CACHE_CAPACITY)
    }

    /// The same, keeping at most `capacity` tenants in memory.
    pub fn with_capacity(
        directory: Arc<dyn TenantDirectory>,
        config: &TenantsConfig,
        capacity: usize,
    ) -> Self {
        let bound = |n: usize| NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        Self {
            directory,
            cache: Mutex::new(Caches {
                known: LruCache::new(bound(capacity)),
                unknown: LruCache::new(bound(capacity.min(UNKNOWN_CACHE_CAPACITY))),
            }),
            cache_ttl: config.cache_ttl,
            refresh_interval: config.refresh_interval,
        }
    }

    /// The tenant's item, from the cache while it is trusted, else read by
    /// `deadline`. `Ok(None)`: no such tenant.
    pub async fn get(
        &self,
        tenant: &TenantId,
        deadline: Instant,
    ) -> Result<Option<Arc<TenantRecord>>, TenantLookupError> {
        if let Some(entry) = self.cached(tenant) {
            let trusted_for = match entry.record {
                Some(_) => self.cache_ttl,
                None => self.refresh_interval,
            };
            if entry.read_at.elapsed() < trusted_for {
                return Ok(entry.record);
            }
        }
        self.read(tenant, deadline).await
    }

    /// Reads the tenant's item again after a token matched nothing cached,
    /// unless it was asked for less than the refresh interval ago.
    pub async fn refresh(&self, tenant: &TenantId, deadline: Instant) -> TenantRefresh {
        if self
            .cached(tenant)
            .is_some_and(|entry| entry.attempted_at.elapsed() < self.refresh_interval)
        {
            return TenantRefresh::TooSoon;
        }
        match self.read(tenant, deadline).await {
            Ok(record) => TenantRefresh::Read(record),
            Err(error) => TenantRefresh::Failed(error),
        }
    }

    /// Pins the tenant to `system_id` (the first request whose token passed
    /// names it), then reads the item again: another instance may have
    /// pinned it to another system first, and that one stands.
    pub async fn pin(
        &self,
        tenant: &TenantId,
        system_id: &str,
        deadline: Instant,
    ) -> Result<Option<Arc<TenantRecord>>, TenantLookupError> {
        let pinned =
            tokio::time::timeout_at(capped(deadline), self.directory.pin(tenant, system_id))
                .await
                .map_err(|_| TenantLookupError::TimedOut)?
                .map_err(TenantLookupError::Unavailable)?;
        if pinned == Pinned::Pinned {
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(entry) = cache.known.get_mut(tenant) {
                if let Some(record) = &entry.record {
                    let mut updated = TenantRecord::clone(record);
                    updated.system_id = Some(system_id.to_owned());
                    let updated = Arc::new(updated);
                    entry.record = Some(Arc::clone(&updated));
                    return Ok(Some(updated));
                }
            }
        }
        // Pinned by someone else first, gone, or no longer cached.
        self.read(tenant, deadline).await
    }

    /// How many tenants are cached now: those the table has, and ids it
    /// does not.
    pub fn cached_len(&self) -> (usize, usize) {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        (cache.known.len(), cache.unknown.len())
    }

    fn cached(&self, tenant: &TenantId) -> Option<Entry> {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(tenant)
            .cloned()
    }

    async fn read(
        &self,
        tenant: &TenantId,
        deadline: Instant,
    ) -> Result<Option<Arc<TenantRecord>>, TenantLookupError> {
        let attempted_at = Instant::now();
        if let Some(entry) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(tenant)
        {
            // A failed read counts too: a table in trouble is not asked
            // again by every bad token.
            entry.attempted_at = attempted_at;
        }
        let read = tokio::time::timeout_at(capped(deadline), self.directory.read(tenant))
            .await
            .map_err(|_| TenantLookupError::TimedOut)?
            .map_err(TenantLookupError::Unavailable)?;
        let record = read.map(Arc::new);
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .put(
                tenant.clone(),
                Entry {
                    record: record.clone(),
                    read_at: attempted_at,
                    attempted_at,
                },
            );
        Ok(record)
    }
}

/// `deadline`, or [`TABLE_CALL_LIMIT`] from now if that is sooner.
fn capped(deadline: Instant) -> Instant {
    deadline.min(Instant::now() + TABLE_CALL_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pluralkit::token_sha256;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Items in memory, counting reads.
    #[derive(Debug, Default)]
    struct Items {
        items: Mutex<HashMap<String, TenantRecord>>,
        reads: AtomicUsize,
        down: std::sync::atomic::AtomicBool,
    }

    impl Items {
        fn put(&self, tenant: &str, token: &str) {
            let digest = token_sha256(token);
            let (record, _) = TenantRecord::from_parts([digest.as_str()], None, false);
            self.items.lock().unwrap().insert(tenant.into(), record);
        }
    }

    #[async_trait]
    impl TenantDirectory for Items {
        async fn read(&self, tenant: &TenantId) -> Result<Option<TenantRecord>, TenantError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) {
                return Err(TenantError("down".into()));
            }
            Ok(self.items.lock().unwrap().get(tenant.as_str()).cloned())
        }

        async fn pin(&self, tenant: &TenantId, system_id: &str) -> Result<Pinned, TenantError> {
            let mut items = self.items.lock().unwrap();
            match items.get_mut(tenant.as_str()) {
                Some(record) if record.system_id.is_none() => {
                    record.system_id = Some(system_id.into());
                    Ok(Pinned::Pinned)
                }
                _ => Ok(Pinned::Unchanged),
            }
        }
    }

    fn config() -> TenantsConfig {
        TenantsConfig {
            table: "t".into(),
            cache_ttl: Duration::from_secs(60),
            refresh_interval: Duration::from_secs(5),
            enqueue_deadline: Duration::from_secs(8),
        }
    }

    fn id(text: &str) -> TenantId {
        TenantId::parse(text).unwrap()
    }

    fn later() -> Instant {
        Instant::now() + Duration::from_secs(1)
    }

    #[tokio::test(start_paused = true)]
    async fn an_item_is_trusted_for_the_cache_time_and_an_unknown_tenant_for_the_interval() {
        let items = Arc::new(Items::default());
        items.put("a", "token-a");
        let tenants = Tenants::new(items.clone(), &config());
        let record = tenants.get(&id("a"), later()).await.unwrap().unwrap();
        assert!(record.tokens.matches("token-a"));
        tenants.get(&id("a"), later()).await.unwrap();
        assert_eq!(items.reads.load(Ordering::SeqCst), 1, "cached");
        tokio::time::advance(Duration::from_secs(61)).await;
        tenants.get(&id("a"), later()).await.unwrap();
        assert_eq!(
            items.reads.load(Ordering::SeqCst),
            2,
            "read again after 60 s"
        );

        assert!(tenants.get(&id("b"), later()).await.unwrap().is_none());
        assert!(tenants.get(&id("b"), later()).await.unwrap().is_none());
        assert_eq!(items.reads.load(Ordering::SeqCst), 3, "unknown, cached");
        items.put("b", "token-b");
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(tenants.get(&id("b"), later()).await.unwrap().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_refresh_reads_at_most_once_per_interval_and_a_failure_is_an_error() {
        let items = Arc::new(Items::default());
        items.put("a", "old");
        let tenants = Tenants::new(items.clone(), &config());
        tenants.get(&id("a"), later()).await.unwrap();
        assert!(matches!(
            tenants.refresh(&id("a"), later()).await,
            TenantRefresh::TooSoon
        ));
        tokio::time::advance(Duration::from_secs(5)).await;
        items.put("a", "new");
        match tenants.refresh(&id("a"), later()).await {
            TenantRefresh::Read(Some(record)) => assert!(record.tokens.matches("new")),
            other => panic!("{other:?}"),
        }
        for _ in 0..200 {
            let _ = tenants.refresh(&id("a"), later()).await;
        }
        assert_eq!(
            items.reads.load(Ordering::SeqCst),
            2,
            "a flood reads nothing more"
        );
        items.down.store(true, Ordering::SeqCst);
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(matches!(
            tenants.get(&id("a"), later()).await,
            Err(TenantLookupError::Unavailable(_))
        ));
        let reads = items.reads.load(Ordering::SeqCst);
        for _ in 0..50 {
            let _ = tenants.refresh(&id("a"), later()).await;
        }
        assert_eq!(
            items.reads.load(Ordering::SeqCst),
            reads,
            "a failed read counts for the interval"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_pin_wins_and_the_cache_is_bounded() {
        let items = Arc::new(Items::default());
        items.put("a", "t");
        let tenants = Tenants::with_capacity(items.clone(), &config(), 3);
        tenants.get(&id("a"), later()).await.unwrap();
        let pinned = tenants
            .pin(&id("a"), "sys-1", later())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pinned.system_id.as_deref(), Some("sys-1"));
        let again = tenants
            .pin(&id("a"), "sys-2", later())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            again.system_id.as_deref(),
            Some("sys-1"),
            "the first pin stands"
        );
        for n in 0..10 {
            let _ = tenants.get(&id(&format!("x{n}")), later()).await;
        }
        assert_eq!(
            tenants.cached_len(),
            (1, 3),
            "unknown ids push out no tenant"
        );
        let record = tenants.get(&id("a"), later()).await.unwrap();
        assert!(record.is_some(), "still cached");
    }
}
