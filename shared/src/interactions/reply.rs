//! Replying to an interaction from the processor: edit or delete the
//! deferred answer, send followups. Discord's webhook endpoints take the
//! interaction's token in the path and no `Authorization` header:
//!
//! - `PATCH {base}/webhooks/{application_id}/{token}/messages/@original`
//! - `DELETE` on the same path
//! - `POST {base}/webhooks/{application_id}/{token}` for a followup
//! - `PATCH`/`DELETE {base}/webhooks/{application_id}/{token}/messages/{id}`
//!
//! [`Reply`] holds the policy, within the record's deadline:
//! - 404 with code 10015 (Discord has not registered the deferral yet) is
//!   retried with backoff for up to [`NOT_REGISTERED_RETRY_FOR`];
//! - 429 waits the `retry_after` Discord gives (at least 100 ms, at most
//!   30 s, three times at most), when it fits the deadline and the token;
//! - 5xx is retried twice;
//! - 10062 (unknown interaction), 10008 on `@original` (the user deleted
//!   the answer) and a token past its 15 minutes (from the id's snowflake
//!   time) are final: [`ReplyError::Expired`], and a handler that returns it
//!   ends its record as `expired`, not failed. A 10008 on a followup is that
//!   message's, not the token's: [`ReplyError::Refused`].
//!
//! [`ReplyApi`] is the port; `reply::http` (feature `replies`) its adapter.

#[cfg(feature = "replies")]
#[cfg_attr(docsrs, doc(cfg(feature = "replies")))]
pub mod http;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{Interaction, Token};
use super::snowflake::token_expired;

/// How long a 404 with code 10015 is retried: Discord registers a deferral
/// within seconds.
pub const NOT_REGISTERED_RETRY_FOR: Duration = Duration::from_secs(10);
/// The first wait after a 10015 or a 5xx; doubled each time, up to 2 s.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const LONGEST_BACKOFF: Duration = Duration::from_secs(2);
/// How many times a 5xx is retried.
const SERVER_ERROR_RETRIES: u32 = 2;
/// How many times a 429 is waited out: more would count toward Discord's
/// ban on clients that keep getting 429s.
const RATE_LIMIT_RETRIES: u32 = 3;
/// The least and the most one 429 is waited out: a `retry_after` of 0 must
/// not make a tight loop, and none may outlast the token.
const SHORTEST_RATE_LIMIT_WAIT: Duration = Duration::from_millis(100);
const LONGEST_RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);

/// Discord's JSON error codes that matter here.
mod code {
    pub(super) const UNKNOWN_MESSAGE: u64 = 10008;
    pub(super) const UNKNOWN_WEBHOOK: u64 = 10015;
    pub(super) const UNKNOWN_INTERACTION: u64 = 10062;
}

/// An HTTP method of the webhook endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMethod {
    /// Edit a message.
    Patch,
    /// Delete a message.
    Delete,
    /// Send a followup.
    Post,
}

/// One request to Discord's webhook endpoints. The path holds the token:
/// `Debug` leaves it out.
pub struct ReplyRequest<'a> {
    /// The method.
    pub method: ReplyMethod,
    /// The path after the API base, `/webhooks/{application_id}/{token}…`.
    pub path: &'a str,
    /// The JSON body, for `PATCH` and `POST`.
    pub body: Option<&'a serde_json::Value>,
}

impl fmt::Debug for ReplyRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyRequest")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// What Discord answered.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body, when there is one (a message, or an error with `code`).
    pub body: Option<serde_json::Value>,
    /// A 429's wait: the body's `retry_after`, else the `Retry-After` header.
    pub retry_after: Option<Duration>,
}

impl ApiAnswer {
    fn code(&self) -> Option<u64> {
        self.body.as_ref()?.get("code")?.as_u64()
    }
}

/// The port to Discord's webhook endpoints: one attempt per call.
#[async_trait]
pub trait ReplyApi: Send + Sync {
    /// Sends one request. `Err` only when no answer came (connection,
    /// timeout); every HTTP answer is `Ok`.
    async fn send(&self, request: &ReplyRequest<'_>) -> Result<ApiAnswer, ReplyError>;
}

/// Why a reply did not reach Discord. Never holds the token or the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// The token can no longer be used: final, the record succeeds as
    /// `expired` and is not retried.
    #[error("the interaction's token can no longer be used: {0}")]
    Expired(&'static str),
    /// Discord kept answering 404 10015 for [`NOT_REGISTERED_RETRY_FOR`].
    #[error("Discord did not register the deferral in time (404, code 10015)")]
    NotRegistered,
    /// Discord refused the request.
    #[error("Discord answered {status}{}", code.map(|c| format!(" (code {c})")).unwrap_or_default())]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Discord's JSON error code.
        code: Option<u64>,
    },
    /// The record's deadline came first (a 429's wait, a backoff, or the
    /// request itself).
    #[error("the record's deadline came before Discord answered")]
    OutOfTime,
    /// The message did not serialize as JSON.
    #[error("the message is not JSON")]
    NotJson,
    /// No answer: connection refused, reset, or timed out.
    #[error("the request to Discord failed: {0}")]
    Transport(String),
}

/// The reply client a handler gets for an interaction (see
/// [`crate::EventContext::reply`]).
#[derive(Clone)]
pub struct Reply {
    api: Arc<dyn ReplyApi>,
    application_id: String,
    interaction_id: String,
    token: Token,
    deadline: Option<tokio::time::Instant>,
    expired: Arc<AtomicBool>,
    deferred: bool,
    clock: fn() -> DateTime<Utc>,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("interaction_id", &self.interaction_id)
            .field("expired", &self.expired())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Reply {
    fn eq(&self, other: &Self) -> bool {
        self.interaction_id == other.interaction_id
    }
}

impl Eq for Reply {}

impl Reply {
    /// The client for `interaction`, its retries ending by `deadline`.
    pub fn new(
        api: Arc<dyn ReplyApi>,
        interaction: &Interaction,
        deadline: Option<tokio::time::Instant>,
    ) -> Self {
        Self {
            api,
            application_id: interaction.application_id.clone(),
            interaction_id: interaction.id.clone(),
            token: interaction.token.clone(),
            deadline,
            expired: Arc::new(AtomicBool::new(false)),
            deferred: true,
            clock: Utc::now,
        }
    }

    /// The same client for an interaction ingest answered inline (not a
    /// deferral): the fallback leaves it alone.
    #[must_use]
    pub fn answered_inline(mut self) -> Self {
        self.deferred = false;
        self
    }

    /// The same client reading the time from `clock`, for tests of expiry.
    #[must_use]
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    /// True once a call found the token unusable (or the processor found it
    /// past its 15 minutes before running the handlers).
    pub fn expired(&self) -> bool {
        self.expired.load(Ordering::Relaxed)
    }

    /// True when the token is past its 15 minutes now; marks it expired.
    pub fn check_age(&self) -> bool {
        let old = token_expired(&self.interaction_id, (self.clock)());
        if old {
            self.expired.store(true, Ordering::Relaxed);
        }
        old
    }

    /// What ingest answered the interaction with, from the envelope: `true`
    /// for a deferral (types 5 and 6), which a reply edits or follows up.
    pub fn deferred(&self) -> bool {
        self.deferred
    }

    /// Edits the deferred answer (`PATCH …/messages/@original`) to `message`
    /// (a message object: `content`, `embeds`, `components`…). Returns the
    /// message Discord answered with.
    pub async fn edit_original(
        &self,
        message: &impl Serialize,
    ) -> Result<serde_json::Value, ReplyError> {
        let body = to_value(message)?;
        self.send(ReplyMethod::Patch, "/messages/@original", Some(&body))
            .await
    }

    /// Deletes the deferred answer.
    pub async fn delete_original(&self) -> Result<serde_json::Value, ReplyError> {
        self.send(ReplyMethod::Delete, "/messages/@original", None)
            .await
    }

    /// Sends a followup message (user-installed apps get at most 5).
    pub async fn followup(
        &self,
        message: &impl Serialize,
    ) -> Result<serde_json::Value, ReplyError> {
        let body = to_value(message)?;
        self.send(ReplyMethod::Post, "", Some(&body)).await
    }

    /// Edits a followup by its message id.
    pub async fn edit_followup(
        &self,
        message_id: &str,
        message: &impl Serialize,
    ) -> Result<serde_json::Value, ReplyError> {
        let body = to_value(message)?;
        let tail = format!("/messages/{}", path_segment(message_id));
        self.send(ReplyMethod::Patch, &tail, Some(&body)).await
    }

    /// Deletes a followup by its message id.
    pub async fn delete_followup(&self, message_id: &str) -> Result<serde_json::Value, ReplyError> {
        let tail = format!("/messages/{}", path_segment(message_id));
        self.send(ReplyMethod::Delete, &tail, None).await
    }

    fn expire(&self, why: &'static str) -> ReplyError {
        self.expired.store(true, Ordering::Relaxed);
        ReplyError::Expired(why)
    }

    async fn send(
        &self,
        method: ReplyMethod,
        tail: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, ReplyError> {
        if self.check_age() {
            return Err(ReplyError::Expired("older than 15 minutes"));
        }
        let path = format!(
            "/webhooks/{}/{}{tail}",
            path_segment(&self.application_id),
            path_segment(&self.token.0)
        );
        let request = ReplyRequest {
            method,
            path: &path,
            body,
        };
        let started = tokio::time::Instant::now();
        let mut backoff = FIRST_BACKOFF;
        let mut server_errors = 0;
        let mut rate_limits = 0;
        let original = tail == "/messages/@original";
        loop {
            let attempt = self.api.send(&request);
            let answer = match self.deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, attempt)
                    .await
                    .map_err(|_| ReplyError::OutOfTime)??,
                None => attempt.await?,
            };
            let wait = match (answer.status, answer.code()) {
                (200..=299, _) => return Ok(answer.body.unwrap_or(serde_json::Value::Null)),
                (404, Some(code::UNKNOWN_WEBHOOK)) => {
                    if started.elapsed() + backoff > NOT_REGISTERED_RETRY_FOR {
                        return Err(ReplyError::NotRegistered);
                    }
                    next_backoff(&mut backoff)
                }
                (_, Some(code::UNKNOWN_INTERACTION)) => {
                    return Err(self.expire("unknown interaction (10062)"))
                }
                (_, Some(code::UNKNOWN_MESSAGE)) if original => {
                    return Err(self.expire("the answer was deleted (10008)"))
                }
                (429, _) if rate_limits < RATE_LIMIT_RETRIES => {
                    rate_limits += 1;
                    answer
                        .retry_after
                        .unwrap_or(FIRST_BACKOFF)
                        .clamp(SHORTEST_RATE_LIMIT_WAIT, LONGEST_RATE_LIMIT_WAIT)
                }
                (500..=599, _) if server_errors < SERVER_ERROR_RETRIES => {
                    server_errors += 1;
                    next_backoff(&mut backoff)
                }
                (status, code) => return Err(ReplyError::Refused { status, code }),
            };
            if let Some(deadline) = self.deadline {
                if tokio::time::Instant::now() + wait >= deadline {
                    return Err(ReplyError::OutOfTime);
                }
            }
            let after_wait = (self.clock)() + chrono::Duration::from_std(wait).unwrap_or_default();
            if token_expired(&self.interaction_id, after_wait) {
                return Err(self.expire("it would be past 15 minutes after the wait"));
            }
            tokio::time::sleep(wait).await;
        }
    }
}

fn next_backoff(backoff: &mut Duration) -> Duration {
    let wait = *backoff;
    *backoff = (*backoff * 2).min(LONGEST_BACKOFF);
    wait
}

fn to_value(message: &impl Serialize) -> Result<serde_json::Value, ReplyError> {
    serde_json::to_value(message).map_err(|_| ReplyError::NotJson)
}

/// An id as one path segment: anything but the characters Discord's ids and
/// tokens use is percent-encoded, so no value can add a segment.
fn path_segment(text: &str) -> String {
    let dots_only = text.bytes().all(|byte| byte == b'.');
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'.' if dots_only => out.push_str("%2E"),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests;
