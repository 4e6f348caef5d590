//! `poll`, `peek` and `redrive`: the queue as a developer sees it.

use std::path::Path;
use std::time::Duration;

use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::types::MessageSystemAttributeName;
use clap::Args;
use serde_json::Value;
use switchboard::queue::sqs::LocalEventSource;

use crate::stack::StackState;
use crate::CliResult;

#[derive(Args, Clone, Default)]
pub struct QueueArgs {
    /// The main queue's URL (default: the local stack's).
    #[arg(long)]
    pub queue_url: Option<String>,
    /// The dead-letter queue's URL (default: the local stack's).
    #[arg(long)]
    pub dlq_url: Option<String>,
    /// A local SQS endpoint; without one (and no local stack), the AWS default chain is used.
    #[arg(long, env = "AWS_ENDPOINT_URL_SQS")]
    pub sqs_endpoint: Option<String>,
}

#[derive(Args)]
pub struct PollArgs {
    #[command(flatten)]
    pub queue: QueueArgs,
    /// The processor's invoke endpoint under `cargo lambda watch`.
    #[arg(long)]
    pub invoke_url: Option<String>,
    #[arg(long, default_value_t = 10)]
    pub batch_size: i32,
}

#[derive(Args)]
pub struct PeekArgs {
    #[command(flatten)]
    pub queue: QueueArgs,
    /// Show the dead-letter queue instead of the main queue.
    #[arg(long)]
    pub dlq: bool,
    /// Show at most this many messages.
    #[arg(long, default_value_t = 50)]
    pub max: usize,
}

/// Queue URLs and a client, from flags first, then the local stack's state.
pub struct Queues {
    pub client: aws_sdk_sqs::Client,
    pub queue_url: String,
    pub dlq_url: Option<String>,
}

impl Queues {
    pub async fn resolve(dev_dir: &Path, args: &QueueArgs) -> CliResult<Self> {
        let state = StackState::load(dev_dir).ok();
        let endpoint = args
            .sqs_endpoint
            .clone()
            .or_else(|| state.as_ref().map(|s| s.sqs_endpoint.clone()));
        let queue_url = args
            .queue_url
            .clone()
            .or_else(|| state.as_ref().map(|s| s.queue_url.clone()))
            .ok_or("no queue: pass --queue-url, or start the local stack with `make run`")?;
        let dlq_url = args
            .dlq_url
            .clone()
            .or_else(|| state.as_ref().map(|s| s.dlq_url.clone()));
        let client = match endpoint {
            Some(endpoint) => local_client(&endpoint),
            None => aws_sdk_sqs::Client::new(
                &aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
            ),
        };
        Ok(Self {
            client,
            queue_url,
            dlq_url,
        })
    }
}

/// A client for a local SQS server, which accepts any credentials.
pub fn local_client(endpoint: &str) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(crate::stack::LOCAL_REGION))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "switchboard-local",
        ))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

pub async fn poll(dev_dir: &Path, args: PollArgs) -> CliResult {
    let queues = Queues::resolve(dev_dir, &args.queue).await?;
    let invoke_url = args
        .invoke_url
        .or_else(|| StackState::load(dev_dir).ok().map(|s| s.invoke_url))
        .unwrap_or_else(|| StackState::DEFAULT_INVOKE_URL.into());
    run_poller(queues.client, queues.queue_url, invoke_url, args.batch_size).await
}

/// Polls forever, handing each batch to the processor's invoke endpoint.
pub async fn run_poller(
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
            Ok(outcome) if outcome.received > 0 => println!(
                "poll: {} received, {} done, {} failed (left to reappear)",
                outcome.received, outcome.deleted, outcome.failed
            ),
            Ok(_) => {}
            Err(error) => {
                eprintln!("poll: {error}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

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

pub async fn peek(dev_dir: &Path, args: PeekArgs) -> CliResult {
    let queues = Queues::resolve(dev_dir, &args.queue).await?;
    let url = if args.dlq {
        queues.dlq_url.ok_or("no DLQ URL: pass --dlq-url")?
    } else {
        queues.queue_url
    };
    let messages = receive_all(&queues.client, &url, args.max, 2).await?;
    // Make them visible again at once: peeking must not hold them back.
    for message in &messages {
        if let Some(handle) = message.receipt_handle() {
            queues
                .client
                .change_message_visibility()
                .queue_url(&url)
                .receipt_handle(handle)
                .visibility_timeout(0)
                .send()
                .await?;
        }
    }
    println!(
        "{} message(s) on {}",
        messages.len(),
        if args.dlq {
            "the dead-letter queue"
        } else {
            "the queue"
        }
    );
    for message in &messages {
        println!("{}", describe(message));
    }
    Ok(())
}

/// One line per message: source, type, received_at, receive count and a
/// payload summary of ids only.
fn describe(message: &aws_sdk_sqs::types::Message) -> String {
    let receives = message
        .attributes()
        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .map_or("?", String::as_str);
    let body = message.body().unwrap_or_default();
    match switchboard::Envelope::from_json(body) {
        Ok(envelope) => {
            let payload: Value =
                serde_json::from_str(envelope.payload.get()).unwrap_or(Value::Null);
            let summary = match envelope.source {
                switchboard::Source::Discord => format!(
                    "application_id={} data.id={}",
                    payload["application_id"].as_str().unwrap_or("-"),
                    payload["event"]["data"]["id"].as_str().unwrap_or("-")
                ),
                switchboard::Source::Pluralkit => format!(
                    "system_id={} id={}",
                    payload["system_id"].as_str().unwrap_or("-"),
                    payload["id"].as_str().unwrap_or("-")
                ),
            };
            format!(
                "{:<9} {:<28} {}  receives={receives}  {summary}  {} bytes  dedupe={}",
                envelope.source,
                envelope.event_type,
                envelope.received_at.to_rfc3339(),
                envelope.payload.get().len(),
                &envelope.dedupe_key[..12.min(envelope.dedupe_key.len())],
            )
        }
        Err(_) => format!(
            "(not an envelope)  receives={receives}  {} bytes",
            body.len()
        ),
    }
}

async fn receive_all(
    client: &aws_sdk_sqs::Client,
    url: &str,
    max: usize,
    visibility: i32,
) -> CliResult<Vec<aws_sdk_sqs::types::Message>> {
    Ok(switchboard::queue::sqs::receive_up_to(client, url, max, visibility).await?)
}

pub async fn redrive(dev_dir: &Path, args: QueueArgs) -> CliResult {
    let queues = Queues::resolve(dev_dir, &args).await?;
    let dlq = queues.dlq_url.ok_or("no DLQ URL: pass --dlq-url")?;
    let mut moved = 0;
    loop {
        let messages = receive_all(&queues.client, &dlq, 100, 30).await?;
        if messages.is_empty() {
            break;
        }
        for message in messages {
            let mut send = queues
                .client
                .send_message()
                .queue_url(&queues.queue_url)
                .message_body(message.body().unwrap_or_default());
            for (name, value) in message.message_attributes().into_iter().flatten() {
                send = send.message_attributes(name, value.clone());
            }
            send.send().await?;
            // Deleted only once the main queue holds it.
            if let Some(handle) = message.receipt_handle() {
                queues
                    .client
                    .delete_message()
                    .queue_url(&dlq)
                    .receipt_handle(handle)
                    .send()
                    .await?;
            }
            moved += 1;
        }
    }
    println!("moved {moved} message(s) from the dead-letter queue back to the queue");
    Ok(())
}
