//! What the functions' AWS clients share: the region, credentials and
//! endpoints Lambda's environment gives, and one HTTPS client that trusts
//! only the roots AWS endpoints use.

// The SDK crates share these types; SQS's re-exports name them.
use aws_sdk_sqs::config::{Credentials, SharedHttpClient};

use crate::config::{
    ConfigError, AWS_ACCESS_KEY_ID, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL,
    AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SSM, AWS_REGION,
    AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
};

/// What the functions' AWS clients need, read straight from the environment Lambda
/// provides (`AWS_REGION` and the function's temporary credentials), instead of
/// walking the whole default provider chain at cold start.
#[derive(Clone)]
pub struct AwsSettings {
    /// The function's region.
    pub region: String,
    /// The function's credentials.
    pub credentials: Credentials,
    /// `AWS_ENDPOINT_URL_SQS`, else `AWS_ENDPOINT_URL`: a local SQS server.
    pub sqs_endpoint_url: Option<String>,
    /// `AWS_ENDPOINT_URL_SSM`, else `AWS_ENDPOINT_URL`: a local SSM server.
    pub ssm_endpoint_url: Option<String>,
    /// `AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL`: a local DynamoDB server.
    pub dynamodb_endpoint_url: Option<String>,
}

impl std::fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials print themselves redacted; the rest is not secret.
        f.debug_struct("AwsSettings")
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("sqs_endpoint_url", &self.sqs_endpoint_url)
            .field("ssm_endpoint_url", &self.ssm_endpoint_url)
            .field("dynamodb_endpoint_url", &self.dynamodb_endpoint_url)
            .finish()
    }
}

impl AwsSettings {
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
        Ok(Self {
            region,
            credentials,
            sqs_endpoint_url: get(AWS_ENDPOINT_URL_SQS).or_else(|| get(AWS_ENDPOINT_URL)),
            ssm_endpoint_url: get(AWS_ENDPOINT_URL_SSM).or_else(|| get(AWS_ENDPOINT_URL)),
            dynamodb_endpoint_url: get(AWS_ENDPOINT_URL_DYNAMODB).or_else(|| get(AWS_ENDPOINT_URL)),
        })
    }
}

/// The roots behind every AWS service endpoint (Amazon Trust Services), compiled
/// in: loading and parsing the system's whole CA bundle is the largest part of
/// a cold start otherwise.
const AMAZON_TRUST_SERVICES_ROOTS: &[u8] =
    include_bytes!("../certs/amazon-trust-services-roots.pem");

pub(crate) fn https_client(endpoint_override: Option<&str>) -> SharedHttpClient {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<AwsSettings, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        AwsSettings::from_lookup(|name| map.get(name).map(|v| (*v).to_owned()))
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
            (
                settings.region.as_str(),
                settings.sqs_endpoint_url.as_deref()
            ),
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
            read(&local).unwrap().sqs_endpoint_url.as_deref(),
            Some("http://sqs")
        );
        assert_eq!(
            read(&local).unwrap().ssm_endpoint_url.as_deref(),
            Some("http://all")
        );
    }
}
