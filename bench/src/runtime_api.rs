//! A loopback implementation of the Lambda Runtime API, serving one function
//! process at a time, the way Lambda drives it.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Mutex};

use crate::Error;

pub(crate) struct Invocation {
    pub(crate) id: String,
    pub(crate) body: Bytes,
}

pub(crate) struct Completion {
    pub(crate) body: Bytes,
    pub(crate) error: bool,
}

/// One Runtime API endpoint, serving one function process.
pub(crate) struct RuntimeApi {
    pub(crate) port: u16,
    pub(crate) next: mpsc::Sender<Invocation>,
    pub(crate) done: mpsc::UnboundedReceiver<Completion>,
    pub(crate) accept: tokio::task::JoinHandle<()>,
    pub(crate) counter: u64,
}

pub(crate) struct ApiState {
    pub(crate) next: Mutex<mpsc::Receiver<Invocation>>,
    pub(crate) done: mpsc::UnboundedSender<Completion>,
}

pub(crate) async fn serve(
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
        let deadline = (Utc::now().timestamp_millis() + 30_000).to_string();
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
    pub(crate) async fn start() -> Result<Self, Error> {
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

    pub(crate) async fn invoke(&mut self, body: &Bytes) -> Result<Completion, Error> {
        self.counter += 1;
        self.next
            .send(Invocation {
                id: format!("req-{}", self.counter),
                body: body.clone(),
            })
            .await?;
        tokio::time::timeout(Duration::from_secs(60), self.done.recv())
            .await?
            .ok_or_else(|| "runtime API closed".into())
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
