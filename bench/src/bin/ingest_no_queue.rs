//! Diagnostic: the real ingest handler with the queue replaced by a no-op, so
//! the harness can split ingest's cost into "runtime + verify + parse +
//! envelope" and "the SQS send". Not deployable: it acknowledges without a queue.
#![forbid(unsafe_code)]

use std::time::Duration;

use async_trait::async_trait;
use ingest::Ingest;
use lambda_http::Error;
use switchboard::{Config, EventQueue, QueueError, QueuedEvent};

struct DiscardingQueue;

#[async_trait]
impl EventQueue for DiscardingQueue {
    async fn enqueue(&self, event: &QueuedEvent, _deadline: Duration) -> Result<(), QueueError> {
        std::hint::black_box(event.envelope.to_json());
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    ingest::run(Ingest::new(config, DiscardingQueue)).await
}
