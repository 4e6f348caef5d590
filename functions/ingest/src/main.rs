//! Cold start: configuration and the SQS client, once. Then one thin handler.

use ingest::Ingest;
use lambda_http::Error;
use switchboard::queue::sqs::{SqsQueue, SqsSettings};
use switchboard::IngestConfig;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = IngestConfig::from_env()
        .inspect_err(|error| tracing::error!(%error, "invalid configuration"))?;
    let sqs = SqsSettings::from_env()
        .inspect_err(|error| tracing::error!(%error, "invalid configuration"))?;
    let queue = SqsQueue::new(SqsQueue::client_for_ingest(&sqs), config.queue_url.clone());
    ingest::run(Ingest::new(config, queue)).await
}
