//! The processor Lambda adapter: hand each SQS batch to a
//! [`switchboard::Processor`] built at cold start (the registry from
//! [`handlers`], the idempotency store and the built-in destinations when
//! configured), under a per-record
//! deadline taken from the invocation's own.

pub mod handlers;

use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use std::sync::Arc;
use switchboard::deadline::time_left;

use switchboard::archive::s3::S3Archive;
use switchboard::builtin::event_bus::EventBus;
use switchboard::builtin::forward::{Forward, ForwardSetupError};
use switchboard::builtin::SecretSetting;
use switchboard::interactions::reply::http::HttpReplyApi;
use switchboard::interactions::ReplyError;
use switchboard::secrets::ssm::SsmSecrets;
use switchboard::store::dynamodb::DynamoDbStore;
use switchboard::telemetry::Metrics;
use switchboard::{Idempotency, Processor, ProcessorConfig, Registry};

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

/// Why the processor cannot start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The forwarding destination could not be set up.
    #[error(transparent)]
    Forward(#[from] ForwardSetupError),
    /// The client of Discord's interaction endpoints could not be set up.
    #[error("the Discord reply client could not be set up: {0}")]
    Replies(#[from] ReplyError),
}

/// The processor `config` describes, around `registry`, with AWS clients
/// configured from the environment Lambda provides (loaded only when the
/// idempotency store, a bus or a secret parameter needs them). See
/// [`build_with`].
pub async fn build(config: &ProcessorConfig, registry: Registry) -> Result<Processor, BuildError> {
    let destinations = &config.destinations;
    let needs_aws = config.idempotency.is_some()
        || config.archive_bucket.is_some()
        || destinations.event_bus.is_some()
        || destinations
            .forward
            .as_ref()
            .is_some_and(|forward| matches!(forward.secret, SecretSetting::Parameter(_)));
    let sdk = match needs_aws {
        true => aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
        false => aws_config::SdkConfig::builder().build(),
    };
    build_with(config, registry, &sdk)
}

/// The processor `config` describes, around `registry`: the archive when
/// `ARCHIVE_BUCKET` names one, the client of Discord's interaction endpoints, the DynamoDB
/// idempotency store when `IDEMPOTENCY_TABLE` names one, and the built-in
/// destinations it turns on, their clients built here, once, from `sdk`.
/// Nothing is read here: a forwarding secret in SSM is read on first use, so
/// an SSM that cannot answer fails only the records to be forwarded, never
/// the processor's start.
pub fn build_with(
    config: &ProcessorConfig,
    registry: Registry,
    sdk: &aws_config::SdkConfig,
) -> Result<Processor, BuildError> {
    // No request is made until an interaction arrives.
    let replies = HttpReplyApi::new(&config.replies.api_base_url)?;
    let mut processor = Processor::new(registry, config.concurrency)
        .with_replies(Arc::new(replies), config.replies.fallback_message.clone());
    if let Some(bucket) = &config.archive_bucket {
        let archive = S3Archive::new(S3Archive::client(sdk), bucket);
        processor = processor.with_archive(Arc::new(archive));
    }
    if let Some(store) = &config.idempotency {
        let dynamodb = DynamoDbStore::new(DynamoDbStore::client(sdk), store.table.clone());
        processor = processor.with_idempotency(Idempotency {
            store: Arc::new(dynamodb),
            ttl: store.ttl,
        });
    }
    if let Some(bus) = &config.destinations.event_bus {
        processor = processor.with_destination(EventBus::new(EventBus::client(sdk), bus));
    }
    if let Some(forward) = &config.destinations.forward {
        let destination = match &forward.secret {
            SecretSetting::Value(_) => Forward::new(forward)?,
            SecretSetting::Parameter(_) => {
                let secrets = Arc::new(SsmSecrets::new(SsmSecrets::client(sdk)));
                Forward::with_secret_store(forward, secrets)?
            }
        };
        processor = processor.with_destination(destination);
    }
    Ok(processor)
}

/// Runs the function on the Lambda runtime.
pub async fn run(processor: Processor, metrics: Metrics) -> Result<(), Error> {
    let processor = &processor;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let deadline = record_deadline(event.context.deadline);
        let response = processor.process(event.payload, deadline).await;
        // Once per invocation, before the batch response goes back.
        metrics.flush_to_stdout();
        Ok::<SqsBatchResponse, Error>(response)
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
