//! Cold start: configuration and the SQS client, once. Then one thin handler.

use ingest::Ingest;
use lambda_http::Error;
use switchboard::queue::sqs::{SqsQueue, SqsSettings};
use switchboard::IngestConfig;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    switchboard::logging::init();
    let config = IngestConfig::from_env()
        .inspect_err(|error| tracing::error!(%error, "invalid configuration"))?;
    for warning in config.warnings() {
        tracing::warn!(warning, "unsafe configuration");
    }
    let sqs = SqsSettings::from_env()
        .inspect_err(|error| tracing::error!(%error, "invalid configuration"))?;
    let queue = SqsQueue::new(SqsQueue::client_for_ingest(&sqs), config.queue_url.clone());
    ingest::run(Ingest::new(config, queue)).await
}
