//! System calls per warm invocation of each binary, under `strace -c`,
//! through the same loopback Runtime API. Callgrind counts only what runs in
//! user space; a function's time in the kernel (each `write` of a log line,
//! each read and write of a socket, each wait) is counted here instead.

use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;

use crate::callgrind::run_wrapped;
use crate::measure::Target;
use crate::Error;

/// One binary's system calls per warm invocation, by name.
pub(crate) struct Syscalls {
    pub(crate) name: &'static str,
    pub(crate) per_invocation: BTreeMap<String, f64>,
}

/// `strace -c`'s table: calls by system call name.
fn calls(summary: &Path) -> Result<BTreeMap<String, u64>, Error> {
    let text = std::fs::read_to_string(summary)
        .map_err(|error| format!("{}: {error}", summary.display()))?;
    Ok(text
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // % time, seconds, usecs/call, calls, [errors,] syscall
            let name = *fields.last()?;
            let count = fields.get(3)?.parse::<u64>().ok()?;
            (name != "total" && fields.len() >= 5).then(|| (name.to_owned(), count))
        })
        .collect())
}

/// Counts each of `targets`' system calls over `few` and `many` warm
/// invocations; the difference over `many − few` is one warm invocation.
pub(crate) async fn count_syscalls(
    targets: &[&Target],
    event: &Bytes,
    dir: &Path,
    (few, many): (usize, usize),
    purge: &(dyn Fn() -> tokio::task::JoinHandle<()> + Sync),
) -> Result<Vec<Syscalls>, Error> {
    std::fs::create_dir_all(dir)?;
    let mut counted = Vec::new();
    for target in targets {
        eprintln!("counting {}'s system calls under strace ...", target.name);
        let mut runs = Vec::new();
        for warm in [few, many] {
            let summary = dir.join(format!("{}.{warm}.strace", target.name));
            let wrapper = [
                "strace".to_owned(),
                "-f".to_owned(),
                "-c".to_owned(),
                "-o".to_owned(),
                summary.display().to_string(),
            ];
            run_wrapped(target, &wrapper, event, warm, purge).await?;
            runs.push(calls(&summary)?);
        }
        let warm = many.saturating_sub(few).max(1) as f64;
        let per_invocation = runs[1]
            .iter()
            .map(|(name, &count)| {
                let before = runs[0].get(name).copied().unwrap_or(0);
                (name.clone(), count.saturating_sub(before) as f64 / warm)
            })
            .filter(|(_, per)| *per >= 0.05)
            .collect();
        counted.push(Syscalls {
            name: target.name,
            per_invocation,
        });
    }
    Ok(counted)
}
