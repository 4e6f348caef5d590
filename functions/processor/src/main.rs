//! Cold start: configuration, the handler registry, the idempotency store's
//! and the destinations' clients, once. Then one thin handler per batch.

use lambda_runtime::Error;
use switchboard::ProcessorConfig;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    switchboard::logging::init();
    let metrics = switchboard::telemetry::Metrics::install()?;
    let config = ProcessorConfig::from_env()
        .inspect_err(|error| tracing::error!(%error, "invalid configuration"))?;
    for warning in config.warnings() {
        tracing::warn!(%warning, "configuration");
    }
    let registry = processor::handlers::registry()
        .inspect_err(|error| tracing::error!(%error, "invalid handler registry"))?;
    let processor = processor::build(&config, registry)
        .await
        .inspect_err(|error| tracing::error!(%error, "processor could not start"))?;
    let archive = config.archive_bucket.as_deref().unwrap_or("off");
    tracing::info!(destinations = ?processor.destination_names(), archive, "processor ready");
    processor::run(processor, metrics).await
}
