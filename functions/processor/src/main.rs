//! Cold start: the handler registry, once. Then one thin handler per batch.
#![forbid(unsafe_code)]

use lambda_runtime::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let concurrency = switchboard::config::processor_concurrency_from_env()
        .inspect_err(|error| tracing::error!(%error, "invalid configuration"))?;
    processor::run(processor::handlers::registry(), concurrency).await
}
