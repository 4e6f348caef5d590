//! Cold start: the handler registry, once. Then one thin handler per batch.

use lambda_runtime::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    switchboard::logging::init();
    let concurrency = switchboard::config::processor_concurrency_from_env()
        .inspect_err(|error| tracing::error!(%error, "invalid configuration"))?;
    let registry = processor::handlers::registry()
        .inspect_err(|error| tracing::error!(%error, "invalid handler registry"))?;
    processor::run(registry, concurrency).await
}
