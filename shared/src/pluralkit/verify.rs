//! PluralKit's only proof of origin is the `signing_token` in the body. It is
//! compared in constant time against every configured token.

use std::fmt;

use subtle::{Choice, ConstantTimeEq};

/// The body field that carries the token.
pub const SIGNING_TOKEN_FIELD: &str = "signing_token";

/// One or more signing tokens (one per registered webhook URL). Never printed.
#[derive(Clone)]
pub struct SigningTokens(Vec<Box<[u8]>>);

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
        let tokens: Vec<Box<[u8]>> = text
            .split(',')
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .map(|token| token.as_bytes().into())
            .collect();
        if tokens.is_empty() {
            return Err(SigningTokenError::Empty);
        }
        Ok(Self(tokens))
    }

    /// True when `candidate` equals one of the tokens. Every configured token is
    /// compared, so timing does not tell which one matched.
    pub fn matches(&self, candidate: &str) -> bool {
        let candidate = candidate.as_bytes();
        let mut matched = Choice::from(0);
        for token in &self.0 {
            matched |= token.as_ref().ct_eq(candidate);
        }
        matched.into()
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is none (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
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
