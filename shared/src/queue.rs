//! The queue port: ingest hands it an envelope and answers the sender only once
//! it returns `Ok`. The SQS adapter lives in [`sqs`] behind the `sqs` feature.

use std::time::Duration;

use async_trait::async_trait;

use crate::envelope::Envelope;

#[cfg(feature = "sqs")]
pub mod sqs;

/// An SQS message attribute, shown and filterable in the SQS console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttribute {
    pub name: &'static str,
    pub value: String,
}

/// An envelope ready for the queue, with the attributes it is sent with.
#[derive(Debug)]
pub struct QueuedEvent {
    pub envelope: Envelope,
    pub attributes: Vec<MessageAttribute>,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the queue did not accept the event within {0:?}")]
    DeadlineExceeded(Duration),
    #[error("the queue refused the event: {0}")]
    Failed(String),
}

#[async_trait]
pub trait EventQueue: Send + Sync {
    /// Puts the event on the queue, retrying as needed, but returns by `deadline`.
    async fn enqueue(&self, event: &QueuedEvent, deadline: Duration) -> Result<(), QueueError>;
}
