//! The S3 adapter of the archive: one `PutObject` per object.

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;

use super::{ArchiveError, ArchiveStore};
use crate::config::{AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3};

/// The archive in an S3 bucket.
#[derive(Debug, Clone)]
pub struct S3Archive {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Archive {
    /// The archive in `bucket`, written with `client`.
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// A client from `sdk`. A server other than AWS's (an endpoint in `sdk`,
    /// or `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` set, as for moto) is
    /// addressed path-style, since `bucket.127.0.0.1` names no host; AWS's
    /// own endpoints keep virtual-hosted addressing.
    pub fn client(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
        let local = sdk.endpoint_url().is_some()
            || [AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL]
                .into_iter()
                .any(|name| std::env::var(name).is_ok_and(|value| !value.trim().is_empty()));
        let config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(local)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

#[async_trait]
impl ArchiveStore for S3Archive {
    async fn put(&self, key: &str, object: Vec<u8>) -> Result<(), ArchiveError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/x-ndjson")
            .body(ByteStream::from(object))
            .send()
            .await
            .map(drop)
            .map_err(|error| {
                ArchiveError(aws_sdk_s3::error::DisplayErrorContext(error).to_string())
            })
    }
}
