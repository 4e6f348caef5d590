//! What /proc says about a function process: CPU time, peak memory; and
//! pinning it to a core.

use std::process::Stdio;

use crate::Error;

/// utime + stime of a live process, in microseconds. The tick-based figure
/// from /proc/PID/stat covers threads that have exited; the per-thread
/// schedstat figures are exact to the nanosecond. Both are read, and the
/// larger is used, so neither exited threads nor tick rounding flatter a result.
pub(crate) fn cpu_micros(pid: u32, ticks_per_second: u64) -> Result<u64, Error> {
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

pub(crate) fn pin_to_core(pid: u32, core: u32) {
    let _ = std::process::Command::new("taskset")
        .args(["-a", "-p", "-c", &core.to_string(), &pid.to_string()])
        .stdout(Stdio::null())
        .status();
}

pub(crate) fn peak_rss_kib(pid: u32) -> Result<u64, Error> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or("no VmHWM")?;
    Ok(line.split_whitespace().nth(1).ok_or("bad VmHWM")?.parse()?)
}

pub(crate) fn ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}
