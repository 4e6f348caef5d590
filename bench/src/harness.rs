//! The Runtime API harness's run: start moto and the proxy, then measure each
//! binary and print the tables BENCHMARKS.md is made from.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use clap::Parser;
use ed25519_dalek::SigningKey;
use switchboard::config::{
    AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL_SQS, AWS_REGION, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
    DISCORD_PUBLIC_KEY, DISCORD_TIMESTAMP_TOLERANCE_SECS, QUEUE_URL,
};
use switchboard::Sender;
use switchboard_devkit::{
    discord_signature_headers, fixture, local_sqs_client, repo_root, HttpRequest, MotoServer,
    RequestShape, LOCAL_REGION,
};

use crate::callgrind::count_invocations;
use crate::instructions::count_send_instructions;
use crate::measure::{measure, Settings, Target};
use crate::process::pin_to_core;
use crate::proxy::keep_alive_proxy;
use crate::report::{report, report_instructions, report_syscalls};
use crate::syscalls::count_syscalls;
use crate::Error;

/// `runtime-bench`: CPU per warm invocation, cold start and peak RSS of the
/// release binaries, side by side, through a loopback Lambda Runtime API.
#[derive(Debug, Parser)]
#[command(name = "runtime-bench")]
pub struct HarnessArgs {
    /// Cold starts per binary.
    #[arg(long, default_value_t = 20)]
    cold_runs: usize,
    /// Idle time between warm invocations, in ms, as between webhooks.
    #[arg(long, default_value_t = 0)]
    gap_ms: u64,
    /// Warm invocations before measuring.
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// Measured blocks; the queue is purged after each.
    #[arg(long, default_value_t = 8)]
    blocks: usize,
    /// Invocations per block.
    #[arg(long = "block", default_value_t = 250)]
    block_size: usize,
    /// Invocations in all, before peak RSS is read.
    #[arg(long, default_value_t = 10_000)]
    total: usize,
    /// Only these binaries (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Another ingest binary to measure in place of `target/release/ingest`.
    #[arg(long)]
    ingest: Option<PathBuf>,
    /// Point the functions at moto itself, one connection per request.
    #[arg(long)]
    direct: bool,
    /// Count `SendMessage`'s instructions under valgrind instead.
    #[arg(long)]
    instructions: bool,
    /// Count each binary's instructions per warm invocation under
    /// callgrind instead, and attribute ingest's (binaries with symbols:
    /// `cargo build --profile profiling`, and `--binaries target/profiling`).
    #[arg(long)]
    callgrind: bool,
    /// Count each binary's system calls per warm invocation under
    /// `strace -c` instead.
    #[arg(long)]
    syscalls: bool,
    /// Where the binaries are (default `target/release`).
    #[arg(long)]
    binaries: Option<PathBuf>,
    /// `KEY=VALUE` added to every function's environment (attribution runs).
    #[arg(long = "env", value_parser = parse_env_pair)]
    env: Vec<(String, String)>,
}

fn parse_env_pair(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {text:?}"))
}

/// The API Gateway event every function gets: a signed Discord
/// `ENTITLEMENT_CREATE`, as ingest receives it in production.
fn signed_event(key: &SigningKey) -> Result<Bytes, Error> {
    let body: serde_json::Value =
        serde_json::from_str(&fixture(Sender::Discord, "ENTITLEMENT_CREATE")?)?;
    let body = body.to_string();
    let ts = Utc::now().timestamp().to_string();
    let request = HttpRequest::post("/discord", body.as_bytes())
        .header("content-type", "application/json")
        .header(
            "user-agent",
            "Discord-Interactions/1.0 (+https://discord.com)",
        )
        .headers(discord_signature_headers(key, &ts, body.as_bytes()));
    Ok(Bytes::from(
        request.to_event(RequestShape::HttpApiV2).to_string(),
    ))
}

/// Runs the harness.
pub async fn run(args: HarnessArgs) -> Result<(), Error> {
    let root = repo_root();
    let release = args
        .binaries
        .clone()
        .unwrap_or_else(|| root.join("target/release"));
    let settings = Settings {
        cold_runs: args.cold_runs,
        gap: Duration::from_millis(args.gap_ms),
        warmup: args.warmup,
        blocks: args.blocks,
        block_size: args.block_size,
        total: args.total,
    };

    let server = MotoServer::start();
    pin_to_core(std::process::id(), 0);
    if let Some(pid) = server.pid() {
        pin_to_core(pid, 0);
    }
    let client = local_sqs_client(&server.endpoint());
    let queue_url = client
        .create_queue()
        .queue_name("bench")
        .send()
        .await?
        .queue_url
        .ok_or("moto gave no queue URL")?;

    let key = SigningKey::from_bytes(&[21; 32]);
    let event = signed_event(&key)?;

    let upstream_wait = Arc::new(AtomicU64::new(0));
    let sqs_endpoint = if args.direct {
        server.endpoint()
    } else {
        let (port, _) = keep_alive_proxy(server.endpoint(), Arc::clone(&upstream_wait)).await?;
        format!("http://127.0.0.1:{port}")
    };
    if args.instructions {
        return count_send_instructions(&release, &sqs_endpoint, &queue_url);
    }
    let mut function_env: Vec<(String, String)> = [
        // Through the proxy too: the Node SDK sends to the queue URL's host
        // (`useQueueUrlAsEndpoint`), not to AWS_ENDPOINT_URL_SQS.
        (
            QUEUE_URL,
            queue_url.replacen(&server.endpoint(), &sqs_endpoint, 1),
        ),
        (
            DISCORD_PUBLIC_KEY,
            hex::encode(key.verifying_key().to_bytes()),
        ),
        (AWS_ENDPOINT_URL_SQS, sqs_endpoint.clone()),
        (AWS_REGION, LOCAL_REGION.to_owned()),
        (AWS_ACCESS_KEY_ID, "testing".to_owned()),
        (AWS_SECRET_ACCESS_KEY, "testing".to_owned()),
        (AWS_SESSION_TOKEN, "testing".to_owned()),
        // One signed event serves the whole run, which can outlast the
        // replay window; the window is not what is measured.
        (DISCORD_TIMESTAMP_TOLERANCE_SECS, "0".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    function_env.extend(args.env.iter().cloned());

    let binary = |name: &'static str, program: PathBuf, extra: &[(&str, &str)]| Target {
        name,
        program,
        args: vec![],
        env: function_env
            .iter()
            .cloned()
            .chain(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .collect(),
    };
    let mut node = binary("node", PathBuf::from("node"), &[]);
    node.args = vec![root.join("bench/node/runtime.js").display().to_string()];
    let targets = [
        binary("hello", release.join("hello"), &[]),
        binary("sdk-floor", release.join("sdk-floor"), &[]),
        binary(
            "sdk-floor-verified",
            release.join("sdk-floor-verified"),
            &[],
        ),
        binary(
            "ingest",
            args.ingest
                .clone()
                .unwrap_or_else(|| release.join("ingest")),
            &[],
        ),
        binary("ingest-no-queue", release.join("ingest-no-queue"), &[]),
        binary(
            "ingest-no-queue-idle",
            release.join("ingest-no-queue"),
            &[("BENCH_QUEUE_WAIT_MS", "20")],
        ),
        binary("ingest-direct", release.join("ingest-direct"), &[]),
        node,
    ];

    let purge_client = client.clone();
    let purge_url = queue_url.clone();
    let purge = move || {
        let client = purge_client.clone();
        let url = purge_url.clone();
        tokio::spawn(async move {
            // A failed purge only slows moto down; the next block purges again.
            let _ = client.purge_queue().queue_url(url).send().await;
        })
    };

    let chosen: Vec<&Target> = targets
        .iter()
        .filter(|t| args.only.is_empty() || args.only.iter().any(|name| name == t.name))
        .collect();
    if args.callgrind {
        // The Node peer is not a native binary callgrind can profile usefully.
        let native: Vec<&Target> = chosen.into_iter().filter(|t| t.name != "node").collect();
        let counted = count_invocations(
            &native,
            &event,
            &root.join("target/callgrind"),
            (20, 220),
            &purge,
        )
        .await?;
        report_instructions(&counted)?;
        return Ok(());
    }
    if args.syscalls {
        let native: Vec<&Target> = chosen.into_iter().filter(|t| t.name != "node").collect();
        let counted = count_syscalls(
            &native,
            &event,
            &root.join("target/strace"),
            (20, 220),
            &purge,
        )
        .await?;
        report_syscalls(&counted);
        return Ok(());
    }

    let names: Vec<&str> = chosen.iter().map(|t| t.name).collect();
    eprintln!(
        "measuring {}, interleaved block by block ...",
        names.join(", ")
    );
    let measured = measure(&chosen, &event, &settings, &purge, &upstream_wait).await?;
    let results: Vec<_> = chosen.iter().map(|t| t.name).zip(measured).collect();
    report(&results, &settings, &release);
    Ok(())
}
