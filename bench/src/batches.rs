//! Processor batches for the cost diagnostics: fresh `CREATE_SWITCH` events in
//! Lambda's `SqsEvent` shape, and the mean wall time to process them.

use std::time::Instant;

use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::{json, value::RawValue};
use switchboard::envelope::{Arrival, Envelope};
use switchboard::{Processor, Sender};

use crate::Error;

/// `records` fresh events (new ids, so new dedupe keys) in one batch.
pub fn switch_batch(records: usize) -> Result<SqsEvent, Error> {
    let records: Vec<_> = (0..records)
        .map(|n| {
            let payload = RawValue::from_string(
                json!({"type": "CREATE_SWITCH", "system_id": "s", "id": format!("sw-{n}"),
                    "data": {"id": format!("sw-{n}"), "members": ["m"]}})
                .to_string(),
            )?;
            let body = Envelope::new(
                Sender::Pluralkit,
                "CREATE_SWITCH".into(),
                Arrival::now(),
                payload,
            )
            .to_json();
            Ok(
                json!({"messageId": format!("m{n}"), "receiptHandle": "r", "body": body,
                "attributes": {}, "messageAttributes": {}}),
            )
        })
        .collect::<Result<_, Error>>()?;
    Ok(serde_json::from_value(json!({ "Records": records }))?)
}

/// Mean wall time per batch of 10 over `batches` batches, in microseconds;
/// an error if any record fails.
pub async fn mean_batch_us(processor: &Processor, batches: usize) -> Result<f64, Error> {
    let mut total = 0.0;
    for _ in 0..batches {
        let event = switch_batch(10)?;
        let started = Instant::now();
        let response = processor.process(event, None).await;
        total += started.elapsed().as_secs_f64();
        if !response.batch_item_failures.is_empty() {
            return Err("a record failed".into());
        }
    }
    Ok(total * 1e6 / batches as f64)
}
