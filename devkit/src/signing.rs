//! Signing as Discord does it. Production code only ever verifies.

use ed25519_dalek::{Signer, SigningKey};
use switchboard::discord::{SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// Hex Ed25519 signature over `timestamp || body`, as sent in `X-Signature-Ed25519`.
pub fn sign_discord_request(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
    let mut message = Vec::with_capacity(timestamp.len() + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.extend_from_slice(body);
    hex::encode(key.sign(&message).to_bytes())
}

/// The two headers Discord sends with a request signed at `timestamp`.
pub fn discord_signature_headers(
    key: &SigningKey,
    timestamp: &str,
    body: &[u8],
) -> Vec<(String, String)> {
    vec![
        (
            SIGNATURE_HEADER.to_owned(),
            sign_discord_request(key, timestamp, body),
        ),
        (TIMESTAMP_HEADER.to_owned(), timestamp.to_owned()),
    ]
}
