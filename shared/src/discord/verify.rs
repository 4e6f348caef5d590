//! Ed25519 verification of Discord's `X-Signature-Ed25519` over the
//! `X-Signature-Timestamp` bytes followed by the raw body, and the replay window.

use std::fmt;

use ed25519_dalek::{Signature, VerifyingKey};

use crate::headers::{find_header, HeaderLookup};
use crate::rejection::Rejection;

/// The header with the hex Ed25519 signature.
pub const SIGNATURE_HEADER: &str = "x-signature-ed25519";
/// The header with the signed Unix time.
pub const TIMESTAMP_HEADER: &str = "x-signature-timestamp";

/// How far ahead of our clock a timestamp may be, for clock skew.
pub const MAX_FUTURE_SKEW_SECS: i64 = 60;

/// One or more application public keys, parsed once at startup. Several keys
/// serve key rotation or several apps sharing one endpoint.
#[derive(Clone)]
pub struct DiscordPublicKeys(Vec<VerifyingKey>);

/// Why `DISCORD_PUBLIC_KEY` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicKeyError {
    /// The list held no key.
    #[error("no public key given")]
    Empty,
    /// A key is not 64 hex characters.
    #[error("key {index} is not 64 hex characters")]
    NotHex {
        /// The key's position in the list, from 0.
        index: usize,
    },
    /// A key of small order, which no real application has.
    #[error("key {index} is a weak (small-order) Ed25519 point")]
    Weak {
        /// The key's position in the list, from 0.
        index: usize,
    },
    /// A key is not a valid Ed25519 point.
    #[error("key {index} is not a valid Ed25519 point")]
    NotAPoint {
        /// The key's position in the list, from 0.
        index: usize,
    },
}

impl DiscordPublicKeys {
    /// Parses a comma-separated list of 64-character hex keys.
    pub fn parse_list(text: &str) -> Result<Self, PublicKeyError> {
        let mut keys = Vec::new();
        for (index, part) in text
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(part, &mut bytes).map_err(|_| PublicKeyError::NotHex { index })?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|_| PublicKeyError::NotAPoint { index })?;
            // A small-order key (the identity, say) would let `verify` accept
            // forged signatures; `verify_strict` refuses them, and so do we here.
            if key.is_weak() {
                return Err(PublicKeyError::Weak { index });
            }
            keys.push(key);
        }
        if keys.is_empty() {
            return Err(PublicKeyError::Empty);
        }
        Ok(Self(keys))
    }

    /// Keys already parsed.
    pub fn from_keys(keys: Vec<VerifyingKey>) -> Self {
        Self(keys)
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is none (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys.
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.0
    }
}

impl fmt::Debug for DiscordPublicKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Public keys are not secret, but their count is all a log reader needs.
        f.debug_struct("DiscordPublicKeys")
            .field("count", &self.0.len())
            .finish()
    }
}

/// The freshness window on `X-Signature-Timestamp`. Discord retries for up to
/// 10 minutes with the original timestamp, so the default of 900 s covers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayWindow {
    /// Oldest accepted age in seconds; 0 turns the check off.
    pub tolerance_secs: u64,
}

impl Default for ReplayWindow {
    fn default() -> Self {
        Self {
            tolerance_secs: 900,
        }
    }
}

impl ReplayWindow {
    /// No freshness check at all (`DISCORD_TIMESTAMP_TOLERANCE_SECS=0`).
    pub const DISABLED: ReplayWindow = ReplayWindow { tolerance_secs: 0 };

    /// Checks a signed timestamp header against `now` (Unix seconds).
    pub fn check(self, timestamp: &str, now_unix: i64) -> Result<(), Rejection> {
        let signed_at = parse_unix_seconds(timestamp).ok_or(Rejection::MalformedTimestamp)?;
        if self.tolerance_secs == 0 {
            return Ok(());
        }
        let tolerance = i64::try_from(self.tolerance_secs).unwrap_or(i64::MAX);
        if now_unix.saturating_sub(signed_at) > tolerance {
            return Err(Rejection::StaleTimestamp);
        }
        if signed_at.saturating_sub(now_unix) > MAX_FUTURE_SKEW_SECS {
            return Err(Rejection::FutureTimestamp);
        }
        Ok(())
    }
}

/// A decimal Unix time in seconds, written as Discord writes it: ASCII
/// digits only, no sign, no spaces, no leading zero, at most 18 digits.
fn parse_unix_seconds(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if text.len() > 1 && text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

/// Verifies one request's signature: `signature_hex` must be exactly 128
/// lowercase hex characters (as Discord sends it) and some configured key must
/// verify `timestamp || body` with `verify_strict`. Any malformed input is a
/// rejection, never a panic.
pub fn verify_discord_signature(
    keys: &DiscordPublicKeys,
    signature_hex: &str,
    timestamp: &str,
    body: &[u8],
) -> Result<(), Rejection> {
    if signature_hex.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(Rejection::MalformedSignature);
    }
    let mut signature_bytes = [0u8; 64];
    hex::decode_to_slice(signature_hex, &mut signature_bytes)
        .map_err(|_| Rejection::MalformedSignature)?;
    let signature = Signature::from_bytes(&signature_bytes);

    let mut message = Vec::with_capacity(timestamp.len() + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.extend_from_slice(body);

    if keys
        .0
        .iter()
        .any(|key| key.verify_strict(&message, &signature).is_ok())
    {
        Ok(())
    } else {
        Err(Rejection::BadSignature)
    }
}

/// The whole Discord check for one request: both headers present exactly once,
/// the timestamp inside the replay window, and a valid signature.
pub fn verify_discord_request<'a, I>(
    keys: &DiscordPublicKeys,
    window: ReplayWindow,
    headers: I,
    body: &[u8],
    now_unix: i64,
) -> Result<(), Rejection>
where
    I: IntoIterator<Item = (&'a str, &'a [u8])> + Clone,
{
    let signature = match find_header(headers.clone(), SIGNATURE_HEADER) {
        HeaderLookup::Found(value) => value,
        HeaderLookup::Missing => return Err(Rejection::MissingSignature),
        HeaderLookup::Duplicated => return Err(Rejection::DuplicateSignature),
        HeaderLookup::NotUtf8 => return Err(Rejection::MalformedSignature),
    };
    let timestamp = match find_header(headers, TIMESTAMP_HEADER) {
        HeaderLookup::Found(value) => value,
        HeaderLookup::Missing => return Err(Rejection::MissingTimestamp),
        HeaderLookup::Duplicated => return Err(Rejection::DuplicateTimestamp),
        HeaderLookup::NotUtf8 => return Err(Rejection::MalformedTimestamp),
    };
    window.check(timestamp, now_unix)?;
    verify_discord_signature(keys, signature, timestamp, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use proptest::prelude::*;

    const NOW: i64 = 1_700_000_000;

    fn signing_key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn keys_of(keys: &[&SigningKey]) -> DiscordPublicKeys {
        DiscordPublicKeys::from_keys(keys.iter().map(|k| k.verifying_key()).collect())
    }

    fn sign(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
        let mut message = timestamp.as_bytes().to_vec();
        message.extend_from_slice(body);
        hex::encode(key.sign(&message).to_bytes())
    }

    const BODY: &[u8] = br#"{"version":1,"application_id":"1","type":1,"event":{"type":"X","timestamp":"2024-10-18T14:42:53.064834"}}"#;

    #[test]
    fn a_signature_made_with_the_key_verifies() {
        let key = signing_key(7);
        let ts = NOW.to_string();
        let sig = sign(&key, &ts, BODY);
        assert_eq!(
            verify_discord_signature(&keys_of(&[&key]), &sig, &ts, BODY),
            Ok(())
        );
        let upper = sig.to_uppercase();
        assert_eq!(
            verify_discord_signature(&keys_of(&[&key]), &upper, &ts, BODY),
            Err(Rejection::MalformedSignature),
            "strict: Discord sends lowercase hex"
        );
    }

    #[test]
    fn the_wrong_key_fails_and_any_configured_key_passes() {
        let (right, wrong) = (signing_key(1), signing_key(2));
        let ts = NOW.to_string();
        let sig = sign(&right, &ts, BODY);
        assert_eq!(
            verify_discord_signature(&keys_of(&[&wrong]), &sig, &ts, BODY),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            verify_discord_signature(&keys_of(&[&wrong, &right]), &sig, &ts, BODY),
            Ok(())
        );
    }

    #[test]
    fn a_signature_for_another_body_fails() {
        let key = signing_key(3);
        let ts = NOW.to_string();
        let sig = sign(&key, &ts, b"{}");
        assert_eq!(
            verify_discord_signature(&keys_of(&[&key]), &sig, &ts, BODY),
            Err(Rejection::BadSignature)
        );
    }

    #[test]
    fn malformed_hex_of_every_kind_is_malformed() {
        let key = signing_key(4);
        let ts = NOW.to_string();
        let good = sign(&key, &ts, BODY);
        let cases = [
            String::new(),
            good[..127].to_string(),
            format!("{good}0"),
            good[..126].to_string(),
            format!("{}zz", &good[..126]),
            format!("{}é", &good[..126]),
            "0".repeat(256),
            format!(" {}", &good[..127]),
        ];
        for case in cases {
            assert_eq!(
                verify_discord_signature(&keys_of(&[&key]), &case, &ts, BODY),
                Err(Rejection::MalformedSignature),
                "{case:?}"
            );
        }
    }

    #[test]
    fn replay_window_edges() {
        let window = ReplayWindow {
            tolerance_secs: 900,
        };
        assert_eq!(window.check(&(NOW - 900).to_string(), NOW), Ok(()));
        assert_eq!(
            window.check(&(NOW - 901).to_string(), NOW),
            Err(Rejection::StaleTimestamp)
        );
        assert_eq!(window.check(&(NOW + 60).to_string(), NOW), Ok(()));
        assert_eq!(
            window.check(&(NOW + 61).to_string(), NOW),
            Err(Rejection::FutureTimestamp)
        );
        assert_eq!(ReplayWindow::DISABLED.check("1", NOW), Ok(()));
        assert_eq!(
            ReplayWindow::DISABLED.check("1e9", NOW),
            Err(Rejection::MalformedTimestamp)
        );
        for bad in [
            "",
            "+1700000000",
            "-5",
            "1700000000.5",
            " 1700000000",
            "１",
            "01700000000",
            "1700000000\t",
            "1234567890123456789",
            "18446744073709551616",
        ] {
            assert_eq!(
                window.check(bad, NOW),
                Err(Rejection::MalformedTimestamp),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn request_check_reports_missing_and_duplicated_headers() {
        let key = signing_key(5);
        let keys = keys_of(&[&key]);
        let ts = NOW.to_string();
        let sig = sign(&key, &ts, BODY);
        let w = ReplayWindow::default();
        let ok = [
            ("X-Signature-Ed25519", sig.as_bytes()),
            ("x-signature-timestamp", ts.as_bytes()),
        ];
        assert_eq!(verify_discord_request(&keys, w, ok, BODY, NOW), Ok(()));
        let missing = [("x-signature-timestamp", ts.as_bytes())];
        assert_eq!(
            verify_discord_request(&keys, w, missing, BODY, NOW),
            Err(Rejection::MissingSignature)
        );
        let doubled = [
            ("x-signature-ed25519", sig.as_bytes()),
            ("x-signature-timestamp", ts.as_bytes()),
            ("X-Signature-Timestamp", ts.as_bytes()),
        ];
        assert_eq!(
            verify_discord_request(&keys, w, doubled, BODY, NOW),
            Err(Rejection::DuplicateTimestamp)
        );
    }

    #[test]
    fn the_identity_point_is_refused_as_a_key_and_its_forgeries_fail_anyway() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            DiscordPublicKeys::parse_list(&hex::encode(identity)).unwrap_err(),
            PublicKeyError::Weak { index: 0 }
        );
        // Were it configured anyway: R = identity, s = 0 "verifies" any message
        // under a plain `verify`, and never under `verify_strict`.
        let keys = DiscordPublicKeys::from_keys(vec![VerifyingKey::from_bytes(&identity).unwrap()]);
        let mut forged = [0u8; 64];
        forged[0] = 1;
        assert_eq!(
            verify_discord_signature(&keys, &hex::encode(forged), "1", BODY),
            Err(Rejection::BadSignature)
        );
    }

    #[test]
    fn public_key_lists_parse_strictly() {
        let key = hex::encode(signing_key(6).verifying_key().to_bytes());
        assert_eq!(
            DiscordPublicKeys::parse_list(&format!("{key}, {key}"))
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            DiscordPublicKeys::parse_list(" , ").unwrap_err(),
            PublicKeyError::Empty
        );
        assert_eq!(
            DiscordPublicKeys::parse_list(&key[..63]).unwrap_err(),
            PublicKeyError::NotHex { index: 0 }
        );
    }

    proptest! {
        #[test]
        fn any_single_bit_flip_fails(part in 0usize..3, bit in 0usize..4096) {
            let key = signing_key(9);
            let keys = keys_of(&[&key]);
            let ts = NOW.to_string();
            let sig_bytes = {
                let mut m = ts.as_bytes().to_vec();
                m.extend_from_slice(BODY);
                key.sign(&m).to_bytes()
            };
            let (mut sig, mut ts_b, mut body) = (sig_bytes.to_vec(), ts.clone().into_bytes(), BODY.to_vec());
            let target = match part { 0 => &mut sig, 1 => &mut ts_b, _ => &mut body };
            let bit = bit % (target.len() * 8);
            target[bit / 8] ^= 1 << (bit % 8);
            let ts_text = String::from_utf8_lossy(&ts_b).into_owned();
            let result = verify_discord_signature(&keys, &hex::encode(&sig), &ts_text, &body);
            prop_assert!(result.is_err());
        }

        #[test]
        fn arbitrary_signature_text_never_panics(text in ".{0,200}") {
            let keys = keys_of(&[&signing_key(1)]);
            prop_assert!(verify_discord_signature(&keys, &text, "1", BODY).is_err());
        }
    }
}
