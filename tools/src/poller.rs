//! `poll`: the local stand-in for Lambda's SQS trigger, handing batches to the
//! processor running under `cargo lambda watch`.

use std::path::Path;
use std::time::Duration;

use clap::Args;
use serde_json::Value;
use switchboard_devkit::event_source::LocalEventSource;

use crate::queues::{QueueArgs, Queues};
use crate::state::StackState;
use crate::CliResult;

#[derive(Args)]
pub(crate) struct PollArgs {
    #[command(flatten)]
    pub(crate) queue: QueueArgs,
    /// The processor's invoke endpoint under `cargo lambda watch`.
    #[arg(long)]
    pub(crate) invoke_url: Option<String>,
    #[arg(long, default_value_t = 10)]
    pub(crate) batch_size: i32,
}

pub(crate) async fn poll(dev_dir: &Path, args: PollArgs) -> CliResult {
    let queues = Queues::resolve(dev_dir, &args.queue).await?;
    let invoke_url = args
        .invoke_url
        .or_else(|| StackState::load(dev_dir).ok().map(|s| s.invoke_url))
        .unwrap_or_else(|| StackState::DEFAULT_INVOKE_URL.into());
    run_poller(queues.client, queues.queue_url, invoke_url, args.batch_size).await
}

/// Polls forever, handing each batch to the processor's invoke endpoint.
pub(crate) async fn run_poller(
    client: aws_sdk_sqs::Client,
    queue_url: String,
    invoke_url: String,
    batch_size: i32,
) -> CliResult {
    let mut source = LocalEventSource::new(client, queue_url).await?;
    source.batch_size = batch_size;
    source.wait_time_secs = 2;
    // The first invoke may wait for `cargo lambda watch` to compile the processor.
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(300))
        .build();
    let mut failures_in_a_row = 0;
    loop {
        let agent = agent.clone();
        let url = invoke_url.clone();
        let outcome = source
            .poll_once(|event| async move {
                tokio::task::spawn_blocking(move || invoke_processor(&agent, &url, &event))
                    .await
                    .map_err(|e| e.to_string())?
            })
            .await;
        match outcome {
            Ok(outcome) => {
                failures_in_a_row = 0;
                if outcome.received > 0 {
                    println!(
                        "poll: {} received, {} done, {} failed (left to reappear)",
                        outcome.received, outcome.deleted, outcome.failed
                    );
                }
            }
            Err(error) => {
                failures_in_a_row += 1;
                eprintln!("poll error ({failures_in_a_row} in a row): {error}");
                if failures_in_a_row >= GIVE_UP_AFTER {
                    return Err(format!(
                        "giving up: {GIVE_UP_AFTER} polls in a row failed; the last: {error}"
                    )
                    .into());
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Consecutive failed polls (SQS unreachable, or the processor failing whole
/// batches or not answering) after which the poller stops, instead of
/// retrying a broken stack forever.
const GIVE_UP_AFTER: u32 = 5;

fn invoke_processor(
    agent: &ureq::Agent,
    url: &str,
    event: &aws_lambda_events::event::sqs::SqsEvent,
) -> Result<aws_lambda_events::event::sqs::SqsBatchResponse, String> {
    let body = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    let response = agent
        .post(url)
        .set("content-type", "application/json")
        .send_bytes(&body)
        .map_err(|e| format!("invoke {url}: {e}"))?;
    let value: Value = response
        .into_json()
        .map_err(|e| format!("invoke {url}: {e}"))?;
    if value.get("errorType").is_some() || value.get("errorMessage").is_some() {
        return Err(format!("processor error: {value}"));
    }
    serde_json::from_value(value).map_err(|e| format!("not an SqsBatchResponse: {e}"))
}
