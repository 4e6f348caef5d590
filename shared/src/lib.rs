//! switchboard's domain, as pure code: one module per sender (verification,
//! event types and models, its part of the ingest decision, its
//! configuration), what the senders share (routing, the envelope, the queue
//! port), and the processor's dispatch. Nothing here needs AWS to run; the SQS
//! adapter is behind the `sqs` feature, and each AWS or HTTP adapter behind its own.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod archive;
#[cfg(feature = "sqs")]
pub mod aws;
pub mod builtin;
pub mod config;
pub mod deadline;
pub mod discord;
pub mod envelope;
mod event_type;
pub mod headers;
pub mod held_output;
pub mod ingest;
pub mod interactions;
pub mod json_limits;
mod lenient;
pub mod logging;
pub mod pluralkit;
pub mod processor;
pub mod queue;
pub mod rejection;
pub mod route;
pub mod secrets;
pub mod sender;
pub mod store;
pub mod telemetry;
pub mod timestamp;
#[cfg(feature = "watchdog")]
#[cfg_attr(docsrs, doc(cfg(feature = "watchdog")))]
pub mod watchdog;

pub use builtin::LogEvent;
pub use config::{ConfigError, IngestConfig, ProcessorConfig};
pub use envelope::Envelope;
pub use ingest::{decide, decide_with, Decision, IngestRequest};
pub use processor::{
    process_batch, Delivery, Destination, Event, EventContext, EventKind, Handler, HandlerError,
    Idempotency, IdempotencyStore, Processor, Registry, RegistryBuilder, RegistryError, Sending,
    SETTLE_BUDGET,
};
pub use queue::{EventQueue, MessageAttribute, QueueError, QueuedEvent};
pub use rejection::Rejection;
pub use sender::Sender;
