//! Diagnostic: `sqs-send`'s loop through [`DirectSqs`] instead of the SDK.
//!
//! `sqs-send-direct ENDPOINT QUEUE_URL COUNT`

use switchboard_bench::direct_sqs::DirectSqs;
use switchboard_bench::{sample_event, send_args};

use switchboard_bench::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let (endpoint, queue_url, count) = send_args("sqs-send-direct")?;
    let queue = DirectSqs::new(&endpoint, &queue_url, "us-east-1", "testing", "testing");
    let event = sample_event()?;
    for _ in 0..count {
        queue.send(&event).await?;
    }
    Ok(())
}
