//! `archive-cost`: what the archive adds to each batch, against moto's S3 on
//! loopback. The processor handles the same batches of 10 fresh events with
//! the archive and without it; the difference per batch is one `PutObject`
//! (the batch's records share a sender and an hour). It also prints the
//! object's size, for the bytes per million events. moto answers slower than
//! S3 does for small objects, so the time is an upper bound on the wait; the
//! count of PUTs and the bytes are the figures that carry over.
//!
//! `archive-cost [BATCHES]` (default 50)

use std::sync::Arc;

use switchboard::archive::s3::S3Archive;
use switchboard::{LogEvent, Processor, Registry};
use switchboard_bench::batches::{mean_batch_us, switch_batch};
use switchboard_bench::Error;
use switchboard_devkit::{create_local_bucket, local_s3_client, MotoServer};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let batches: usize = std::env::args().nth(1).map_or(Ok(50), |n| n.parse())?;
    let server = MotoServer::start();
    let client = local_s3_client(&server.endpoint());
    create_local_bucket(&client, "archive-cost").await?;
    let registry = || Registry::new().fallback(LogEvent).build();
    let plain = Processor::new(registry()?, 8);
    let archive = S3Archive::new(client, "archive-cost");
    let archived = Processor::new(registry()?, 8).with_archive(Arc::new(archive));
    // Warm both paths (connections, moto's bucket) before measuring.
    mean_batch_us(&plain, 2).await?;
    mean_batch_us(&archived, 2).await?;
    let without = mean_batch_us(&plain, batches).await?;
    let with = mean_batch_us(&archived, batches).await?;

    let batch = switch_batch(10)?;
    let body_bytes: usize = batch
        .records
        .iter()
        .map(|record| record.body.as_deref().map_or(0, str::len) + 1)
        .sum();
    let plan = switchboard::archive::plan(&batch.records, chrono::Utc::now());
    let object_bytes: usize = plan.iter().map(|object| object.object.len()).sum();
    println!("| Processor, batches of 10 `CREATE_SWITCH`, concurrency 8 | Per batch |");
    println!("|---|---|");
    println!("| without the archive | {:.2} ms |", without / 1000.0);
    println!(
        "| with the archive (moto's S3 on loopback) | {:.2} ms |",
        with / 1000.0
    );
    println!(
        "| the archive's share: {} PUT | {:.2} ms |",
        plan.len(),
        (with - without) / 1000.0
    );
    println!(
        "| the object: {body_bytes} B of JSON Lines, gzip-compressed | {object_bytes} B ({:.0} B per event) |",
        object_bytes as f64 / 10.0
    );
    Ok(())
}
