//! A loopback implementation of the Lambda Runtime API that drives function
//! binaries the way Lambda does, and measures, side by side in one run:
//! CPU per warm invocation (utime + stime from /proc), cold start (spawn to
//! first response) and peak RSS, for the release `ingest` binary, a
//! hello-world `lambda_runtime` binary and the Node peer.
#![forbid(unsafe_code)]

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use ed25519_dalek::SigningKey;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use switchboard::discord::sign_discord_request;
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, Mutex};

type Error = Box<dyn std::error::Error + Send + Sync>;

struct Invocation {
    id: String,
    body: Bytes,
}

struct Completion {
    body: Bytes,
    error: bool,
}

/// One Runtime API endpoint, serving one function process.
struct RuntimeApi {
    port: u16,
    next: mpsc::Sender<Invocation>,
    done: mpsc::UnboundedReceiver<Completion>,
    accept: tokio::task::JoinHandle<()>,
    counter: u64,
}

struct ApiState {
    next: Mutex<mpsc::Receiver<Invocation>>,
    done: mpsc::UnboundedSender<Completion>,
}

async fn serve(
    request: Request<Incoming>,
    state: Arc<ApiState>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let reply = |status: StatusCode| {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = status;
        Ok(response)
    };
    if method == Method::GET && path == "/2018-06-01/runtime/invocation/next" {
        let Some(invocation) = state.next.lock().await.recv().await else {
            return reply(StatusCode::GONE);
        };
        let deadline = (Utc::now().timestamp_millis() + 30_000).to_string();
        let response = Response::builder()
            .header("content-type", "application/json")
            .header("lambda-runtime-aws-request-id", &invocation.id)
            .header("lambda-runtime-deadline-ms", deadline)
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:bench",
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000;Sampled=0",
            )
            .body(Full::new(invocation.body))
            .unwrap_or_default();
        return Ok(response);
    }
    if method == Method::POST && path.starts_with("/2018-06-01/runtime/") {
        let error = path.ends_with("/error");
        let body = request
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let _ = state.done.send(Completion { body, error });
        return reply(StatusCode::ACCEPTED);
    }
    reply(StatusCode::NOT_FOUND)
}

impl RuntimeApi {
    async fn start() -> Result<Self, Error> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let (next_tx, next_rx) = mpsc::channel(1);
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let state = Arc::new(ApiState {
            next: Mutex::new(next_rx),
            done: done_tx,
        });
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        serve(request, Arc::clone(&state))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            port,
            next: next_tx,
            done: done_rx,
            accept,
            counter: 0,
        })
    }

    async fn invoke(&mut self, body: &Bytes) -> Result<Completion, Error> {
        self.counter += 1;
        self.next
            .send(Invocation {
                id: format!("req-{}", self.counter),
                body: body.clone(),
            })
            .await?;
        tokio::time::timeout(Duration::from_secs(60), self.done.recv())
            .await?
            .ok_or_else(|| "runtime API closed".into())
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// An HTTP/1.1 keep-alive front for moto, which closes every connection
/// (Werkzeug answers `Connection: close`). Real SQS endpoints keep connections
/// alive, so without this each `SendMessage` would also pay a TCP connect that
/// production does not. The proxy's own work is the harness's CPU, not the
/// function's.
///
/// Both sides set `TCP_NODELAY`: without it, Nagle's algorithm meeting the
/// peer's delayed ACK held each answer back ~40 ms, and a function that idles
/// that long between invocations runs every one of them on cold caches.
///
/// It also adds up the time spent waiting on moto (`upstream_wait`), so the
/// cold start can be shown without the SQS server's own response time.
async fn keep_alive_proxy(
    target: String,
    upstream_wait: Arc<AtomicU64>,
) -> Result<(u16, tokio::task::JoinHandle<()>), Error> {
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::client::legacy::Client;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<_, Full<Bytes>> =
        Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let client = client.clone();
            let target = target.clone();
            let upstream_wait = Arc::clone(&upstream_wait);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let client = client.clone();
                    let target = target.clone();
                    let upstream_wait = Arc::clone(&upstream_wait);
                    async move {
                        let (mut parts, body) = request.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let path = parts
                            .uri
                            .path_and_query()
                            .map_or("/", |p| p.as_str())
                            .to_owned();
                        parts.uri = format!("{target}{path}").parse().unwrap_or_default();
                        parts.headers.remove("connection");
                        let started = Instant::now();
                        let upstream = client
                            .request(Request::from_parts(parts, Full::new(body)))
                            .await;
                        let response = match upstream {
                            Ok(response) => {
                                let (mut parts, body) = response.into_parts();
                                parts.headers.remove("connection");
                                let body = body
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                let waited = started.elapsed().as_micros() as u64;
                                upstream_wait.fetch_add(waited, Ordering::Relaxed);
                                Response::from_parts(parts, Full::new(body))
                            }
                            Err(_) => {
                                let mut response = Response::new(Full::new(Bytes::new()));
                                *response.status_mut() = StatusCode::BAD_GATEWAY;
                                response
                            }
                        };
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((port, task))
}

#[derive(Clone)]
struct Target {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Target {
    fn spawn(&self, api: &RuntimeApi) -> Result<Child, Error> {
        // The measured function gets core 1 to itself; the harness, the proxy
        // and moto share core 0 (see `pin_to_core`).
        let mut command = Command::new("taskset");
        command
            .arg("-c")
            .arg("1")
            .arg(&self.program)
            .args(&self.args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{}", api.port))
            .env("AWS_LAMBDA_FUNCTION_NAME", self.name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .envs(self.env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        Ok(command.spawn()?)
    }
}

fn expect_204(completion: &Completion, target: &str) -> Result<(), Error> {
    let body: Value = serde_json::from_slice(&completion.body).unwrap_or(Value::Null);
    if completion.error || body["statusCode"] != 204 {
        return Err(format!(
            "{target} answered {}",
            String::from_utf8_lossy(&completion.body)
        )
        .into());
    }
    Ok(())
}

/// utime + stime of a live process, in microseconds. The tick-based figure
/// from /proc/PID/stat covers threads that have exited; the per-thread
/// schedstat figures are exact to the nanosecond. Both are read, and the
/// larger is used, so neither exited threads nor tick rounding flatter a result.
fn cpu_micros(pid: u32, ticks_per_second: u64) -> Result<u64, Error> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("bad /proc stat")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    let from_ticks = ticks * 1_000_000 / ticks_per_second;
    let mut from_schedstat = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let schedstat = std::fs::read_to_string(task?.path().join("schedstat")).unwrap_or_default();
        from_schedstat += schedstat
            .split_whitespace()
            .next()
            .and_then(|ns| ns.parse::<u64>().ok())
            .unwrap_or(0)
            / 1000;
    }
    Ok(from_ticks.max(from_schedstat))
}

fn pin_to_core(pid: u32, core: u32) {
    let _ = std::process::Command::new("taskset")
        .args(["-a", "-p", "-c", &core.to_string(), &pid.to_string()])
        .stdout(Stdio::null())
        .status();
}

fn peak_rss_kib(pid: u32) -> Result<u64, Error> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or("no VmHWM")?;
    Ok(line.split_whitespace().nth(1).ok_or("bad VmHWM")?.parse()?)
}

fn ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

#[derive(Default)]
struct Figures {
    cold_ms: Vec<f64>,
    /// The cold start less the time the proxy spent waiting on moto.
    cold_own_ms: Vec<f64>,
    cpu_us_per_block: Vec<f64>,
    peak_rss_kib: u64,
    invocations: usize,
    /// Mean time per warm invocation spent waiting on moto.
    sqs_wait_ms: f64,
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

struct Settings {
    /// Idle time between invocations, as between webhooks in production.
    gap: Duration,
    cold_runs: usize,
    warmup: usize,
    blocks: usize,
    block_size: usize,
    total: usize,
}

async fn measure(
    target: &Target,
    event: &Bytes,
    settings: &Settings,
    purge: &(dyn Fn() -> tokio::task::JoinHandle<()> + Sync),
    upstream_wait: &AtomicU64,
) -> Result<Figures, Error> {
    let mut figures = Figures::default();
    for _ in 0..settings.cold_runs {
        let mut api = RuntimeApi::start().await?;
        let waited_before = upstream_wait.load(Ordering::Relaxed);
        let started = Instant::now();
        let mut child = target.spawn(&api)?;
        let completion = api.invoke(event).await?;
        let cold_ms = started.elapsed().as_secs_f64() * 1000.0;
        let waited_ms = (upstream_wait.load(Ordering::Relaxed) - waited_before) as f64 / 1000.0;
        figures.cold_ms.push(cold_ms);
        figures.cold_own_ms.push(cold_ms - waited_ms);
        expect_204(&completion, target.name)?;
        child.kill().await?;
    }
    purge().await?;

    let ticks = ticks_per_second();
    let mut api = RuntimeApi::start().await?;
    let mut child = target.spawn(&api)?;
    let pid = child.id().ok_or("no pid")?;
    for _ in 0..settings.warmup {
        expect_204(&api.invoke(event).await?, target.name)?;
    }
    let mut done = settings.warmup;
    let waited_before = upstream_wait.load(Ordering::Relaxed);
    for _ in 0..settings.blocks {
        let before = cpu_micros(pid, ticks)?;
        for _ in 0..settings.block_size {
            expect_204(&api.invoke(event).await?, target.name)?;
            if !settings.gap.is_zero() {
                tokio::time::sleep(settings.gap).await;
            }
        }
        let after = cpu_micros(pid, ticks)?;
        figures
            .cpu_us_per_block
            .push((after - before) as f64 / settings.block_size as f64);
        done += settings.block_size;
        purge().await?;
    }
    figures.sqs_wait_ms = (upstream_wait.load(Ordering::Relaxed) - waited_before) as f64
        / 1000.0
        / (settings.blocks * settings.block_size) as f64;
    while done < settings.total {
        expect_204(&api.invoke(event).await?, target.name)?;
        done += 1;
        // moto's SendMessage slows as its queue grows; keep it short.
        if done.is_multiple_of(settings.block_size) {
            purge().await?;
        }
    }
    figures.peak_rss_kib = peak_rss_kib(pid)?;
    figures.invocations = done;
    child.kill().await?;
    purge().await?;
    Ok(figures)
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn file_size_mib(path: &Path) -> f64 {
    std::fs::metadata(path)
        .map(|m| m.len() as f64 / (1024.0 * 1024.0))
        .unwrap_or(f64::NAN)
}

/// Instructions (valgrind's callgrind) of the SDK's `SendMessage` and of the
/// direct diagnostic: per call, and for start-up plus the first call. Unlike
/// time, instruction counts do not move with the machine's noise. Counted as
/// the difference between runs of 61 and 11 sends.
fn count_send_instructions(release: &Path, endpoint: &str, queue_url: &str) -> Result<(), Error> {
    let count = |program: &str, sends: u64| -> Result<u64, Error> {
        let output = std::process::Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(release.join(program))
            .args([endpoint, queue_url, &sends.to_string()])
            .output()?;
        if !output.status.success() {
            return Err(format!("{program}: {}", String::from_utf8_lossy(&output.stderr)).into());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let refs = stderr
            .lines()
            .find_map(|line| {
                line.split_once("refs:")
                    .map(|(_, n)| n.trim().replace(',', ""))
            })
            .ok_or("no instruction count from valgrind")?;
        Ok(refs.parse()?)
    };
    println!("| Client | Instructions per SendMessage | Start-up + first SendMessage |");
    println!("|---|---|---|");
    for program in ["sqs-send", "sqs-send-direct"] {
        let (few, many) = (count(program, 11)?, count(program, 61)?);
        let per_call = (many - few) / 50;
        println!(
            "| {program} | {per_call} | {} |",
            few.saturating_sub(10 * per_call)
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let root = switchboard_tests::repo_root();
    let release = root.join("target/release");
    let settings = Settings {
        cold_runs: arg("--cold-runs")
            .and_then(|v| v.parse().ok())
            .unwrap_or(20),
        gap: Duration::from_millis(arg("--gap-ms").and_then(|v| v.parse().ok()).unwrap_or(0)),
        warmup: 200,
        blocks: arg("--blocks").and_then(|v| v.parse().ok()).unwrap_or(8),
        block_size: arg("--block").and_then(|v| v.parse().ok()).unwrap_or(250),
        total: arg("--total")
            .and_then(|v| v.parse().ok())
            .unwrap_or(10_000),
    };
    let only: Option<String> = arg("--only");

    let server = switchboard_tests::MotoServer::start();
    pin_to_core(std::process::id(), 0);
    if let Some(pid) = server.pid() {
        pin_to_core(pid, 0);
    }
    let client = switchboard_tests::sqs_client(&server.endpoint());
    let queue_url = client
        .create_queue()
        .queue_name("bench")
        .send()
        .await?
        .queue_url
        .unwrap_or_default();

    let key = SigningKey::from_bytes(&[21; 32]);
    let body = std::fs::read_to_string(root.join("fixtures/discord/ENTITLEMENT_CREATE.json"))?;
    let body = serde_json::to_string(&serde_json::from_str::<Value>(&body)?)?;
    let ts = Utc::now().timestamp().to_string();
    let signature = sign_discord_request(&key, &ts, body.as_bytes());
    let event = json!({
        "version": "2.0", "routeKey": "POST /discord", "rawPath": "/discord", "rawQueryString": "",
        "headers": {"content-type": "application/json", "user-agent": "Discord-Interactions/1.0 (+https://discord.com)",
            "x-signature-ed25519": signature, "x-signature-timestamp": ts},
        "requestContext": {"accountId": "123456789012", "apiId": "api", "domainName": "api.example", "domainPrefix": "api",
            "http": {"method": "POST", "path": "/discord", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "Discord"},
            "requestId": "r", "routeKey": "POST /discord", "stage": "$default", "time": "", "timeEpoch": 0},
        "body": body, "isBase64Encoded": false
    });
    let event = Bytes::from(event.to_string());

    // `--direct` points the functions at moto itself, connection-per-request.
    let upstream_wait = Arc::new(AtomicU64::new(0));
    let sqs_endpoint = if std::env::args().any(|a| a == "--direct") {
        server.endpoint()
    } else {
        let (port, _) = keep_alive_proxy(server.endpoint(), Arc::clone(&upstream_wait)).await?;
        format!("http://127.0.0.1:{port}")
    };
    if std::env::args().any(|a| a == "--instructions") {
        return count_send_instructions(&release, &sqs_endpoint, &queue_url);
    }
    let function_env = vec![
        // Through the proxy too: the Node SDK sends to the queue URL's host
        // (`useQueueUrlAsEndpoint`), not to AWS_ENDPOINT_URL_SQS.
        (
            "QUEUE_URL".to_string(),
            queue_url.replacen(&server.endpoint(), &sqs_endpoint, 1),
        ),
        (
            "DISCORD_PUBLIC_KEY".to_string(),
            hex::encode(key.verifying_key().to_bytes()),
        ),
        ("AWS_ENDPOINT_URL_SQS".to_string(), sqs_endpoint.clone()),
        ("AWS_REGION".to_string(), "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID".to_string(), "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), "testing".to_string()),
        ("AWS_SESSION_TOKEN".to_string(), "testing".to_string()),
    ];
    // `--env KEY=VALUE` adds to every function's environment (for attribution runs).
    let mut function_env = function_env;
    let args: Vec<String> = std::env::args().collect();
    for pair in args
        .windows(2)
        .filter(|w| w[0] == "--env")
        .map(|w| w[1].clone())
    {
        if let Some((key, value)) = pair.split_once('=') {
            function_env.push((key.to_owned(), value.to_owned()));
        }
    }
    let targets = [
        Target {
            name: "hello",
            program: release.join("hello"),
            args: vec![],
            env: function_env.clone(),
        },
        Target {
            name: "ingest",
            program: arg("--ingest")
                .map(PathBuf::from)
                .unwrap_or_else(|| release.join("ingest")),
            args: vec![],
            env: function_env.clone(),
        },
        Target {
            name: "ingest-no-queue",
            program: release.join("ingest-no-queue"),
            args: vec![],
            env: function_env.clone(),
        },
        Target {
            name: "ingest-no-queue-idle",
            program: release.join("ingest-no-queue"),
            args: vec![],
            env: [
                function_env.clone(),
                vec![("BENCH_QUEUE_WAIT_MS".to_string(), "20".to_string())],
            ]
            .concat(),
        },
        Target {
            name: "ingest-direct",
            program: release.join("ingest-direct"),
            args: vec![],
            env: function_env.clone(),
        },
        Target {
            name: "node",
            program: PathBuf::from("node"),
            args: vec![root.join("bench/node/runtime.js").display().to_string()],
            env: function_env.clone(),
        },
    ];

    let purge_client = client.clone();
    let purge_url = queue_url.clone();
    let purge = move || {
        let client = purge_client.clone();
        let url = purge_url.clone();
        tokio::spawn(async move {
            let _ = client.purge_queue().queue_url(url).send().await;
        })
    };

    let mut results = Vec::new();
    for target in targets.iter().filter(|t| {
        only.as_deref()
            .is_none_or(|o| o.split(",").any(|name| name == t.name))
    }) {
        eprintln!("measuring {} ...", target.name);
        let figures = measure(target, &event, &settings, &purge, &upstream_wait).await?;
        results.push((target.name, figures));
    }

    println!("| Binary | Cold start median (ms) | p90 (ms) | Cold start less moto's own time, median (ms) | p90 (ms) | CPU per warm invocation median (µs) | spread min–max (µs) | Peak RSS after {} invocations (MiB) | Mean wait on moto per warm invocation (ms) |", settings.total);
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, figures) in &results {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | {:.0}–{:.0} | {:.1} | {:.1} |",
            percentile(&figures.cold_ms, 0.5),
            percentile(&figures.cold_ms, 0.9),
            percentile(&figures.cold_own_ms, 0.5),
            percentile(&figures.cold_own_ms, 0.9),
            percentile(&figures.cpu_us_per_block, 0.5),
            percentile(&figures.cpu_us_per_block, 0.0),
            percentile(&figures.cpu_us_per_block, 1.0),
            figures.peak_rss_kib as f64 / 1024.0,
            figures.sqs_wait_ms,
        );
    }
    let find = |name: &str| results.iter().find(|(n, _)| *n == name).map(|(_, f)| f);
    if let (Some(hello), Some(ingest)) = (find("hello"), find("ingest")) {
        let extra =
            percentile(&ingest.cpu_us_per_block, 0.5) - percentile(&hello.cpu_us_per_block, 0.5);
        let cold = percentile(&ingest.cold_ms, 0.5) / percentile(&hello.cold_ms, 0.5);
        let cold_own = percentile(&ingest.cold_own_ms, 0.5) / percentile(&hello.cold_own_ms, 0.5);
        println!();
        println!("ingest CPU − hello CPU: {extra:.0} µs per invocation (target ≤ 250)");
        println!("ingest cold start / hello: {cold:.2}× (target ≤ 1.5×)");
        println!("ingest cold start less moto's own time / hello: {cold_own:.2}×");
        println!(
            "ingest peak RSS: {:.1} MiB (target ≤ 24)",
            ingest.peak_rss_kib as f64 / 1024.0
        );
        if let Some(node) = find("node") {
            println!(
                "ingest CPU / node: {:.3}× (target ≤ 0.1×)",
                percentile(&ingest.cpu_us_per_block, 0.5) / percentile(&node.cpu_us_per_block, 0.5)
            );
            println!(
                "ingest cold start / node: {:.3}× (target ≤ 0.1×)",
                percentile(&ingest.cold_ms, 0.5) / percentile(&node.cold_ms, 0.5)
            );
            println!(
                "ingest peak RSS / node: {:.3}×",
                ingest.peak_rss_kib as f64 / node.peak_rss_kib as f64
            );
        }
    }
    println!();
    println!(
        "Binary sizes (x86_64 release): ingest {:.1} MiB, processor {:.1} MiB, hello {:.1} MiB",
        file_size_mib(&release.join("ingest")),
        file_size_mib(&release.join("processor")),
        file_size_mib(&release.join("hello"))
    );
    Ok(())
}
