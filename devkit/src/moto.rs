//! A real moto server (SQS and the other AWS services) on a free loopback
//! port. `make test` installs moto into `.venv/`; set `MOTO_SERVER` to use
//! another binary.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::fixtures::repo_root;
use crate::ports::{free_port, wait_for_port};

/// A moto server process; stopped when dropped.
pub struct MotoServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    child: Option<Child>,
}

impl MotoServer {
    /// Starts moto on a free port and waits until it accepts connections.
    ///
    /// # Panics
    /// When moto cannot start: a harness with no server cannot test anything,
    /// and the message says how to install it.
    pub fn start() -> Self {
        let port = free_port().unwrap_or_else(|error| panic!("no free loopback port: {error}"));
        let mut server = Self { port, child: None };
        server.restart();
        server
    }

    fn binary() -> PathBuf {
        std::env::var_os("MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join(".venv/bin/moto_server"))
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The endpoint URL to give SDK clients.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts (again) on the same port. Moto keeps state in memory, so a restart
    /// comes back empty, like a new region.
    ///
    /// # Panics
    /// When moto cannot start (see [`MotoServer::start`]).
    pub fn restart(&mut self) {
        self.stop();
        let binary = Self::binary();
        let child = Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {} ({error}); run `make test`, which installs moto",
                    binary.display()
                )
            });
        self.child = Some(child);
        assert!(
            wait_for_port(self.port, Duration::from_secs(30)),
            "moto did not start on port {}",
            self.port
        );
    }

    /// Stops the server; its state is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Already exited is fine: either way it is stopped.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        self.stop();
    }
}
