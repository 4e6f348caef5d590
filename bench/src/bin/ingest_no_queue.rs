//! Diagnostic: the real ingest handler with the queue replaced by a no-op, so
//! the harness can split ingest's cost into "runtime + verify + parse +
//! envelope" and "the SQS send". Not deployable: it acknowledges without a queue.
//!
//! `BENCH_QUEUE_WAIT_MS=N` makes the discarding queue idle N ms, as if waiting
//! on SQS, with no work: it prices what merely waiting costs a function on
//! this machine (caches and predictors gone cold by the time it resumes).

use std::time::Duration;

use async_trait::async_trait;
use ingest::Ingest;
use lambda_http::Error;
use switchboard::{EventQueue, IngestConfig, QueueError, QueuedEvent};

struct DiscardingQueue {
    wait: Duration,
}

#[async_trait]
impl EventQueue for DiscardingQueue {
    async fn enqueue(&self, event: &QueuedEvent, _deadline: Duration) -> Result<(), QueueError> {
        std::hint::black_box(event.envelope.to_json());
        if !self.wait.is_zero() {
            tokio::time::sleep(self.wait).await;
        }
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    switchboard::logging::init();
    let config = IngestConfig::from_env()?;
    let wait_ms = std::env::var("BENCH_QUEUE_WAIT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0);
    let queue = DiscardingQueue {
        wait: Duration::from_millis(wait_ms),
    };
    ingest::run(
        Ingest::new(config, queue),
        switchboard::telemetry::Metrics::install()?,
    )
    .await
}
