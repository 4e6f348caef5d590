//! The floor: a hello-world `lambda_runtime` function that answers every event
//! with a fixed 204, built like the real functions (current-thread runtime).

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<_, Error>(json!({ "statusCode": 204 }))
    }))
    .await
}
