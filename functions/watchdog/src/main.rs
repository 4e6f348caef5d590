//! Cold start: configuration, the HTTP clients and (when a token lives in
//! SSM) the parameter client, once. Then one run of the checks per
//! scheduled event.

use lambda_runtime::Error;
use switchboard::watchdog::WatchdogConfig;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    switchboard::logging::init();
    let metrics = switchboard::telemetry::Metrics::install()?;
    let config = WatchdogConfig::from_env()
        .inspect_err(|error| tracing::error!(%error, "invalid configuration"))?;
    let watchdog = watchdog::build(config)
        .await
        .inspect_err(|error| tracing::error!(%error, "watchdog could not start"))?;
    for notice in watchdog.notices() {
        tracing::info!(%notice, "check skipped");
    }
    watchdog::run(watchdog, metrics).await
}
