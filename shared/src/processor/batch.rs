//! One SQS batch: bounded concurrency, each record failing only itself.

use std::panic::AssertUnwindSafe;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures::{FutureExt, StreamExt};

use super::event::{Event, EventContext};
use super::handler::HandlerError;
use super::registry::Registry;
use crate::envelope::Envelope;

/// A decoding error reduced to its category and position. serde's messages
/// quote the values they fail on (`invalid type: string "my diary entry…"`),
/// and those values are the sender's payload: they must not reach a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    category: serde_json::error::Category,
    line: usize,
    column: usize,
}

impl From<serde_json::Error> for DecodeError {
    fn from(error: serde_json::Error) -> Self {
        Self {
            category: error.classify(),
            line: error.line(),
            column: error.column(),
        }
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use serde_json::error::Category;
        let category = match self.category {
            Category::Io => "I/O",
            Category::Syntax => "syntax",
            Category::Data => "data",
            Category::Eof => "end-of-input",
        };
        // Errors from an already parsed value have no position (line 0).
        if self.line == 0 {
            write!(f, "{category} error")
        } else {
            write!(
                f,
                "{category} error at line {} column {}",
                self.line, self.column
            )
        }
    }
}

/// Why one record failed. Logged with the message id, never with the body.
#[derive(Debug, thiserror::Error)]
pub enum RecordFailure {
    /// The SQS record had no body at all.
    #[error("record has no body")]
    NoBody,
    /// The body is not an envelope.
    #[error("record body is not an envelope: {0}")]
    NotAnEnvelope(DecodeError),
    /// The envelope's payload does not decode into its sender's event.
    #[error("payload does not match its event type: {0}")]
    BadPayload(DecodeError),
    /// A handler returned an error.
    #[error("handler failed: {0}")]
    Handler(HandlerError),
    /// A handler panicked.
    #[error("handler panicked")]
    Panicked,
    /// The record's handlers were still running at the record deadline.
    #[error("handlers did not finish before the invocation's deadline")]
    TimedOut,
}

/// Processes a batch with at most `concurrency` records in flight and returns
/// the ids of the records that failed, for `ReportBatchItemFailures`.
///
/// With a `deadline`, a record whose handlers are still running then fails
/// alone ([`RecordFailure::TimedOut`]) and the others are reported as they
/// ended, instead of the whole invocation timing out and every record of the
/// batch coming back. Handlers must be async to be cut off: a handler that
/// blocks its thread cannot be interrupted.
pub async fn process_batch(
    registry: &Registry,
    event: SqsEvent,
    concurrency: usize,
    deadline: Option<tokio::time::Instant>,
) -> SqsBatchResponse {
    let outcomes: Vec<(Option<String>, Result<(), RecordFailure>)> =
        futures::stream::iter(event.records)
            .map(|record| async move {
                let message_id = record.message_id.clone();
                let work = process_record(registry, record);
                let outcome = match deadline {
                    Some(deadline) => tokio::time::timeout_at(deadline, work)
                        .await
                        .unwrap_or(Err(RecordFailure::TimedOut)),
                    None => work.await,
                };
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
    let envelope = Envelope::from_json(body).map_err(|e| RecordFailure::NotAnEnvelope(e.into()))?;
    let event = Event::from_envelope(&envelope).map_err(|e| RecordFailure::BadPayload(e.into()))?;
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
    if event.is_misfit() {
        // Visible, but not a failure: the fallback gets it with its raw data.
        tracing::warn!(
            message_id = context.message_id.as_str(),
            event_type = context.event_type.as_str(),
            "data did not fit its type's model; handed to the fallback as unknown"
        );
    }
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
