//! Customize here: this file is where your logic lives.
//!
//! Implement [`Handler`] for a type of yours and register it below for the
//! source and event type it wants. The built-in [`LogEvent`] stays as the
//! fallback, so events without a handler of their own are still logged.
//! A handler that returns `Err` (or panics) fails only its own record, which
//! SQS redelivers and, after `maxReceiveCount`, moves to the dead-letter queue.

#[allow(unused_imports)]
use switchboard::{Event, EventContext, Handler, HandlerError, LogEvent, Registry, Source};

/// The handlers this deployment runs.
pub fn registry() -> Registry {
    Registry::new()
        // .on(Source::Discord, "ENTITLEMENT_CREATE", GrantPremiumRole)
        .fallback(LogEvent)
}
