//! One binary under the harness: its cold starts, its CPU per warm
//! invocation in blocks, and its peak memory.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value;
use tokio::process::{Child, Command};

use crate::process::{cpu_micros, peak_rss_kib, ticks_per_second};
use crate::Error;
use switchboard_devkit::runtime_api::{Completion, RuntimeApi};

#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) name: &'static str,
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
}

impl Target {
    pub(crate) fn spawn(&self, api: &RuntimeApi) -> Result<Child, Error> {
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
            .envs(api.lambda_environment(self.name))
            .envs(self.env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        Ok(command.spawn()?)
    }
}

pub(crate) fn expect_204(completion: &Completion, target: &str) -> Result<(), Error> {
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

#[derive(Default)]
pub(crate) struct Figures {
    pub(crate) cold_ms: Vec<f64>,
    /// The cold start less the time the proxy spent waiting on moto.
    pub(crate) cold_own_ms: Vec<f64>,
    pub(crate) cpu_us_per_block: Vec<f64>,
    pub(crate) peak_rss_kib: u64,
    pub(crate) invocations: usize,
    /// Mean time per warm invocation spent waiting on moto.
    pub(crate) sqs_wait_ms: f64,
}

pub(crate) fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

pub(crate) struct Settings {
    /// Idle time between invocations, as between webhooks in production.
    pub(crate) gap: Duration,
    pub(crate) cold_runs: usize,
    pub(crate) warmup: usize,
    pub(crate) blocks: usize,
    pub(crate) block_size: usize,
    pub(crate) total: usize,
}

/// One binary, started and warmed up, waiting for its next block.
struct Running<'a> {
    target: &'a Target,
    api: RuntimeApi,
    child: Child,
    pid: u32,
    figures: Figures,
    done: usize,
    waited_us: u64,
}

/// Measures every target in one run, **interleaved**: the cold starts go
/// round-robin, then all the binaries run side by side, each on its own
/// Runtime API, and each measured block of one is followed by a block of
/// every other (in an order that rotates from block to block). Whatever
/// the shared VM does meanwhile (steal time, a slower moto) falls on every
/// binary's blocks alike, so one run's ratios compare like with like; the
/// paired per-block differences ([`Figures::cpu_us_per_block`], in order)
/// are what the report's differences use.
pub(crate) async fn measure(
    targets: &[&Target],
    event: &Bytes,
    settings: &Settings,
    purge: &(dyn Fn() -> tokio::task::JoinHandle<()> + Sync),
    upstream_wait: &AtomicU64,
) -> Result<Vec<Figures>, Error> {
    let mut cold: Vec<Figures> = targets.iter().map(|_| Figures::default()).collect();
    for _ in 0..settings.cold_runs {
        for (target, figures) in targets.iter().zip(&mut cold) {
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
    }
    purge().await?;

    let idle = settings.gap * (settings.block_size * targets.len().saturating_sub(1)) as u32;
    if idle > Duration::from_secs(240) {
        eprintln!(
            "warning: each binary idles ~{} s while the others run their blocks; the Node peer's fetch of its next event gives up after 300 s (use a smaller --block or --gap-ms)",
            idle.as_secs()
        );
    }
    let ticks = ticks_per_second();
    let mut running = Vec::new();
    for (target, figures) in targets.iter().zip(cold) {
        let mut api = RuntimeApi::start().await?;
        let child = target.spawn(&api)?;
        let pid = child.id().ok_or("no pid")?;
        for _ in 0..settings.warmup {
            expect_204(&api.invoke(event).await?, target.name)?;
        }
        purge().await?;
        running.push(Running {
            target,
            api,
            child,
            pid,
            figures,
            done: settings.warmup,
            waited_us: 0,
        });
    }
    for block in 0..settings.blocks {
        let count = running.len();
        for turn in 0..count {
            let one = &mut running[(block + turn) % count];
            let waited_before = upstream_wait.load(Ordering::Relaxed);
            let before = cpu_micros(one.pid, ticks)?;
            for _ in 0..settings.block_size {
                expect_204(&one.api.invoke(event).await?, one.target.name)?;
                if !settings.gap.is_zero() {
                    tokio::time::sleep(settings.gap).await;
                }
            }
            let after = cpu_micros(one.pid, ticks)?;
            one.waited_us += upstream_wait.load(Ordering::Relaxed) - waited_before;
            one.figures
                .cpu_us_per_block
                // A thread that exited takes its schedstat with it: never wrap.
                .push(after.saturating_sub(before) as f64 / settings.block_size as f64);
            one.done += settings.block_size;
            // moto's SendMessage slows as its queue grows: every block starts
            // against an empty queue.
            purge().await?;
        }
    }
    // The rest of the invocations before peak RSS is read, round-robin too:
    // no binary sits idle for long (the Node peer's `fetch` of its next
    // event gives up after 300 s).
    while running.iter().any(|one| one.done < settings.total) {
        for one in running.iter_mut().filter(|one| one.done < settings.total) {
            let chunk = settings.block_size.min(settings.total - one.done).max(1);
            for _ in 0..chunk {
                expect_204(&one.api.invoke(event).await?, one.target.name)?;
            }
            one.done += chunk;
            purge().await?;
        }
    }
    let mut measured = Vec::new();
    for mut one in running {
        one.figures.sqs_wait_ms =
            one.waited_us as f64 / 1000.0 / (settings.blocks * settings.block_size).max(1) as f64;
        one.figures.peak_rss_kib = peak_rss_kib(one.pid)?;
        one.figures.invocations = one.done;
        one.child.kill().await?;
        purge().await?;
        measured.push(one.figures);
    }
    Ok(measured)
}
