//! The reply port over HTTP, with reqwest: one attempt per call, no
//! redirects, a `User-Agent` as Discord asks, no `Authorization` header.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use reqwest::redirect::Policy;

use super::{ApiAnswer, ReplyApi, ReplyError, ReplyMethod, ReplyRequest};

/// The longest one request to Discord may take, connection included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// `DiscordBot (<url>, <version>)`, as Discord's API asks of every client.
pub const DISCORD_USER_AGENT: &str = concat!(
    "DiscordBot (https://github.com/switchboard-rs/switchboard, ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

/// Discord's webhook endpoints at one API base.
#[derive(Debug, Clone)]
pub struct HttpReplyApi {
    client: reqwest::Client,
    base: String,
}

impl HttpReplyApi {
    /// The endpoints under `base` (`https://discord.com/api/v10`).
    pub fn new(base: &url::Url) -> Result<Self, ReplyError> {
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(ATTEMPT_TIMEOUT)
            .build()
            .map_err(|error| ReplyError::Transport(error.without_url().to_string()))?;
        Ok(Self {
            client,
            base: base.as_str().trim_end_matches('/').to_owned(),
        })
    }
}

#[async_trait]
impl ReplyApi for HttpReplyApi {
    async fn send(&self, request: &ReplyRequest<'_>) -> Result<ApiAnswer, ReplyError> {
        let url = format!("{}{}", self.base, request.path);
        let builder = match request.method {
            ReplyMethod::Patch => self.client.patch(url),
            ReplyMethod::Delete => self.client.delete(url),
            ReplyMethod::Post => self.client.post(url),
        };
        let mut builder = builder.header(USER_AGENT, DISCORD_USER_AGENT);
        if let Some(body) = request.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        // The URL holds the token: errors are reported without it.
        let response = builder
            .send()
            .await
            .map_err(|error| ReplyError::Transport(error.without_url().to_string()))?;
        let status = response.status().as_u16();
        let header_wait = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse::<f64>().ok());
        let bytes = response
            .bytes()
            .await
            .map_err(|error| ReplyError::Transport(error.without_url().to_string()))?;
        let body: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
        let body_wait = body
            .as_ref()
            .and_then(|body| body.get("retry_after"))
            .and_then(serde_json::Value::as_f64);
        let retry_after = body_wait
            .or(header_wait)
            .filter(|secs| secs.is_finite() && *secs >= 0.0)
            .map(|secs| Duration::from_secs_f64(secs.min(3_600.0)));
        Ok(ApiAnswer {
            status,
            body,
            retry_after,
        })
    }
}
