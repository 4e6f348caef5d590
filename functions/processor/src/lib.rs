//! The processor Lambda adapter: hand each SQS batch to
//! [`switchboard::process_batch`] with the registry from [`handlers`], under a
//! per-record deadline taken from the invocation's own.

pub mod handlers;

use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use switchboard::deadline::time_left;
use switchboard::{process_batch, Registry};

/// Time kept back from the invocation's deadline to send the batch response.
pub const RESPONSE_MARGIN: Duration = Duration::from_millis(500);

/// The instant by which every record's handlers must be done: the
/// invocation's deadline (Unix milliseconds, from the Runtime API) less
/// [`RESPONSE_MARGIN`]. `None` when the runtime gave none that can be this
/// invocation's (see [`time_left`]).
pub fn record_deadline(invocation_deadline_ms: u64) -> Option<tokio::time::Instant> {
    time_left(invocation_deadline_ms, RESPONSE_MARGIN)
        .map(|left| tokio::time::Instant::now() + left)
}

/// Runs the function on the Lambda runtime with `registry`.
pub async fn run(registry: Registry, concurrency: usize) -> Result<(), Error> {
    let registry = &registry;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let deadline = record_deadline(event.context.deadline);
        Ok::<SqsBatchResponse, Error>(
            process_batch(registry, event.payload, concurrency, deadline).await,
        )
    }))
    .await
}

#[cfg(test)]
mod tests {
    use std::time::{SystemTime, UNIX_EPOCH};

    use super::*;

    #[test]
    fn the_record_deadline_keeps_a_margin_for_the_response() {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let deadline = record_deadline(now_ms + 3_000).unwrap();
        let left = deadline - tokio::time::Instant::now();
        assert!(
            left <= Duration::from_millis(2_500) && left >= Duration::from_millis(2_300),
            "{left:?}"
        );
        assert_eq!(
            record_deadline(now_ms - 1_000),
            None,
            "not this invocation's"
        );
        assert_eq!(record_deadline(0), None);
    }
}
