//! `switchboard listen`: a local receiver for forwarded events. It verifies
//! each request's Standard Webhooks signature, prints the event, and answers
//! 200 (401 when the signature does not verify). Point `FORWARD_URL` at it,
//! or run `make run FORWARD=1` and `make listen`.

use std::path::Path;

use clap::Args;
use switchboard_devkit::{Received, Receiver, Reply};

use crate::dev_keys::DevKeys;
use crate::CliResult;

#[derive(Args)]
pub(crate) struct ListenArgs {
    /// The port on 127.0.0.1.
    #[arg(long, default_value_t = 9700)]
    port: u16,
    /// The `whsec_` secret to verify with (default: the local stack's).
    #[arg(long, env = "FORWARD_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Print each event's whole body (the payload may hold personal data);
    /// without it, ids and sizes only.
    #[arg(long)]
    body: bool,
}

pub(crate) async fn run(dev_dir: &Path, args: ListenArgs) -> CliResult {
    let secret = match args.secret {
        Some(secret) => secret,
        None => DevKeys::load_or_create(dev_dir)?.forward_secret,
    };
    let body = args.body;
    let receiver = Receiver::start(args.port, Some(&secret), move |received| {
        println!("{}", describe(received, body));
        Reply::if_verified(received, Reply::Status(200))
    })
    .await
    .map_err(|error| format!("cannot listen on 127.0.0.1:{}: {error}", args.port))?;
    println!("listening on {} (Ctrl-C stops)", receiver.url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}

/// One line per request: whether it verified, its id, and the event (its
/// ids and size, or its whole body with `--body`).
fn describe(received: &Received, body: bool) -> String {
    let id = received.webhook_id().unwrap_or("-");
    match &received.verified {
        Ok(()) => {
            let envelope = received.json();
            let detail = match body {
                true => received.body.clone(),
                false => format!(
                    "dedupe_key={}  {} bytes",
                    envelope["dedupe_key"].as_str().unwrap_or("-"),
                    received.body.len()
                ),
            };
            format!(
                "verified  webhook-id={id}  {} {}  {detail}",
                envelope["source"].as_str().unwrap_or("-"),
                envelope["event_type"].as_str().unwrap_or("-"),
            )
        }
        Err(reason) => format!("REFUSED (401)  webhook-id={id}: {reason}"),
    }
}
