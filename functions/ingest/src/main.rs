//! Cold start: configuration, the SQS client and (when the PluralKit tokens
//! live in SSM) the tokens, once. Then one thin handler.

use lambda_http::Error;
use switchboard::aws::AwsSettings;
use switchboard::IngestConfig;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    switchboard::logging::init();
    let metrics = switchboard::telemetry::Metrics::install()?;
    let config = IngestConfig::from_env()
        .inspect_err(|error| tracing::error!(%error, "invalid configuration"))?;
    for warning in config.warnings() {
        tracing::warn!(warning, "unsafe configuration");
    }
    let aws = AwsSettings::from_env()
        .inspect_err(|error| tracing::error!(%error, "invalid configuration"))?;
    let ingest = ingest::build(config, &aws).await;
    ingest::run(ingest, metrics).await
}
