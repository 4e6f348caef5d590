//! The local stand-in for Lambda's SQS event source mapping, which the CLI's
//! poller and the processor's integration test drive.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::MessageSystemAttributeName;

use crate::queues::{queue_arn, SqsError};

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
    /// Messages per batch, at most 10.
    pub batch_size: i32,
    /// How long one receive waits for messages.
    pub wait_time_secs: i32,
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollOutcome {
    /// Messages received.
    pub received: usize,
    /// Messages the function handled, now deleted.
    pub deleted: usize,
    /// Messages the function failed, left to reappear.
    pub failed: usize,
}

/// Why a poll did nothing.
#[derive(Debug, thiserror::Error)]
pub enum EventSourceError {
    /// An SQS call failed.
    #[error(transparent)]
    Sqs(#[from] SqsError),
    /// The batch could not be put into Lambda's shape.
    #[error("cannot build the SqsEvent: {0}")]
    Shape(serde_json::Error),
    /// The function failed the whole invocation.
    #[error("the function failed the whole batch: {0}")]
    Invoke(String),
}

impl LocalEventSource {
    /// An event source for `queue_url`, batches of 10, waiting 1 s per receive.
    pub async fn new(
        client: aws_sdk_sqs::Client,
        queue_url: String,
    ) -> Result<Self, EventSourceError> {
        let queue_arn = queue_arn(&client, &queue_url).await?;
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
            .map_err(SqsError::from_sdk)?;
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(PollOutcome::default());
        }
        // A batch we cannot convert is left alone to reappear, never deleted.
        let event = to_sqs_event(&messages, &self.queue_arn, &self.region)
            .map_err(EventSourceError::Shape)?;
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
                    .map_err(SqsError::from_sdk)?;
                outcome.deleted += 1;
            }
        }
        Ok(outcome)
    }
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
