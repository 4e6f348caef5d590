//! One SQS batch: bounded concurrency, each record failing only itself.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::Utc;
use futures::{FutureExt, StreamExt};

use super::destination::{Delivery, Destination};
use super::event::{Event, EventContext};
use super::handler::HandlerError;
use super::idempotency::{
    Claim, Idempotency, StoreError, IN_PROGRESS_MARGIN, IN_PROGRESS_WITHOUT_DEADLINE,
};
use super::registry::Registry;
use crate::envelope::Envelope;
use crate::sender::Sender;
use crate::telemetry;

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
    /// A handler or destination panicked.
    #[error("handler or destination panicked")]
    Panicked,
    /// A built-in destination did not take the event.
    #[error("destination {destination} failed: {error}")]
    Destination {
        /// The destination's name, e.g. `forward`.
        destination: &'static str,
        /// Why; never payload text or a secret.
        error: HandlerError,
    },
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
/// registry, the concurrency per batch, the idempotency store, if any, and
/// the built-in destinations.
#[derive(Debug)]
pub struct Processor {
    registry: Registry,
    concurrency: usize,
    idempotency: Option<Idempotency>,
    destinations: Vec<Arc<dyn Destination>>,
}

impl Processor {
    /// Runs `registry` with at most `concurrency` records in flight, unguarded.
    pub fn new(registry: Registry, concurrency: usize) -> Self {
        Self {
            registry,
            concurrency,
            idempotency: None,
            destinations: Vec::new(),
        }
    }

    /// Guards every record with `idempotency`: handlers run once per dedupe key.
    pub fn with_idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = Some(idempotency);
        self
    }

    /// Sends every event `destination` accepts there too, beside the handlers.
    pub fn with_destination(mut self, destination: impl Destination + 'static) -> Self {
        self.destinations.push(Arc::new(destination));
        self
    }

    /// The names of the destinations turned on, for the cold-start log line.
    pub fn destination_names(&self) -> Vec<&'static str> {
        self.destinations.iter().map(|d| d.name()).collect()
    }

    /// Processes one batch (see [`process_batch`]).
    pub async fn process(
        &self,
        event: SqsEvent,
        deadline: Option<tokio::time::Instant>,
    ) -> SqsBatchResponse {
        let parts = Parts {
            registry: &self.registry,
            idempotency: self.idempotency.as_ref(),
            destinations: &self.destinations,
            concurrency: self.concurrency.max(1),
            deadline,
        };
        parts.run(event).await
    }
}

/// Processes a batch with at most `concurrency` records in flight and returns
/// the ids of the records that failed, for `ReportBatchItemFailures`. No
/// idempotency store and no destinations: see [`Processor`] for those.
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
    let parts = Parts {
        registry,
        idempotency: None,
        destinations: &[],
        concurrency: concurrency.max(1),
        deadline,
    };
    parts.run(event).await
}

/// A record that decoded and, when guarded, holds its claim: its handlers and
/// destinations are to run.
struct Admitted {
    index: usize,
    envelope: Envelope,
    event: Event,
    context: EventContext,
}

/// A record after decoding and claiming: its position, its sender when it
/// decoded, and whether its handlers are to run (`None`: a duplicate).
type Admission = (
    usize,
    Option<Sender>,
    Result<Option<Admitted>, RecordFailure>,
);

/// The outcome of one record, by its position in the batch.
type Outcome = (usize, Result<(), RecordFailure>);

/// What one batch runs with.
struct Parts<'a> {
    registry: &'a Registry,
    idempotency: Option<&'a Idempotency>,
    destinations: &'a [Arc<dyn Destination>],
    concurrency: usize,
    deadline: Option<tokio::time::Instant>,
}

impl Parts<'_> {
    /// Three steps, each bounded by the deadline: admit every record (decode,
    /// claim), run the handlers and the destinations side by side on the
    /// admitted ones, then settle their claims (complete or release).
    async fn run(&self, event: SqsEvent) -> SqsBatchResponse {
        let message_ids: Vec<Option<String>> = event
            .records
            .iter()
            .map(|record| record.message_id.clone())
            .collect();
        let mut outcomes: Vec<Result<(), RecordFailure>> =
            message_ids.iter().map(|_| Ok(())).collect();

        // What the metrics say of each record: its sender and, for one that
        // succeeds, whether it was a duplicate or of an unknown type.
        let mut senders: Vec<&'static str> = message_ids.iter().map(|_| "none").collect();
        let mut success: Vec<&'static str> = message_ids.iter().map(|_| "handled").collect();
        let admissions: Vec<Admission> =
            futures::stream::iter(event.records.into_iter().enumerate())
                .map(|(index, record)| async move {
                    let decoded = self.decode(index, record);
                    let sender = decoded.as_ref().ok().map(|record| record.envelope.source);
                    let admission = match decoded {
                        Ok(record) => self.within(self.claim(record)).await,
                        Err(failure) => Err(failure),
                    };
                    (index, sender, admission)
                })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
        let mut admitted = Vec::new();
        let now = Utc::now();
        for (index, sender, admission) in admissions {
            if let Some(sender) = sender {
                senders[index] = sender.as_str();
            }
            match admission {
                Ok(Some(record)) => {
                    let age = (now - record.context.received_at)
                        .to_std()
                        .unwrap_or_default();
                    telemetry::event_age(senders[index], age);
                    if record.event.is_unknown() {
                        success[index] = "unknown";
                    }
                    admitted.push(record);
                }
                // A duplicate: done, nothing to run.
                Ok(None) => success[index] = "duplicate",
                Err(failure) => outcomes[index] = Err(failure),
            }
        }
        admitted.sort_unstable_by_key(|record| record.index);

        let handled = futures::stream::iter(&admitted)
            .map(|record| async move {
                let started = Instant::now();
                let work = run_handlers(self.registry, &record.event, &record.context);
                let result = self.within(work).await;
                telemetry::handler_duration(record.envelope.source.as_str(), started.elapsed());
                (record.index, result)
            })
            .buffer_unordered(self.concurrency)
            .collect::<Vec<Outcome>>();
        let sent = futures::future::join_all(
            self.destinations
                .iter()
                .map(|destination| self.send(destination.as_ref(), &admitted)),
        );
        let (handled, sent) = futures::join!(handled, sent);
        for (index, result) in handled.into_iter().chain(sent.into_iter().flatten()) {
            if let (Err(failure), Ok(())) = (result, &outcomes[index]) {
                outcomes[index] = Err(failure);
            }
        }

        if let Some(idempotency) = self.idempotency {
            let settled: Vec<Outcome> = futures::stream::iter(&admitted)
                .map(|record| {
                    let succeeded = outcomes[record.index].is_ok();
                    async move {
                        let work = settle(idempotency, record, succeeded);
                        (record.index, self.within(work).await)
                    }
                })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
            for (index, result) in settled {
                if let Err(failure) = result {
                    outcomes[index] = Err(failure);
                }
            }
        }

        let mut response = SqsBatchResponse::default();
        for (index, (message_id, outcome)) in message_ids.into_iter().zip(outcomes).enumerate() {
            let status = if outcome.is_ok() {
                success[index]
            } else {
                "failed"
            };
            telemetry::event(senders[index], status);
            if let Err(failure) = outcome {
                tracing::warn!(message_id = message_id.as_deref().unwrap_or(""), error = %failure, "record failed");
                // An empty identifier makes Lambda retry the whole batch: better
                // than dropping a record we cannot name.
                response.add_failure(message_id.unwrap_or_default());
            }
        }
        response
    }

    /// `work`, cut off at the deadline as [`RecordFailure::TimedOut`].
    async fn within<T>(
        &self,
        work: impl Future<Output = Result<T, RecordFailure>>,
    ) -> Result<T, RecordFailure> {
        match self.deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, work)
                .await
                .unwrap_or(Err(RecordFailure::TimedOut)),
            None => work.await,
        }
    }

    /// Decodes a record into its envelope, event and context.
    fn decode(&self, index: usize, record: SqsMessage) -> Result<Admitted, RecordFailure> {
        let body = record.body.as_deref().ok_or(RecordFailure::NoBody)?;
        let envelope =
            Envelope::from_json(body).map_err(|e| RecordFailure::NotAnEnvelope(e.into()))?;
        let event =
            Event::from_envelope(&envelope).map_err(|e| RecordFailure::BadPayload(e.into()))?;
        let context = EventContext {
            message_id: record.message_id.clone().unwrap_or_default(),
            receive_count: record
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|count| count.parse().ok())
                .unwrap_or(1),
            source: envelope.source,
            event_type: envelope.event_type.clone(),
            received_at: envelope.received_at,
            dedupe_key: envelope.dedupe_key.clone(),
            event_id: envelope.id,
            guarded: self.idempotency.is_some(),
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
        Ok(Admitted {
            index,
            envelope,
            event,
            context,
        })
    }

    /// Claims a decoded record's dedupe key when guarded. `None` for a
    /// duplicate of an event already handled.
    async fn claim(&self, admitted: Admitted) -> Result<Option<Admitted>, RecordFailure> {
        let Some(idempotency) = self.idempotency else {
            return Ok(Some(admitted));
        };
        let key = admitted.context.dedupe_key.as_str();
        let now = Utc::now();
        let in_progress_for = self
            .deadline
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
            Claim::Proceed => Ok(Some(admitted)),
            Claim::InProgressElsewhere => Err(RecordFailure::InProgressElsewhere),
            Claim::Completed => {
                tracing::info!(
                    message_id = admitted.context.message_id.as_str(),
                    event_type = admitted.context.event_type.as_str(),
                    dedupe_key = key,
                    "duplicate"
                );
                Ok(None)
            }
        }
    }

    /// Offers `destination` the admitted records of the types it takes, in
    /// one call, and maps its results back to the records' positions.
    async fn send(&self, destination: &dyn Destination, admitted: &[Admitted]) -> Vec<Outcome> {
        let taken: Vec<&Admitted> = admitted
            .iter()
            .filter(|record| destination.accepts(&record.context.event_type))
            .collect();
        if taken.is_empty() {
            return Vec::new();
        }
        let deliveries: Vec<Delivery<'_>> = taken
            .iter()
            .map(|record| Delivery {
                envelope: &record.envelope,
                context: &record.context,
            })
            .collect();
        let name = destination.name();
        let results = self
            .within(async {
                AssertUnwindSafe(destination.deliver(&deliveries))
                    .catch_unwind()
                    .await
                    .map_err(|_| RecordFailure::Panicked)
            })
            .await;
        match results {
            Err(failure) => taken
                .iter()
                .map(|record| (record.index, Err(failure.same_again())))
                .collect(),
            Ok(results) => {
                let mut results = results.into_iter();
                taken
                    .iter()
                    .map(|record| {
                        let result = results
                            .next()
                            .unwrap_or_else(|| Err("the destination gave no result".into()))
                            .map_err(|error| RecordFailure::Destination {
                                destination: name,
                                error,
                            });
                        (record.index, result)
                    })
                    .collect()
            }
        }
    }
}

impl RecordFailure {
    /// The same failure for another record of one failed destination call.
    fn same_again(&self) -> RecordFailure {
        match self {
            RecordFailure::Panicked => RecordFailure::Panicked,
            _ => RecordFailure::TimedOut,
        }
    }
}

/// Records the outcome in the store: completed, so a redelivery is a
/// duplicate; or released, so the retry runs everything again.
async fn settle(
    idempotency: &Idempotency,
    record: &Admitted,
    succeeded: bool,
) -> Result<(), RecordFailure> {
    let key = record.context.dedupe_key.as_str();
    if succeeded {
        return idempotency
            .store
            .complete(key, Utc::now() + idempotency.ttl)
            .await
            .map_err(RecordFailure::Store);
    }
    // If the release fails, the claim expires on its own.
    if let Err(error) = idempotency.store.release(key).await {
        tracing::warn!(message_id = record.context.message_id.as_str(), %error, "claim not released");
    }
    Ok(())
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
