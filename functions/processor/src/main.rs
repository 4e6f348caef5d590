//! Cold start: configuration, the handler registry and the idempotency
//! store's client, once. Then one thin handler per batch.

use lambda_runtime::Error;
use switchboard::ProcessorConfig;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    switchboard::logging::init();
    let config = ProcessorConfig::from_env()
        .inspect_err(|error| tracing::error!(%error, "invalid configuration"))?;
    let registry = processor::handlers::registry()
        .inspect_err(|error| tracing::error!(%error, "invalid handler registry"))?;
    processor::run(processor::build(&config, registry).await).await
}
