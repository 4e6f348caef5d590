//! Instructions per warm invocation of each binary, under valgrind's
//! callgrind, through the same loopback Runtime API as the timed harness.
//! Unlike CPU time, an instruction count does not move with the machine's
//! noise or with how long moto takes to answer, so a difference of a few
//! microseconds between two binaries is visible and repeatable.
//!
//! Each binary runs twice: a cold start and `few` warm invocations, then a
//! cold start and `many`; the difference over `many − few` is one warm
//! invocation. The longer run's profile is kept, and its inclusive cost per
//! function, divided by the invocations, attributes ingest's share (the
//! binaries must keep their symbols: `cargo build --profile profiling`).

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use bytes::Bytes;

use crate::measure::{expect_204, Target};
use crate::Error;
use switchboard_devkit::runtime_api::RuntimeApi;

/// What one binary's runs counted.
pub(crate) struct Counted {
    pub(crate) name: &'static str,
    /// Instructions per warm invocation.
    pub(crate) per_invocation: u64,
    /// Instructions of start-up and the first (cold) invocation.
    pub(crate) cold: u64,
    /// The longer run's profile.
    pub(crate) profile: PathBuf,
    /// The warm invocations in it.
    pub(crate) invocations: u64,
}

/// Runs `target` under `wrapper` (a counting tool and its arguments) for a
/// cold start and `warm` invocations, then stops it as Lambda would
/// (SIGTERM), so the tool writes what it counted.
pub(crate) async fn run_wrapped(
    target: &Target,
    wrapper: &[String],
    event: &Bytes,
    warm: usize,
    purge: &(dyn Fn() -> tokio::task::JoinHandle<()> + Sync),
) -> Result<(), Error> {
    let mut counted = target.clone();
    counted.program = PathBuf::from(&wrapper[0]);
    counted.args = wrapper[1..]
        .iter()
        .cloned()
        .chain([target.program.display().to_string()])
        .chain(target.args.iter().cloned())
        .collect();
    let mut api = RuntimeApi::start().await?;
    let mut child = counted.spawn(&api)?;
    let pid = child.id().ok_or("no pid")?;
    for done in 0..=warm {
        expect_204(&api.invoke(event).await?, target.name)?;
        // moto's SendMessage slows as its queue grows.
        if done % 100 == 99 {
            purge().await?;
        }
    }
    // The function itself: callgrind runs it in its own process, strace as
    // its child (and ignores SIGTERM while it traces).
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let function = children
        .split_whitespace()
        .next()
        .map_or(pid.to_string(), str::to_owned);
    StdCommand::new("kill")
        .args(["-TERM", &function])
        .status()?;
    child.wait().await?;
    purge().await?;
    Ok(())
}

/// Runs `target` under callgrind (see [`run_wrapped`]) and reads the total.
async fn run_counted(
    target: &Target,
    event: &Bytes,
    warm: usize,
    profile: &Path,
    purge: &(dyn Fn() -> tokio::task::JoinHandle<()> + Sync),
) -> Result<u64, Error> {
    let wrapper = [
        "valgrind".to_owned(),
        "--tool=callgrind".to_owned(),
        format!("--callgrind-out-file={}", profile.display()),
    ];
    run_wrapped(target, &wrapper, event, warm, purge).await?;
    total_instructions(profile)
}

/// The `summary:` (or `totals:`) line of a callgrind profile: instructions.
fn total_instructions(profile: &Path) -> Result<u64, Error> {
    let text = std::fs::read_to_string(profile)
        .map_err(|error| format!("{}: {error}", profile.display()))?;
    text.lines()
        .rev()
        .find_map(|line| {
            line.strip_prefix("summary:")
                .or_else(|| line.strip_prefix("totals:"))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| format!("{}: no summary line", profile.display()))?
        .parse()
        .map_err(Into::into)
}

/// Counts each of `targets`, its profiles written under `dir`.
pub(crate) async fn count_invocations(
    targets: &[&Target],
    event: &Bytes,
    dir: &Path,
    (few, many): (usize, usize),
    purge: &(dyn Fn() -> tokio::task::JoinHandle<()> + Sync),
) -> Result<Vec<Counted>, Error> {
    std::fs::create_dir_all(dir)?;
    let mut counted = Vec::new();
    for target in targets {
        eprintln!("counting {} under callgrind ...", target.name);
        let short = dir.join(format!("{}.{few}.callgrind", target.name));
        let long = dir.join(format!("{}.{many}.callgrind", target.name));
        let (few_total, many_total) = (
            run_counted(target, event, few, &short, purge).await?,
            run_counted(target, event, many, &long, purge).await?,
        );
        let warm = many.saturating_sub(few).max(1) as u64;
        let per_invocation = many_total.saturating_sub(few_total) / warm;
        counted.push(Counted {
            name: target.name,
            per_invocation,
            cold: few_total.saturating_sub(few as u64 * per_invocation),
            profile: long,
            // The cold one too: its handler ran the same path.
            invocations: many as u64 + 1,
        });
    }
    Ok(counted)
}

/// The parts of ingest's work the attribution table names, each the
/// inclusive cost of the function that does it (callgrind's names; where
/// LTO may inline that function into its caller, also the name its code
/// takes there).
pub(crate) const ATTRIBUTED: &[(&str, &[&str])] = &[
    (
        "the event's deserialization (`lambda_http`'s `LambdaRequest`)",
        &[
            "lambda_runtime::deserializer::deserialize [",
            "/src/de.rs:<lambda_runtime::layers::trace::TracingService<S> as tower_service::Service",
        ],
    ),
    (
        "the decision, all of it (`decide_with`)",
        &["switchboard::ingest::decide_with"],
    ),
    (
        "… of which Ed25519 (`verify_strict`)",
        &["ed25519_dalek::verifying::VerifyingKey::verify_strict ["],
    ),
    (
        "… of which the envelope and its dedupe key (`queued_event`)",
        &["switchboard::ingest::queued_event"],
    ),
    (
        "… … of which the dedupe key's SHA-256",
        &["switchboard::envelope::dedupe_key ["],
    ),
    (
        "… of which the payload's JSON check (`signed_payload`)",
        &["switchboard::discord::ingest::signed_payload ["],
    ),
    (
        "the UUIDv7 (`Uuid::now_v7`)",
        &["uuid::v7::<impl uuid::Uuid>::now_v7 ["],
    ),
    (
        "the SQS send (`SqsQueue::enqueue`)",
        &["SqsQueue as switchboard::queue::EventQueue>::enqueue::{{closure}} ["],
    ),
    (
        "… of which SigV4 signing",
        &["aws_sigv4::http_request::sign::sign ["],
    ),
    (
        "… of which the SQS character scan",
        &["switchboard::queue::message_text::escape_for_sqs"],
    ),
    (
        "the request log line (tracing's subscriber)",
        &["tracing_core::subscriber::Subscriber>::event ["],
    ),
    (
        "the EMF flush (`Collector::flush`)",
        &["metrics_cloudwatch_embedded::collector::Collector::flush"],
    ),
];

/// Inclusive instructions per invocation of each [`ATTRIBUTED`] function in
/// `counted`'s profile, from `callgrind_annotate --inclusive=yes`: the
/// largest entry whose name holds one of the patterns (a pattern matching
/// several functions, such as a module, takes the largest, the outermost).
pub(crate) fn attribute(counted: &Counted) -> Result<Vec<(&'static str, u64)>, Error> {
    let output = StdCommand::new("callgrind_annotate")
        .args(["--inclusive=yes", "--threshold=100"])
        .arg(&counted.profile)
        .output()?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned().into());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let costs: Vec<(u64, &str)> = text
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let (count, rest) = line.split_once(' ')?;
            let count: u64 = count.replace(',', "").parse().ok()?;
            Some((count, rest))
        })
        .collect();
    Ok(ATTRIBUTED
        .iter()
        .map(|(label, patterns)| {
            let largest = costs
                .iter()
                .filter(|(_, name)| patterns.iter().any(|pattern| name.contains(pattern)))
                .map(|(count, _)| *count)
                .max()
                .unwrap_or(0);
            (*label, largest / counted.invocations.max(1))
        })
        .collect())
}
