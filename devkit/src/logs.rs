//! Log output captured in memory, to read what a subscriber wrote.

use std::sync::{Arc, Mutex, PoisonError};

use switchboard::logging::{subscriber, LogSettings};

/// Bytes a subscriber wrote: hand [`CapturedLog::writer`] to it, then read
/// [`CapturedLog::text`].
#[derive(Debug, Clone, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
    /// Captures, as JSON lines, everything this thread logs at `directives`
    /// until the guard drops: the subscriber `main` installs, writing here.
    ///
    /// Every test of a binary that reads its logs should capture, even those
    /// that read nothing: tracing caches per call site whether anything
    /// listens, and a test without a subscriber running beside one with can
    /// leave that cache saying no, so the reading test sees nothing.
    pub fn install(directives: &str) -> (Self, tracing::subscriber::DefaultGuard) {
        let log = Self::default();
        let settings = LogSettings {
            directives: directives.into(),
            json: true,
        };
        let guard = tracing::subscriber::set_default(subscriber(&settings, log.writer()));
        (log, guard)
    }

    /// A `MakeWriter` for `tracing_subscriber`: every writer it makes appends here.
    pub fn writer(&self) -> impl Fn() -> CapturedLog + Send + Sync + 'static {
        let log = self.clone();
        move || log.clone()
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
