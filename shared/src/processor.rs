//! The processor's core: decode each SQS record's envelope into a typed event,
//! route it to the registered handlers, and report only the records that failed.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, Utc};
use futures::{FutureExt, StreamExt};

use crate::envelope::{Envelope, Source};
use crate::{discord, pluralkit};

/// A typed event from either sender.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Discord(discord::WebhookEvent),
    Pluralkit(pluralkit::DispatchEvent),
}

impl Event {
    /// Decodes an envelope's payload into the typed event for its source.
    pub fn from_envelope(envelope: &Envelope) -> Result<Self, serde_json::Error> {
        match envelope.source {
            Source::Discord => {
                discord::WebhookEvent::from_json(envelope.payload.get()).map(Event::Discord)
            }
            Source::Pluralkit => {
                pluralkit::DispatchEvent::from_json(envelope.payload.get()).map(Event::Pluralkit)
            }
        }
    }

    pub fn is_unknown(&self) -> bool {
        match self {
            Event::Discord(event) => event.event.is_unknown(),
            Event::Pluralkit(event) => event.event.is_unknown(),
        }
    }
}

/// What a handler knows about the record besides the event itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContext {
    pub message_id: String,
    /// SQS's `ApproximateReceiveCount`: 1 on the first delivery.
    pub receive_count: u32,
    pub source: Source,
    pub event_type: String,
    pub received_at: DateTime<Utc>,
    pub dedupe_key: String,
}

pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Your logic for an event. Return `Err` to have the record retried (and, after
/// the queue's `maxReceiveCount`, moved to the dead-letter queue).
#[async_trait]
pub trait Handler: Send + Sync {
    async fn handle(&self, event: &Event, context: &EventContext) -> Result<(), HandlerError>;
}

/// A shared handler is a handler, so one instance (and its state) can serve
/// several routes.
#[async_trait]
impl<H: Handler + ?Sized> Handler for Arc<H> {
    async fn handle(&self, event: &Event, context: &EventContext) -> Result<(), HandlerError> {
        (**self).handle(event, context).await
    }
}

/// Routes events to handlers by source and event type. The fallback receives
/// unknown events and every type that has no handler of its own.
#[derive(Clone, Default)]
pub struct Registry {
    routes: HashMap<(Source, String), Vec<Arc<dyn Handler>>>,
    fallback: Vec<Arc<dyn Handler>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a handler for one event type of one source, e.g.
    /// `(Source::Discord, "ENTITLEMENT_CREATE")`.
    pub fn on(mut self, source: Source, event_type: &str, handler: impl Handler + 'static) -> Self {
        self.routes
            .entry((source, event_type.to_owned()))
            .or_default()
            .push(Arc::new(handler));
        self
    }

    /// Adds a handler for unknown events and types with no handler of their own.
    pub fn fallback(mut self, handler: impl Handler + 'static) -> Self {
        self.fallback.push(Arc::new(handler));
        self
    }

    pub fn handlers_for(&self, event: &Event, context: &EventContext) -> &[Arc<dyn Handler>] {
        if event.is_unknown() {
            return &self.fallback;
        }
        self.routes
            .get(&(context.source, context.event_type.clone()))
            .map(Vec::as_slice)
            .unwrap_or(&self.fallback)
    }
}

/// Why one record failed. Logged with the message id, never with the body.
#[derive(Debug, thiserror::Error)]
pub enum RecordFailure {
    #[error("record has no body")]
    NoBody,
    #[error("record body is not an envelope: {0}")]
    NotAnEnvelope(serde_json::Error),
    #[error("payload does not match its event type: {0}")]
    BadPayload(serde_json::Error),
    #[error("handler failed: {0}")]
    Handler(HandlerError),
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
    for handler in registry.handlers_for(&event, &context) {
        // A panicking handler fails its own record, not the whole batch.
        AssertUnwindSafe(handler.handle(&event, &context))
            .catch_unwind()
            .await
            .map_err(|_| RecordFailure::Panicked)?
            .map_err(RecordFailure::Handler)?;
    }
    Ok(())
}
