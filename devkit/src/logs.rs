//! Log output captured in memory, to read what a subscriber wrote.

use std::sync::{Arc, Mutex, PoisonError};

/// Bytes a subscriber wrote: hand [`CapturedLog::writer`] to it, then read
/// [`CapturedLog::text`].
#[derive(Debug, Clone, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
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
