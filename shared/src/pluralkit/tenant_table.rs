//! The tenant table on DynamoDB, in the item schema of [`super::tenant`]:
//! what ingest reads (`GetItem`) and pins (`UpdateItem`), and the writes an
//! integrator's Rust backend or the CLI makes. Ingest's role may only read
//! and update items; the writes below need the integrator's own credentials.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;

use super::tenant::{
    token_sha256, TenantId, TenantRecord, DISABLED_ATTRIBUTE, SYSTEM_ID_ATTRIBUTE,
    TENANT_ATTRIBUTE, TOKEN_SHA256_ATTRIBUTE,
};
use super::tenants::{Pinned, TenantDirectory, TenantError};

type Item = HashMap<String, AttributeValue>;

/// The tenant table (`PLURALKIT_TENANT_TABLE`).
#[derive(Debug, Clone)]
pub struct TenantTable {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

/// One tenant as `list` shows it: never a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSummary {
    /// The tenant's id.
    pub tenant: String,
    /// The system it is pinned to, once pinned.
    pub system_id: Option<String>,
    /// True when turned off.
    pub disabled: bool,
    /// How many tokens it accepts (two during a rotation).
    pub tokens: usize,
}

impl TenantTable {
    /// The table `table`, through `client`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// A client for ingest, from its own settings: two attempts of at most a
    /// second each, so a read on the request path never costs PluralKit its
    /// deadline.
    #[cfg(feature = "sqs")]
    pub fn client_for_ingest(settings: &crate::aws::AwsSettings) -> aws_sdk_dynamodb::Client {
        use aws_sdk_dynamodb::config::retry::RetryConfig;
        use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
        use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
        use std::time::Duration;
        let mut config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .credentials_provider(settings.credentials.clone())
            .http_client(crate::aws::https_client(
                settings.dynamodb_endpoint_url.as_deref(),
            ))
            .retry_config(RetryConfig::standard().with_max_attempts(2))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_millis(500))
                    .operation_attempt_timeout(Duration::from_secs(1))
                    .build(),
            );
        if let Some(endpoint) = &settings.dynamodb_endpoint_url {
            config = config.endpoint_url(endpoint);
        }
        aws_sdk_dynamodb::Client::from_conf(config.build())
    }

    /// Creates the tenant's item with no token yet (every request gets 401
    /// until one is set); `false` when it exists already, which is left as it is.
    pub async fn create(&self, tenant: &TenantId) -> Result<bool, TenantError> {
        let created = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(TENANT_ATTRIBUTE, key(tenant))
            .condition_expression("attribute_not_exists(#tenant)")
            .expression_attribute_names("#tenant", TENANT_ATTRIBUTE)
            .send()
            .await;
        match created {
            Ok(_) => Ok(true),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(error) => Err(failed(error)),
        }
    }

    /// Makes `token` the tenant's token, creating the item if there is none;
    /// with `keep_others`, adds it beside the ones there (a rotation). Only
    /// its digest is written.
    pub async fn set_token(
        &self,
        tenant: &TenantId,
        token: &str,
        keep_others: bool,
    ) -> Result<(), TenantError> {
        let digest = AttributeValue::Ss(vec![token_sha256(token)]);
        let update = if keep_others {
            "ADD #tokens :digest"
        } else {
            "SET #tokens = :digest"
        };
        self.client
            .update_item()
            .table_name(&self.table)
            .key(TENANT_ATTRIBUTE, key(tenant))
            .update_expression(update)
            .expression_attribute_names("#tokens", TOKEN_SHA256_ATTRIBUTE)
            .expression_attribute_values(":digest", digest)
            .send()
            .await
            .map_err(failed)?;
        Ok(())
    }

    /// Turns the tenant off (`true`) or on again, leaving its tokens.
    pub async fn set_disabled(&self, tenant: &TenantId, disabled: bool) -> Result<(), TenantError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(TENANT_ATTRIBUTE, key(tenant))
            .update_expression("SET #disabled = :disabled")
            .condition_expression("attribute_exists(#tenant)")
            .expression_attribute_names("#disabled", DISABLED_ATTRIBUTE)
            .expression_attribute_names("#tenant", TENANT_ATTRIBUTE)
            .expression_attribute_values(":disabled", AttributeValue::Bool(disabled))
            .send()
            .await
            .map_err(failed)?;
        Ok(())
    }

    /// Removes the tenant's item; its route answers 401 once ingest's cache
    /// time has passed.
    pub async fn remove(&self, tenant: &TenantId) -> Result<(), TenantError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(TENANT_ATTRIBUTE, key(tenant))
            .send()
            .await
            .map_err(failed)?;
        Ok(())
    }

    /// Every tenant, page by page (a scan: for operators, never ingest).
    pub async fn list(&self) -> Result<Vec<TenantSummary>, TenantError> {
        let mut tenants = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(failed)?;
            for item in page.items() {
                let Some(AttributeValue::S(tenant)) = item.get(TENANT_ATTRIBUTE) else {
                    continue;
                };
                tenants.push(TenantSummary {
                    tenant: tenant.clone(),
                    system_id: text(item, SYSTEM_ID_ATTRIBUTE),
                    disabled: flag(item, DISABLED_ATTRIBUTE),
                    tokens: digests(item).len(),
                });
            }
            match page.last_evaluated_key {
                Some(next) if !next.is_empty() => start = Some(next),
                _ => break,
            }
        }
        tenants.sort_by(|a, b| a.tenant.cmp(&b.tenant));
        Ok(tenants)
    }
}

#[async_trait]
impl TenantDirectory for TenantTable {
    async fn read(&self, tenant: &TenantId) -> Result<Option<TenantRecord>, TenantError> {
        // Consistent, so a token written a moment ago is seen.
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(TENANT_ATTRIBUTE, key(tenant))
            .consistent_read(true)
            .send()
            .await
            .map_err(failed)?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let digests = digests(&item);
        let (record, malformed) = TenantRecord::from_parts(
            digests.iter().map(String::as_str),
            text(&item, SYSTEM_ID_ATTRIBUTE),
            flag(&item, DISABLED_ATTRIBUTE),
        );
        if item
            .get(SYSTEM_ID_ATTRIBUTE)
            .is_some_and(|value| value.as_s().is_err())
        {
            tracing::warn!(
                tenant = tenant.as_str(),
                "the tenant's system_id is not a string; it counts as not pinned, and cannot be pinned"
            );
        }
        if !malformed.is_empty() {
            tracing::warn!(
                tenant = tenant.as_str(),
                malformed = malformed.len(),
                "the tenant's item has token digests that are not 64 hex characters; they match nothing"
            );
        }
        Ok(Some(record))
    }

    async fn pin(&self, tenant: &TenantId, system_id: &str) -> Result<Pinned, TenantError> {
        let pinned = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(TENANT_ATTRIBUTE, key(tenant))
            .update_expression("SET #system = :system")
            // An empty `system_id` (written by hand) counts as none.
            .condition_expression(
                "attribute_exists(#tenant) AND (attribute_not_exists(#system) OR #system = :none)",
            )
            .expression_attribute_names("#system", SYSTEM_ID_ATTRIBUTE)
            .expression_attribute_names("#tenant", TENANT_ATTRIBUTE)
            .expression_attribute_values(":system", AttributeValue::S(system_id.to_owned()))
            .expression_attribute_values(":none", AttributeValue::S(String::new()))
            .send()
            .await;
        match pinned {
            Ok(_) => Ok(Pinned::Pinned),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(Pinned::Unchanged)
            }
            Err(error) => Err(failed(error)),
        }
    }
}

fn key(tenant: &TenantId) -> AttributeValue {
    AttributeValue::S(tenant.as_str().to_owned())
}

/// The digests an item holds: a string set, or (written by hand) a list of
/// strings or one string.
fn digests(item: &Item) -> Vec<String> {
    match item.get(TOKEN_SHA256_ATTRIBUTE) {
        Some(AttributeValue::Ss(set)) => set.clone(),
        Some(AttributeValue::S(one)) => vec![one.clone()],
        Some(AttributeValue::L(list)) => list
            .iter()
            .filter_map(|value| value.as_s().ok().cloned())
            .collect(),
        _ => Vec::new(),
    }
}

fn text(item: &Item, name: &str) -> Option<String> {
    item.get(name)
        .and_then(|value| value.as_s().ok())
        .filter(|text| !text.is_empty())
        .cloned()
}

fn flag(item: &Item, name: &str) -> bool {
    item.get(name)
        .and_then(|value| value.as_bool().ok())
        .copied()
        .unwrap_or(false)
}

fn failed<E: std::error::Error + 'static>(error: E) -> TenantError {
    TenantError(DisplayErrorContext(error).to_string())
}
