//! The one trait a user implements.

use std::sync::Arc;

use async_trait::async_trait;

use super::event::{Event, EventContext};

/// Why a handler failed; logged by category, so keep payload text out of it.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Your logic for an event. Return `Err` to have the record retried (and, after
/// the queue's `maxReceiveCount`, moved to the dead-letter queue).
#[async_trait]
pub trait Handler: Send + Sync {
    /// Handles one event.
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
