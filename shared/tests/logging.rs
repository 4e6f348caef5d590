#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The functions' log setup: no level or target setting lets the runtime, the
//! SDKs or hyper print a raw event or a body at TRACE.

use switchboard::logging::{subscriber, LogSettings};
use switchboard_devkit::CapturedLog;

fn logged_at(directives: &str, json: bool) -> String {
    let captured = CapturedLog::default();
    let settings = LogSettings {
        directives: directives.to_owned(),
        json,
    };
    let subscriber = subscriber(&settings, captured.writer());
    tracing::subscriber::with_default(subscriber, || {
        tracing::trace!(target: "lambda_runtime::layers::api_response", body = "SECRET-TOKEN", "raw JSON event received from Lambda");
        tracing::trace!(target: "aws_smithy_runtime::client", body = "SECRET-BODY", "request");
        tracing::trace!(target: "aws_config::profile", value = "SECRET-CONFIG", "loaded");
        tracing::trace!(target: "hyper_util::client", body = "SECRET-HYPER", "sent");
        tracing::trace!(target: "switchboard::ingest", "own trace line");
        tracing::debug!(target: "lambda_runtime::runtime", "runtime debug line");
    });
    captured.text()
}

#[test]
fn no_level_or_target_setting_lets_a_raw_event_through() {
    for directives in [
        "trace",
        "lambda_runtime=trace",
        "lambda_runtime::layers::api_response=trace,aws_smithy_runtime=trace",
        "aws_config=trace,hyper_util=trace",
    ] {
        for json in [false, true] {
            let text = logged_at(directives, json);
            assert!(!text.contains("SECRET"), "{directives}: {text}");
        }
    }
    let text = logged_at("trace", false);
    assert!(
        text.contains("own trace line"),
        "our own TRACE stays: {text}"
    );
    assert!(
        text.contains("runtime debug line"),
        "their DEBUG stays: {text}"
    );
}
