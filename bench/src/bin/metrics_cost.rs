//! `metrics-cost`: the CPU the EMF metrics add to one invocation, measured
//! alone: the harness's whole-invocation figure varies by more than the 20 µs
//! budget between runs, so the metrics are timed by themselves here, exactly
//! as the functions record and flush them (into a sink instead of stdout, so
//! the terminal is not measured).
//!
//! - ingest: one `Requests` count and one `EnqueueLatency` sample, then a flush;
//! - processor: a batch of 10: 10 `Events` counts, 10 `EventAge` and 10
//!   `HandlerDuration` samples, then a flush.
//!
//! `metrics-cost [INVOCATIONS]` (default 20000)

use std::time::{Duration, Instant};

use switchboard::telemetry::{self, Metrics};
use switchboard_bench::Error;

fn cpu_now() -> Duration {
    // The process's CPU time (user + system), from /proc: the bench runs on one thread.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|t| t.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15; after the `)` they are 11 and 12.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn measure(invocations: u32, invocation: impl Fn()) -> (Duration, Duration) {
    for _ in 0..1_000 {
        invocation();
    }
    let (wall, cpu) = (Instant::now(), cpu_now());
    for _ in 0..invocations {
        invocation();
    }
    (
        wall.elapsed() / invocations,
        (cpu_now() - cpu) / invocations,
    )
}

fn main() -> Result<(), Error> {
    let invocations: u32 = std::env::args().nth(1).map_or(Ok(20_000), |n| n.parse())?;
    let metrics = Metrics::install()?;
    let ingest = measure(invocations, || {
        telemetry::request("discord", "queued");
        telemetry::enqueue_latency("discord", Duration::from_micros(4_200));
        metrics.flush(std::io::sink());
    });
    let processor = measure(invocations, || {
        for _ in 0..10 {
            telemetry::event("pluralkit", "handled");
            telemetry::event_age("pluralkit", Duration::from_millis(830));
            telemetry::handler_duration("pluralkit", Duration::from_micros(35));
        }
        metrics.flush(std::io::sink());
    });
    println!("| EMF metrics per invocation ({invocations} invocations) | Wall | CPU |");
    println!("|---|---|---|");
    for (name, (wall, cpu)) in [
        ("ingest (1 request)", ingest),
        ("processor (batch of 10)", processor),
    ] {
        println!(
            "| {name} | {:.1} µs | {:.1} µs |",
            wall.as_secs_f64() * 1e6,
            cpu.as_secs_f64() * 1e6
        );
    }
    Ok(())
}
