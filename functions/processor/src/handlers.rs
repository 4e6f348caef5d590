//! Customize here: this file is where your logic lives.
//!
//! Implement [`Handler`] for a type of yours and register it below for the
//! event type it wants, e.g. `.on(discord::EventType::EntitlementCreate, GrantPremiumRole)`.
//! The built-in [`LogEvent`] stays as the fallback, so events without a handler
//! of their own are still logged. A handler that returns `Err` (or panics)
//! fails only its own record, which SQS redelivers and, after
//! `maxReceiveCount`, moves to the dead-letter queue.

#[allow(unused_imports)]
use switchboard::{discord, pluralkit, Event, EventContext, Handler, HandlerError};
use switchboard::{LogEvent, Registry, RegistryError};

/// The handlers this deployment runs.
pub fn registry() -> Result<Registry, RegistryError> {
    Registry::new()
        // .on(discord::EventType::EntitlementCreate, GrantPremiumRole)
        .fallback(LogEvent)
        .build()
}
