//! One SQS batch: bounded concurrency, each record failing only itself.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::Utc;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};

use super::destination::{Delivery, Destination};
use super::event::{Event, EventContext};
use super::handler::{Handler, HandlerError};
use super::idempotency::{
    Claim, ClaimWindow, Effects, Idempotency, StoreError, HANDLERS, IN_PROGRESS_MARGIN,
    IN_PROGRESS_WITHOUT_DEADLINE,
};
use super::registry::Registry;
use crate::archive::{self, ArchiveError, ArchiveStore};
use crate::envelope::Envelope;
use crate::interactions::{InteractionFallback, Reply, ReplyApi};
use crate::sender::Sender;
use crate::telemetry;

/// Kept back from the record deadline, when the idempotency store is on, so
/// that every record can be settled (completed or released) before the
/// response: one store write and one retry. The DynamoDB client's attempts
/// are short and its standard retry backs off at most 1 s before the second
/// attempt, which answers in milliseconds.
pub const SETTLE_BUDGET: std::time::Duration = std::time::Duration::from_millis(1_500);

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
    /// The record's handlers or a destination were still running at the
    /// work deadline (the invocation's, less the settle budget).
    #[error("its effects did not finish before the invocation's deadline")]
    TimedOut,
    /// Another invocation is handling the same event right now; SQS retries
    /// this record later, when it is a duplicate or the claim has expired.
    #[error("the same event is being handled elsewhere")]
    InProgressElsewhere,
    /// The idempotency store could not answer, so the handlers did not run.
    #[error("{0}")]
    Store(StoreError),
    /// The record could not be archived, so nothing ran: a record is never
    /// processed unarchived.
    #[error("the record could not be archived: {0}")]
    Archive(ArchiveError),
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
    replies: Option<Replies>,
    archive: Option<Arc<dyn ArchiveStore>>,
}

/// How the processor replies to interactions.
struct Replies {
    api: Arc<dyn ReplyApi>,
    fallback: InteractionFallback,
}

impl std::fmt::Debug for Replies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replies").finish_non_exhaustive()
    }
}

impl Processor {
    /// Runs `registry` with at most `concurrency` records in flight, unguarded.
    pub fn new(registry: Registry, concurrency: usize) -> Self {
        Self {
            registry,
            concurrency,
            idempotency: None,
            destinations: Vec::new(),
            replies: None,
            archive: None,
        }
    }

    /// Archives every record of a batch in `store` before anything runs; a
    /// record whose object is not written fails and runs nothing.
    pub fn with_archive(mut self, store: Arc<dyn ArchiveStore>) -> Self {
        self.archive = Some(store);
        self
    }

    /// Replies to interactions through `api`: each interaction's handlers
    /// get a [`Reply`] in their context, and an interaction no route takes
    /// has its deferred answer replaced by `fallback_message`.
    pub fn with_replies(mut self, api: Arc<dyn ReplyApi>, fallback_message: String) -> Self {
        self.replies = Some(Replies {
            api,
            fallback: InteractionFallback {
                message: fallback_message,
            },
        });
        self
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
            replies: self.replies.as_ref(),
            archive: self.archive.as_deref(),
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
        replies: None,
        archive: None,
        concurrency: concurrency.max(1),
        deadline,
    };
    parts.run(event).await
}

/// A record that decoded and, when guarded, holds its claim: the effects not
/// in `done` are to run.
struct Admitted {
    index: usize,
    envelope: Envelope,
    event: Event,
    context: EventContext,
    done: Effects,
}

/// A record after decoding and claiming: its position, its sender when it
/// decoded, and whether its effects are to run (`None`: a duplicate).
type Admission = (
    usize,
    Option<Sender>,
    Result<Option<Admitted>, RecordFailure>,
);

/// Effects that ended: each with the admitted record's position, the
/// effect's name and its result.
type Ended = Vec<(usize, &'static str, Result<(), RecordFailure>)>;

/// Where one admitted record stands while its effects run.
struct Progress {
    /// Effects still running.
    pending: usize,
    /// Every effect completed, before this delivery or during it.
    done: Effects,
    /// The first effect failure, if any.
    failure: Option<RecordFailure>,
}

impl Progress {
    /// Notes one effect's end; true when it was the record's last.
    fn note(&mut self, effect: &'static str, result: Result<(), RecordFailure>) -> bool {
        match result {
            Ok(()) => self.done.insert(effect),
            Err(failure) => {
                self.failure.get_or_insert(failure);
            }
        }
        self.pending = self.pending.saturating_sub(1);
        self.pending == 0
    }
}

/// One destination's offer: the admitted records (by position) of the types
/// it takes that it has not taken yet, and their deliveries.
struct Offer<'a> {
    destination: &'a dyn Destination,
    positions: Vec<usize>,
    deliveries: Vec<Delivery<'a>>,
}

/// What one batch runs with.
struct Parts<'a> {
    registry: &'a Registry,
    idempotency: Option<&'a Idempotency>,
    destinations: &'a [Arc<dyn Destination>],
    replies: Option<&'a Replies>,
    archive: Option<&'a dyn ArchiveStore>,
    concurrency: usize,
    deadline: Option<tokio::time::Instant>,
}

impl Parts<'_> {
    /// Admits every record (decode, claim), runs each admitted record's
    /// effects (its handlers and each destination that takes it) side by
    /// side, and settles each record's claim (complete or release) as soon
    /// as its own last effect has ended. Effects are cut off at the work
    /// deadline, which keeps [`SETTLE_BUDGET`] back for the settling.
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
        let work_deadline = self.work_deadline();
        let archived = self.archive_records(&event.records, work_deadline).await;
        let admissions: Vec<Admission> =
            futures::stream::iter(event.records.into_iter().zip(archived).enumerate())
                .map(|(index, (record, archived))| async move {
                    if let Err(error) = archived {
                        return (index, None, Err(RecordFailure::Archive(error)));
                    }
                    let decoded = self.decode(index, record);
                    let sender = decoded.as_ref().ok().map(|record| record.envelope.source);
                    let admission = match decoded {
                        Ok(record) => within(work_deadline, self.claim(record)).await,
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
        self.run_effects(&admitted, &mut outcomes, work_deadline)
            .await;
        for record in &admitted {
            let expired = record.context.reply.as_ref().is_some_and(Reply::expired);
            if expired && outcomes[record.index].is_ok() {
                success[record.index] = "expired";
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

    /// Archives the batch when an archive is on: for each record, whether
    /// its object was written by the work deadline.
    async fn archive_records(
        &self,
        records: &[SqsMessage],
        work_deadline: Option<tokio::time::Instant>,
    ) -> Vec<Result<(), ArchiveError>> {
        let Some(store) = self.archive else {
            return records.iter().map(|_| Ok(())).collect();
        };
        let plan = archive::plan(records, Utc::now());
        let started = Instant::now();
        let written = within(work_deadline, async {
            Ok(archive::write(store, plan, records.len()).await)
        })
        .await;
        telemetry::archive_duration(started.elapsed());
        written.unwrap_or_else(|_| {
            let late = ArchiveError("not written before the invocation's deadline".into());
            records.iter().map(|_| Err(late.clone())).collect()
        })
    }

    /// When effects stop: the record deadline, less the settle budget when
    /// there are claims to settle.
    fn work_deadline(&self) -> Option<tokio::time::Instant> {
        let deadline = self.deadline?;
        Some(match self.idempotency {
            Some(_) => deadline
                .checked_sub(SETTLE_BUDGET)
                .unwrap_or(deadline)
                .max(tokio::time::Instant::now().min(deadline)),
            None => deadline,
        })
    }

    /// Runs the effects of the admitted records not done before, and settles
    /// each record the moment its last effect ends, writing each record's
    /// outcome (by its batch index) into `outcomes`.
    async fn run_effects(
        &self,
        admitted: &[Admitted],
        outcomes: &mut [Result<(), RecordFailure>],
        work_deadline: Option<tokio::time::Instant>,
    ) {
        let offers: Vec<Offer<'_>> = self
            .destinations
            .iter()
            .map(|destination| {
                let destination = destination.as_ref();
                let (positions, deliveries) = admitted
                    .iter()
                    .enumerate()
                    .filter(|(_, record)| {
                        destination.accepts(&record.context.event_type)
                            && !record.done.contains(destination.name())
                    })
                    .map(|(position, record)| {
                        let delivery = Delivery {
                            envelope: &record.envelope,
                            context: &record.context,
                        };
                        (position, delivery)
                    })
                    .unzip();
                Offer {
                    destination,
                    positions,
                    deliveries,
                }
            })
            .collect();
        let mut progress: Vec<Progress> = admitted
            .iter()
            .map(|record| Progress {
                pending: usize::from(!record.done.contains(HANDLERS)),
                done: record.done.clone(),
                failure: None,
            })
            .collect();
        for offer in &offers {
            for &position in &offer.positions {
                progress[position].pending += 1;
            }
        }

        let mut handlers = Some(
            futures::stream::iter(
                admitted
                    .iter()
                    .enumerate()
                    .filter(|(_, record)| !record.done.contains(HANDLERS)),
            )
            .map(|(position, record)| async move {
                let started = Instant::now();
                let fallback = self.replies.map(|replies| &replies.fallback);
                let result =
                    run_handlers(self.registry, fallback, &record.event, &record.context).await;
                telemetry::handler_duration(record.envelope.source.as_str(), started.elapsed());
                (position, result)
            })
            .buffer_unordered(self.concurrency)
            .boxed(),
        );
        let mut sendings: FuturesUnordered<BoxFuture<'_, Ended>> = offers
            .iter()
            .filter(|offer| !offer.positions.is_empty())
            .flat_map(sendings_of)
            .collect();
        let mut settling = FuturesUnordered::new();
        let mut open = admitted.len();
        let finish = |position: usize,
                      progress: &mut Progress,
                      outcomes: &mut [Result<(), RecordFailure>],
                      settling: &mut FuturesUnordered<_>,
                      open: &mut usize| {
            let record = &admitted[position];
            let failure = progress.failure.take();
            match self.idempotency {
                Some(idempotency) => {
                    let done = std::mem::take(&mut progress.done);
                    let deadline = self.deadline;
                    settling.push(async move {
                        let settled = within(deadline, settle(idempotency, record, &failure, done));
                        let settled = settled.await;
                        (record.index, failure.map_or(settled, Err))
                    });
                }
                None => {
                    outcomes[record.index] = failure.map_or(Ok(()), Err);
                    *open -= 1;
                }
            }
        };
        for (position, state) in progress.iter_mut().enumerate() {
            if state.pending == 0 {
                finish(position, state, outcomes, &mut settling, &mut open);
            }
        }

        let cut_off = async {
            match work_deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(cut_off);
        let mut working = true;
        while open > 0 {
            let ended: Ended = tokio::select! {
                Some((position, result)) = next_of(&mut handlers), if working => {
                    vec![(position, HANDLERS, result)]
                }
                Some(ended) = sendings.next(), if working => ended,
                Some((index, outcome)) = settling.next() => {
                    outcomes[index] = outcome;
                    open -= 1;
                    continue;
                }
                () = &mut cut_off, if working => {
                    // Whatever still runs is cut off; its records fail and
                    // settle with the effects that did complete.
                    working = false;
                    handlers = None;
                    sendings.clear();
                    progress
                        .iter()
                        .enumerate()
                        .filter(|(_, state)| state.pending > 0)
                        .flat_map(|(position, state)| {
                            (0..state.pending).map(move |_| (position, "", Err(RecordFailure::TimedOut)))
                        })
                        .collect()
                }
                else => break,
            };
            for (position, effect, result) in ended {
                let state = &mut progress[position];
                if state.pending > 0 && state.note(effect, result) {
                    finish(position, state, outcomes, &mut settling, &mut open);
                }
            }
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
            tenant: envelope.tenant.clone(),
            replay: envelope.replay,
            guarded: self.idempotency.is_some(),
            reply: match (&event, self.replies) {
                (Event::Interaction(interaction), Some(replies)) => {
                    let reply =
                        Reply::new(Arc::clone(&replies.api), interaction, self.work_deadline());
                    // Envelopes from before the field were all deferred.
                    match envelope.answered_with {
                        Some(5 | 6) | None => Some(reply),
                        Some(_) => Some(reply.answered_inline()),
                    }
                }
                _ => None,
            },
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
            done: Effects::none(),
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
        let window = ClaimWindow {
            now,
            in_progress_until: now + in_progress_for,
            expires_at: now + idempotency.ttl,
        };
        let claim = idempotency
            .store
            .claim(key, window)
            .await
            .map_err(RecordFailure::Store)?;
        match claim {
            Claim::Proceed(done) => {
                if !done.is_empty() {
                    tracing::info!(
                        message_id = admitted.context.message_id.as_str(),
                        dedupe_key = key,
                        done = ?done.iter().collect::<Vec<_>>(),
                        "retry: running only the effects not done before"
                    );
                }
                Ok(Some(Admitted { done, ..admitted }))
            }
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
}

/// `work`, cut off at `deadline` as [`RecordFailure::TimedOut`].
async fn within<T>(
    deadline: Option<tokio::time::Instant>,
    work: impl Future<Output = Result<T, RecordFailure>>,
) -> Result<T, RecordFailure> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, work)
            .await
            .unwrap_or(Err(RecordFailure::TimedOut)),
        None => work.await,
    }
}

/// The next item of a stream that may have been dropped.
async fn next_of<S: futures::Stream + Unpin>(stream: &mut Option<S>) -> Option<S::Item> {
    match stream {
        Some(stream) => stream.next().await,
        None => None,
    }
}

/// The parts one destination sends its offer in, each answering with the
/// admitted records' positions. A panic, in `deliver` or in a part, fails the
/// records it carries; a record no part carries fails too.
fn sendings_of<'a>(offer: &'a Offer<'a>) -> Vec<BoxFuture<'a, Ended>> {
    let name = offer.destination.name();
    let failed = |positions: Vec<usize>, failure: fn() -> RecordFailure| -> BoxFuture<'a, Ended> {
        Box::pin(std::future::ready(
            positions
                .into_iter()
                .map(|position| (position, name, Err(failure())))
                .collect(),
        ))
    };
    let parts = match std::panic::catch_unwind(AssertUnwindSafe(|| {
        offer.destination.deliver(&offer.deliveries)
    })) {
        Ok(parts) => parts,
        Err(_) => return vec![failed(offer.positions.clone(), || RecordFailure::Panicked)],
    };
    let mut carried = vec![false; offer.positions.len()];
    let mut futures: Vec<BoxFuture<'a, Ended>> = parts
        .into_iter()
        .map(|part| {
            // A delivery out of range, or carried twice, counts once.
            let positions: Vec<Option<usize>> = part
                .deliveries
                .iter()
                .map(|&offered| match carried.get_mut(offered) {
                    Some(seen) if !*seen => {
                        *seen = true;
                        Some(offer.positions[offered])
                    }
                    _ => None,
                })
                .collect();
            let work = part.work;
            Box::pin(async move {
                match AssertUnwindSafe(work).catch_unwind().await {
                    Ok(results) => {
                        let mut results = results.into_iter();
                        positions
                            .into_iter()
                            .filter_map(|position| {
                                let result = results.next().unwrap_or_else(|| {
                                    Err("the destination gave no result".into())
                                });
                                let result = result.map_err(|error| RecordFailure::Destination {
                                    destination: name,
                                    error,
                                });
                                Some((position?, name, result))
                            })
                            .collect()
                    }
                    Err(_) => positions
                        .into_iter()
                        .flatten()
                        .map(|position| (position, name, Err(RecordFailure::Panicked)))
                        .collect(),
                }
            }) as BoxFuture<'a, Ended>
        })
        .collect();
    let forgotten: Vec<usize> = carried
        .iter()
        .zip(&offer.positions)
        .filter(|(carried, _)| !**carried)
        .map(|(_, &position)| position)
        .collect();
    if !forgotten.is_empty() {
        futures.push(failed(forgotten, || RecordFailure::Destination {
            destination: "",
            error: "the destination gave no result".into(),
        }));
    }
    futures
}

/// Records a record's outcome in the store: completed, so a redelivery is a
/// duplicate; or released with the effects that did complete, so the retry
/// runs at once and runs only the others.
async fn settle(
    idempotency: &Idempotency,
    record: &Admitted,
    failure: &Option<RecordFailure>,
    done: Effects,
) -> Result<(), RecordFailure> {
    let key = record.context.dedupe_key.as_str();
    if failure.is_none() {
        let Err(error) = idempotency
            .store
            .complete(key, Utc::now() + idempotency.ttl)
            .await
        else {
            return Ok(());
        };
        // Every effect completed: say so in a release, so the redelivery
        // (the record fails) runs none of them again and completes.
        if let Err(release) = idempotency.store.release(key, &done).await {
            tracing::warn!(message_id = record.context.message_id.as_str(), error = %release, "claim not released");
        }
        return Err(RecordFailure::Store(error));
    }
    // If the release fails, the claim expires on its own, and the retry
    // then runs every effect again.
    if let Err(error) = idempotency.store.release(key, &done).await {
        tracing::warn!(message_id = record.context.message_id.as_str(), %error, "claim not released");
    }
    Ok(())
}

/// Runs the event's handlers in order. An interaction whose token has
/// expired runs none (a reply is no longer possible) and succeeds as
/// `expired`; so does one whose handler failed with
/// [`ReplyError::Expired`](crate::interactions::ReplyError::Expired)
/// (Discord said the token is gone). An interaction no route takes, that
/// ingest deferred, is answered by `fallback` after the registry's own
/// fallback.
async fn run_handlers(
    registry: &Registry,
    fallback: Option<&InteractionFallback>,
    event: &Event,
    context: &EventContext,
) -> Result<(), RecordFailure> {
    if context.reply.as_ref().is_some_and(Reply::check_age) {
        tracing::warn!(
            message_id = context.message_id.as_str(),
            event_type = context.event_type.as_str(),
            "interaction token expired before its record ran; acknowledged without replying"
        );
        return Ok(());
    }
    let route = registry.route_for(event);
    let interaction_fallback = match (route, event, &context.reply) {
        (None, Event::Interaction(interaction), Some(reply))
            if reply.deferred()
                && interaction.kind
                    != crate::interactions::EventType::ApplicationCommandAutocomplete =>
        {
            fallback
        }
        _ => None,
    };
    let handlers = route.unwrap_or_else(|| registry.handlers_for(event));
    let last = interaction_fallback.map(|fallback| fallback as &dyn Handler);
    for handler in handlers.iter().map(|h| h.as_ref()).chain(last) {
        // A panicking handler fails its own record, not the whole batch.
        let result = AssertUnwindSafe(handler.handle(event, context))
            .catch_unwind()
            .await
            .map_err(|_| RecordFailure::Panicked)?;
        if let Err(error) = result {
            let expired = matches!(
                error.downcast_ref::<crate::interactions::ReplyError>(),
                Some(crate::interactions::ReplyError::Expired(_))
            );
            if expired {
                tracing::warn!(
                    message_id = context.message_id.as_str(),
                    event_type = context.event_type.as_str(),
                    "interaction token expired while its handler replied; acknowledged"
                );
                return Ok(());
            }
            return Err(RecordFailure::Handler(error));
        }
    }
    Ok(())
}
