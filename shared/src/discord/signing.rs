//! Signing as Discord does it, for the developer CLI, tests and benchmarks.
//! Production code only ever verifies.

use ed25519_dalek::{Signer, SigningKey};

/// Hex Ed25519 signature over `timestamp || body`, as sent in `X-Signature-Ed25519`.
pub fn sign_discord_request(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
    let mut message = Vec::with_capacity(timestamp.len() + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.extend_from_slice(body);
    hex::encode(key.sign(&message).to_bytes())
}
