//! A local stand-in for Discord's interaction webhook endpoints, on
//! loopback: what `make run` points `DISCORD_API_BASE_URL` at and what the
//! interaction tests reply to. It answers as Discord's docs say (200 with a
//! message for an edit or a followup, 204 for a delete, 404 with a JSON
//! `code` for what it does not know), and can play Discord's races: the
//! first request for each token answered 404 10015 (the deferral not
//! registered yet), a 429 with `retry_after`, a token Discord has forgotten
//! (10062). Given an application, it also answers `GET /applications/@me`
//! to its bot token, as the watchdog reads it.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// What a call was for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `…/messages/@original`.
    Original,
    /// `…/messages/{id}`: a followup.
    Message(String),
    /// `POST /webhooks/{application_id}/{token}`: a new followup.
    Followup,
}

/// One call the stand-in got.
#[derive(Debug, Clone)]
pub struct ApiCall {
    /// `PATCH`, `DELETE` or `POST`.
    pub method: String,
    /// The application id in the path.
    pub application_id: String,
    /// The interaction token in the path.
    pub token: String,
    /// What the call was for.
    pub target: Target,
    /// The JSON body, `Null` when there was none.
    pub body: Value,
    /// The `User-Agent` sent.
    pub user_agent: String,
    /// Whether an `Authorization` header was sent (it must not be).
    pub authorization: bool,
    /// The status the stand-in answered.
    pub status: u16,
    /// When it arrived.
    pub at: Instant,
}

/// How the stand-in plays Discord's races.
#[derive(Debug, Clone, Default)]
pub struct Races {
    /// Answer the first call for each token 404 with code 10015.
    pub unknown_webhook_first: bool,
    /// Answer the first call for each token 429 with this `retry_after`, in
    /// seconds (after the 10015, when both are on).
    pub rate_limit_first: Option<f64>,
}

#[derive(Default)]
struct State {
    calls: Vec<ApiCall>,
    attempts: HashMap<String, usize>,
    forgotten: HashSet<String>,
    next_message: u64,
    /// `Bot <token>` and the Application `/applications/@me` answers.
    application: Option<(String, Value)>,
}

/// A running stand-in; it stops when dropped.
pub struct DiscordApi {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

type OnCall = dyn Fn(&ApiCall) + Send + Sync;

impl DiscordApi {
    /// Listens on `127.0.0.1:port` (0 for any free port).
    pub async fn start(port: u16, races: Races) -> std::io::Result<Self> {
        Self::start_with(port, races, |_| {}).await
    }

    /// The same, calling `on_call` with each call as it is answered (what
    /// `switchboard discord-api` prints).
    pub async fn start_with(
        port: u16,
        races: Races,
        on_call: impl Fn(&ApiCall) + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let on_call: Arc<OnCall> = Arc::new(on_call);
        let races = Arc::new(races);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (state, on_call, races) = (
                    Arc::clone(&shared),
                    Arc::clone(&on_call),
                    Arc::clone(&races),
                );
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        answer(
                            request,
                            Arc::clone(&state),
                            Arc::clone(&races),
                            Arc::clone(&on_call),
                        )
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self { addr, state, task })
    }

    /// `http://127.0.0.1:<port>/api/v10`, for `DISCORD_API_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v10", self.addr)
    }

    /// Every call so far, in arrival order.
    pub fn calls(&self) -> Vec<ApiCall> {
        self.state
            .lock()
            .map(|state| state.calls.clone())
            .unwrap_or_default()
    }

    /// From now on, answers `GET /applications/@me` with `application` to
    /// `Authorization: Bot <bot_token>` (401 to any other), as Discord does.
    pub fn serve_application(&self, bot_token: &str, application: Value) {
        if let Ok(mut state) = self.state.lock() {
            state.application = Some((format!("Bot {bot_token}"), application));
        }
    }

    /// From now on, answers calls with `token` 404 10062 (unknown
    /// interaction), as Discord does once a token is gone.
    pub fn forget(&self, token: &str) {
        if let Ok(mut state) = self.state.lock() {
            state.forgotten.insert(token.to_owned());
        }
    }
}

impl Drop for DiscordApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn error(status: u16, code: u64, message: &str) -> (u16, Value) {
    (status, json!({ "code": code, "message": message }))
}

async fn answer(
    request: Request<Incoming>,
    state: Arc<Mutex<State>>,
    races: Arc<Races>,
    on_call: Arc<OnCall>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|body| body.to_bytes())
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if parts.method == http::Method::GET && parts.uri.path() == "/api/v10/applications/@me" {
        let application = state
            .lock()
            .ok()
            .and_then(|state| state.application.clone());
        let Some((expected, application)) = application else {
            let (status, body) = error(404, 0, "404: Not Found");
            return Ok(respond(status, body));
        };
        let authorization = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let (status, body) = crate::sender_apis::read_answer(authorization, &expected, application);
        return Ok(respond(status.as_u16(), body));
    }
    let segments: Vec<&str> = parts.uri.path().split('/').skip(1).collect();
    // /api/v10/webhooks/{application_id}/{token}[/messages/{id}]
    let route = match segments.as_slice() {
        ["api", "v10", "webhooks", app, token] => Some((*app, *token, Target::Followup)),
        ["api", "v10", "webhooks", app, token, "messages", "@original"] => {
            Some((*app, *token, Target::Original))
        }
        ["api", "v10", "webhooks", app, token, "messages", id] => {
            Some((*app, *token, Target::Message((*id).to_owned())))
        }
        _ => None,
    };
    let method = parts.method.as_str().to_owned();
    let (status, reply) = {
        let Ok(mut state) = state.lock() else {
            return Ok(respond(500, Value::Null));
        };
        match &route {
            None => error(404, 0, "404: Not Found"),
            Some((_, token, target)) => {
                let attempt = {
                    let count = state.attempts.entry((*token).to_owned()).or_insert(0);
                    *count += 1;
                    *count
                };
                let mut race = attempt;
                let unknown_webhook = races.unknown_webhook_first && {
                    race -= 1;
                    attempt == 1
                };
                let rate_limited =
                    !unknown_webhook && races.rate_limit_first.is_some() && race == 1;
                if state.forgotten.contains(*token) {
                    error(404, 10062, "Unknown interaction")
                } else if unknown_webhook {
                    error(404, 10015, "Unknown Webhook")
                } else if let (true, Some(wait)) = (rate_limited, races.rate_limit_first) {
                    (
                        429,
                        json!({"message": "You are being rate limited.", "retry_after": wait, "global": false}),
                    )
                } else {
                    match (method.as_str(), target) {
                        ("DELETE", _) => (204, Value::Null),
                        ("PATCH", Target::Original) => (200, message("@original", &body)),
                        ("PATCH", Target::Message(id)) => (200, message(id, &body)),
                        ("POST", Target::Followup) => {
                            state.next_message += 1;
                            let id = format!("90000000000000{:05}", state.next_message);
                            (200, message(&id, &body))
                        }
                        _ => (
                            405,
                            json!({"code": 0, "message": "405: Method Not Allowed"}),
                        ),
                    }
                }
            }
        }
    };
    if let Some((app, token, target)) = route {
        let call = ApiCall {
            method,
            application_id: app.to_owned(),
            token: token.to_owned(),
            target,
            body,
            user_agent: parts
                .headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
            authorization: parts.headers.contains_key(http::header::AUTHORIZATION),
            status,
            at: Instant::now(),
        };
        on_call(&call);
        if let Ok(mut state) = state.lock() {
            state.calls.push(call);
        }
    }
    Ok(respond(status, reply))
}

fn message(id: &str, body: &Value) -> Value {
    let mut message = json!({ "id": id, "type": 0, "channel_id": "2222222222222222222" });
    if let (Value::Object(message), Value::Object(fields)) = (&mut message, body) {
        for (key, value) in fields {
            message.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    message
}

fn respond(status: u16, body: Value) -> Response<Full<Bytes>> {
    let bytes = match body {
        Value::Null => Bytes::new(),
        body => Bytes::from(body.to_string()),
    };
    let mut response = Response::new(Full::new(bytes));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status != 204 {
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
    }
    response
}
