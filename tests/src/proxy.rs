//! Loopback stand-ins for a failing AWS endpoint: a TCP proxy that can be
//! stopped and started again in front of a live server (so the server's state
//! survives the outage), a listener that accepts and never answers, and an
//! HTTP front that fails the first requests and counts every one.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards 127.0.0.1:`port` to 127.0.0.1:`target`. Stopping it closes every
/// connection and the listener, so clients get resets and refusals.
pub struct TcpProxy {
    pub port: u16,
    target: u16,
    accept: Option<JoinHandle<()>>,
}

impl TcpProxy {
    pub async fn start(port: u16, target: u16) -> Self {
        let mut proxy = Self {
            port,
            target,
            accept: None,
        };
        proxy.resume().await;
        proxy
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub async fn resume(&mut self) {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], self.port)))
            .await
            .unwrap();
        let target = self.target;
        self.accept = Some(tokio::spawn(async move {
            // Connection tasks live in this set, so aborting the accept loop drops them all.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    break;
                };
                connections.spawn(async move {
                    if let Ok(mut server) =
                        TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], target))).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        }));
    }

    pub async fn stop(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
            let _ = accept.await;
        }
    }
}

/// Accepts connections and never reads or answers.
pub async fn black_hole() -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    (port, task)
}

/// An HTTP front for a live server that answers its first `failures`
/// requests with an HTTP 500 (an SQS `InternalError`) and passes the rest
/// through. It counts HTTP requests, not connections, so a client that keeps
/// a connection alive is counted right.
pub struct FailingFirst {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The `x-amz-target` (or, without one, the path) of each request seen.
    seen: Arc<Mutex<Vec<String>>>,
    _accept: JoinHandle<()>,
}

impl FailingFirst {
    /// The endpoint URL to give SDK clients.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The HTTP requests it has seen.
    pub fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// The HTTP requests it has seen for the API action `action` (the end
    /// of the `x-amz-target` header, e.g. `GetParameter` or `PutEvents`).
    pub fn requests_for(&self, action: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|target| target.rsplit('.').next() == Some(action))
            .count()
    }
}

/// Starts a [`FailingFirst`] in front of 127.0.0.1:`target`.
pub async fn failing_first(target: u16, failures: usize) -> FailingFirst {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let shared = Arc::clone(&seen);
    let accept = tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let seen = Arc::clone(&shared);
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    pass_or_fail(request, target, failures, Arc::clone(&seen))
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(client), service)
                    .await;
            });
        }
    });
    FailingFirst {
        port,
        seen,
        _accept: accept,
    }
}

/// One request: counted, then failed with a 500 or sent on to `target`.
async fn pass_or_fail(
    request: Request<Incoming>,
    target: u16,
    failures: usize,
    seen: Arc<Mutex<Vec<String>>>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let what = parts
        .headers
        .get("x-amz-target")
        .and_then(|target| target.to_str().ok())
        .map_or_else(|| parts.uri.path().to_owned(), str::to_owned);
    let n = {
        let mut seen = seen.lock().unwrap();
        seen.push(what);
        seen.len()
    };
    if n <= failures {
        let body = r#"{"__type":"InternalError","message":"injected"}"#;
        return Ok(Response::builder()
            .status(500)
            .header("content-type", "application/x-amz-json-1.0")
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .unwrap());
    }
    let server = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], target))).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(server))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(connection);
    let answer = sender
        .send_request(Request::from_parts(parts, Full::new(body)))
        .await
        .map_err(std::io::Error::other)?;
    let (parts, body) = answer.into_parts();
    let body = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    Ok(Response::from_parts(parts, Full::new(body)))
}
