//! Diagnostic: the ingest SQS client sending N events in a row, nothing else,
//! so its per-call cost can be counted on its own (`valgrind --tool=callgrind`
//! counts instructions, which the noisy machine cannot disturb). Compare with
//! `sqs-send-direct`.
//!
//! `sqs-send ENDPOINT QUEUE_URL COUNT`

use std::time::Duration;

use switchboard::queue::sqs::SqsQueue;
use switchboard::EventQueue;
use switchboard_bench::{sample_event, send_args};
use switchboard_devkit::local_aws_settings;

use switchboard_bench::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let (endpoint, queue_url, count) = send_args("sqs-send")?;
    let settings = local_aws_settings(&endpoint);
    let queue = SqsQueue::new(SqsQueue::client_for_ingest(&settings), queue_url);
    let event = sample_event()?;
    for _ in 0..count {
        queue.enqueue(&event, Duration::from_secs(2)).await?;
    }
    Ok(())
}
