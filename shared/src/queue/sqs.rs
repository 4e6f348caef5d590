//! The SQS adapter of the queue port, and the local stand-in for Lambda's SQS
//! event source mapping.

use std::time::Duration;

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::config::timeout::TimeoutConfig;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region, StalledStreamProtectionConfig};
use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName};

use super::{EventQueue, QueueError, QueuedEvent};
use crate::config::ConfigError;

#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: String) -> Self {
        Self { client, queue_url }
    }

    /// A client tuned for enqueueing under a deadline: quick retries with a
    /// short per-attempt timeout, cut off by the caller's overall deadline.
    /// Everything it needs is built here, once, at cold start.
    pub fn client_for_ingest(settings: &SqsSettings) -> aws_sdk_sqs::Client {
        let mut config = aws_sdk_sqs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .credentials_provider(settings.credentials.clone())
            .http_client(https_client(settings.endpoint_url.as_deref()))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(5)
                    .with_initial_backoff(Duration::from_millis(25))
                    .with_max_backoff(Duration::from_millis(400)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_millis(400))
                    .operation_attempt_timeout(Duration::from_millis(900))
                    .build(),
            )
            // Our own deadline bounds the call; the request body is a few KiB.
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
        if let Some(endpoint) = &settings.endpoint_url {
            config = config.endpoint_url(endpoint);
        }
        aws_sdk_sqs::Client::from_conf(config.build())
    }
}

/// The roots behind every AWS service endpoint (Amazon Trust Services), compiled
/// in: loading and parsing the system's whole CA bundle is the largest part of
/// a cold start otherwise.
const AMAZON_TRUST_SERVICES_ROOTS: &[u8] =
    include_bytes!("../../certs/amazon-trust-services-roots.pem");

fn https_client(endpoint_override: Option<&str>) -> aws_sdk_sqs::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
    // A custom HTTPS endpoint (a proxy, say) may use any CA: trust the system's then.
    let custom_https = endpoint_override.is_some_and(|url| url.starts_with("https://"));
    let trust_store = if custom_https {
        TrustStore::default()
    } else {
        TrustStore::empty()
            .with_native_roots(false)
            .with_pem_certificate(AMAZON_TRUST_SERVICES_ROOTS)
    };
    let builder = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    match TlsContext::builder().with_trust_store(trust_store).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        Err(_) => builder.build_https(),
    }
}

/// What the SQS client needs, read straight from the environment Lambda
/// provides (`AWS_REGION` and the function's temporary credentials), instead of
/// walking the whole default provider chain at cold start.
#[derive(Clone)]
pub struct SqsSettings {
    pub region: String,
    pub credentials: Credentials,
    /// `AWS_ENDPOINT_URL_SQS`, else `AWS_ENDPOINT_URL`: a local SQS server.
    pub endpoint_url: Option<String>,
}

impl std::fmt::Debug for SqsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials print themselves redacted; the rest is not secret.
        f.debug_struct("SqsSettings")
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("endpoint_url", &self.endpoint_url)
            .finish()
    }
}

impl SqsSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let region = get("AWS_REGION")
            .or_else(|| get("AWS_DEFAULT_REGION"))
            .ok_or(ConfigError::Missing {
                variable: "AWS_REGION",
            })?;
        let access_key = get("AWS_ACCESS_KEY_ID").ok_or(ConfigError::Missing {
            variable: "AWS_ACCESS_KEY_ID",
        })?;
        let secret_key = get("AWS_SECRET_ACCESS_KEY").ok_or(ConfigError::Missing {
            variable: "AWS_SECRET_ACCESS_KEY",
        })?;
        // Lambda's credentials last as long as the execution environment, so
        // reading them once is what the environment provider would do anyway.
        let credentials = Credentials::new(
            access_key,
            secret_key,
            get("AWS_SESSION_TOKEN"),
            None,
            "lambda-environment",
        );
        let endpoint_url = get("AWS_ENDPOINT_URL_SQS").or_else(|| get("AWS_ENDPOINT_URL"));
        Ok(Self {
            region,
            credentials,
            endpoint_url,
        })
    }

    /// Settings for a local SQS-compatible server, which accepts any credentials.
    pub fn local(endpoint_url: &str) -> Self {
        Self {
            region: "us-east-1".into(),
            credentials: Credentials::new("testing", "testing", None, None, "local"),
            endpoint_url: Some(endpoint_url.into()),
        }
    }
}

#[async_trait]
impl EventQueue for SqsQueue {
    async fn enqueue(&self, event: &QueuedEvent, deadline: Duration) -> Result<(), QueueError> {
        let mut request = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(event.envelope.to_json());
        for attribute in &event.attributes {
            let value = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(&attribute.value)
                .build()
                .map_err(|error| QueueError::Failed(error.to_string()))?;
            request = request.message_attributes(attribute.name, value);
        }

        let mut last_error = None;
        let keep_trying = async {
            loop {
                match request.clone().send().await {
                    Ok(_) => return Ok(()),
                    Err(error) => {
                        let give_up = !is_transient(&error);
                        last_error =
                            Some(aws_sdk_sqs::error::DisplayErrorContext(error).to_string());
                        if give_up {
                            return Err(());
                        }
                        // The SDK's own retries are spent; go on while the deadline allows.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        };
        match tokio::time::timeout(deadline, keep_trying).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(())) => Err(QueueError::Failed(last_error.unwrap_or_default())),
            Err(_) => Err(match last_error {
                Some(error) => QueueError::Failed(format!(
                    "deadline of {deadline:?} passed; last error: {error}"
                )),
                None => QueueError::DeadlineExceeded(deadline),
            }),
        }
    }
}

/// Worth another try: no answer, a timeout, throttling or a server error. A
/// client error (no such queue, access denied) will not heal within seconds.
fn is_transient<E>(
    error: &aws_sdk_sqs::error::SdkError<E, aws_sdk_sqs::config::http::HttpResponse>,
) -> bool
where
    E: aws_sdk_sqs::error::ProvideErrorMetadata,
{
    use aws_sdk_sqs::error::SdkError;
    match error {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let throttled = service
                .err()
                .code()
                .is_some_and(|code| code.contains("Throttl"));
            status >= 500 || status == 429 || throttled
        }
        _ => true,
    }
}

/// The local stand-in for Lambda's SQS event source mapping: receive a batch,
/// hand it over in the `SqsEvent` shape Lambda uses, delete what succeeded and
/// leave the failures to reappear after their visibility timeout, so the queue's
/// redrive policy moves poison messages to the dead-letter queue as on AWS.
#[derive(Debug, Clone)]
pub struct LocalEventSource {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    queue_arn: String,
    region: String,
    pub batch_size: i32,
    pub wait_time_secs: i32,
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollOutcome {
    pub received: usize,
    pub deleted: usize,
    pub failed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum EventSourceError {
    #[error("SQS: {0}")]
    Sqs(String),
    #[error("the function failed the whole batch: {0}")]
    Invoke(String),
}

fn sqs_error(error: impl std::error::Error + 'static) -> EventSourceError {
    EventSourceError::Sqs(aws_sdk_sqs::error::DisplayErrorContext(error).to_string())
}

impl LocalEventSource {
    pub async fn new(
        client: aws_sdk_sqs::Client,
        queue_url: String,
    ) -> Result<Self, EventSourceError> {
        let attributes = client
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(sqs_error)?;
        let queue_arn = attributes
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .unwrap_or_default();
        let region = client
            .config()
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into());
        Ok(Self {
            client,
            queue_url,
            queue_arn,
            region,
            batch_size: 10,
            wait_time_secs: 1,
        })
    }

    /// Receives one batch (long-polling up to `wait_time_secs`), passes it to
    /// `invoke`, and deletes every record `invoke` did not report as failed.
    /// If `invoke` fails outright, nothing is deleted: the whole batch reappears.
    pub async fn poll_once<F, Fut, E>(&self, invoke: F) -> Result<PollOutcome, EventSourceError>
    where
        F: FnOnce(SqsEvent) -> Fut,
        Fut: std::future::Future<Output = Result<SqsBatchResponse, E>>,
        E: std::fmt::Display,
    {
        let received = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.batch_size)
            .wait_time_seconds(self.wait_time_secs)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(sqs_error)?;
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(PollOutcome::default());
        }
        // A batch we cannot convert is left alone to reappear, never deleted.
        let event = to_sqs_event(&messages, &self.queue_arn, &self.region)
            .map_err(|e| EventSourceError::Sqs(format!("cannot build SqsEvent: {e}")))?;
        let response = invoke(event)
            .await
            .map_err(|e| EventSourceError::Invoke(e.to_string()))?;
        let failed: std::collections::HashSet<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        let mut outcome = PollOutcome {
            received: messages.len(),
            ..PollOutcome::default()
        };
        if failed.contains("") {
            // As on Lambda: an unnamed failure fails the whole batch.
            outcome.failed = messages.len();
            return Ok(outcome);
        }
        for message in &messages {
            if failed.contains(message.message_id().unwrap_or_default()) {
                outcome.failed += 1;
                continue;
            }
            if let Some(handle) = message.receipt_handle() {
                self.client
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .map_err(sqs_error)?;
                outcome.deleted += 1;
            }
        }
        Ok(outcome)
    }
}

/// Receives up to `max` distinct messages (with all their attributes), hiding
/// each for `visibility_secs`; nothing is deleted. For looking at a queue.
pub async fn receive_up_to(
    client: &aws_sdk_sqs::Client,
    queue_url: &str,
    max: usize,
    visibility_secs: i32,
) -> Result<Vec<aws_sdk_sqs::types::Message>, EventSourceError> {
    let mut seen = std::collections::HashSet::new();
    let mut all = Vec::new();
    while all.len() < max {
        let batch = client
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(visibility_secs)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(sqs_error)?
            .messages
            .unwrap_or_default();
        if batch.is_empty() {
            break;
        }
        for message in batch {
            if seen.insert(message.message_id().unwrap_or_default().to_owned()) {
                all.push(message);
            }
        }
    }
    Ok(all)
}

/// Builds the `SqsEvent` Lambda would deliver for `messages`.
pub fn to_sqs_event(
    messages: &[aws_sdk_sqs::types::Message],
    queue_arn: &str,
    region: &str,
) -> Result<SqsEvent, serde_json::Error> {
    let records: Vec<serde_json::Value> = messages
        .iter()
        .map(|message| {
            let attributes: serde_json::Map<String, serde_json::Value> = message
                .attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.clone().into()))
                        .collect()
                })
                .unwrap_or_default();
            let message_attributes: serde_json::Map<String, serde_json::Value> = message
                .message_attributes()
                .map(|a| {
                    a.iter()
                        .map(|(name, value)| {
                            let value = serde_json::json!({
                                "stringValue": value.string_value(),
                                "dataType": value.data_type(),
                                "stringListValues": [],
                                "binaryListValues": [],
                            });
                            (name.clone(), value)
                        })
                        .collect()
                })
                .unwrap_or_default();
            serde_json::json!({
                "messageId": message.message_id(),
                "receiptHandle": message.receipt_handle(),
                "body": message.body(),
                "md5OfBody": message.md5_of_body(),
                "md5OfMessageAttributes": message.md5_of_message_attributes(),
                "attributes": attributes,
                "messageAttributes": message_attributes,
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records }))
}
