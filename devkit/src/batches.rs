//! SQS batches as Lambda hands them to the processor, and what it answered.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use serde_json::json;

/// An `SqsEvent` of `(message id, body)` records, each on its second receive.
///
/// # Panics
/// Never for these inputs: the JSON is built to the event's shape.
pub fn sqs_event(records: &[(&str, &str)]) -> SqsEvent {
    let records: Vec<_> = records
        .iter()
        .map(|(id, body)| {
            json!({
                "messageId": id, "receiptHandle": format!("rh-{id}"), "body": body,
                "attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1700000000000"},
                "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:events", "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records }))
        .unwrap_or_else(|error| panic!("an SqsEvent: {error}"))
}

/// The failed message ids of a batch response, sorted.
pub fn failed_ids(response: &SqsBatchResponse) -> Vec<String> {
    let mut ids: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|failure| failure.item_identifier.clone())
        .collect();
    ids.sort();
    ids
}
