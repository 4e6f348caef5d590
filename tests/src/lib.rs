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
        .get_or_init(|| workspace_binary("switchboard-cli", "switchboard"))
        .clone()
}

/// A function's binary (`ingest`, `processor`) as its `main` builds it, in
/// the test's own profile, built the first time it is asked for.
pub fn function_binary(name: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<(String, PathBuf)>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap();
    if let Some((_, path)) = built.iter().find(|(known, _)| known == name) {
        return path.clone();
    }
    let path = workspace_binary(name, name);
    built.push((name.to_owned(), path.clone()));
    path
}

/// Builds `bin` of `package` in the profile this test runs in.
fn workspace_binary(package: &str, bin: &str) -> PathBuf {
    // target/<profile>/deps/<test>-… → target/<profile>
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build
        .current_dir(switchboard_devkit::repo_root())
        .args(["build", "--quiet", "-p", package, "--bin", bin]);
    if dir.file_name().is_some_and(|name| name == "release") {
        build.arg("--release");
    }
    let status = build.status().unwrap();
    assert!(status.success(), "building {bin} failed");
    let binary = dir.join(bin);
    assert!(binary.exists(), "{} was not built", binary.display());
    binary
}

/// The processor its `main` builds for the environment `vars` (name, value),
/// with `LogEvent` as the fallback and AWS clients from `sdk`.
pub fn processor_for(vars: &[(&str, &str)], sdk: &aws_config::SdkConfig) -> switchboard::Processor {
    processor_with(
        vars,
        sdk,
        switchboard::Registry::new().fallback(switchboard::LogEvent),
    )
}

/// The processor its `main` builds for the environment `vars`, around the
/// handlers `registry` holds, with AWS clients from `sdk`.
pub fn processor_with(
    vars: &[(&str, &str)],
    sdk: &aws_config::SdkConfig,
    registry: switchboard::RegistryBuilder,
) -> switchboard::Processor {
    let config = switchboard::ProcessorConfig::from_lookup(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
    })
    .unwrap();
    processor::build_with(&config, registry.build().unwrap(), sdk).unwrap()
}

/// A function's binary running under a loopback Runtime API, as Lambda runs
/// it: its own process, its variables, a deadline on every invocation.
pub struct FunctionProcess {
    api: switchboard_devkit::runtime_api::RuntimeApi,
    child: tokio::process::Child,
    output: Arc<std::sync::Mutex<Vec<u8>>>,
}

impl FunctionProcess {
    /// Starts the function `name` (`ingest`, `processor`) with `vars` on top
    /// of Lambda's own, every AWS call going to `aws_endpoint` (moto) unless
    /// a service's own endpoint variable in `vars` says otherwise.
    pub async fn start(name: &str, vars: &[(&str, String)], aws_endpoint: &str) -> Self {
        let program = function_binary(name);
        let api = switchboard_devkit::runtime_api::RuntimeApi::start()
            .await
            .unwrap();
        let mut command = tokio::process::Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(api.lambda_environment(name))
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_ENDPOINT_URL", aws_endpoint)
            .envs(
                vars.iter()
                    .map(|(key, value)| (key.to_string(), value.clone())),
            )
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().unwrap();
        let output = Arc::new(std::sync::Mutex::new(Vec::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
        ]
        .into_iter()
        .flatten()
        {
            let output = Arc::clone(&output);
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt;
                let mut stream = stream;
                let mut buffer = [0u8; 4096];
                while let Ok(read) = stream.read(&mut buffer).await {
                    if read == 0 {
                        break;
                    }
                    output.lock().unwrap().extend_from_slice(&buffer[..read]);
                }
            });
        }
        Self { api, child, output }
    }

    /// Invokes it with `event`, the deadline `deadline` from now; its answer
    /// (`None` when it posted an error instead).
    pub async fn invoke(
        &mut self,
        event: &serde_json::Value,
        deadline: std::time::Duration,
    ) -> Option<serde_json::Value> {
        let body = hyper::body::Bytes::from(serde_json::to_vec(event).unwrap());
        let completion = self
            .api
            .invoke_with_deadline(&body, deadline)
            .await
            .unwrap_or_else(|error| panic!("no answer: {error}\n{}", self.output()));
        (!completion.error).then(|| serde_json::from_slice(&completion.body).unwrap())
    }

    /// What it wrote to stdout and stderr so far.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Stops it.
    pub async fn stop(&mut self) {
        let _ = self.child.kill().await;
    }
}
