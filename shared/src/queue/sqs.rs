//! The SQS adapter of the queue port.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::config::timeout::TimeoutConfig;
use aws_sdk_sqs::types::MessageAttributeValue;

use super::{EventQueue, QueueError, QueuedEvent};

#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: String) -> Self {
        Self { client, queue_url }
    }

    /// A client tuned for enqueueing under a deadline: many quick retries with a
    /// short per-attempt timeout, cut off by the caller's overall deadline.
    pub fn client_for_ingest(sdk_config: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
        let config = aws_sdk_sqs::config::Builder::from(sdk_config)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(20)
                    .with_initial_backoff(Duration::from_millis(25))
                    .with_max_backoff(Duration::from_millis(500)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_millis(400))
                    .operation_attempt_timeout(Duration::from_millis(900))
                    .build(),
            )
            .build();
        aws_sdk_sqs::Client::from_conf(config)
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
        match tokio::time::timeout(deadline, request.send()).await {
            Err(_) => Err(QueueError::DeadlineExceeded(deadline)),
            Ok(Err(error)) => Err(QueueError::Failed(
                aws_sdk_sqs::error::DisplayErrorContext(error).to_string(),
            )),
            Ok(Ok(_)) => Ok(()),
        }
    }
}
