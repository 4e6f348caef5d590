//! Secrets read at run time from a parameter store (SSM Parameter Store when
//! deployed), so a new value takes effect without a deploy. The port is here;
//! the SSM adapter is behind the `ssm` feature.

use async_trait::async_trait;

#[cfg(feature = "ssm")]
#[cfg_attr(docsrs, doc(cfg(feature = "ssm")))]
pub mod ssm;

/// Why a secret could not be read. Never holds the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SecretError(pub String);

/// Where secrets are read from.
#[async_trait]
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// The current value of the secret `name`, decrypted; `None` when it does
    /// not exist.
    async fn read(&self, name: &str) -> Result<Option<String>, SecretError>;
}
