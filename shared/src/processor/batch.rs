//! One SQS batch: bounded concurrency, each record failing only itself.

use std::panic::AssertUnwindSafe;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures::{FutureExt, StreamExt};

use super::event::{Event, EventContext};
use super::handler::HandlerError;
use super::registry::Registry;
use crate::envelope::Envelope;

/// Why one record failed. Logged with the message id, never with the body.
#[derive(Debug, thiserror::Error)]
pub enum RecordFailure {
    /// The SQS record had no body at all.
    #[error("record has no body")]
    NoBody,
    /// The body is not an envelope.
    #[error("record body is not an envelope: {0}")]
    NotAnEnvelope(serde_json::Error),
    /// The envelope's payload does not decode into its sender's event.
    #[error("payload does not match its event type: {0}")]
    BadPayload(serde_json::Error),
    /// A handler returned an error.
    #[error("handler failed: {0}")]
    Handler(HandlerError),
    /// A handler panicked.
    #[error("handler panicked")]
    Panicked,
}

/// Processes a batch with at most `concurrency` records in flight and returns
/// the ids of the records that failed, for `ReportBatchItemFailures`.
pub async fn process_batch(
    registry: &Registry,
    event: SqsEvent,
    concurrency: usize,
) -> SqsBatchResponse {
    let outcomes: Vec<(Option<String>, Result<(), RecordFailure>)> =
        futures::stream::iter(event.records)
            .map(|record| async move {
                let message_id = record.message_id.clone();
                let outcome = process_record(registry, record).await;
                (message_id, outcome)
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;

    let mut response = SqsBatchResponse::default();
    for (message_id, outcome) in outcomes {
        if let Err(failure) = outcome {
            tracing::warn!(message_id = message_id.as_deref().unwrap_or(""), error = %failure, "record failed");
            // An empty identifier makes Lambda retry the whole batch: better
            // than dropping a record we cannot name.
            response.add_failure(message_id.unwrap_or_default());
        }
    }
    response
}

async fn process_record(registry: &Registry, record: SqsMessage) -> Result<(), RecordFailure> {
    let body = record.body.as_deref().ok_or(RecordFailure::NoBody)?;
    let envelope = Envelope::from_json(body).map_err(RecordFailure::NotAnEnvelope)?;
    let event = Event::from_envelope(&envelope).map_err(RecordFailure::BadPayload)?;
    let context = EventContext {
        message_id: record.message_id.clone().unwrap_or_default(),
        receive_count: record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|count| count.parse().ok())
            .unwrap_or(1),
        source: envelope.source,
        event_type: envelope.event_type,
        received_at: envelope.received_at,
        dedupe_key: envelope.dedupe_key,
    };
    for handler in registry.handlers_for(&event) {
        // A panicking handler fails its own record, not the whole batch.
        AssertUnwindSafe(handler.handle(&event, &context))
            .catch_unwind()
            .await
            .map_err(|_| RecordFailure::Panicked)?
            .map_err(RecordFailure::Handler)?;
    }
    Ok(())
}
