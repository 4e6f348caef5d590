//! The secret port on SSM Parameter Store: `GetParameter` with decryption, on
//! a client built from the function's own settings (no provider chain at cold
//! start) with short attempts, since a request may be waiting on it.

use async_trait::async_trait;
use aws_sdk_ssm::error::DisplayErrorContext;

use super::{SecretError, SecretStore};
#[cfg(feature = "sqs")]
use crate::aws::{https_client, AwsSettings};

/// Secrets in SSM Parameter Store (SecureString or String parameters).
#[derive(Debug, Clone)]
pub struct SsmSecrets {
    client: aws_sdk_ssm::Client,
}

impl SsmSecrets {
    /// Reads through `client`.
    pub fn new(client: aws_sdk_ssm::Client) -> Self {
        Self { client }
    }

    /// A client from the SDK's own configuration chain (the processor's), with
    /// the SDK's default retries.
    pub fn client(config: &aws_config::SdkConfig) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(config)
    }

    /// A client for ingest, from its own settings (see [`AwsSettings`]): two attempts of at most a second each, so a
    /// refresh on the request path never costs a sender its deadline.
    #[cfg(feature = "sqs")]
    pub fn client_for_ingest(settings: &AwsSettings) -> aws_sdk_ssm::Client {
        use aws_sdk_ssm::config::retry::RetryConfig;
        use aws_sdk_ssm::config::timeout::TimeoutConfig;
        use aws_sdk_ssm::config::{BehaviorVersion, Region};
        use std::time::Duration;
        let mut config = aws_sdk_ssm::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .credentials_provider(settings.credentials.clone())
            .http_client(https_client(settings.ssm_endpoint_url.as_deref()))
            .retry_config(RetryConfig::standard().with_max_attempts(2))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_millis(500))
                    .operation_attempt_timeout(Duration::from_secs(1))
                    .build(),
            );
        if let Some(endpoint) = &settings.ssm_endpoint_url {
            config = config.endpoint_url(endpoint);
        }
        aws_sdk_ssm::Client::from_conf(config.build())
    }
}

#[async_trait]
impl SecretStore for SsmSecrets {
    async fn read(&self, name: &str) -> Result<Option<String>, SecretError> {
        match self
            .client
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
        {
            Ok(output) => Ok(output.parameter.and_then(|parameter| parameter.value)),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|error| error.is_parameter_not_found()) =>
            {
                Ok(None)
            }
            // The SDK's error chain names the operation and the cause, never
            // the value (there is none in a failed answer).
            Err(error) => Err(SecretError(DisplayErrorContext(&error).to_string())),
        }
    }
}
