//! The ingest Lambda adapter: translate an HTTP request into
//! [`switchboard::decide`], enqueue when told to, and answer. No protocol logic
//! lives here.

mod handler;

use std::sync::Arc;

use switchboard::aws::AwsSettings;
use switchboard::pluralkit::{TokenParameter, TokenSource};
use switchboard::queue::sqs::SqsQueue;
use switchboard::secrets::ssm::SsmSecrets;
use switchboard::IngestConfig;

pub use handler::{run, Ingest};

/// Why ingest cannot start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The PluralKit token parameter could not be read at cold start.
    #[error("cannot read the PluralKit token parameter {parameter}: {error}")]
    TokenParameter {
        /// The parameter's name (`PLURALKIT_SIGNING_TOKEN_PARAMETER`).
        parameter: String,
        /// What SSM said; never a value.
        error: switchboard::secrets::SecretError,
    },
}

/// The function `config` describes, with its clients built once from
/// `aws`: the SQS queue and, when the PluralKit tokens live in a parameter,
/// the SSM client, with the tokens read now.
pub async fn build(
    mut config: IngestConfig,
    aws: &AwsSettings,
) -> Result<Ingest<SqsQueue>, BuildError> {
    let queue = SqsQueue::new(SqsQueue::client_for_ingest(aws), config.queue_url.clone());
    let source = config.pluralkit.as_ref().map(|p| p.token_source.clone());
    let Some(TokenSource::Parameter {
        name,
        refresh_interval,
    }) = source
    else {
        return Ok(Ingest::new(config, queue));
    };
    let store = Arc::new(SsmSecrets::new(SsmSecrets::client_for_ingest(aws)));
    let parameter = TokenParameter::new(store, name, refresh_interval);
    let tokens = parameter
        .load()
        .await
        .map_err(|error| BuildError::TokenParameter {
            parameter: parameter.name().to_owned(),
            error,
        })?;
    if let Some(pluralkit) = &mut config.pluralkit {
        pluralkit.signing_tokens = tokens;
    }
    Ok(Ingest::new(config, queue).with_token_parameter(parameter))
}

#[cfg(test)]
mod tests;
