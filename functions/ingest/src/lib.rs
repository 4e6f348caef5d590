//! The ingest Lambda adapter: translate an HTTP request into
//! [`switchboard::decide`], enqueue when told to, and answer. No protocol logic
//! lives here.

mod handler;
pub mod responders;

use std::sync::Arc;
use std::time::Duration;

use switchboard::aws::AwsSettings;
use switchboard::pluralkit::tenant_table::TenantTable;
use switchboard::pluralkit::{Tenants, TokenParameter, TokenSource};
use switchboard::queue::sqs::SqsQueue;
use switchboard::secrets::ssm::SsmSecrets;
use switchboard::IngestConfig;

pub use handler::{run, Ingest};

/// The longest cold start waits on SSM for the PluralKit tokens. Discord
/// never waits on SSM: past this, ingest starts without the tokens, and each
/// PluralKit request reads them within its own deadline.
pub const COLD_START_SECRET_WAIT: Duration = Duration::from_millis(250);

/// The function `config` describes, answering interactions inline with
/// [`responders::Responders`], with its clients built once from
/// `aws`: the SQS queue, the tenant table's when `/pluralkit/{tenant}` is on,
/// and, when the PluralKit tokens live in a parameter,
/// the SSM client, with the tokens read now if SSM answers within
/// [`COLD_START_SECRET_WAIT`]. Nothing SSM does stops the function starting.
pub async fn build(mut config: IngestConfig, aws: &AwsSettings) -> Ingest<SqsQueue> {
    config.interactions = config
        .interactions
        .take()
        .map(|interactions| interactions.with_responder(responders::Responders));
    let queue = SqsQueue::new(SqsQueue::client_for_ingest(aws), config.queue_url.clone());
    // The tenant table's client is built here, once; items are read per
    // tenant, on its first request.
    let tenants = config.pluralkit_tenants.as_ref().map(|tenants| {
        let table = TenantTable::new(TenantTable::client_for_ingest(aws), tenants.table.clone());
        Tenants::new(Arc::new(table), tenants)
    });
    let with_tenants = |ingest: Ingest<SqsQueue>| match tenants {
        Some(tenants) => ingest.with_tenants(tenants),
        None => ingest,
    };
    let source = config.pluralkit.as_ref().map(|p| p.token_source.clone());
    let Some(TokenSource::Parameter {
        name,
        refresh_interval,
    }) = source
    else {
        return with_tenants(Ingest::new(config, queue));
    };
    let store = Arc::new(SsmSecrets::new(SsmSecrets::client_for_ingest(aws)));
    let parameter = TokenParameter::new(store, name, refresh_interval);
    match tokio::time::timeout(COLD_START_SECRET_WAIT, parameter.load()).await {
        Ok(Ok(tokens)) => {
            if let Some(pluralkit) = &mut config.pluralkit {
                pluralkit.signing_tokens = tokens;
            }
        }
        Ok(Err(error)) => tracing::warn!(
            parameter = parameter.name(),
            %error,
            "the PluralKit token parameter could not be read at cold start; \
             Discord is served, and PluralKit requests read it again"
        ),
        Err(_) => tracing::warn!(
            parameter = parameter.name(),
            wait_ms = COLD_START_SECRET_WAIT.as_millis() as u64,
            "SSM did not answer at cold start; Discord is served, and PluralKit \
             requests read the token parameter again"
        ),
    }
    with_tenants(Ingest::new(config, queue).with_token_parameter(parameter))
}

#[cfg(test)]
mod tests;
