//! A local stand-in for the two sender APIs the watchdog reads, on loopback:
//! Discord's `GET /applications/@me` (a `Bot` token) and PluralKit's
//! `GET /systems/@me` (the bare token). Each answers the JSON it is given to
//! the token it expects, 401 with a JSON error to any other, and 404 to any
//! other path, as their docs say; every call is recorded without its token.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// One call the stand-in got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderApiCall {
    /// The path asked for.
    pub path: String,
    /// Whether the `Authorization` header was the expected one.
    pub authorized: bool,
    /// The `User-Agent` sent.
    pub user_agent: String,
}

struct State {
    application: Mutex<Value>,
    system: Mutex<Value>,
    bot_token: String,
    api_token: String,
    calls: Mutex<Vec<SenderApiCall>>,
}

/// The running stand-in; it stops when dropped.
pub struct SenderApis {
    port: u16,
    state: Arc<State>,
    accept: tokio::task::JoinHandle<()>,
}

impl SenderApis {
    /// Serves `application` to `Bot <bot_token>` and `system` to
    /// `api_token`, on a free loopback port.
    pub async fn start(
        bot_token: &str,
        application: Value,
        api_token: &str,
        system: Value,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(State {
            application: Mutex::new(application),
            system: Mutex::new(system),
            bot_token: format!("Bot {bot_token}"),
            api_token: api_token.to_owned(),
            calls: Mutex::new(Vec::new()),
        });
        let shared = Arc::clone(&state);
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(request, Arc::clone(&state)));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            port,
            state,
            accept,
        })
    }

    /// The base URL (both APIs live under it).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Answers `application` from now on.
    pub fn set_application(&self, application: Value) {
        if let Ok(mut current) = self.state.application.lock() {
            *current = application;
        }
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<SenderApiCall> {
        self.state
            .calls
            .lock()
            .map(|calls| calls.clone())
            .unwrap_or_default()
    }
}

impl Drop for SenderApis {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn answer(
    request: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let path = request.uri().path().to_owned();
    let authorization = header("authorization");
    let (expected, body) = match path.as_str() {
        "/applications/@me" => (&state.bot_token, &state.application),
        "/systems/@me" => (&state.api_token, &state.system),
        _ => {
            return Ok(reply(
                StatusCode::NOT_FOUND,
                json!({"message": "404: Not Found", "code": 0}),
            ))
        }
    };
    let authorized = authorization == *expected;
    if let Ok(mut calls) = state.calls.lock() {
        calls.push(SenderApiCall {
            path,
            authorized,
            user_agent: header("user-agent"),
        });
    }
    let body = body
        .lock()
        .map(|value| value.clone())
        .unwrap_or(Value::Null);
    let (status, body) = read_answer(&authorization, expected, body);
    Ok(reply(status, body))
}

/// How both senders' read endpoints answer: the resource to the expected
/// `Authorization` header, a JSON 401 to any other.
pub(crate) fn read_answer(
    authorization: &str,
    expected: &str,
    resource: Value,
) -> (StatusCode, Value) {
    if authorization == expected {
        (StatusCode::OK, resource)
    } else {
        (
            StatusCode::UNAUTHORIZED,
            json!({"message": "401: Unauthorized", "code": 0}),
        )
    }
}

fn reply(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}
