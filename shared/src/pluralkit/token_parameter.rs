//! The PluralKit tokens in a parameter (`PLURALKIT_SIGNING_TOKEN_PARAMETER`):
//! read at cold start, and read again when a request's token matches none of
//! the cached ones, at most once per refresh interval. So a token written with
//! `switchboard pluralkit set-token` is accepted seconds later, without a
//! deploy, and a flood of bad tokens costs at most one read per interval.
//!
//! Until one read has succeeded the tokens are unknown (not "none"): ingest
//! then serves Discord as usual and reads again for each PluralKit request,
//! within that request's own deadline.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::verify::SigningTokens;
use crate::secrets::{SecretError, SecretStore};

/// The token parameter of one function instance.
#[derive(Debug)]
pub struct TokenParameter {
    store: Arc<dyn SecretStore>,
    name: String,
    interval: Duration,
    last_read: Mutex<Option<Instant>>,
    known: AtomicBool,
}

/// What a refresh found.
#[derive(Debug)]
pub enum Refresh {
    /// The last read was less than the interval ago: nothing was read.
    TooSoon,
    /// The parameter's tokens now (none when it does not exist yet).
    Tokens(SigningTokens),
    /// The store did not answer; the cached tokens stay in use.
    Failed(SecretError),
}

impl TokenParameter {
    /// The parameter `name` in `store`, read at most once per `interval`.
    pub fn new(store: Arc<dyn SecretStore>, name: String, interval: Duration) -> Self {
        Self {
            store,
            name,
            interval,
            last_read: Mutex::new(None),
            known: AtomicBool::new(false),
        }
    }

    /// True once a read has succeeded: the tokens in use are the
    /// parameter's (possibly none, when it does not exist yet).
    pub fn is_known(&self) -> bool {
        self.known.load(Ordering::SeqCst)
    }

    /// The parameter's name, for logs and errors.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads the tokens now, whatever the interval: at cold start, and while
    /// they are unknown. A parameter that does not exist yet gives no token
    /// (every request gets 401 until it is written); a store that does not
    /// answer is an error, and the tokens stay unknown.
    pub async fn load(&self) -> Result<SigningTokens, SecretError> {
        self.mark_read();
        self.read().await
    }

    /// Reads the tokens again, unless the last read was less than the
    /// interval ago.
    pub async fn refresh(&self) -> Refresh {
        {
            let mut last_read = self
                .last_read
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if last_read.is_some_and(|at| at.elapsed() < self.interval) {
                return Refresh::TooSoon;
            }
            *last_read = Some(Instant::now());
        }
        match self.read().await {
            Ok(tokens) => Refresh::Tokens(tokens),
            Err(error) => Refresh::Failed(error),
        }
    }

    fn mark_read(&self) {
        *self
            .last_read
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
    }

    async fn read(&self) -> Result<SigningTokens, SecretError> {
        let value = self.store.read(&self.name).await?;
        self.known.store(true, Ordering::SeqCst);
        let tokens = value
            .as_deref()
            .and_then(|text| SigningTokens::parse_list(text).ok())
            .unwrap_or_default();
        if tokens.is_empty() {
            tracing::warn!(
                parameter = self.name.as_str(),
                "the PluralKit token parameter does not exist or holds no token: \
                 every PluralKit request gets 401 until it is written"
            );
        }
        Ok(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug, Default)]
    struct Counting {
        value: Mutex<Option<String>>,
        reads: AtomicUsize,
        down: std::sync::atomic::AtomicBool,
    }

    #[async_trait]
    impl SecretStore for Counting {
        async fn read(&self, _name: &str) -> Result<Option<String>, SecretError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) {
                return Err(SecretError("down".into()));
            }
            Ok(self.value.lock().unwrap().clone())
        }
    }

    #[tokio::test]
    async fn a_refresh_reads_at_most_once_per_interval() {
        let store = Arc::new(Counting::default());
        *store.value.lock().unwrap() = Some("one, two".into());
        let parameter = TokenParameter::new(store.clone(), "/p".into(), Duration::from_millis(200));
        let tokens = parameter.load().await.unwrap();
        assert!(tokens.matches("one") && tokens.matches("two"));
        for _ in 0..1_000 {
            assert!(matches!(parameter.refresh().await, Refresh::TooSoon));
        }
        assert_eq!(store.reads.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(250)).await;
        *store.value.lock().unwrap() = Some("three".into());
        let Refresh::Tokens(tokens) = parameter.refresh().await else {
            panic!("due")
        };
        assert!(tokens.matches("three") && !tokens.matches("one"));
        assert_eq!(store.reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_missing_parameter_is_no_token_and_a_failing_store_an_error() {
        let store = Arc::new(Counting::default());
        let parameter = TokenParameter::new(store.clone(), "/p".into(), Duration::ZERO);
        assert!(!parameter.is_known());
        assert!(parameter.load().await.unwrap().is_empty());
        assert!(parameter.is_known(), "known to hold no token");
        store.down.store(true, Ordering::SeqCst);
        assert!(matches!(parameter.refresh().await, Refresh::Failed(_)));
        assert!(parameter.load().await.is_err());
    }
}
