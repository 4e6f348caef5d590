//! The port for built-in destinations: places every event (or every event of
//! some types) goes to, turned on by configuration rather than code. Unlike a
//! [`Handler`](super::Handler), a destination sees the batch at once, so it
//! can send ten events in one call; it answers in [`Sending`]s, each covering
//! some of the batch, so the processor settles a record as soon as the part
//! that carries it has ended, not when the slowest part of the batch has.

use futures::future::BoxFuture;

use super::event::EventContext;
use super::handler::HandlerError;
use crate::envelope::Envelope;

/// One event offered to a destination: the envelope as queued, and what the
/// processor knows of the record.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The queued envelope; its JSON is what destinations send.
    pub envelope: &'a Envelope,
    /// The record's context (message id, receive count, ids).
    pub context: &'a EventContext,
}

/// One part of a destination's work on a batch: the deliveries it carries
/// (positions in the slice [`Destination::deliver`] was given) and the work
/// that sends them, answering one result per carried delivery, in order.
pub struct Sending<'a> {
    /// Positions, in the offered slice, of the deliveries this part carries.
    pub deliveries: Vec<usize>,
    /// Sends them; one result per position in `deliveries`, in order.
    pub work: BoxFuture<'a, Vec<Result<(), HandlerError>>>,
}

impl<'a> Sending<'a> {
    /// A part carrying the one delivery at `position`.
    pub fn one(
        position: usize,
        work: impl std::future::Future<Output = Result<(), HandlerError>> + Send + 'a,
    ) -> Self {
        Self {
            deliveries: vec![position],
            work: Box::pin(async move { vec![work.await] }),
        }
    }

    /// A part carrying the deliveries at `positions`, answered together.
    pub fn many(
        positions: Vec<usize>,
        work: impl std::future::Future<Output = Vec<Result<(), HandlerError>>> + Send + 'a,
    ) -> Self {
        Self {
            deliveries: positions,
            work: Box::pin(work),
        }
    }
}

impl std::fmt::Debug for Sending<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sending")
            .field("deliveries", &self.deliveries)
            .finish_non_exhaustive()
    }
}

/// A place events are sent to, alongside the registry's handlers. Each
/// destination is one effect of an event: with the idempotency store on, a
/// retry sends a record to a destination only if it has not taken it yet.
pub trait Destination: Send + Sync + std::fmt::Debug {
    /// A short name for logs and failures, e.g. `event_bus`. It is also the
    /// effect's name in the idempotency store, so it must be unique among a
    /// processor's destinations and stable across deploys.
    fn name(&self) -> &'static str;

    /// True when events of `event_type` go to this destination.
    fn accepts(&self, event_type: &str) -> bool;

    /// Splits `deliveries`, all of a type it accepts, into the parts that
    /// send them. Every delivery should be in exactly one part; one left out
    /// fails. An error must not quote payload text or a secret: it is logged.
    fn deliver<'a>(&'a self, deliveries: &'a [Delivery<'a>]) -> Vec<Sending<'a>>;
}

/// A shared destination is a destination, so a test or a caller can keep a
/// handle on the one the processor uses.
impl<D: Destination + ?Sized> Destination for std::sync::Arc<D> {
    fn name(&self) -> &'static str {
        (**self).name()
    }

    fn accepts(&self, event_type: &str) -> bool {
        (**self).accepts(event_type)
    }

    fn deliver<'a>(&'a self, deliveries: &'a [Delivery<'a>]) -> Vec<Sending<'a>> {
        (**self).deliver(deliveries)
    }
}
