//! `peek` and `redrive`: the queue as a developer sees it.

use std::path::Path;

use aws_sdk_sqs::types::MessageSystemAttributeName;
use clap::Args;
use serde_json::Value;
use switchboard::config::AWS_ENDPOINT_URL_SQS;
use switchboard_devkit::local_sqs_client;

use crate::state::StackState;
use crate::CliResult;

#[derive(Args, Clone, Default)]
pub(crate) struct QueueArgs {
    /// The main queue's URL (default: the local stack's).
    #[arg(long)]
    pub(crate) queue_url: Option<String>,
    /// The dead-letter queue's URL (default: the local stack's).
    #[arg(long)]
    pub(crate) dlq_url: Option<String>,
    /// A local SQS endpoint; without one, the local stack's for its own
    /// queues, else AWS with your credentials, region and profile.
    #[arg(long, env = AWS_ENDPOINT_URL_SQS)]
    pub(crate) sqs_endpoint: Option<String>,
}

#[derive(Args)]
pub(crate) struct PeekArgs {
    #[command(flatten)]
    pub(crate) queue: QueueArgs,
    /// Show the dead-letter queue instead of the main queue.
    #[arg(long, conflicts_with = "bus")]
    pub(crate) dlq: bool,
    /// Show what the local event bus delivered (its rule's target queue).
    #[arg(long)]
    pub(crate) bus: bool,
    /// Show at most this many messages.
    #[arg(long, default_value_t = 50)]
    pub(crate) max: usize,
    /// With --dlq, say of each message whether the archive holds it (the
    /// local stack's archive, or the one these flags name).
    #[command(flatten)]
    pub(crate) archive: crate::archive::ArchiveArgs,
}

/// Queue URLs and a client, from flags first, then the local stack's state.
pub(crate) struct Queues {
    pub(crate) client: aws_sdk_sqs::Client,
    pub(crate) queue_url: String,
    pub(crate) dlq_url: Option<String>,
    pub(crate) bus_target_url: Option<String>,
}

impl Queues {
    pub(crate) async fn resolve(dev_dir: &Path, args: &QueueArgs) -> CliResult<Self> {
        let state = StackState::load(dev_dir).ok();
        // The local stack's endpoint serves the local stack's queues only: a
        // queue named by flag is a real one, unless an endpoint flag says otherwise.
        let endpoint = args.sqs_endpoint.clone().or_else(|| {
            state
                .as_ref()
                .filter(|_| args.queue_url.is_none())
                .map(|s| s.sqs_endpoint.clone())
        });
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
            Some(endpoint) => local_sqs_client(&endpoint),
            None => aws_sdk_sqs::Client::new(
                &aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
            ),
        };
        let bus_target_url = state.and_then(|s| s.bus_target_url);
        Ok(Self {
            client,
            queue_url,
            dlq_url,
            bus_target_url,
        })
    }
}

pub(crate) async fn peek(dev_dir: &Path, args: PeekArgs) -> CliResult {
    let queues = Queues::resolve(dev_dir, &args.queue).await?;
    let (url, what) = if args.dlq {
        let url = queues.dlq_url.ok_or("no DLQ URL: pass --dlq-url")?;
        (url, "the dead-letter queue")
    } else if args.bus {
        let url = queues
            .bus_target_url
            .ok_or("no bus target: start the local stack with `make run`")?;
        (url, "the event bus's target queue")
    } else {
        (queues.queue_url, "the queue")
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
    println!("{} message(s) on {what}", messages.len());
    let archived = match args.dlq {
        true => archived_ids(dev_dir, &args.archive, &messages).await,
        false => None,
    };
    for message in &messages {
        let line = describe(message);
        match (&archived, envelope_id(message)) {
            (Some(held), Some(id)) if crate::archive::minted_at(id).is_some() => {
                let archived = if held.contains(&id) { "yes" } else { "no" };
                println!("{line}  archived={archived}");
            }
            // Not an envelope with a UUIDv7 id: its hour is unknown, so the
            // archive was not searched (`events list --since` finds it).
            (Some(_), _) => println!("{line}  archived=unknown"),
            (None, _) => println!("{line}"),
        }
    }
    Ok(())
}

/// The envelope id of a message, when its body is an envelope with one.
fn envelope_id(message: &aws_sdk_sqs::types::Message) -> Option<uuid::Uuid> {
    switchboard::Envelope::from_json(message.body()?).ok()?.id
}

/// Which of the messages' envelopes the archive holds; `None` (and a note)
/// when no archive can be read.
async fn archived_ids(
    dev_dir: &Path,
    args: &crate::archive::ArchiveArgs,
    messages: &[aws_sdk_sqs::types::Message],
) -> Option<std::collections::HashSet<uuid::Uuid>> {
    let ids: Vec<uuid::Uuid> = messages.iter().filter_map(envelope_id).collect();
    let held = async {
        let archive = crate::archive::Archive::resolve(dev_dir, args).await?;
        archive.holds(&ids).await
    };
    match held.await {
        Ok(held) => Some(held),
        Err(error) => {
            eprintln!("(not checked against the archive: {error})");
            None
        }
    }
}

/// One line per message: source, type, received_at, receive count and a
/// payload summary of ids only.
fn describe(message: &aws_sdk_sqs::types::Message) -> String {
    let receives = message
        .attributes()
        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .map_or("?", String::as_str);
    let body = message.body().unwrap_or_default();
    // On the bus's target queue, the envelope is an EventBridge event's detail.
    let bus_event: Option<Value> = serde_json::from_str::<Value>(body)
        .ok()
        .filter(|event| event.get("detail-type").is_some());
    let detail = bus_event.as_ref().map(|event| event["detail"].to_string());
    match switchboard::Envelope::from_json(detail.as_deref().unwrap_or(body)) {
        Ok(envelope) => {
            let ids = crate::summary::EventIds::of(&envelope);
            let summary = format!("{} {}", ids.owner, ids.subject);
            format!(
                "{:<9} {:<28} {}  id={}  receives={receives}  {summary}  {} bytes  dedupe_key={}",
                envelope.source,
                envelope.event_type,
                envelope.received_at.to_rfc3339(),
                envelope
                    .id
                    .map_or_else(|| "-".to_owned(), |id| id.hyphenated().to_string()),
                envelope.payload.get().len(),
                envelope.dedupe_key,
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
    Ok(switchboard_devkit::receive_up_to(client, url, max, visibility).await?)
}

pub(crate) async fn redrive(dev_dir: &Path, args: QueueArgs) -> CliResult {
    let queues = Queues::resolve(dev_dir, &args).await?;
    let dlq = queues.dlq_url.clone().ok_or("no DLQ URL: pass --dlq-url")?;
    // SQS's own move task moves every message exactly once, server side.
    match start_move_task(&queues, &dlq).await {
        Ok(handle) => {
            println!("started SQS's message move task {handle}: the dead-letter queue's messages go back to the queue they came from");
            return Ok(());
        }
        Err(reason) => println!("SQS's message move task is not available here ({reason}); moving one message at a time"),
    }
    let moved = move_one_at_a_time(&queues, &dlq).await?;
    println!(
        "moved {} message(s) from the dead-letter queue back to the queue",
        moved.len()
    );
    for id in &moved {
        println!("  {id}");
    }
    Ok(())
}

async fn start_move_task(queues: &Queues, dlq: &str) -> Result<String, String> {
    let dlq_arn = switchboard_devkit::queues::queue_arn(&queues.client, dlq)
        .await
        .map_err(|e| e.to_string())?;
    let output = queues
        .client
        .start_message_move_task()
        .source_arn(dlq_arn)
        .send()
        .await
        .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?;
    Ok(output.task_handle().unwrap_or("(no handle)").to_owned())
}

/// Moves messages one by one: each is received alone, sent to the main queue,
/// then deleted at once, far inside its 30 s of invisibility, so none can
/// reappear in the dead-letter queue and be sent twice. Returns the ids moved
/// (the dead-letter queue's message ids).
async fn move_one_at_a_time(queues: &Queues, dlq: &str) -> CliResult<Vec<String>> {
    let mut moved = Vec::new();
    loop {
        let received = queues
            .client
            .receive_message()
            .queue_url(dlq)
            .max_number_of_messages(1)
            .visibility_timeout(30)
            .message_attribute_names("All")
            .send()
            .await?;
        let Some(message) = received.messages.unwrap_or_default().into_iter().next() else {
            break;
        };
        let body = message
            .body()
            .ok_or("a dead-letter message without a body")?;
        let mut send = queues
            .client
            .send_message()
            .queue_url(&queues.queue_url)
            .message_body(body);
        for (name, value) in message.message_attributes().into_iter().flatten() {
            send = send.message_attributes(name, value.clone());
        }
        send.send().await?;
        // Deleted only once the main queue holds it.
        let handle = message
            .receipt_handle()
            .ok_or("a dead-letter message without a receipt handle")?;
        queues
            .client
            .delete_message()
            .queue_url(dlq)
            .receipt_handle(handle)
            .send()
            .await?;
        moved.push(message.message_id().unwrap_or("?").to_owned());
    }
    Ok(moved)
}
