//! Creating a queue with its dead-letter queue, and looking at a queue.

use std::collections::HashSet;

use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};

/// A failed SQS call, with the SDK's whole error chain.
#[derive(Debug, thiserror::Error)]
#[error("SQS: {0}")]
pub struct SqsError(String);

impl SqsError {
    pub(crate) fn from_sdk(error: impl std::error::Error + 'static) -> Self {
        Self(DisplayErrorContext(error).to_string())
    }

    fn missing(what: &str) -> Self {
        Self(format!("the answer has no {what}"))
    }
}

/// A queue and its dead-letter queue.
#[derive(Debug, Clone)]
pub struct Queues {
    /// The main queue.
    pub queue_url: String,
    /// Where messages go after `max_receive_count` receives.
    pub dlq_url: String,
}

/// Creates `name` and `name-dlq`, with a redrive policy after
/// `max_receive_count` receives, as the template does.
pub async fn create_queues(
    client: &aws_sdk_sqs::Client,
    name: &str,
    max_receive_count: u32,
    visibility_timeout_secs: u32,
) -> Result<Queues, SqsError> {
    let dlq_url = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .map_err(SqsError::from_sdk)?
        .queue_url
        .ok_or_else(|| SqsError::missing("dead-letter queue URL"))?;
    let dlq_arn = queue_arn(client, &dlq_url).await?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": max_receive_count.to_string(),
    })
    .to_string();
    let queue_url = client
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            visibility_timeout_secs.to_string(),
        )
        .send()
        .await
        .map_err(SqsError::from_sdk)?
        .queue_url
        .ok_or_else(|| SqsError::missing("queue URL"))?;
    Ok(Queues { queue_url, dlq_url })
}

/// A queue's ARN.
pub async fn queue_arn(client: &aws_sdk_sqs::Client, queue_url: &str) -> Result<String, SqsError> {
    client
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(SqsError::from_sdk)?
        .attributes
        .and_then(|mut attributes| attributes.remove(&QueueAttributeName::QueueArn))
        .ok_or_else(|| SqsError::missing("QueueArn"))
}

/// Receives up to `max` distinct messages (with all their attributes), hiding
/// each for `visibility_secs`; nothing is deleted. For looking at a queue.
pub async fn receive_up_to(
    client: &aws_sdk_sqs::Client,
    queue_url: &str,
    max: usize,
    visibility_secs: i32,
) -> Result<Vec<Message>, SqsError> {
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    while all.len() < max {
        let batch = client
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(visibility_secs)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(SqsError::from_sdk)?
            .messages
            .unwrap_or_default();
        if batch.is_empty() {
            break;
        }
        for message in batch {
            if seen.insert(message.message_id().unwrap_or_default().to_owned()) {
                all.push(message);
            }
        }
    }
    Ok(all)
}
