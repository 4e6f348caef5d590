//! `store-cost`: what the idempotency store adds to each record, against
//! moto's DynamoDB on loopback. The processor handles the same batches of 10
//! fresh events with the store and without it; the difference per record is
//! the store's two writes (a conditional claim before the effects, the
//! unconditional completion after). moto answers slower than DynamoDB does, so this is an
//! upper bound on the wait, and the count of calls is the figure that carries
//! over.
//!
//! `store-cost [BATCHES]` (default 50)

use std::sync::Arc;

use switchboard::store::dynamodb::DynamoDbStore;
use switchboard::{Idempotency, LogEvent, Processor, Registry};
use switchboard_bench::batches::mean_batch_us;
use switchboard_bench::Error;
use switchboard_devkit::{create_idempotency_table, local_dynamodb_client, MotoServer};

/// Mean wall time per record over `batches` batches of 10.
async fn per_record_us(processor: &Processor, batches: usize) -> Result<f64, Error> {
    Ok(mean_batch_us(processor, batches).await? / 10.0)
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
        "| the store's share: 2 writes per record (conditional claim, completion) | {:.0} µs |",
        with - without
    );
    Ok(())
}
