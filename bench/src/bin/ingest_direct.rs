//! Diagnostic: the real ingest handler with the SDK's `SendMessage` replaced by
//! [`DirectSqs`], so the harness shows what the whole invocation would cost
//! without the SDK's orchestrator. Not deployable: plain HTTP, no retries.

use ingest::Ingest;
use lambda_http::Error;
use switchboard::IngestConfig;
use switchboard_bench::direct_sqs::DirectSqs;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    switchboard::logging::init();
    let config = IngestConfig::from_env()?;
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let queue = DirectSqs::new(
        &var("AWS_ENDPOINT_URL_SQS")?,
        &config.queue_url,
        &var("AWS_REGION")?,
        &var("AWS_ACCESS_KEY_ID")?,
        &var("AWS_SECRET_ACCESS_KEY")?,
    );
    ingest::run(
        Ingest::new(config, queue),
        switchboard::telemetry::Metrics::install()?,
    )
    .await
}
