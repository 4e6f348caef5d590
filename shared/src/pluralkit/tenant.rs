//! One PluralKit system served on its own route, `/pluralkit/{tenant}`: its
//! id, what ingest knows of it, and the item schema of the tenant table,
//! which integrators' backends write in any language:
//!
//! | attribute | type | meaning |
//! |---|---|---|
//! | `tenant` | S | the partition key: the route's id |
//! | `token_sha256` | SS | lowercase hex SHA-256 of each accepted token's UTF-8 bytes; more than one while a rotation is under way |
//! | `system_id` | S, optional | the system the tenant belongs to; written once, by the first request whose token passes, when absent |
//! | `disabled` | BOOL, optional | `true` answers as if the tenant did not exist |
//!
//! The table never holds a token, so a leaked table leaks no credential.
//! Anything else an integrator stores in the item is left alone.

use std::fmt;

use sha2::{Digest, Sha256};

use super::verify::SigningTokens;

/// The partition key attribute.
pub const TENANT_ATTRIBUTE: &str = "tenant";
/// The accepted tokens' digests.
pub const TOKEN_SHA256_ATTRIBUTE: &str = "token_sha256";
/// The pinned system.
pub const SYSTEM_ID_ATTRIBUTE: &str = "system_id";
/// The switch that turns a tenant off without removing it.
pub const DISABLED_ATTRIBUTE: &str = "disabled";

/// The longest tenant id.
pub const TENANT_ID_MAX_LEN: usize = 64;

/// A tenant id: 1 to 64 characters of `[A-Za-z0-9_-]`, so it is one path
/// segment as it is, never needs escaping, and cannot be `.` or `..`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(String);

impl TenantId {
    /// The id `text` is, when it is one.
    pub fn parse(text: &str) -> Option<Self> {
        let valid = (1..=TENANT_ID_MAX_LEN).contains(&text.len())
            && text
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        valid.then(|| Self(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Ids are not secrets: operators search logs by them.
        write!(f, "TenantId({})", self.0)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What ingest knows of one tenant, from its item.
#[derive(Debug, Clone, Default)]
pub struct TenantRecord {
    /// The tokens a request for this tenant may carry.
    pub tokens: SigningTokens,
    /// The system its events must come from, once pinned.
    pub system_id: Option<String>,
    /// True when the integrator turned it off.
    pub disabled: bool,
}

impl TenantRecord {
    /// The record of an item's attributes: the digests (`token_sha256`), the
    /// pinned system and the switch. A digest that is not 64 hex characters
    /// is left out (it could match nothing), and says so in the error list.
    pub fn from_parts<'a>(
        digests: impl IntoIterator<Item = &'a str>,
        system_id: Option<String>,
        disabled: bool,
    ) -> (Self, Vec<String>) {
        let mut malformed = Vec::new();
        let mut parsed = Vec::new();
        for text in digests {
            match parse_digest(text) {
                Some(digest) => parsed.push(digest),
                None => malformed.push(format!(
                    "a {TOKEN_SHA256_ATTRIBUTE} value is not 64 hex characters"
                )),
            }
        }
        let record = Self {
            tokens: SigningTokens::from_digests(parsed),
            system_id: system_id.filter(|id| !id.is_empty()),
            disabled,
        };
        (record, malformed)
    }
}

/// What the tenant table keeps for `token`: the lowercase hex SHA-256 of its
/// UTF-8 bytes.
pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn parse_digest(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text.trim()).ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_one_plain_path_segment() {
        for good in ["a", "user-42", "A_b-9", &"x".repeat(64)] {
            assert!(TenantId::parse(good).is_some(), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a%2Fb",
            "a.b",
            " a",
            "é",
            &"x".repeat(65),
        ] {
            assert!(TenantId::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_digest_is_lowercase_hex_sha256_and_a_record_accepts_its_token() {
        let digest = token_sha256("the-token");
        assert_eq!(digest.len(), 64);
        assert_eq!(digest, digest.to_lowercase());
        assert_eq!(
            token_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let upper = digest.to_uppercase();
        let (record, malformed) =
            TenantRecord::from_parts([upper.as_str(), "not-hex"], Some("s".into()), false);
        assert!(record.tokens.matches("the-token"));
        assert!(!record.tokens.matches("another"));
        assert_eq!(malformed.len(), 1);
        assert!(!malformed[0].contains("not-hex"), "never quotes the value");
        assert_eq!(record.system_id.as_deref(), Some("s"));
    }
}
