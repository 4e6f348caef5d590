//! The tables and the verdicts against the targets.

use std::path::Path;

use crate::callgrind::{attribute, Counted};
use crate::measure::{percentile, Figures, Settings};
use crate::syscalls::Syscalls;
use crate::Error;

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
    if let Some(ingest) = find("ingest") {
        println!();
        println!(
            "Differences are the median over the paired blocks (block i of one binary against block i of the other, measured in the same round):"
        );
        if let Some(hello) = find("hello") {
            let (difference, _) = paired(ingest, hello);
            println!("ingest CPU − hello CPU: {difference}");
        }
        if let Some(floor) = find("sdk-floor") {
            let (difference, ratio) = paired(ingest, floor);
            let cold = percentile(&ingest.cold_ms, 0.5) / percentile(&floor.cold_ms, 0.5);
            let cold_own =
                percentile(&ingest.cold_own_ms, 0.5) / percentile(&floor.cold_own_ms, 0.5);
            println!(
                "ingest CPU − SDK floor CPU: {difference} (target ≤ +0, never over +150), {ratio:.2}× the floor"
            );
            println!("ingest cold start / SDK floor: {cold:.2}× (target ≤ 1.3×)");
            println!("ingest cold start less moto's own time / SDK floor: {cold_own:.2}×");
        }
        if let Some(verified) = find("sdk-floor-verified") {
            let (difference, ratio) = paired(ingest, verified);
            println!(
                "ingest CPU − verified SDK floor CPU: {difference}, {ratio:.2}× (ingest's work beyond what every correct receiver pays)"
            );
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

/// `a`'s blocks less `b`'s, pair by pair: the median difference with its
/// smallest and largest, and the median ratio. Blocks measured in the same
/// round share the machine's state, so pairing takes its drift out of the
/// comparison; the range says how much noise is left.
fn paired(a: &Figures, b: &Figures) -> (String, f64) {
    let pairs = a.cpu_us_per_block.iter().zip(&b.cpu_us_per_block);
    let differences: Vec<f64> = pairs.clone().map(|(a, b)| a - b).collect();
    let ratios: Vec<f64> = pairs.map(|(a, b)| a / b).collect();
    let difference = format!(
        "{:+.0} µs per invocation (paired blocks {:+.0} to {:+.0})",
        percentile(&differences, 0.5),
        percentile(&differences, 0.0),
        percentile(&differences, 1.0)
    );
    (difference, percentile(&ratios, 0.5))
}

pub(crate) fn file_size_mib(path: &Path) -> f64 {
    std::fs::metadata(path)
        .map(|m| m.len() as f64 / (1024.0 * 1024.0))
        .unwrap_or(f64::NAN)
}

/// The instruction counts, ingest against the floors, and ingest's
/// attribution by function.
pub(crate) fn report_instructions(counted: &[Counted]) -> Result<(), Error> {
    println!("| Binary | Instructions per warm invocation | Start-up + cold invocation |");
    println!("|---|---|---|");
    for one in counted {
        println!("| {} | {} | {} |", one.name, one.per_invocation, one.cold);
    }
    let find = |name: &str| counted.iter().find(|one| one.name == name);
    let Some(ingest) = find("ingest") else {
        return Ok(());
    };
    println!();
    for floor in ["sdk-floor-verified", "sdk-floor", "hello"] {
        if let Some(floor) = find(floor) {
            let difference = ingest.per_invocation as i64 - floor.per_invocation as i64;
            println!(
                "ingest − {}: {difference:+} instructions per warm invocation ({:.2}×)",
                floor.name,
                ingest.per_invocation as f64 / floor.per_invocation.max(1) as f64
            );
        }
    }
    println!();
    println!("| ingest's work, inclusive | Instructions per invocation | Share of ingest's |");
    println!("|---|---|---|");
    for (label, instructions) in attribute(ingest)? {
        println!(
            "| {label} | {instructions} | {:.1} % |",
            100.0 * instructions as f64 / ingest.per_invocation.max(1) as f64
        );
    }
    Ok(())
}

/// System calls per warm invocation, one column per binary.
pub(crate) fn report_syscalls(counted: &[Syscalls]) {
    let mut names: Vec<&String> = counted
        .iter()
        .flat_map(|one| one.per_invocation.keys())
        .collect();
    names.sort();
    names.dedup();
    let header: Vec<&str> = counted.iter().map(|one| one.name).collect();
    println!(
        "| System call, per warm invocation | {} |",
        header.join(" | ")
    );
    println!("|---|{}", "---|".repeat(counted.len()));
    for name in names
        .iter()
        .copied()
        .chain(std::iter::once(&"all".to_owned()))
    {
        let cells: Vec<String> = counted
            .iter()
            .map(|one| {
                let per = match name.as_str() {
                    "all" => one.per_invocation.values().sum(),
                    name => one.per_invocation.get(name).copied().unwrap_or(0.0),
                };
                format!("{per:.2}")
            })
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
}
