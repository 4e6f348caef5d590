//! Signed HTTP forwarding: each event POSTed to `FORWARD_URL` as the
//! envelope's JSON, signed per Standard Webhooks (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature`). A 2xx answer delivers it;
//! anything else, a timeout or a connection error fails the record, so SQS
//! retries it. Redirects are never followed.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::{CONTENT_TYPE, USER_AGENT};
use reqwest::redirect::Policy;
use standardwebhooks::{
    Webhook, HEADER_WEBHOOK_ID, HEADER_WEBHOOK_SIGNATURE, HEADER_WEBHOOK_TIMESTAMP,
};

use super::config::{ForwardConfig, SecretSetting, TypeFilter};
use crate::processor::{Delivery, Destination, HandlerError, Sending};

/// Why forwarding cannot start; the secret is never part of it.
#[derive(Debug, thiserror::Error)]
pub enum ForwardSetupError {
    /// The secret did not decode (the configuration checks this first).
    #[error("FORWARD_SECRET is not a usable Standard Webhooks secret")]
    Secret,
    /// The secret is still to be read from its parameter (see
    /// `processor::build`, which reads it first).
    #[error("the forwarding secret parameter {0} was not read")]
    Unread(String),
    /// The HTTP client could not be built (TLS roots, for instance).
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

/// POSTs events to one URL, signed, over one kept-alive connection pool.
pub struct Forward {
    client: reqwest::Client,
    url: url::Url,
    signer: Webhook,
    types: TypeFilter,
    timeout_ms: u128,
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
    /// The destination `config` describes, with its own HTTP client.
    pub fn new(config: &ForwardConfig) -> Result<Self, ForwardSetupError> {
        let secret = match &config.secret {
            SecretSetting::Value(secret) => secret,
            SecretSetting::Parameter(name) => return Err(ForwardSetupError::Unread(name.clone())),
        };
        let signer = Webhook::new(secret.expose()).map_err(|_| ForwardSetupError::Secret)?;
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
        })
    }

    async fn post(&self, delivery: &Delivery<'_>) -> Result<(), HandlerError> {
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
        let signature = self.signer.sign(&id, timestamp, body.as_bytes())?;
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
