//! switchboard's domain, as pure code: verification of both senders, their typed
//! events, the queue envelope, configuration, the ingest decision, the queue port
//! and the processor's dispatch. Nothing here needs AWS to run; the SQS adapter is
//! behind the `sqs` feature.
#![forbid(unsafe_code)]

pub mod config;
pub mod discord;
pub mod envelope;
pub mod headers;
pub mod ingest;
pub mod json_limits;
pub mod log_event;
pub mod pluralkit;
pub mod processor;
pub mod queue;
pub mod rejection;
pub mod timestamp;

pub use config::{Config, ConfigError};
pub use envelope::{Envelope, Source};
pub use ingest::{decide, Decision, IngestRequest, Route};
pub use log_event::LogEvent;
pub use processor::{process_batch, Event, EventContext, Handler, HandlerError, Registry};
pub use queue::{EventQueue, MessageAttribute, QueueError, QueuedEvent};
pub use rejection::Rejection;
