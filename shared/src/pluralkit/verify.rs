//! PluralKit's only proof of origin is the `signing_token` in the body. It is
//! compared in constant time against every configured token: SHA-256 digests
//! are compared, never the tokens themselves, so neither the content nor the
//! length of a configured token shows in the time a comparison takes (a
//! slice comparison returns at once when the lengths differ).

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

/// The body field that carries the token.
pub const SIGNING_TOKEN_FIELD: &str = "signing_token";

/// One or more signing tokens (one per registered webhook URL), kept as their
/// SHA-256 digests. Never printed.
#[derive(Clone, Default)]
pub struct SigningTokens(Vec<[u8; 32]>);

/// Why `PLURALKIT_SIGNING_TOKEN` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningTokenError {
    /// The list held no token.
    #[error("no signing token given")]
    Empty,
}

impl SigningTokens {
    /// Parses a comma-separated list of tokens.
    pub fn parse_list(text: &str) -> Result<Self, SigningTokenError> {
        let tokens: Vec<[u8; 32]> = text
            .split(',')
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .map(digest)
            .collect();
        if tokens.is_empty() {
            return Err(SigningTokenError::Empty);
        }
        Ok(Self(tokens))
    }

    /// True when `candidate` equals one of the tokens. Every configured token is
    /// compared, so timing does not tell which one matched.
    pub fn matches(&self, candidate: &str) -> bool {
        let candidate = digest(candidate);
        let mut matched = Choice::from(0);
        for token in &self.0 {
            matched |= token.ct_eq(&candidate);
        }
        matched.into()
    }

    /// The tokens whose SHA-256 digests these are (as the tenant table keeps
    /// them): nothing but a digest is ever needed to check a token.
    pub fn from_digests(digests: Vec<[u8; 32]>) -> Self {
        Self(digests)
    }

    /// No token at all: nothing matches. What a route waiting for its
    /// parameter to be written holds.
    pub fn none() -> Self {
        Self(Vec::new())
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is none (never, once parsed; see [`SigningTokens::none`]).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl fmt::Debug for SigningTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningTokens([REDACTED; {}])", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4";

    #[test]
    fn the_right_token_matches_and_others_do_not() {
        let tokens = SigningTokens::parse_list(TOKEN).unwrap();
        assert!(tokens.matches(TOKEN));
        assert!(!tokens.matches(&TOKEN[..63]));
        assert!(!tokens.matches(&format!("{TOKEN}x")));
        let mut off_by_one = TOKEN.to_string().into_bytes();
        off_by_one[10] ^= 1;
        assert!(!tokens.matches(std::str::from_utf8(&off_by_one).unwrap()));
        assert!(!tokens.matches(""));
    }

    #[test]
    fn any_of_several_tokens_matches() {
        let tokens = SigningTokens::parse_list(&format!("first-token, {TOKEN}")).unwrap();
        assert_eq!(tokens.len(), 2);
        assert!(tokens.matches("first-token"));
        assert!(tokens.matches(TOKEN));
        assert!(!tokens.matches("third-token"));
    }

    #[test]
    fn tokens_are_kept_as_digests_of_one_length_whatever_their_own() {
        let tokens = SigningTokens::parse_list(&format!("a, {TOKEN}")).unwrap();
        assert!(tokens.0.iter().all(|digest| digest.len() == 32));
        assert!(tokens.matches("a") && !tokens.matches("b"));
        assert!(!SigningTokens::none().matches("") && SigningTokens::none().is_empty());
    }

    #[test]
    fn debug_never_shows_a_token() {
        let tokens = SigningTokens::parse_list(TOKEN).unwrap();
        let shown = format!("{tokens:?}");
        assert!(!shown.contains(TOKEN) && shown.contains("REDACTED"));
        assert_eq!(
            SigningTokens::parse_list(" ,").unwrap_err(),
            SigningTokenError::Empty
        );
    }
}
