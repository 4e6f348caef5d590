//! The request → decision path: forged input is never accepted, and an
//! authenticated body is either refused as bad JSON or accepted in a form the
//! processor decodes (typed, or its sender's `Unknown` with the raw data).
#![no_main]

use chrono::{TimeZone, Utc};
use ed25519_dalek::{Signer, SigningKey};
use libfuzzer_sys::fuzz_target;
use switchboard::config::{DISCORD_PUBLIC_KEY, PLURALKIT_SIGNING_TOKEN, QUEUE_URL};
use switchboard::envelope::Arrival;
use switchboard::{decide, Decision, Event, IngestConfig, IngestRequest, Rejection};

const NOW: i64 = 1_700_000_000;

fn config() -> IngestConfig {
    let public_key = hex::encode(SigningKey::from_bytes(&[1; 32]).verifying_key().to_bytes());
    IngestConfig::from_lookup(|name| match name {
        QUEUE_URL => Some("q".into()),
        DISCORD_PUBLIC_KEY => Some(public_key.clone()),
        PLURALKIT_SIGNING_TOKEN => Some("fuzz-token".into()),
        _ => None,
    })
    .expect("a valid configuration")
}

/// Discord's signature over `timestamp || body` (the dev kit's, without its AWS dependencies).
fn sign(timestamp: &str, body: &[u8]) -> String {
    let message = [timestamp.as_bytes(), body].concat();
    hex::encode(SigningKey::from_bytes(&[1; 32]).sign(&message).to_bytes())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let now = Arrival { id: uuid::Uuid::nil(), at: Utc.timestamp_opt(NOW, 0).single().expect("time") };
    let config = config();
    let ts = NOW.to_string();
    match mode % 5 {
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
        // A PluralKit body with the right token put first.
        3 => {
            let Some(fields) = rest.strip_prefix(b"{") else { return };
            let body = [br#"{"signing_token":"fuzz-token","#.as_slice(), fields].concat();
            let request = IngestRequest { method: "POST", path: "/pluralkit", headers: &[], body: &body };
            match decide(&config, &request, now) {
                Decision::Enqueue { event, .. } => {
                    assert!(Event::from_envelope(&event.envelope).is_ok(), "queued but undecodable");
                }
                Decision::Reject { rejection, .. } => assert_eq!(rejection, Rejection::InvalidJson),
                Decision::AcknowledgePing { .. } => {}
                Decision::Answer { .. } => panic!("a dispatch answered with a body"),
            }
        }
        // A correctly signed interaction: only the table's answers.
        4 => {
            use switchboard::interactions::InteractionAnswer as A;
            let sig = sign(&ts, rest);
            let headers = [("x-signature-ed25519", sig.as_bytes()), ("x-signature-timestamp", ts.as_bytes())];
            let request =
                IngestRequest { method: "POST", path: "/discord/interactions", headers: &headers, body: rest };
            match decide(&config, &request, now) {
                Decision::Answer { answer, .. } => assert!(answer == A::PONG || answer == A::NO_CHOICES),
                Decision::Enqueue { event, answer, .. } => {
                    let answer = answer.expect("an interaction is answered with a body");
                    assert!([A::DEFERRED_MESSAGE, A::DEFERRED_EPHEMERAL, A::DEFERRED_UPDATE].contains(&answer));
                    assert!(Event::from_envelope(&event.envelope).is_ok(), "queued but undecodable");
                }
                Decision::Reject { rejection, .. } => assert_eq!(rejection.status(), 400),
                Decision::AcknowledgePing { .. } => panic!("an interaction acknowledged without a body"),
            }
        }
        // A correctly signed Discord body.
        _ => {
            let sig = sign(&ts, rest);
            let headers = [("x-signature-ed25519", sig.as_bytes()), ("x-signature-timestamp", ts.as_bytes())];
            let request = IngestRequest { method: "POST", path: "/discord", headers: &headers, body: rest };
            match decide(&config, &request, now) {
                Decision::Enqueue { event, .. } => {
                    assert!(Event::from_envelope(&event.envelope).is_ok(), "queued but undecodable");
                }
                Decision::Reject { rejection, .. } => {
                    assert!(matches!(rejection, Rejection::InvalidJson | Rejection::BodyTooLarge))
                }
                Decision::AcknowledgePing { .. } => {}
                Decision::Answer { .. } => panic!("a webhook event answered with a body"),
            }
        }
    }
});
