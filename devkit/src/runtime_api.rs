//! A loopback implementation of the Lambda Runtime API, serving one function
//! process at a time, the way Lambda drives it: a function binary started
//! with `AWS_LAMBDA_RUNTIME_API` set to [`RuntimeApi::address`] asks it for
//! invocations, each with the deadline it was given, and posts the answers.
//! The benchmarks and the tests that run the built functions share it.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Mutex};

/// Why an invocation got no answer.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The deadline [`RuntimeApi::invoke`] gives: Lambda's, for a 30 s timeout.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

/// One event handed to the function.
struct Invocation {
    id: String,
    body: Bytes,
    /// The deadline, in Unix milliseconds, as Lambda sends it.
    deadline_ms: i64,
}

/// What the function posted back for one invocation.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The response (or error) document.
    pub body: Bytes,
    /// True when the function posted to `/error` instead of `/response`.
    pub error: bool,
}

/// One Runtime API endpoint, serving one function process.
pub struct RuntimeApi {
    /// Its port on 127.0.0.1.
    pub port: u16,
    next: mpsc::Sender<Invocation>,
    done: mpsc::UnboundedReceiver<Completion>,
    accept: tokio::task::JoinHandle<()>,
    counter: u64,
}

struct ApiState {
    next: Mutex<mpsc::Receiver<Invocation>>,
    done: mpsc::UnboundedSender<Completion>,
}

async fn serve(
    request: Request<Incoming>,
    state: Arc<ApiState>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let reply = |status: StatusCode| {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = status;
        Ok(response)
    };
    if method == Method::GET && path == "/2018-06-01/runtime/invocation/next" {
        let Some(invocation) = state.next.lock().await.recv().await else {
            return reply(StatusCode::GONE);
        };
        let deadline = invocation.deadline_ms.to_string();
        let response = Response::builder()
            .header("content-type", "application/json")
            .header("lambda-runtime-aws-request-id", &invocation.id)
            .header("lambda-runtime-deadline-ms", deadline)
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:bench",
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000;Sampled=0",
            )
            .body(Full::new(invocation.body))
            .unwrap_or_default();
        return Ok(response);
    }
    if method == Method::POST && path.starts_with("/2018-06-01/runtime/") {
        let error = path.ends_with("/error");
        let body = request
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let _ = state.done.send(Completion { body, error });
        return reply(StatusCode::ACCEPTED);
    }
    reply(StatusCode::NOT_FOUND)
}

impl RuntimeApi {
    /// Listens on a free loopback port.
    pub async fn start() -> Result<Self, Error> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let (next_tx, next_rx) = mpsc::channel(1);
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let state = Arc::new(ApiState {
            next: Mutex::new(next_rx),
            done: done_tx,
        });
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        serve(request, Arc::clone(&state))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            port,
            next: next_tx,
            done: done_rx,
            accept,
            counter: 0,
        })
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API` for the function process.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The variables Lambda sets for a function process named `function`,
    /// pointing it at this Runtime API (the function's own come on top).
    pub fn lambda_environment(&self, function: &str) -> Vec<(String, String)> {
        [
            ("AWS_LAMBDA_RUNTIME_API", self.address()),
            ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{function}"),
            ),
            ("AWS_LAMBDA_LOG_STREAM_NAME", function.to_owned()),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }

    /// Hands `body` to the function with [`DEFAULT_DEADLINE`] and waits for
    /// its answer.
    pub async fn invoke(&mut self, body: &Bytes) -> Result<Completion, Error> {
        self.invoke_with_deadline(body, DEFAULT_DEADLINE).await
    }

    /// Hands `body` to the function with a deadline `deadline` from now, as
    /// Lambda does, and waits for its answer (at most `deadline` and a
    /// minute more: a function that runs past its deadline is still heard).
    pub async fn invoke_with_deadline(
        &mut self,
        body: &Bytes,
        deadline: Duration,
    ) -> Result<Completion, Error> {
        self.counter += 1;
        let deadline_ms = Utc::now().timestamp_millis()
            + i64::try_from(deadline.as_millis()).unwrap_or(i64::MAX / 2);
        self.next
            .send(Invocation {
                id: format!("req-{}", self.counter),
                body: body.clone(),
                deadline_ms,
            })
            .await?;
        tokio::time::timeout(deadline + Duration::from_secs(60), self.done.recv())
            .await?
            .ok_or_else(|| "runtime API closed".into())
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
