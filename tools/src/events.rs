//! `events list | show | replay`: the archive as an operator uses it.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use clap::{Args, Subcommand};
use indicatif::ProgressBar;
use switchboard::envelope::Replay;
use switchboard::queue::sqs::SqsQueue;
use switchboard::{EventQueue, QueuedEvent};

use crate::archive::{bar_style, minted_at, Archive, ArchiveArgs, Archived, Filter, FilterArgs};
use crate::parameters::stack_output;
use crate::queues::{QueueArgs, Queues};
use crate::summary::EventIds;
use crate::CliResult;

/// The default of `--rate`: well under SQS's limits (thousands a second)
/// and under what one processor instance drains.
pub(crate) const DEFAULT_RATE: f64 = 20.0;
/// How long one send may take, its retries included.
const SEND_DEADLINE: Duration = Duration::from_secs(10);

#[derive(Subcommand)]
pub(crate) enum EventsCommand {
    /// One line per archived event: id, received time, source, type, owner
    /// and subject ids.
    List(ListArgs),
    /// Print one archived envelope whole.
    Show(ShowArgs),
    /// Put archived envelopes back on the events queue, in received order.
    Replay(ReplayArgs),
}

#[derive(Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    archive: ArchiveArgs,
    /// Print each event's payload too (it may hold personal data, and an
    /// interaction's token).
    #[arg(long)]
    payload: bool,
}

#[derive(Args)]
pub(crate) struct ShowArgs {
    /// The envelope's `id`.
    id: uuid::Uuid,
    #[command(flatten)]
    archive: ArchiveArgs,
    /// Where to look, for an id that is not a UUIDv7 (default: the id's own hour).
    #[arg(long)]
    since: Option<String>,
    /// With --since: the end of the range (default: now).
    #[arg(long, requires = "since")]
    until: Option<String>,
}

#[derive(Args)]
pub(crate) struct ReplayArgs {
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    archive: ArchiveArgs,
    #[command(flatten)]
    queue: QueueArgs,
    /// Print what would be sent, and a count; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Run every effect again, under this run's own dedupe namespace.
    /// Without it, effects that already completed are acknowledged as
    /// duplicates and only what never completed runs.
    #[arg(long)]
    force: bool,
    /// Envelopes sent per second at most.
    #[arg(long, default_value_t = DEFAULT_RATE, value_parser = parse_rate)]
    rate: f64,
    /// Resume a stopped replay: start after this envelope id, as the
    /// stopped run printed.
    #[arg(long)]
    after: Option<uuid::Uuid>,
    /// Resume a stopped run as the same run (its printed id): a forced
    /// replay keeps its dedupe namespace, so nothing it sent runs twice.
    #[arg(long, requires = "after")]
    run: Option<uuid::Uuid>,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.01..=1_000.0).contains(&rate) => Ok(rate),
        _ => Err("a rate is from 0.01 to 1000 per second".into()),
    }
}

pub(crate) async fn run(dev_dir: &Path, command: EventsCommand) -> CliResult {
    match command {
        EventsCommand::List(args) => list(dev_dir, args).await,
        EventsCommand::Show(args) => show(dev_dir, args).await,
        EventsCommand::Replay(args) => replay(dev_dir, args).await,
    }
}

/// One event's line: never payload text.
fn line(archived: &Archived) -> String {
    let envelope = &archived.envelope;
    let ids = EventIds::of(envelope);
    let id = envelope
        .id
        .map_or_else(|| "-".to_owned(), |id| id.hyphenated().to_string());
    let replay = match envelope.replay {
        Some(replay) => format!(
            "  replayed={}",
            replay.at.to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
        None => String::new(),
    };
    format!(
        "{id}  {}  {:<19} {:<28} {} {}{replay}",
        envelope
            .received_at
            .to_rfc3339_opts(SecondsFormat::Millis, true),
        envelope.source.as_str(),
        envelope.event_type,
        ids.owner,
        ids.subject,
    )
}

async fn list(dev_dir: &Path, args: ListArgs) -> CliResult {
    let filter = Filter::parse(&args.filter, Utc::now())?;
    let archive = Archive::resolve(dev_dir, &args.archive).await?;
    let found = archive.scan(&filter).await?;
    for archived in &found {
        println!("{}", line(archived));
        if args.payload {
            println!("    payload: {}", archived.envelope.payload.get());
        }
    }
    eprintln!(
        "{} event(s) in s3://{} from {} to {}",
        found.len(),
        archive.bucket,
        filter.since.to_rfc3339_opts(SecondsFormat::Secs, true),
        filter.until.to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    Ok(())
}

async fn show(dev_dir: &Path, args: ShowArgs) -> CliResult {
    let now = Utc::now();
    let filter = match (&args.since, minted_at(args.id)) {
        (Some(since), _) => Filter::parse(
            &FilterArgs {
                since: since.clone(),
                until: args.until.clone(),
                event_type: None,
                source: None,
                tenant: None,
            },
            now,
        )?,
        (None, Some(at)) => Filter::around(at),
        (None, None) => {
            return Err(format!(
                "{} is not a UUIDv7: say where to look with --since",
                args.id
            )
            .into())
        }
    };
    let archive = Archive::resolve(dev_dir, &args.archive).await?;
    let found = archive.scan(&filter).await?;
    let archived = found
        .iter()
        .find(|archived| archived.envelope.id == Some(args.id))
        .ok_or_else(|| {
            format!(
                "{} is not in s3://{} between {} and {}",
                args.id,
                archive.bucket,
                filter.since.to_rfc3339_opts(SecondsFormat::Secs, true),
                filter.until.to_rfc3339_opts(SecondsFormat::Secs, true)
            )
        })?;
    println!("{}", archived.body);
    eprintln!("archived in s3://{}/{}", archive.bucket, archived.key);
    Ok(())
}

/// The queue a replay sends to: `--queue-url`, the stack's
/// `EventsQueueUrl`, or the local stack's.
async fn replay_queue(dev_dir: &Path, args: &ReplayArgs) -> CliResult<SqsQueue> {
    let mut queue_args = args.queue.clone();
    if let (None, Some(stack)) = (&queue_args.queue_url, &args.archive.stack_name) {
        // The deployed stack's queue, with your AWS settings (never the
        // local stack's endpoint).
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let queue_url = stack_output(&aws, stack, "EventsQueueUrl").await?;
        if queue_args.sqs_endpoint.is_none() {
            return Ok(SqsQueue::new(aws_sdk_sqs::Client::new(&aws), queue_url));
        }
        queue_args.queue_url = Some(queue_url);
    }
    let queues = Queues::resolve(dev_dir, &queue_args).await?;
    Ok(SqsQueue::new(queues.client, queues.queue_url))
}

/// Where a replay starts: after `after` in `found`, or at the beginning.
fn start_after(found: &[Archived], after: Option<uuid::Uuid>) -> CliResult<usize> {
    let Some(after) = after else { return Ok(0) };
    found
        .iter()
        .position(|archived| archived.envelope.id == Some(after))
        .map(|position| position + 1)
        .ok_or_else(|| {
            format!("--after {after} is not among the events selected: pass the same filters")
                .into()
        })
}

async fn replay(dev_dir: &Path, args: ReplayArgs) -> CliResult {
    let filter = Filter::parse(&args.filter, Utc::now())?;
    let archive = Archive::resolve(dev_dir, &args.archive).await?;
    let found = archive.scan(&filter).await?;
    let start = start_after(&found, args.after)?;
    // An envelope from before ids cannot be told from its other copies (a
    // forced replay changes its only key), so a replay leaves it out.
    let (selection, idless): (Vec<&Archived>, Vec<&Archived>) = found[start..]
        .iter()
        .partition(|archived| archived.envelope.id.is_some());
    if !idless.is_empty() {
        eprintln!(
            "left out {} envelope(s) without an id (queued before ids existed): `events list` shows them",
            idless.len()
        );
    }
    let range = format!(
        "--since {} --until {}",
        filter.since.to_rfc3339_opts(SecondsFormat::Micros, true),
        filter.until.to_rfc3339_opts(SecondsFormat::Micros, true)
    );
    if args.dry_run {
        for archived in &selection {
            println!("would send {}", line(archived));
        }
        println!(
            "{} event(s) would be replayed{} (dry run: nothing sent)",
            selection.len(),
            if args.force { ", forced" } else { "" }
        );
        return Ok(());
    }
    let queue = replay_queue(dev_dir, &args).await?;
    let run = args.run.unwrap_or_else(uuid::Uuid::now_v7);
    eprintln!(
        "replay run {run}: {} event(s) received {range}, at most {} a second{}",
        selection.len(),
        args.rate,
        if args.force { ", forced" } else { "" }
    );
    let progress = ProgressBar::new(selection.len() as u64);
    progress.set_style(bar_style("sent"));
    let mut pace = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate));
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sent: HashSet<uuid::Uuid> = HashSet::new();
    let mut last: Option<uuid::Uuid> = args.after;
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let mut stopped: Option<String> = None;
    let mut count = 0usize;
    for archived in selection {
        // One envelope once per run, whatever the archive holds twice.
        if archived.envelope.id.is_some_and(|id| !sent.insert(id)) {
            continue;
        }
        tokio::select! {
            _ = pace.tick() => {}
            _ = &mut interrupted => {
                stopped = Some("interrupted".into());
                break;
            }
        }
        let envelope = switchboard::Envelope::from_json(&archived.body)?;
        let event = QueuedEvent::replay(
            envelope,
            Replay {
                at: Utc::now(),
                run,
                forced: args.force,
            },
        );
        if let Err(error) = queue.enqueue(&event, SEND_DEADLINE).await {
            stopped = Some(error.to_string());
            break;
        }
        // A hidden bar (output not a terminal) prints nothing itself.
        let sent_line = format!("sent {}", line(archived));
        match progress.is_hidden() {
            true => println!("{sent_line}"),
            false => progress.println(sent_line),
        }
        progress.inc(1);
        count += 1;
        last = archived.envelope.id.or(last);
    }
    progress.finish_and_clear();
    match stopped {
        None => {
            println!("replayed {count} event(s) (run {run})");
            Ok(())
        }
        Some(reason) => {
            // The range as this run resolved it, so a resume selects the same
            // events even when --since was "3w"; the same run keeps a forced
            // replay's namespace.
            let resume = match last {
                Some(id) => format!(
                    "resume with the same --type/--source/--tenant{} and {range} --after {id} --run {run}",
                    if args.force { " --force" } else { "" }
                ),
                None => format!("nothing was sent: run it again with {range}"),
            };
            Err(format!("stopped after {count} event(s) ({reason}); {resume}").into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_positive_and_bounded() {
        assert_eq!(parse_rate("2.5"), Ok(2.5));
        assert_eq!(parse_rate("0.01"), Ok(0.01));
        for bad in ["0", "-1", "1001", "fast", "NaN", "1e-20", "inf"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }
}
