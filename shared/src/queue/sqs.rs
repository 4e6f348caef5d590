//! The SQS adapter of the queue port.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::config::timeout::TimeoutConfig;
use aws_sdk_sqs::config::{BehaviorVersion, Region, StalledStreamProtectionConfig};
use aws_sdk_sqs::types::MessageAttributeValue;

use super::{EventQueue, QueueError, QueuedEvent};
use crate::aws::{https_client, AwsSettings};

/// The queue port on SQS: one `SendMessage` per event, retried within the
/// caller's deadline.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsQueue {
    /// A queue sending to `queue_url` with `client`.
    pub fn new(client: aws_sdk_sqs::Client, queue_url: String) -> Self {
        Self { client, queue_url }
    }

    /// A client tuned for enqueueing under a deadline: quick retries with a
    /// short per-attempt timeout, cut off by the caller's overall deadline.
    /// Everything it needs is built here, once, at cold start.
    pub fn client_for_ingest(settings: &AwsSettings) -> aws_sdk_sqs::Client {
        let mut config = aws_sdk_sqs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .credentials_provider(settings.credentials.clone())
            .http_client(https_client(settings.sqs_endpoint_url.as_deref()))
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
        if let Some(endpoint) = &settings.sqs_endpoint_url {
            config = config.endpoint_url(endpoint);
        }
        aws_sdk_sqs::Client::from_conf(config.build())
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
