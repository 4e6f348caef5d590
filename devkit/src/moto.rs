//! A real moto server (SQS and the other AWS services) on a free loopback
//! port. The pinned tools are installed into `.venv/` on first use (`make
//! tools`, once, under a lock, so parallel test binaries do not race); set
//! `MOTO_SERVER` to use another binary. moto runs through
//! `devkit/moto_atomic.py`, which makes DynamoDB's conditional writes atomic
//! as DynamoDB's are.

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

    /// The command that starts moto: `MOTO_SERVER`, or the pinned moto in
    /// `.venv/` through the atomic-DynamoDB wrapper, installed first if need be.
    fn command() -> Command {
        if let Some(binary) = std::env::var_os("MOTO_SERVER") {
            return Command::new(PathBuf::from(binary));
        }
        crate::tools::ensure_installed();
        let root = repo_root();
        let mut command = Command::new(root.join(".venv/bin/python"));
        command.arg(root.join("devkit/moto_atomic.py"));
        command
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
        let mut command = Self::command();
        let binary = format!("{:?}", command.get_program());
        let child = command
            .args(["-H", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {binary} ({error}); run `make tools`, which installs moto")
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
