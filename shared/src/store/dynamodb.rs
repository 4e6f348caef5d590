//! The idempotency store on DynamoDB, one item per dedupe key, in the layout
//! of AWS Lambda Powertools' idempotency utility: `id` (the key), `status`
//! (`IN_PROGRESS` or `COMPLETED`), `expiration` (Unix seconds; the table's
//! TTL attribute) and `in_progress_expiration` (Unix milliseconds).

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};

use crate::processor::idempotency::{Claim, IdempotencyStore, StoreError};

const KEY: &str = "id";
const STATUS: &str = "status";
const EXPIRATION: &str = "expiration";
const IN_PROGRESS_EXPIRATION: &str = "in_progress_expiration";
const IN_PROGRESS: &str = "IN_PROGRESS";
const COMPLETED: &str = "COMPLETED";

/// The idempotency store in one DynamoDB table (`IDEMPOTENCY_TABLE`).
#[derive(Debug, Clone)]
pub struct DynamoDbStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

type Item = HashMap<String, AttributeValue>;

impl DynamoDbStore {
    /// The store on `table`, through `client`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self { client, table }
    }

    /// A client for the processor: quick retries and short attempts, since a
    /// record waits on every call.
    pub fn client(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::config::Builder::from(config)
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(1))
                    .operation_attempt_timeout(Duration::from_secs(2))
                    .build(),
            )
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    /// What an existing item says, read consistently.
    async fn current(&self, key: &str) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(KEY, AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(output.item)
    }
}

fn unavailable<E: std::error::Error + 'static>(error: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(error).to_string())
}

fn number(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Reads the claim an existing item stands for.
fn existing_claim(item: Option<&Item>) -> Result<Claim, StoreError> {
    // The item may be gone already (released or expired meanwhile): the next
    // delivery will claim it; this one waits its turn.
    let Some(item) = item else {
        return Ok(Claim::InProgressElsewhere);
    };
    match item.get(STATUS).and_then(|status| status.as_s().ok()) {
        Some(status) if status == COMPLETED => Ok(Claim::Completed),
        Some(status) if status == IN_PROGRESS => Ok(Claim::InProgressElsewhere),
        Some(other) => Err(StoreError::Malformed(format!("unknown status {other:?}"))),
        None => Err(StoreError::Malformed("no status".into())),
    }
}

#[async_trait]
impl IdempotencyStore for DynamoDbStore {
    async fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        in_progress_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(KEY, AttributeValue::S(key.to_owned()))
            .item(STATUS, AttributeValue::S(IN_PROGRESS.to_owned()))
            .item(EXPIRATION, number(in_progress_until.timestamp()))
            .item(
                IN_PROGRESS_EXPIRATION,
                number(in_progress_until.timestamp_millis()),
            )
            // Absent, past its TTL (DynamoDB deletes lazily), or an expired claim.
            .condition_expression(
                "attribute_not_exists(#id) OR #expiration < :now \
                 OR (#status = :in_progress AND #in_progress_expiration < :now_ms)",
            )
            .expression_attribute_names("#id", KEY)
            .expression_attribute_names("#status", STATUS)
            .expression_attribute_names("#expiration", EXPIRATION)
            .expression_attribute_names("#in_progress_expiration", IN_PROGRESS_EXPIRATION)
            .expression_attribute_values(":now", number(now.timestamp()))
            .expression_attribute_values(":now_ms", number(now.timestamp_millis()))
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Proceed),
            Err(SdkError::ServiceError(service))
                if service.err().is_conditional_check_failed_exception() =>
            {
                let returned = match service.into_err() {
                    PutItemError::ConditionalCheckFailedException(failed) => failed.item,
                    _ => None,
                };
                match returned {
                    Some(item) => existing_claim(Some(&item)),
                    // Not every server returns the old item: read it.
                    None => existing_claim(self.current(key).await?.as_ref()),
                }
            }
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn complete(&self, key: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(KEY, AttributeValue::S(key.to_owned()))
            .item(STATUS, AttributeValue::S(COMPLETED.to_owned()))
            .item(EXPIRATION, number(expires_at.timestamp()))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(KEY, AttributeValue::S(key.to_owned()))
            // Never forget a completion, only a claim.
            .condition_expression("#status = :in_progress")
            .expression_attribute_names("#status", STATUS)
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(service))
                if service.err().is_conditional_check_failed_exception() =>
            {
                Ok(())
            }
            Err(error) => Err(unavailable(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(status: Option<&str>) -> Item {
        let mut item = Item::new();
        item.insert(KEY.into(), AttributeValue::S("k".into()));
        if let Some(status) = status {
            item.insert(STATUS.into(), AttributeValue::S(status.into()));
        }
        item
    }

    #[test]
    fn an_existing_item_is_read_strictly() {
        assert_eq!(
            existing_claim(Some(&item(Some(COMPLETED)))),
            Ok(Claim::Completed)
        );
        assert_eq!(
            existing_claim(Some(&item(Some(IN_PROGRESS)))),
            Ok(Claim::InProgressElsewhere)
        );
        assert_eq!(existing_claim(None), Ok(Claim::InProgressElsewhere));
        assert!(matches!(
            existing_claim(Some(&item(Some("DONE")))),
            Err(StoreError::Malformed(_))
        ));
        assert!(matches!(
            existing_claim(Some(&item(None))),
            Err(StoreError::Malformed(_))
        ));
        let mut numeric = item(None);
        numeric.insert(STATUS.into(), AttributeValue::N("1".into()));
        assert!(matches!(
            existing_claim(Some(&numeric)),
            Err(StoreError::Malformed(_))
        ));
    }
}
