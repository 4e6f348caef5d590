//! The idempotency store on DynamoDB, one item per dedupe key, in the layout
//! of AWS Lambda Powertools' idempotency utility: `id` (the key), `status`
//! (`IN_PROGRESS` or `COMPLETED`), `expiration` (Unix seconds; the table's
//! TTL attribute) and `in_progress_expiration` (Unix milliseconds), plus
//! `effects` (a string set): the effects a released claim had completed.
//!
//! A claim is an `UpdateItem`, not a `PutItem`, so it keeps the `effects` an
//! earlier attempt recorded and reads them back in the same call
//! (`ReturnValues: ALL_OLD`). A release with completed effects ends the claim
//! by setting `in_progress_expiration` to 0, which the next claim's
//! condition takes over at once.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};

use crate::processor::idempotency::{Claim, ClaimWindow, Effects, IdempotencyStore, StoreError};

const KEY: &str = "id";
const STATUS: &str = "status";
const EXPIRATION: &str = "expiration";
const IN_PROGRESS_EXPIRATION: &str = "in_progress_expiration";
const EFFECTS: &str = "effects";
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

/// The effects the item a claim replaced had recorded: none when there was
/// no item, or when it was past its TTL (DynamoDB deletes lazily, and what a
/// forgotten key recorded no longer counts).
fn recorded_effects(old: Option<&Item>, now: DateTime<Utc>) -> Result<Effects, StoreError> {
    let Some(old) = old else {
        return Ok(Effects::none());
    };
    let expired = old
        .get(EXPIRATION)
        .and_then(|value| value.as_n().ok())
        .and_then(|value| value.parse::<i64>().ok())
        .is_none_or(|expiration| expiration < now.timestamp());
    match old.get(EFFECTS) {
        _ if expired => Ok(Effects::none()),
        None => Ok(Effects::none()),
        Some(AttributeValue::Ss(names)) => Ok(names.iter().map(String::as_str).collect()),
        Some(_) => Err(StoreError::Malformed("effects is not a string set".into())),
    }
}

#[async_trait]
impl IdempotencyStore for DynamoDbStore {
    async fn claim(&self, key: &str, window: ClaimWindow) -> Result<Claim, StoreError> {
        let ClaimWindow {
            now,
            in_progress_until,
            expires_at,
        } = window;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(KEY, AttributeValue::S(key.to_owned()))
            .update_expression(
                "SET #status = :in_progress, #expiration = :expiration, \
                 #in_progress_expiration = :in_progress_until",
            )
            // Absent, past its TTL (DynamoDB deletes lazily), or an expired
            // or released claim.
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
            .expression_attribute_values(":expiration", number(expires_at.timestamp()))
            .expression_attribute_values(
                ":in_progress_until",
                number(in_progress_until.timestamp_millis()),
            )
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Claim::Proceed(recorded_effects(
                output.attributes.as_ref(),
                now,
            )?)),
            Err(SdkError::ServiceError(service))
                if service.err().is_conditional_check_failed_exception() =>
            {
                let returned = match service.into_err() {
                    UpdateItemError::ConditionalCheckFailedException(failed) => failed.item,
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

    async fn release(&self, key: &str, done: &Effects) -> Result<(), StoreError> {
        let result = if done.is_empty() {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key(KEY, AttributeValue::S(key.to_owned()))
                // Never forget a completion, only a claim.
                .condition_expression("#status = :in_progress")
                .expression_attribute_names("#status", STATUS)
                .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
                .send()
                .await
                .map(drop)
                .map_err(|error| error.map_service_error(Released::from))
        } else {
            self.client
                .update_item()
                .table_name(&self.table)
                .key(KEY, AttributeValue::S(key.to_owned()))
                .update_expression("SET #effects = :effects, #in_progress_expiration = :ended")
                .condition_expression("#status = :in_progress")
                .expression_attribute_names("#status", STATUS)
                .expression_attribute_names("#effects", EFFECTS)
                .expression_attribute_names("#in_progress_expiration", IN_PROGRESS_EXPIRATION)
                .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
                .expression_attribute_values(
                    ":effects",
                    AttributeValue::Ss(done.iter().map(str::to_owned).collect()),
                )
                .expression_attribute_values(":ended", number(0))
                .send()
                .await
                .map(drop)
                .map_err(|error| error.map_service_error(Released::from))
        };
        match result {
            Ok(()) => Ok(()),
            Err(SdkError::ServiceError(service)) if service.err().0 => Ok(()),
            Err(error) => Err(unavailable(error)),
        }
    }
}

/// A release's service error, reduced to what matters: whether the condition
/// failed (the key was completed meanwhile, or is gone: nothing to release).
#[derive(Debug)]
struct Released(bool, String);

impl std::fmt::Display for Released {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}

impl std::error::Error for Released {}

impl From<aws_sdk_dynamodb::operation::delete_item::DeleteItemError> for Released {
    fn from(error: aws_sdk_dynamodb::operation::delete_item::DeleteItemError) -> Self {
        Self(
            error.is_conditional_check_failed_exception(),
            DisplayErrorContext(&error).to_string(),
        )
    }
}

impl From<UpdateItemError> for Released {
    fn from(error: UpdateItemError) -> Self {
        Self(
            error.is_conditional_check_failed_exception(),
            DisplayErrorContext(&error).to_string(),
        )
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
