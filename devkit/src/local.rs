//! Clients for a local SQS server (moto), which accepts any credentials.

use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use switchboard::queue::sqs::SqsSettings;

/// The region every local resource lives in.
pub const LOCAL_REGION: &str = "us-east-1";

fn local_credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "switchboard-local")
}

/// A plain SQS client for a local server: setup, reads, the poller.
pub fn local_sqs_client(endpoint: &str) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(LOCAL_REGION))
        .credentials_provider(local_credentials())
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

/// A DynamoDB client for a local server.
pub fn local_dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new(LOCAL_REGION))
        .credentials_provider(local_credentials())
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// What ingest's own SQS client needs to reach a local server.
pub fn local_sqs_settings(endpoint: &str) -> SqsSettings {
    SqsSettings {
        region: LOCAL_REGION.into(),
        credentials: local_credentials(),
        endpoint_url: Some(endpoint.into()),
    }
}
