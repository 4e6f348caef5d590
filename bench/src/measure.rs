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

pub(crate) async fn measure(
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
