//! What switchboard does with events without any code of yours: the
//! [`LogEvent`] handler, and the destinations configuration turns on, each
//! behind its cargo feature so the pure crate stays pure:
//!
#![cfg_attr(
    feature = "eventbridge",
    doc = "- [`event_bus`] (`eventbridge`): every event on an EventBridge bus;"
)]
#![cfg_attr(
    not(feature = "eventbridge"),
    doc = "- `event_bus` (`eventbridge`): every event on an EventBridge bus;"
)]
#![cfg_attr(
    feature = "forward",
    doc = "- [`forward`] (`forward`): every event POSTed to a URL, signed per Standard Webhooks."
)]
#![cfg_attr(
    not(feature = "forward"),
    doc = "- `forward` (`forward`): every event POSTed to a URL, signed per Standard Webhooks."
)]

pub mod config;
#[cfg(feature = "eventbridge")]
#[cfg_attr(docsrs, doc(cfg(feature = "eventbridge")))]
pub mod event_bus;
#[cfg(feature = "forward")]
#[cfg_attr(docsrs, doc(cfg(feature = "forward")))]
pub mod forward;
mod log_event;

pub use config::{
    DestinationsConfig, EventBusConfig, ForwardConfig, ForwardSecret, SecretSetting, TypeFilter,
};
pub use log_event::LogEvent;
