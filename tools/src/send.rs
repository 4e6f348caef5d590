//! `switchboard send`: build a sample event, sign it as its sender would, POST
//! it to ingest and print the status and round-trip time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::Value;
use switchboard::discord::sign_discord_request;

use crate::dev_keys::DevKeys;
use crate::stack::StackState;
use crate::{CliResult, Sender};

#[derive(Args)]
pub struct SendArgs {
    sender: Sender,
    /// The event type, e.g. ENTITLEMENT_CREATE or CREATE_SWITCH (a fixture name).
    event_type: Option<String>,
    /// Send every event type of the sender.
    #[arg(long, conflicts_with_all = ["event_type", "file"])]
    all: bool,
    /// Send this JSON file instead of a fixture.
    #[arg(long, conflicts_with = "event_type")]
    file: Option<PathBuf>,
    /// Sign with the wrong key (Discord) or send a wrong token (PluralKit); expects 401.
    #[arg(long)]
    bad_signature: bool,
    /// The ingest base URL; the route (/discord or /pluralkit) is appended.
    #[arg(long, env = "SWITCHBOARD_INGEST_URL")]
    url: Option<String>,
    #[arg(long, env = "SWITCHBOARD_FIXTURES", default_value = "fixtures")]
    fixtures: PathBuf,
}

pub async fn run(dev_dir: &Path, args: SendArgs) -> CliResult {
    let keys = DevKeys::load_or_create(dev_dir)?;
    let base = match &args.url {
        Some(url) => url.clone(),
        None => StackState::load(dev_dir)
            .map(|s| s.ingest_url)
            .unwrap_or_else(|_| StackState::DEFAULT_INGEST_URL.into()),
    };
    let route = match args.sender {
        Sender::Discord => "discord",
        Sender::Pluralkit => "pluralkit",
    };
    let url = format!("{}/{route}", base.trim_end_matches('/'));

    let files: Vec<PathBuf> = if let Some(file) = &args.file {
        vec![file.clone()]
    } else if args.all {
        let mut files: Vec<PathBuf> = std::fs::read_dir(args.fixtures.join(route))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        files.sort();
        files
    } else {
        let event_type = args
            .event_type
            .as_deref()
            .ok_or("give an EVENT_TYPE, --all or --file")?;
        vec![args.fixtures.join(route).join(format!("{event_type}.json"))]
    };

    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let mut unexpected = 0;
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let expected = if args.bad_signature {
            401
        } else if args.sender == Sender::Discord {
            204
        } else {
            200
        };

        let request = agent.post(&url).set("content-type", "application/json");
        let (request, body) = match args.sender {
            Sender::Discord => {
                let body = serde_json::to_vec(&value)?;
                let timestamp = chrono_now().to_string();
                let key = if args.bad_signature {
                    ed25519_dalek::SigningKey::from_bytes(&[0x5a; 32])
                } else {
                    keys.signing_key.clone()
                };
                let signature = sign_discord_request(&key, &timestamp, &body);
                let request = request
                    .set("x-signature-ed25519", &signature)
                    .set("x-signature-timestamp", &timestamp)
                    .set(
                        "user-agent",
                        "Discord-Interactions/1.0 (+https://discord.com)",
                    );
                (request, body)
            }
            Sender::Pluralkit => {
                let mut value = value;
                let token = if args.bad_signature {
                    "not-the-token".to_owned()
                } else {
                    keys.pluralkit_token.clone()
                };
                if let Value::Object(fields) = &mut value {
                    fields.insert("signing_token".into(), Value::String(token));
                }
                let request = request.set(
                    "user-agent",
                    "PluralKit Dispatch (https://pluralkit.me/api/dispatch/)",
                );
                (request, serde_json::to_vec(&value)?)
            }
        };

        let started = Instant::now();
        let status = match request.send_bytes(&body) {
            Ok(response) => response.status(),
            Err(ureq::Error::Status(status, _)) => status,
            Err(error) => return Err(format!("POST {url}: {error} (is `make run` up?)").into()),
        };
        let elapsed = started.elapsed();
        let mark = if status == expected {
            "ok"
        } else {
            "UNEXPECTED"
        };
        println!(
            "{route:<9} {name:<28} -> {status} in {:>7.1} ms  {mark}",
            elapsed.as_secs_f64() * 1000.0
        );
        if status != expected {
            unexpected += 1;
        }
    }
    if unexpected > 0 {
        return Err(format!("{unexpected} request(s) got an unexpected status").into());
    }
    Ok(())
}

fn chrono_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
