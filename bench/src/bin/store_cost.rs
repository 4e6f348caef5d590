//! `store-cost`: what the idempotency store adds to each record, against
//! moto's DynamoDB on loopback. The processor handles the same batches of 10
//! fresh events with the store and without it; the difference per record is
//! the store's two conditional writes (a claim before the handlers, the
//! completion after). moto answers slower than DynamoDB does, so this is an
//! upper bound on the wait, and the count of calls is the figure that carries
//! over.
//!
//! `store-cost [BATCHES]` (default 50)

use std::sync::Arc;
use std::time::Instant;

use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::{json, value::RawValue};
use switchboard::envelope::{Arrival, Envelope};
use switchboard::store::dynamodb::DynamoDbStore;
use switchboard::{Idempotency, LogEvent, Processor, Registry, Sender};
use switchboard_bench::Error;
use switchboard_devkit::{create_idempotency_table, local_dynamodb_client, MotoServer};

fn batch(records: usize) -> Result<SqsEvent, Error> {
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

/// Mean wall time per record over `batches` batches of 10.
async fn per_record_us(processor: &Processor, batches: usize) -> Result<f64, Error> {
    let mut total = 0.0;
    for _ in 0..batches {
        let event = batch(10)?;
        let started = Instant::now();
        let response = processor.process(event, None).await;
        total += started.elapsed().as_secs_f64();
        if !response.batch_item_failures.is_empty() {
            return Err("a record failed".into());
        }
    }
    Ok(total * 1e6 / (batches * 10) as f64)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let batches: usize = std::env::args().nth(1).map_or(Ok(50), |n| n.parse())?;
    let server = MotoServer::start();
    let client = local_dynamodb_client(&server.endpoint());
    create_idempotency_table(&client, "store-cost").await?;
    let registry = || Registry::new().fallback(LogEvent).build();
    let plain = Processor::new(registry()?, 8);
    let store = DynamoDbStore::new(client, "store-cost".into());
    let guarded =
        Processor::new(registry()?, 8).with_idempotency(Idempotency::new(Arc::new(store)));
    // Warm both paths (connections, moto's table) before measuring.
    per_record_us(&plain, 2).await?;
    per_record_us(&guarded, 2).await?;
    let without = per_record_us(&plain, batches).await?;
    let with = per_record_us(&guarded, batches).await?;
    println!("| Processor, batches of 10, concurrency 8 | Wall time per record |");
    println!("|---|---|");
    println!("| without the store | {without:.0} µs |");
    println!("| with the store (moto's DynamoDB on loopback) | {with:.0} µs |");
    println!(
        "| the store's share: 2 conditional writes per record | {:.0} µs |",
        with - without
    );
    Ok(())
}
