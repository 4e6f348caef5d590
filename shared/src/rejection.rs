//! Every reason a request is refused, and the one place that maps each to its
//! HTTP status. Reasons are an enum so logs and metrics can count them without
//! ever printing the secret or the body that caused them.

use std::fmt;

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// No route has this path.
    NotFound,
    /// The route exists but its sender is not configured in this deployment.
    SenderNotConfigured,
    /// Not a `POST`.
    MethodNotAllowed,
    /// The body is over `MAX_BODY_BYTES`.
    BodyTooLarge,
    /// `isBase64Encoded` was set but the body is not valid base64.
    InvalidBase64,
    /// A `Host` that is not an authority, or an `X-Forwarded-Proto` that is
    /// not `http` or `https`.
    MalformedUrlHeader,
    /// No `X-Signature-Ed25519`.
    MissingSignature,
    /// `X-Signature-Ed25519` sent twice.
    DuplicateSignature,
    /// The signature is not 128 lowercase hex characters.
    MalformedSignature,
    /// No `X-Signature-Timestamp`.
    MissingTimestamp,
    /// `X-Signature-Timestamp` sent twice.
    DuplicateTimestamp,
    /// The timestamp is not a decimal Unix time.
    MalformedTimestamp,
    /// The timestamp is older than the replay window.
    StaleTimestamp,
    /// The timestamp is too far ahead of our clock.
    FutureTimestamp,
    /// Well-formed signature that no configured key verifies.
    BadSignature,
    /// Authenticated (Discord) or unauthenticatable (PluralKit) body that is not the JSON we expect.
    InvalidJson,
    /// A verified interaction of a type this version cannot answer.
    UnsupportedInteraction,
    /// No `signing_token` string in the body.
    MissingToken,
    /// A `signing_token` that matches no configured token.
    BadToken,
    /// A tenant route whose tenant does not exist, or is disabled. Answered
    /// exactly as a bad token is, so a scanner learns nothing.
    UnknownTenant,
    /// The tenant's own token, on an event from another system than the one
    /// the tenant is pinned to. Answered as a bad token is.
    WrongSystem,
}

impl Rejection {
    /// The HTTP status for this rejection. Discord and PluralKit both require
    /// exactly 401 for anything that fails authentication.
    pub fn status(self) -> u16 {
        match self {
            Rejection::NotFound | Rejection::SenderNotConfigured => 404,
            Rejection::MethodNotAllowed => 405,
            Rejection::BodyTooLarge => 413,
            Rejection::InvalidBase64
            | Rejection::MalformedUrlHeader
            | Rejection::InvalidJson
            | Rejection::UnsupportedInteraction => 400,
            Rejection::MissingSignature
            | Rejection::DuplicateSignature
            | Rejection::MalformedSignature
            | Rejection::MissingTimestamp
            | Rejection::DuplicateTimestamp
            | Rejection::MalformedTimestamp
            | Rejection::StaleTimestamp
            | Rejection::FutureTimestamp
            | Rejection::BadSignature
            | Rejection::MissingToken
            | Rejection::BadToken
            | Rejection::UnknownTenant
            | Rejection::WrongSystem => 401,
        }
    }

    /// A stable, secret-free name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::NotFound => "not_found",
            Rejection::SenderNotConfigured => "sender_not_configured",
            Rejection::MethodNotAllowed => "method_not_allowed",
            Rejection::BodyTooLarge => "body_too_large",
            Rejection::InvalidBase64 => "invalid_base64",
            Rejection::MalformedUrlHeader => "malformed_url_header",
            Rejection::MissingSignature => "missing_signature",
            Rejection::DuplicateSignature => "duplicate_signature",
            Rejection::MalformedSignature => "malformed_signature",
            Rejection::MissingTimestamp => "missing_timestamp",
            Rejection::DuplicateTimestamp => "duplicate_timestamp",
            Rejection::MalformedTimestamp => "malformed_timestamp",
            Rejection::StaleTimestamp => "stale_timestamp",
            Rejection::FutureTimestamp => "future_timestamp",
            Rejection::BadSignature => "bad_signature",
            Rejection::InvalidJson => "invalid_json",
            Rejection::UnsupportedInteraction => "unsupported_interaction",
            Rejection::MissingToken => "missing_token",
            Rejection::BadToken => "bad_token",
            Rejection::UnknownTenant => "unknown_tenant",
            Rejection::WrongSystem => "wrong_system",
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for Rejection {}
