//! The SQS adapter of the queue port.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::config::timeout::TimeoutConfig;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region, StalledStreamProtectionConfig};
use aws_sdk_sqs::types::MessageAttributeValue;

use super::{EventQueue, QueueError, QueuedEvent};
use crate::config::{
    ConfigError, AWS_ACCESS_KEY_ID, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SQS,
    AWS_REGION, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
};

/// The queue port on SQS: one `SendMessage` per event, retried within the
/// caller's deadline.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsQueue {
    /// A queue sending to `queue_url` with `client`.
    pub fn new(client: aws_sdk_sqs::Client, queue_url: String) -> Self {
        Self { client, queue_url }
    }

    /// A client tuned for enqueueing under a deadline: quick retries with a
    /// short per-attempt timeout, cut off by the caller's overall deadline.
    /// Everything it needs is built here, once, at cold start.
    pub fn client_for_ingest(settings: &SqsSettings) -> aws_sdk_sqs::Client {
        let mut config = aws_sdk_sqs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .credentials_provider(settings.credentials.clone())
            .http_client(https_client(settings.endpoint_url.as_deref()))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(5)
                    .with_initial_backoff(Duration::from_millis(25))
                    .with_max_backoff(Duration::from_millis(400)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_millis(400))
                    .operation_attempt_timeout(Duration::from_millis(900))
                    .build(),
            )
            // Our own deadline bounds the call; the request body is a few KiB.
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
        if let Some(endpoint) = &settings.endpoint_url {
            config = config.endpoint_url(endpoint);
        }
        aws_sdk_sqs::Client::from_conf(config.build())
    }
}

/// The roots behind every AWS service endpoint (Amazon Trust Services), compiled
/// in: loading and parsing the system's whole CA bundle is the largest part of
/// a cold start otherwise.
const AMAZON_TRUST_SERVICES_ROOTS: &[u8] =
    include_bytes!("../../certs/amazon-trust-services-roots.pem");

fn https_client(endpoint_override: Option<&str>) -> aws_sdk_sqs::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
    // A custom HTTPS endpoint (a proxy, say) may use any CA: trust the system's then.
    let custom_https = endpoint_override.is_some_and(|url| url.starts_with("https://"));
    let trust_store = if custom_https {
        TrustStore::default()
    } else {
        TrustStore::empty()
            .with_native_roots(false)
            .with_pem_certificate(AMAZON_TRUST_SERVICES_ROOTS)
    };
    let builder = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    match TlsContext::builder().with_trust_store(trust_store).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        Err(_) => builder.build_https(),
    }
}

/// What the SQS client needs, read straight from the environment Lambda
/// provides (`AWS_REGION` and the function's temporary credentials), instead of
/// walking the whole default provider chain at cold start.
#[derive(Clone)]
pub struct SqsSettings {
    /// The region the queue is in.
    pub region: String,
    /// The function's credentials.
    pub credentials: Credentials,
    /// `AWS_ENDPOINT_URL_SQS`, else `AWS_ENDPOINT_URL`: a local SQS server.
    pub endpoint_url: Option<String>,
}

impl std::fmt::Debug for SqsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials print themselves redacted; the rest is not secret.
        f.debug_struct("SqsSettings")
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("endpoint_url", &self.endpoint_url)
            .finish()
    }
}

impl SqsSettings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads any name → value lookup; an empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let region =
            get(AWS_REGION)
                .or_else(|| get(AWS_DEFAULT_REGION))
                .ok_or(ConfigError::Missing {
                    variable: AWS_REGION,
                })?;
        let access_key = get(AWS_ACCESS_KEY_ID).ok_or(ConfigError::Missing {
            variable: AWS_ACCESS_KEY_ID,
        })?;
        let secret_key = get(AWS_SECRET_ACCESS_KEY).ok_or(ConfigError::Missing {
            variable: AWS_SECRET_ACCESS_KEY,
        })?;
        // Lambda's credentials last as long as the execution environment, so
        // reading them once is what the environment provider would do anyway.
        let credentials = Credentials::new(
            access_key,
            secret_key,
            get(AWS_SESSION_TOKEN),
            None,
            "lambda-environment",
        );
        let endpoint_url = get(AWS_ENDPOINT_URL_SQS).or_else(|| get(AWS_ENDPOINT_URL));
        Ok(Self {
            region,
            credentials,
            endpoint_url,
        })
    }
}

#[async_trait]
impl EventQueue for SqsQueue {
    async fn enqueue(&self, event: &QueuedEvent, deadline: Duration) -> Result<(), QueueError> {
        let mut request = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(event.envelope.to_json());
        for attribute in &event.attributes {
            let value = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(&attribute.value)
                .build()
                .map_err(|error| QueueError::Failed(error.to_string()))?;
            request = request.message_attributes(attribute.name, value);
        }

        let mut last_error = None;
        let keep_trying = async {
            loop {
                match request.clone().send().await {
                    Ok(_) => return Ok(()),
                    Err(error) => {
                        let give_up = !is_transient(&error);
                        last_error =
                            Some(aws_sdk_sqs::error::DisplayErrorContext(error).to_string());
                        if give_up {
                            return Err(());
                        }
                        // The SDK's own retries are spent; go on while the deadline allows.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        };
        match tokio::time::timeout(deadline, keep_trying).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(())) => Err(QueueError::Failed(last_error.unwrap_or_default())),
            Err(_) => Err(match last_error {
                Some(error) => QueueError::Failed(format!(
                    "deadline of {deadline:?} passed; last error: {error}"
                )),
                None => QueueError::DeadlineExceeded(deadline),
            }),
        }
    }
}

/// Worth another try: no answer, a timeout, throttling or a server error. A
/// client error (no such queue, access denied) will not heal within seconds.
fn is_transient<E>(
    error: &aws_sdk_sqs::error::SdkError<E, aws_sdk_sqs::config::http::HttpResponse>,
) -> bool
where
    E: aws_sdk_sqs::error::ProvideErrorMetadata,
{
    use aws_sdk_sqs::error::SdkError;
    match error {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let throttled = service
                .err()
                .code()
                .is_some_and(|code| code.contains("Throttl"));
            status >= 500 || status == 429 || throttled
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<SqsSettings, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        SqsSettings::from_lookup(|name| map.get(name).map(|v| (*v).to_owned()))
    }

    #[test]
    fn every_missing_setting_is_named_and_the_endpoint_is_optional() {
        let full = [
            (AWS_REGION, "eu-west-1"),
            (AWS_ACCESS_KEY_ID, "AKID"),
            (AWS_SECRET_ACCESS_KEY, "secret-value"),
        ];
        let settings = read(&full).unwrap();
        assert_eq!(
            (settings.region.as_str(), settings.endpoint_url.as_deref()),
            ("eu-west-1", None)
        );
        assert!(
            !format!("{settings:?}").contains("secret-value"),
            "credentials are redacted"
        );
        for missing in [AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY] {
            let vars: Vec<_> = full
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let message = read(&vars).unwrap_err().to_string();
            assert!(message.contains(missing), "{message}");
        }
        let mut with_default_region = full.to_vec();
        with_default_region[0] = (AWS_DEFAULT_REGION, "us-west-2");
        assert_eq!(read(&with_default_region).unwrap().region, "us-west-2");
        let mut local = full.to_vec();
        local.push((AWS_ENDPOINT_URL, "http://all"));
        local.push((AWS_ENDPOINT_URL_SQS, "http://sqs"));
        assert_eq!(
            read(&local).unwrap().endpoint_url.as_deref(),
            Some("http://sqs")
        );
    }
}
