//! The keep-alive proxy in front of moto.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::Error;

/// An HTTP/1.1 keep-alive front for moto, which closes every connection
/// (Werkzeug answers `Connection: close`). Real SQS endpoints keep connections
/// alive, so without this each `SendMessage` would also pay a TCP connect that
/// production does not. The proxy's own work is the harness's CPU, not the
/// function's.
///
/// Both sides set `TCP_NODELAY`: without it, Nagle's algorithm meeting the
/// peer's delayed ACK held each answer back ~40 ms, and a function that idles
/// that long between invocations runs every one of them on cold caches.
///
/// It also adds up the time spent waiting on moto (`upstream_wait`), so the
/// cold start can be shown without the SQS server's own response time.
pub(crate) async fn keep_alive_proxy(
    target: String,
    upstream_wait: Arc<AtomicU64>,
) -> Result<(u16, tokio::task::JoinHandle<()>), Error> {
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::client::legacy::Client;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<_, Full<Bytes>> =
        Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let client = client.clone();
            let target = target.clone();
            let upstream_wait = Arc::clone(&upstream_wait);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let client = client.clone();
                    let target = target.clone();
                    let upstream_wait = Arc::clone(&upstream_wait);
                    async move {
                        let (mut parts, body) = request.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let path = parts
                            .uri
                            .path_and_query()
                            .map_or("/", |p| p.as_str())
                            .to_owned();
                        parts.uri = format!("{target}{path}").parse().unwrap_or_default();
                        parts.headers.remove("connection");
                        let started = Instant::now();
                        let upstream = client
                            .request(Request::from_parts(parts, Full::new(body)))
                            .await;
                        let response = match upstream {
                            Ok(response) => {
                                let (mut parts, body) = response.into_parts();
                                parts.headers.remove("connection");
                                let body = body
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                let waited = started.elapsed().as_micros() as u64;
                                upstream_wait.fetch_add(waited, Ordering::Relaxed);
                                Response::from_parts(parts, Full::new(body))
                            }
                            Err(_) => {
                                let mut response = Response::new(Full::new(Bytes::new()));
                                *response.status_mut() = StatusCode::BAD_GATEWAY;
                                response
                            }
                        };
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((port, task))
}
