//! The processor Lambda adapter: hand each SQS batch to
//! [`switchboard::process_batch`] with the registry from [`handlers`].

pub mod handlers;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use switchboard::{process_batch, Registry};

/// Runs the function on the Lambda runtime with `registry`.
pub async fn run(registry: Registry, concurrency: usize) -> Result<(), Error> {
    let registry = &registry;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(process_batch(registry, event.payload, concurrency).await)
    }))
    .await
}
