//! Loopback TCP stand-ins for a failing SQS endpoint: a proxy that can be
//! stopped and started again in front of a live server (so the server's state
//! survives the outage), and a listener that accepts and never answers.

use std::net::SocketAddr;

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

/// A front for a live server that answers its first `failures` requests with
/// an HTTP 500 (an SQS `InternalError`) and passes the rest through. moto
/// closes every connection, so each connection is one request.
pub struct FailingFirst {
    /// Its port on 127.0.0.1.
    pub port: u16,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    _accept: JoinHandle<()>,
}

impl FailingFirst {
    /// The endpoint URL to give SDK clients.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests it has seen.
    pub fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Starts a [`FailingFirst`] in front of 127.0.0.1:`target`.
pub async fn failing_first(target: u16, failures: usize) -> FailingFirst {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&requests);
    let accept = tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if n < failures {
                    // Read the request before answering, as a server would.
                    let mut buffer = [0u8; 8192];
                    let _ = tokio::time::timeout(
                        std::time::Duration::from_millis(200),
                        client.read(&mut buffer),
                    )
                    .await;
                    let body = r#"{"__type":"InternalError","message":"injected"}"#;
                    let answer = format!(
                        "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = client.write_all(answer.as_bytes()).await;
                    let _ = client.shutdown().await;
                } else if let Ok(mut server) =
                    TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], target))).await
                {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    FailingFirst {
        port,
        requests,
        _accept: accept,
    }
}
