//! The tables and the verdicts against the targets.

use std::path::Path;

use crate::measure::{percentile, Figures, Settings};

/// Prints the results table, the target verdicts and the binary sizes.
pub(crate) fn report(results: &[(&'static str, Figures)], settings: &Settings, release: &Path) {
    println!("| Binary | Cold start median (ms) | p90 (ms) | Cold start less moto's own time, median (ms) | p90 (ms) | CPU per warm invocation median (µs) | spread min–max (µs) | Peak RSS after {} invocations (MiB) | Mean wait on moto per warm invocation (ms) |", settings.total);
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, figures) in results {
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
    let median = |figures: &Figures| percentile(&figures.cpu_us_per_block, 0.5);
    if let Some(ingest) = find("ingest") {
        println!();
        if let Some(hello) = find("hello") {
            println!(
                "ingest CPU − hello CPU: {:.0} µs per invocation",
                median(ingest) - median(hello)
            );
        }
        if let Some(floor) = find("sdk-floor") {
            let cold = percentile(&ingest.cold_ms, 0.5) / percentile(&floor.cold_ms, 0.5);
            let cold_own =
                percentile(&ingest.cold_own_ms, 0.5) / percentile(&floor.cold_own_ms, 0.5);
            println!(
                "ingest CPU − SDK floor CPU: {:.0} µs per invocation (target ≤ 150)",
                median(ingest) - median(floor)
            );
            println!("ingest cold start / SDK floor: {cold:.2}× (target ≤ 1.3×)");
            println!("ingest cold start less moto's own time / SDK floor: {cold_own:.2}×");
        }
        println!(
            "ingest peak RSS: {:.1} MiB (target ≤ 16)",
            ingest.peak_rss_kib as f64 / 1024.0
        );
        if let Some(node) = find("node") {
            println!(
                "ingest CPU / node: {:.3}× (target ≤ 0.25×)",
                percentile(&ingest.cpu_us_per_block, 0.5) / percentile(&node.cpu_us_per_block, 0.5)
            );
            println!(
                "ingest cold start / node: {:.3}× (target ≤ 0.08×)",
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
        "Binary sizes (x86_64 release): ingest {:.1} MiB, processor {:.1} MiB, hello {:.1} MiB, sdk-floor {:.1} MiB",
        file_size_mib(&release.join("ingest")),
        file_size_mib(&release.join("processor")),
        file_size_mib(&release.join("hello")),
        file_size_mib(&release.join("sdk-floor"))
    );
}

pub(crate) fn file_size_mib(path: &Path) -> f64 {
    std::fs::metadata(path)
        .map(|m| m.len() as f64 / (1024.0 * 1024.0))
        .unwrap_or(f64::NAN)
}
