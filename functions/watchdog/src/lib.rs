//! The watchdog Lambda adapter: any scheduled event starts one run of
//! [`switchboard::watchdog::Watchdog`]; each failed check is one log line
//! saying what to do, and the run is one flush of `WatchdogFailures`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};
use switchboard::secrets::ssm::SsmSecrets;
use switchboard::secrets::SecretStore;
use switchboard::telemetry::Metrics;
use switchboard::watchdog::{
    record_metrics, ApiTokenSource, Outcome, Report, Watchdog, WatchdogConfig, WatchdogError,
};

/// The watchdog for `config`, with an SSM client only when a token is read
/// from a parameter (the function may read only those two).
pub async fn build(config: WatchdogConfig) -> Result<Watchdog, WatchdogError> {
    let needs_ssm = [&config.discord_bot_token, &config.pluralkit_api_token]
        .iter()
        .any(|source| matches!(source, ApiTokenSource::Parameter(_)));
    let secrets = if needs_ssm {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Some(Arc::new(SsmSecrets::new(SsmSecrets::client(&aws))) as Arc<dyn SecretStore>)
    } else {
        None
    };
    Watchdog::new(config, secrets)
}

/// Logs the run: a line per failed check with its remedy, a warning per
/// warned one, and a summary. No token, signature or body is in any of them.
pub fn log_report(report: &Report) {
    for finding in &report.findings {
        match finding.outcome {
            Outcome::Failed => tracing::error!(
                check = finding.check.as_str(),
                detail = %finding.detail,
                what_to_do = finding.check.remedy(),
                "watchdog check failed: {}",
                finding.check.what()
            ),
            Outcome::Warned => tracing::warn!(
                check = finding.check.as_str(),
                detail = %finding.detail,
                what_to_do = finding.check.remedy(),
                "watchdog check warned: {}",
                finding.check.what()
            ),
            Outcome::Passed | Outcome::Skipped => {}
        }
    }
    let failures = report.failures().count();
    tracing::info!(
        checks = report.findings.len(),
        failures,
        "watchdog run done"
    );
}

/// The invocation's answer: the failed and passed checks by name.
pub fn summary(report: &Report) -> Value {
    let named = |outcome: Outcome| -> Vec<&str> {
        report
            .findings
            .iter()
            .filter(|finding| finding.outcome == outcome)
            .map(|finding| finding.check.as_str())
            .collect()
    };
    json!({
        "failures": report.failures().count(),
        "failed": named(Outcome::Failed),
        "warned": named(Outcome::Warned),
        "passed": named(Outcome::Passed),
        "skipped": named(Outcome::Skipped),
    })
}

/// Serves scheduled events until the runtime stops: whatever the event
/// (EventBridge's, the Scheduler's, a test's), one run.
pub async fn run(watchdog: Watchdog, metrics: Metrics) -> Result<(), Error> {
    let watchdog = &watchdog;
    // Tenants take turns by run; counted from the clock so a cold start does
    // not begin with the same tenant every time.
    let runs = &AtomicU64::new(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs() / 60),
    );
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        let report = watchdog.run(runs.fetch_add(1, Ordering::Relaxed)).await?;
        log_report(&report);
        record_metrics(&report);
        metrics.flush_to_stdout();
        Ok::<Value, Error>(summary(&report))
    }))
    .await
}
