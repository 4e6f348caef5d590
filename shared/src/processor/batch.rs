//! One SQS batch: bounded concurrency, each record failing only itself.

use std::panic::AssertUnwindSafe;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::Utc;
use futures::{FutureExt, StreamExt};

use super::event::{Event, EventContext};
use super::handler::HandlerError;
use super::idempotency::{
    Claim, Idempotency, StoreError, IN_PROGRESS_MARGIN, IN_PROGRESS_WITHOUT_DEADLINE,
};
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
    /// Another invocation is handling the same event right now; SQS retries
    /// this record later, when it is a duplicate or the claim has expired.
    #[error("the same event is being handled elsewhere")]
    InProgressElsewhere,
    /// The idempotency store could not answer, so the handlers did not run.
    #[error("{0}")]
    Store(StoreError),
}

/// The processor's whole configuration, built once at cold start: the
/// registry, the concurrency per batch, and the idempotency store, if any.
#[derive(Debug)]
pub struct Processor {
    registry: Registry,
    concurrency: usize,
    idempotency: Option<Idempotency>,
}

impl Processor {
    /// Runs `registry` with at most `concurrency` records in flight, unguarded.
    pub fn new(registry: Registry, concurrency: usize) -> Self {
        Self {
            registry,
            concurrency,
            idempotency: None,
        }
    }

    /// Guards every record with `idempotency`: handlers run once per dedupe key.
    pub fn with_idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = Some(idempotency);
        self
    }

    /// Processes one batch (see [`process_batch`]).
    pub async fn process(
        &self,
        event: SqsEvent,
        deadline: Option<tokio::time::Instant>,
    ) -> SqsBatchResponse {
        run_batch(
            &self.registry,
            self.idempotency.as_ref(),
            event,
            self.concurrency,
            deadline,
        )
        .await
    }
}

/// Processes a batch with at most `concurrency` records in flight and returns
/// the ids of the records that failed, for `ReportBatchItemFailures`. No
/// idempotency store: see [`Processor`] for one.
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
    run_batch(registry, None, event, concurrency, deadline).await
}

async fn run_batch(
    registry: &Registry,
    idempotency: Option<&Idempotency>,
    event: SqsEvent,
    concurrency: usize,
    deadline: Option<tokio::time::Instant>,
) -> SqsBatchResponse {
    let outcomes: Vec<(Option<String>, Result<(), RecordFailure>)> =
        futures::stream::iter(event.records)
            .map(|record| async move {
                let message_id = record.message_id.clone();
                let work = process_record(registry, idempotency, record, deadline);
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

async fn process_record(
    registry: &Registry,
    idempotency: Option<&Idempotency>,
    record: SqsMessage,
    deadline: Option<tokio::time::Instant>,
) -> Result<(), RecordFailure> {
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
        event_id: envelope.id,
        guarded: idempotency.is_some(),
    };
    tracing::trace!(
        message_id = context.message_id.as_str(),
        event_type = context.event_type.as_str(),
        dedupe_key = context.dedupe_key.as_str(),
        receive_count = context.receive_count,
        "record decoded"
    );
    if event.is_misfit() {
        // Visible, but not a failure: the fallback gets it with its raw data.
        tracing::warn!(
            message_id = context.message_id.as_str(),
            event_type = context.event_type.as_str(),
            "data did not fit its type's model; handed to the fallback as unknown"
        );
    }
    let Some(idempotency) = idempotency else {
        return run_handlers(registry, &event, &context).await;
    };
    let key = context.dedupe_key.as_str();
    let now = Utc::now();
    let in_progress_for = deadline
        .map(|deadline| deadline.saturating_duration_since(tokio::time::Instant::now()))
        .map_or(IN_PROGRESS_WITHOUT_DEADLINE, |left| {
            left + IN_PROGRESS_MARGIN
        });
    let claim = idempotency
        .store
        .claim(key, now, now + in_progress_for)
        .await
        .map_err(RecordFailure::Store)?;
    match claim {
        Claim::Completed => {
            tracing::info!(
                message_id = context.message_id.as_str(),
                event_type = context.event_type.as_str(),
                dedupe_key = key,
                "duplicate"
            );
            Ok(())
        }
        Claim::InProgressElsewhere => Err(RecordFailure::InProgressElsewhere),
        Claim::Proceed => match run_handlers(registry, &event, &context).await {
            Ok(()) => idempotency
                .store
                .complete(key, Utc::now() + idempotency.ttl)
                .await
                .map_err(RecordFailure::Store),
            Err(failure) => {
                // The retry must run the handlers again; if the release fails,
                // the claim expires on its own.
                if let Err(error) = idempotency.store.release(key).await {
                    tracing::warn!(message_id = context.message_id.as_str(), %error, "claim not released");
                }
                Err(failure)
            }
        },
    }
}

async fn run_handlers(
    registry: &Registry,
    event: &Event,
    context: &EventContext,
) -> Result<(), RecordFailure> {
    for handler in registry.handlers_for(event) {
        // A panicking handler fails its own record, not the whole batch.
        AssertUnwindSafe(handler.handle(event, context))
            .catch_unwind()
            .await
            .map_err(|_| RecordFailure::Panicked)?
            .map_err(RecordFailure::Handler)?;
    }
    Ok(())
}
