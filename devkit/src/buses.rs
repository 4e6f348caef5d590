//! A local EventBridge bus with a rule that copies every switchboard event to
//! an SQS queue, so what the processor puts on the bus can be read back.

use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::types::Target;

use crate::queues::{queue_arn, SqsError};

/// The event pattern of the rule: everything switchboard puts on a bus.
pub const SWITCHBOARD_PATTERN: &str = r#"{"source":[{"prefix":"switchboard."}]}"#;

/// A failed EventBridge or SQS call, with the SDK's whole error chain.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// EventBridge refused.
    #[error("EventBridge: {0}")]
    EventBridge(String),
    /// SQS refused.
    #[error(transparent)]
    Sqs(#[from] SqsError),
}

fn failed(error: impl std::error::Error + 'static) -> BusError {
    BusError::EventBridge(DisplayErrorContext(error).to_string())
}

/// A bus and the queue its rule targets.
#[derive(Debug, Clone)]
pub struct BusToQueue {
    /// The bus's name, for `EVENT_BUS_NAME`.
    pub bus: String,
    /// The queue every switchboard event on the bus is copied to.
    pub target_queue_url: String,
}

/// Creates the bus `bus`, a queue `target_queue`, and a rule on the bus that
/// sends every switchboard event to the queue.
pub async fn create_bus_to_queue(
    events: &aws_sdk_eventbridge::Client,
    sqs: &aws_sdk_sqs::Client,
    bus: &str,
    target_queue: &str,
) -> Result<BusToQueue, BusError> {
    events
        .create_event_bus()
        .name(bus)
        .send()
        .await
        .map_err(failed)?;
    let target_queue_url = sqs
        .create_queue()
        .queue_name(target_queue)
        .send()
        .await
        .map_err(SqsError::from_sdk)?
        .queue_url
        .unwrap_or_default();
    let target_arn = queue_arn(sqs, &target_queue_url).await?;
    let rule = format!("{bus}-to-queue");
    events
        .put_rule()
        .name(&rule)
        .event_bus_name(bus)
        .event_pattern(SWITCHBOARD_PATTERN)
        .send()
        .await
        .map_err(failed)?;
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(bus)
        .targets(
            Target::builder()
                .id("queue")
                .arn(target_arn)
                .build()
                .map_err(failed)?,
        )
        .send()
        .await
        .map_err(failed)?;
    Ok(BusToQueue {
        bus: bus.to_owned(),
        target_queue_url,
    })
}
