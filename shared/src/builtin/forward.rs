//! Signed HTTP forwarding: each event POSTed to `FORWARD_URL` as the
//! envelope's JSON, signed per Standard Webhooks (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature`). A 2xx answer delivers it;
//! anything else, a timeout or a connection error fails the record, so SQS
//! retries it. Redirects are never followed.
//!
//! A secret kept in SSM is read on first use, not at cold start, so a secret
//! that cannot be read fails only the records that would be forwarded
//! (retried like any failure), never the processor's start, and the
//! handlers and the other destinations go on. It is read again every
//! [`SECRET_REFRESH_AFTER`], so a rotation reaches running instances without
//! replacing them; a failed re-read keeps signing with the keys read before.
//!
//! Every key of the secret signs every request (Standard Webhooks puts
//! several signatures in one `webhook-signature`), so during a rotation a
//! receiver verifies with whichever key it holds.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{CONTENT_TYPE, USER_AGENT};
use reqwest::redirect::Policy;
use standardwebhooks::{
    Webhook, HEADER_WEBHOOK_ID, HEADER_WEBHOOK_SIGNATURE, HEADER_WEBHOOK_TIMESTAMP,
};

use super::config::{
    ForwardConfig, ForwardSecret, SecretSetting, TypeFilter, FORWARD_SECRET_PARAMETER,
};
use crate::processor::{Delivery, Destination, HandlerError, Sending};
use crate::secrets::SecretStore;

/// After a failed read of the secret parameter, how long before the next
/// read: a batch's concurrent posts share one read.
pub const SECRET_RETRY_AFTER: Duration = Duration::from_secs(5);

pub use super::config::SECRET_REFRESH_AFTER;

/// Why forwarding cannot start; the secret is never part of it.
#[derive(Debug, thiserror::Error)]
pub enum ForwardSetupError {
    /// The secret did not decode (the configuration checks this first).
    #[error("FORWARD_SECRET is not a usable Standard Webhooks secret")]
    Secret,
    /// The secret lives in a parameter and no store to read it was given
    /// (see [`Forward::with_secret_store`]).
    #[error("the forwarding secret parameter {0} has no store to be read from")]
    Unread(String),
    /// The HTTP client could not be built (TLS roots, for instance).
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

/// POSTs events to one URL, signed, over one kept-alive connection pool.
pub struct Forward {
    client: reqwest::Client,
    url: url::Url,
    signer: Signer,
    types: TypeFilter,
    timeout_ms: u128,
    refresh: Duration,
}

/// The signing keys, or where to read them.
enum Signer {
    Ready(Arc<Keys>),
    Parameter {
        store: Arc<dyn SecretStore>,
        name: String,
        state: futures::lock::Mutex<SecretState>,
    },
}

/// Every key of the secret, in the order configured.
struct Keys(Vec<Webhook>);

impl Keys {
    fn new(secret: &ForwardSecret) -> Result<Self, ForwardSetupError> {
        secret
            .keys()
            .map(|key| Webhook::new(key).map_err(|_| ForwardSetupError::Secret))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// The `webhook-signature` value: one `v1,` signature per key.
    fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> Result<String, HandlerError> {
        let mut signatures = Vec::with_capacity(self.0.len());
        for key in &self.0 {
            signatures.push(key.sign(id, timestamp, body)?);
        }
        Ok(signatures.join(" "))
    }
}

/// A parameter's secret as far as this instance knows it.
#[derive(Default)]
struct SecretState {
    /// The keys last read, and when.
    read: Option<(Arc<Keys>, Instant)>,
    /// The last read failed at the instant, for the reason (never the value).
    failed: Option<(Instant, String)>,
}

impl std::fmt::Debug for Forward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither the URL (it may carry credentials) nor the key.
        f.debug_struct("Forward")
            .field("types", &self.types)
            .field("timeout_ms", &self.timeout_ms)
            .finish_non_exhaustive()
    }
}

impl Forward {
    /// The destination `config` describes, with its own HTTP client; its
    /// secret must be a value (`FORWARD_SECRET`).
    pub fn new(config: &ForwardConfig) -> Result<Self, ForwardSetupError> {
        let signer = match &config.secret {
            SecretSetting::Value(secret) => Signer::Ready(Arc::new(Keys::new(secret)?)),
            SecretSetting::Parameter(name) => return Err(ForwardSetupError::Unread(name.clone())),
        };
        Self::with_signer(config, signer)
    }

    /// The destination `config` describes; a secret in a parameter is read
    /// from `store` on first use, again every [`SECRET_REFRESH_AFTER`], and
    /// after a failure at most every [`SECRET_RETRY_AFTER`].
    pub fn with_secret_store(
        config: &ForwardConfig,
        store: Arc<dyn SecretStore>,
    ) -> Result<Self, ForwardSetupError> {
        match &config.secret {
            SecretSetting::Value(_) => Self::new(config),
            SecretSetting::Parameter(name) => Self::with_signer(
                config,
                Signer::Parameter {
                    store,
                    name: name.clone(),
                    state: futures::lock::Mutex::new(SecretState::default()),
                },
            ),
        }
    }

    fn with_signer(config: &ForwardConfig, signer: Signer) -> Result<Self, ForwardSetupError> {
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|error| ForwardSetupError::Client(error.without_url().to_string()))?;
        Ok(Self {
            client,
            url: config.url.clone(),
            signer,
            types: config.types.clone(),
            timeout_ms: config.timeout.as_millis(),
            refresh: SECRET_REFRESH_AFTER,
        })
    }

    /// Reads a parameter's secret again after `every` rather than
    /// [`SECRET_REFRESH_AFTER`].
    #[must_use]
    pub fn refreshing_every(mut self, every: Duration) -> Self {
        self.refresh = every;
        self
    }

    /// The signing keys, reading the parameter when they are unread or due
    /// for a refresh.
    async fn keys(&self) -> Result<Arc<Keys>, HandlerError> {
        let (store, name, state) = match &self.signer {
            Signer::Ready(keys) => return Ok(Arc::clone(keys)),
            Signer::Parameter { store, name, state } => (store, name, state),
        };
        let mut state = state.lock().await;
        let last = state.read.as_ref().map(|(keys, _)| Arc::clone(keys));
        let fresh = state
            .read
            .as_ref()
            .is_some_and(|(_, at)| at.elapsed() < self.refresh);
        let retry_waits = state
            .failed
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < SECRET_RETRY_AFTER);
        match (last, &state.failed) {
            (Some(keys), _) if fresh || retry_waits => return Ok(keys),
            (None, Some((_, reason))) if retry_waits => {
                return Err(format!(
                    "the forwarding secret parameter {name} could not be read: {reason}"
                )
                .into())
            }
            _ => {}
        }
        let read = match store.read(name).await {
            Ok(Some(text)) => ForwardSecret::parse(&text, FORWARD_SECRET_PARAMETER)
                .map_err(|error| error.to_string())
                .and_then(|secret| {
                    Keys::new(&secret).map_err(|_| "not a usable secret".to_owned())
                }),
            Ok(None) => {
                Err("it does not exist: write it with `switchboard forward set-secret`".into())
            }
            Err(error) => Err(error.to_string()),
        };
        match read {
            Ok(keys) => {
                let keys = Arc::new(keys);
                state.read = Some((Arc::clone(&keys), Instant::now()));
                state.failed = None;
                Ok(keys)
            }
            Err(reason) => {
                let kept = state.read.as_ref().map(|(keys, _)| Arc::clone(keys));
                if kept.is_some() {
                    tracing::warn!(parameter = name.as_str(), %reason, "the forwarding secret could not be read again; signing with the keys read before");
                } else {
                    tracing::error!(parameter = name.as_str(), %reason, "the forwarding secret could not be read; forwarded records fail");
                }
                let error =
                    format!("the forwarding secret parameter {name} could not be read: {reason}");
                state.failed = Some((Instant::now(), reason));
                kept.ok_or_else(|| error.into())
            }
        }
    }

    async fn post(&self, delivery: &Delivery<'_>) -> Result<(), HandlerError> {
        let keys = self.keys().await?;
        let envelope = delivery.envelope;
        let body = serde_json::to_string(envelope)?;
        // The same across SQS's redeliveries of one envelope, so a receiver
        // can deduplicate on it.
        let id = match envelope.id {
            Some(id) => id.hyphenated().to_string(),
            None => envelope.dedupe_key.clone(),
        };
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs() as i64);
        let signature = keys.sign(&id, timestamp, body.as_bytes())?;
        let answer = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(
                USER_AGENT,
                concat!("switchboard/", env!("CARGO_PKG_VERSION")),
            )
            .header(HEADER_WEBHOOK_ID, id)
            .header(HEADER_WEBHOOK_TIMESTAMP, timestamp.to_string())
            .header(HEADER_WEBHOOK_SIGNATURE, signature)
            .body(body)
            .send()
            .await
            .map_err(|error| self.describe(error))?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else if status.is_redirection() {
            Err(format!("the receiver answered {status}, a redirect, which is not followed").into())
        } else {
            Err(format!("the receiver answered {status}").into())
        }
    }

    /// A transport error in words, without the URL.
    fn describe(&self, error: reqwest::Error) -> HandlerError {
        let what = if error.is_timeout() {
            format!("no answer within {} ms", self.timeout_ms)
        } else if error.is_connect() {
            "could not connect to the receiver".to_owned()
        } else {
            "the request failed".to_owned()
        };
        format!("{what}: {}", error.without_url()).into()
    }
}

impl Destination for Forward {
    fn name(&self) -> &'static str {
        "forward"
    }

    fn accepts(&self, event_type: &str) -> bool {
        self.types.accepts(event_type)
    }

    fn deliver<'a>(&'a self, deliveries: &'a [Delivery<'a>]) -> Vec<Sending<'a>> {
        // The whole batch in flight at once, over the client's pool; each
        // record settles when its own answer comes.
        deliveries
            .iter()
            .enumerate()
            .map(|(position, delivery)| Sending::one(position, self.post(delivery)))
            .collect()
    }
}
