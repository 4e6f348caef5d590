//! The queue port: ingest hands it an envelope and answers the sender only once
//! it returns `Ok`.
#![cfg_attr(
    feature = "sqs",
    doc = "The SQS adapter lives in [`sqs`] behind the `sqs` feature."
)]
#![cfg_attr(
    not(feature = "sqs"),
    doc = "The SQS adapter lives in `sqs` behind the `sqs` feature."
)]

use std::time::Duration;

use async_trait::async_trait;

use crate::envelope::Envelope;

pub(crate) mod message_text;
#[cfg(feature = "sqs")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqs")))]
pub mod sqs;

/// An SQS message attribute, shown and filterable in the SQS console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttribute {
    /// The attribute's name.
    pub name: &'static str,
    /// Its value; SQS refuses an empty one.
    pub value: String,
}

/// An envelope ready for the queue, with the attributes it is sent with.
#[derive(Debug)]
pub struct QueuedEvent {
    /// The message body.
    pub envelope: Envelope,
    /// The message attributes.
    pub attributes: Vec<MessageAttribute>,
}

/// Why the queue did not take an event; ingest then answers 503.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// No answer came within the deadline.
    #[error("the queue did not accept the event within {0:?}")]
    DeadlineExceeded(Duration),
    /// The queue answered with an error (or the deadline passed after one).
    #[error("the queue refused the event: {0}")]
    Failed(String),
}

/// Where ingest puts accepted events.
#[async_trait]
pub trait EventQueue: Send + Sync {
    /// Puts the event on the queue, retrying as needed, but returns by `deadline`.
    async fn enqueue(&self, event: &QueuedEvent, deadline: Duration) -> Result<(), QueueError>;
}
