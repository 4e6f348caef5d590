//! The functions' CloudWatch metrics, in the Embedded Metric Format (EMF):
//! recorded through the `metrics` facade, written by
//! `metrics_cloudwatch_embedded` as one JSON line per dimension set when the
//! function flushes, once per invocation. Namespace `Switchboard`.
//!
//! Dimensions are only ever a [`Sender`](crate::Sender) and an outcome from a
//! fixed list: never an id, never an event type, so the metric count stays
//! small whatever the traffic.

use std::time::Duration;

use metrics_cloudwatch_embedded::Collector;

/// The CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "Switchboard";

/// Ingest's requests, by `Sender` and `Outcome` (`queued`, `ping`, or the
/// rejection: `bad_signature`, `queue_unavailable`, …).
pub const REQUESTS: &str = "Requests";
/// How long the queue took to take an event, in milliseconds, by `Sender`.
pub const ENQUEUE_LATENCY: &str = "EnqueueLatency";
/// The processor's records, by `Sender` and `Outcome` (`handled`, `failed`,
/// `duplicate`, `unknown`: handled, of a type the models do not know).
pub const EVENTS: &str = "Events";
/// From ingest's acknowledgement to the processor's handling, in
/// milliseconds, by `Sender`.
pub const EVENT_AGE: &str = "EventAge";
/// How long a record's handlers took, in milliseconds, by `Sender`.
pub const HANDLER_DURATION: &str = "HandlerDuration";
/// Milliseconds one batch's archive objects took to write, all of them.
pub const ARCHIVE_DURATION: &str = "ArchiveDuration";

/// The watchdog's failed checks in one run, by `Check` (1 for a check that
/// failed, nothing for one that passed; the run's total under `Check` = `all`).
pub const WATCHDOG_FAILURES: &str = "WatchdogFailures";

/// The dimension naming a watchdog check (a fixed list of names).
pub const CHECK: &str = "Check";
/// The dimension naming the sender (`discord`, `pluralkit`, or `none` when a
/// request names neither / a record cannot be read).
pub const SENDER: &str = "Sender";
/// The dimension naming what happened.
pub const OUTCOME: &str = "Outcome";

/// The process's metrics collector, installed once at cold start.
#[derive(Clone, Copy)]
pub struct Metrics(&'static Collector);

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// Why the collector could not be installed (another recorder is).
#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(String);

impl Metrics {
    /// Installs the EMF collector as this process's `metrics` recorder.
    pub fn install() -> Result<Self, MetricsError> {
        let collector = metrics_cloudwatch_embedded::Builder::new()
            .cloudwatch_namespace(NAMESPACE)
            .init()
            .map_err(|error| MetricsError(error.to_string()))?;
        metrics::describe_histogram!(ENQUEUE_LATENCY, metrics::Unit::Milliseconds, "");
        metrics::describe_histogram!(EVENT_AGE, metrics::Unit::Milliseconds, "");
        metrics::describe_histogram!(HANDLER_DURATION, metrics::Unit::Milliseconds, "");
        metrics::describe_histogram!(ARCHIVE_DURATION, metrics::Unit::Milliseconds, "");
        metrics::describe_counter!(REQUESTS, metrics::Unit::Count, "");
        metrics::describe_counter!(EVENTS, metrics::Unit::Count, "");
        metrics::describe_counter!(WATCHDOG_FAILURES, metrics::Unit::Count, "");
        Ok(Self(collector))
    }

    /// Writes what was recorded since the last flush to `writer`.
    pub fn flush(&self, writer: impl std::io::Write) {
        if let Err(error) = self.0.flush(writer) {
            tracing::warn!(%error, "metrics were not written");
        }
    }

    /// Writes what was recorded since the last flush to stdout, where Lambda
    /// sends it to CloudWatch Logs, which extracts the metrics.
    pub fn flush_to_stdout(&self) {
        self.flush(std::io::stdout().lock());
    }
}

/// One ingest request and how it ended.
pub fn request(sender: &'static str, outcome: &'static str) {
    metrics::counter!(REQUESTS, SENDER => sender, OUTCOME => outcome).increment(1);
}

/// The time one `SendMessage` (retries included) took.
pub fn enqueue_latency(sender: &'static str, took: Duration) {
    metrics::histogram!(ENQUEUE_LATENCY, SENDER => sender).record(millis(took));
}

/// One processed record and how it ended.
pub fn event(sender: &'static str, outcome: &'static str) {
    metrics::counter!(EVENTS, SENDER => sender, OUTCOME => outcome).increment(1);
}

/// A record's age when the processor took it.
pub fn event_age(sender: &'static str, age: Duration) {
    metrics::histogram!(EVENT_AGE, SENDER => sender).record(millis(age));
}

/// The time one record's handlers took.
pub fn handler_duration(sender: &'static str, took: Duration) {
    metrics::histogram!(HANDLER_DURATION, SENDER => sender).record(millis(took));
}

/// The time one batch's archive objects took to write.
pub fn archive_duration(took: Duration) {
    metrics::histogram!(ARCHIVE_DURATION).record(millis(took));
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
