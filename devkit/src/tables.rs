//! The idempotency store's table and the PluralKit tenant table, as the
//! template creates them.

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};

/// A failed DynamoDB call, with the SDK's whole error chain.
#[derive(Debug, thiserror::Error)]
#[error("DynamoDB: {0}")]
pub struct DynamoDbError(String);

fn failed(error: impl std::error::Error + 'static) -> DynamoDbError {
    DynamoDbError(DisplayErrorContext(error).to_string())
}

/// Creates the table `name`, on demand, keyed by the string `key`.
async fn create_keyed_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
    key: &str,
) -> Result<(), DynamoDbError> {
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            (AttributeDefinition::builder()
                .attribute_name(key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(failed))?,
        )
        .key_schema(
            (KeySchemaElement::builder()
                .attribute_name(key)
                .key_type(KeyType::Hash)
                .build()
                .map_err(failed))?,
        )
        .send()
        .await
        .map_err(failed)?;
    Ok(())
}

/// Creates the PluralKit tenant table `name`: key `tenant`, on demand.
pub async fn create_tenant_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Result<(), DynamoDbError> {
    create_keyed_table(
        client,
        name,
        switchboard::pluralkit::tenant::TENANT_ATTRIBUTE,
    )
    .await
}

/// Creates the idempotency table `name`: key `id`, on-demand, TTL on
/// `expiration`.
pub async fn create_idempotency_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Result<(), DynamoDbError> {
    create_keyed_table(client, name, "id").await?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            (TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("expiration")
                .build()
                .map_err(failed))?,
        )
        .send()
        .await
        .map_err(failed)?;
    Ok(())
}
