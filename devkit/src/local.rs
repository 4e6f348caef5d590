//! Clients for a local AWS server (moto), which accepts any credentials.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_sqs::config::{Credentials, SharedCredentialsProvider};
use switchboard::aws::AwsSettings;

/// The region every local resource lives in.
pub const LOCAL_REGION: &str = "us-east-1";

fn local_credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "switchboard-local")
}

/// Every AWS client's settings for a local server: region, dummy
/// credentials, and the server as the endpoint of every service.
pub fn local_sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(LOCAL_REGION))
        .credentials_provider(SharedCredentialsProvider::new(local_credentials()))
        .endpoint_url(endpoint)
        .build()
}

/// A plain SQS client for a local server: setup, reads, the poller.
pub fn local_sqs_client(endpoint: &str) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&local_sdk_config(endpoint))
}

/// A DynamoDB client for a local server.
pub fn local_dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&local_sdk_config(endpoint))
}

/// An EventBridge client for a local server.
pub fn local_eventbridge_client(endpoint: &str) -> aws_sdk_eventbridge::Client {
    aws_sdk_eventbridge::Client::new(&local_sdk_config(endpoint))
}

/// An SSM client for a local server.
pub fn local_ssm_client(endpoint: &str) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&local_sdk_config(endpoint))
}

/// An S3 client for a local server, addressed path-style (`bucket.127.0.0.1`
/// names no host).
pub fn local_s3_client(endpoint: &str) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(&local_sdk_config(endpoint))
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// Creates `bucket` on a local S3 server; one that exists already is kept.
///
/// # Errors
/// When the server refuses for another reason, or cannot be reached.
pub async fn create_local_bucket(client: &aws_sdk_s3::Client, bucket: &str) -> Result<(), String> {
    match client.create_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(()),
        Err(error) => {
            let text = aws_sdk_s3::error::DisplayErrorContext(&error).to_string();
            if text.contains("BucketAlreadyOwnedByYou") || text.contains("BucketAlreadyExists") {
                Ok(())
            } else {
                Err(text)
            }
        }
    }
}

/// What ingest's own SQS, SSM and DynamoDB clients need to reach a local server.
pub fn local_aws_settings(endpoint: &str) -> AwsSettings {
    AwsSettings {
        region: LOCAL_REGION.into(),
        credentials: local_credentials(),
        sqs_endpoint_url: Some(endpoint.into()),
        ssm_endpoint_url: Some(endpoint.into()),
        dynamodb_endpoint_url: Some(endpoint.into()),
    }
}
