//! The request → decision path: forged input is never accepted, and a signed
//! body is either refused as bad JSON or accepted in a form the processor decodes.
#![no_main]

use chrono::{TimeZone, Utc};
use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use switchboard::config::{Config, DiscordConfig, PluralKitConfig};
use switchboard::discord::{sign_discord_request, DiscordPublicKeys, ReplayWindow};
use switchboard::pluralkit::SigningTokens;
use switchboard::{decide, Decision, IngestRequest, Rejection};

const NOW: i64 = 1_700_000_000;

fn config() -> Config {
    Config {
        queue_url: "q".into(),
        discord: Some(DiscordConfig {
            public_keys: DiscordPublicKeys::from_keys(vec![SigningKey::from_bytes(&[1; 32]).verifying_key()]),
            replay_window: ReplayWindow::default(),
            enqueue_deadline: std::time::Duration::from_secs(2),
        }),
        pluralkit: Some(PluralKitConfig {
            signing_tokens: SigningTokens::parse_list("fuzz-token").expect("token"),
            enqueue_deadline: std::time::Duration::from_secs(8),
        }),
        max_body_bytes: 64 * 1024,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let now = Utc.timestamp_opt(NOW, 0).single().expect("time");
    let config = config();
    let ts = NOW.to_string();
    match mode % 3 {
        // Forged Discord request: the first 128 bytes are the "signature".
        0 => {
            let (sig, body) = rest.split_at(rest.len().min(128));
            let headers = [("x-signature-ed25519", sig), ("x-signature-timestamp", ts.as_bytes())];
            let request = IngestRequest { method: "POST", path: "/discord", headers: &headers, body };
            assert!(matches!(decide(&config, &request, now), Decision::Reject { .. }));
        }
        // Any PluralKit body without the token.
        1 => {
            let request = IngestRequest { method: "POST", path: "/pluralkit", headers: &[], body: rest };
            assert!(matches!(decide(&config, &request, now), Decision::Reject { .. }));
        }
        // A correctly signed Discord body.
        _ => {
            let sig = sign_discord_request(&SigningKey::from_bytes(&[1; 32]), &ts, rest);
            let headers = [("x-signature-ed25519", sig.as_bytes()), ("x-signature-timestamp", ts.as_bytes())];
            let request = IngestRequest { method: "POST", path: "/discord", headers: &headers, body: rest };
            match decide(&config, &request, now) {
                Decision::Enqueue { event, .. } => {
                    let payload = event.envelope.payload.get();
                    assert!(serde_json::from_str::<serde_json::Value>(payload).is_ok());
                }
                Decision::Reject { rejection, .. } => {
                    assert!(matches!(rejection, Rejection::InvalidJson | Rejection::BodyTooLarge))
                }
                Decision::AcknowledgePing { .. } => {}
            }
        }
    }
});
