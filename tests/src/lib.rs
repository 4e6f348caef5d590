//! What only the integration tests need: loopback stand-ins for a failing SQS
//! endpoint, and a look at a whole queue. Everything shared with the CLI and
//! the benchmarks is in `switchboard-devkit`.
// A test harness: failing loudly on a broken setup is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod proxy;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Reads every message on a queue (up to 2,000) without deleting any; they
/// stay hidden for 30 s, long enough for the test to look at them.
pub async fn drain_view(
    client: &aws_sdk_sqs::Client,
    queue_url: &str,
) -> Vec<aws_sdk_sqs::types::Message> {
    switchboard_devkit::receive_up_to(client, queue_url, 2_000, 30)
        .await
        .unwrap_or_else(|e| panic!("receive: {e}"))
}

use std::sync::Arc;

use ingest::Ingest;
use lambda_http::{Context, LambdaEvent};
use switchboard::EventQueue;
use switchboard_devkit::{Answer, HttpRequest, RequestShape};

/// Drives ingest exactly as the Lambda runtime does: the raw event in, the
/// serialized response out.
pub trait DriveIngest {
    /// Sends `request` as an HTTP API (payload 2.0) event, as the template deploys.
    fn answer(&self, request: HttpRequest) -> impl std::future::Future<Output = Answer> {
        self.answer_in(RequestShape::HttpApiV2, request)
    }

    /// Sends `request` in the given event shape.
    fn answer_in(
        &self,
        shape: RequestShape,
        request: HttpRequest,
    ) -> impl std::future::Future<Output = Answer>;
}

impl<Q: EventQueue + 'static> DriveIngest for Arc<Ingest<Q>> {
    async fn answer_in(&self, shape: RequestShape, request: HttpRequest) -> Answer {
        self.answer_event(request.to_event(shape)).await
    }
}

impl<Q: EventQueue + 'static> AnswerEvent for Arc<Ingest<Q>> {
    async fn answer_event(&self, event: serde_json::Value) -> Answer {
        let event = LambdaEvent::new(serde_json::from_value(event).unwrap(), Context::default());
        let response = Arc::clone(self).call(event).await.unwrap();
        Answer::of(&response).unwrap()
    }
}

/// Drives ingest with a raw Lambda event JSON.
pub trait AnswerEvent {
    /// The answer to one raw event.
    fn answer_event(&self, event: serde_json::Value) -> impl std::future::Future<Output = Answer>;
}

/// The `switchboard` CLI, built by this test (in the test's own profile) the
/// first time it is asked for, so plain `cargo test` works on a fresh checkout.
pub fn cli_binary() -> PathBuf {
    // What the CLI runs (moto, cargo-lambda) comes from `.venv/`.
    switchboard_devkit::tools::ensure_installed();
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            // target/<profile>/deps/<test>-… → target/<profile>
            let exe = std::env::current_exe().unwrap();
            let dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
            let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            build.current_dir(switchboard_devkit::repo_root()).args([
                "build",
                "--quiet",
                "-p",
                "switchboard-cli",
                "--bin",
                "switchboard",
            ]);
            if dir.file_name().is_some_and(|name| name == "release") {
                build.arg("--release");
            }
            let status = build.status().unwrap();
            assert!(status.success(), "building the CLI failed");
            let binary = dir.join("switchboard");
            assert!(binary.exists(), "{} was not built", binary.display());
            binary
        })
        .clone()
}

/// The processor its `main` builds for the environment `vars` (name, value),
/// with `LogEvent` as the fallback and AWS clients from `sdk`.
pub fn processor_for(vars: &[(&str, &str)], sdk: &aws_config::SdkConfig) -> switchboard::Processor {
    let config = switchboard::ProcessorConfig::from_lookup(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
    })
    .unwrap();
    let registry = switchboard::Registry::new()
        .fallback(switchboard::LogEvent)
        .build()
        .unwrap();
    processor::build_with(&config, registry, sdk).unwrap()
}
