//! The port for built-in destinations: places every event (or every event of
//! some types) goes to, turned on by configuration rather than code. Unlike a
//! [`Handler`](super::Handler), a destination sees the batch at once, so it
//! can send ten events in one call.

use async_trait::async_trait;

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

/// A place events are sent to, alongside the registry's handlers. A record
/// succeeds only when its handlers and every destination that takes its type
/// succeed; otherwise SQS redelivers it to all of them.
#[async_trait]
pub trait Destination: Send + Sync + std::fmt::Debug {
    /// A short name for logs and failures, e.g. `event_bus`.
    fn name(&self) -> &'static str;

    /// True when events of `event_type` go to this destination.
    fn accepts(&self, event_type: &str) -> bool;

    /// Sends `deliveries`, all of a type it accepts, and returns one result
    /// per delivery, in order. An error must not quote payload text or a
    /// secret: it is logged.
    async fn deliver(&self, deliveries: &[Delivery<'_>]) -> Vec<Result<(), HandlerError>>;
}

/// A shared destination is a destination, so a test or a caller can keep a
/// handle on the one the processor uses.
#[async_trait]
impl<D: Destination + ?Sized> Destination for std::sync::Arc<D> {
    fn name(&self) -> &'static str {
        (**self).name()
    }

    fn accepts(&self, event_type: &str) -> bool {
        (**self).accepts(event_type)
    }

    async fn deliver(&self, deliveries: &[Delivery<'_>]) -> Vec<Result<(), HandlerError>> {
        (**self).deliver(deliveries).await
    }
}
