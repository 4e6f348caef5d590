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
