//! A local Standard Webhooks receiver on loopback: what `switchboard listen`
//! runs and what the forwarding tests point `FORWARD_URL` at. It verifies each
//! request's signature with the `standardwebhooks` crate, keeps what it
//! received, and answers as its reply function says.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use standardwebhooks::Webhook;
use tokio::net::TcpListener;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its path, e.g. `/webhooks`.
    pub path: String,
    /// Its headers.
    pub headers: http::HeaderMap,
    /// Its body as text (switchboard sends JSON).
    pub body: String,
    /// Whether its signature verified, and why not.
    pub verified: Result<(), String>,
}

impl Received {
    /// The `webhook-id` header.
    pub fn webhook_id(&self) -> Option<&str> {
        self.headers
            .get(standardwebhooks::HEADER_WEBHOOK_ID)
            .and_then(|id| id.to_str().ok())
    }

    /// Whether its `webhook-signature` holds a valid signature by `secret`,
    /// whatever other signatures it holds.
    pub fn verifies_with(&self, secret: &str) -> bool {
        Webhook::new(secret)
            .and_then(|key| key.verify(self.body.as_bytes(), &self.headers))
            .is_ok()
    }

    /// The body as JSON, `Null` when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// This status, with an empty body.
    Status(u16),
    /// `307 Temporary Redirect` to another path of the same receiver.
    Redirect,
    /// An answer only after this long (to test timeouts), then 200.
    Stall(Duration),
}

impl Reply {
    /// `reply` for a request whose signature verified; 401 for one whose
    /// signature did not.
    pub fn if_verified(received: &Received, reply: Reply) -> Reply {
        match received.verified {
            Ok(()) => reply,
            Err(_) => Reply::Status(401),
        }
    }
}

type ReplyFn = dyn Fn(&Received) -> Reply + Send + Sync;

/// A running receiver; it stops when dropped.
pub struct Receiver {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Listens on `127.0.0.1:port` (0 for any free port). With `secret` (a
    /// `whsec_` secret) each request's signature is checked, and
    /// [`Received::verified`] says how that went; `reply` then decides the
    /// answer (see [`Reply::if_verified`]).
    pub async fn start(
        port: u16,
        secret: Option<&str>,
        reply: impl Fn(&Received) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let verifier = secret
            .map(Webhook::new)
            .transpose()
            .map_err(|error| std::io::Error::other(format!("bad secret: {error}")))?
            .map(Arc::new);
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let received = Arc::new(Mutex::new(Vec::new()));
        let reply: Arc<ReplyFn> = Arc::new(reply);
        let shared = Arc::clone(&received);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (verifier, received, reply) =
                    (verifier.clone(), Arc::clone(&shared), Arc::clone(&reply));
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        answer(
                            request,
                            verifier.clone(),
                            Arc::clone(&received),
                            Arc::clone(&reply),
                        )
                    });
                    // A client hanging up mid-request is not the receiver's error.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            received,
            task,
        })
    }

    /// `http://127.0.0.1:<port>/webhooks`, for `FORWARD_URL`.
    pub fn url(&self) -> String {
        format!("http://{}/webhooks", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .map(|received| received.clone())
            .unwrap_or_default()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    request: Request<Incoming>,
    verifier: Option<Arc<Webhook>>,
    received: Arc<Mutex<Vec<Received>>>,
    reply: Arc<ReplyFn>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|body| body.to_bytes())
        .unwrap_or_default();
    let verified = match &verifier {
        Some(verifier) => verifier
            .verify(&body, &parts.headers)
            .map_err(|error| error.to_string()),
        None => Ok(()),
    };
    let request = Received {
        path: parts.uri.path().to_owned(),
        headers: parts.headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        verified,
    };
    let reply = reply(&request);
    if let Ok(mut all) = received.lock() {
        all.push(request);
    }
    let mut response = Response::new(Full::new(Bytes::new()));
    match reply {
        Reply::Status(code) => {
            *response.status_mut() =
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        }
        Reply::Redirect => {
            *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
            response.headers_mut().insert(
                http::header::LOCATION,
                http::HeaderValue::from_static("/elsewhere"),
            );
        }
        Reply::Stall(pause) => tokio::time::sleep(pause).await,
    }
    Ok(response)
}
