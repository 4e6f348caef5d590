//! The SDK floor: `lambda_runtime` plus one `aws-sdk-sqs` `SendMessage` of the
//! request body, with the SDK's defaults, and nothing else. Ingest is measured
//! against it: whatever ingest costs beyond this is its own work.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_sqs::Client::new(&config);
    let queue_url = std::env::var("QUEUE_URL").map_err(|_| "QUEUE_URL is not set")?;
    let (client, queue_url) = (&client, queue_url.as_str());
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayV2httpRequest>| async move {
            client
                .send_message()
                .queue_url(queue_url)
                .message_body(event.payload.body.unwrap_or_default())
                .send()
                .await?;
            Ok::<Value, Error>(json!({ "statusCode": 204 }))
        },
    ))
    .await
}
