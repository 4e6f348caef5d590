//! An invocation's output in one `write`. Each line a function prints is a
//! system call into the pipe Lambda's log agent reads; ingest prints three
//! per request (its request line and two EMF lines). While a [`HeldOutput`]
//! lives on a thread, what the log subscriber writes on that thread is kept
//! in memory, the metrics flush appends to it, and dropping it writes
//! everything to stdout at once.
//!
//! Only for a function that serves one invocation at a time on one thread
//! (ingest's `current_thread` runtime); without a `HeldOutput`, every line
//! goes straight to stdout, as before.

use std::cell::RefCell;
use std::io::Write;

use tracing_subscriber::fmt::MakeWriter;

#[derive(Default)]
struct Held {
    holding: bool,
    /// Kept between invocations, so a warm invocation allocates nothing here.
    bytes: Vec<u8>,
}

thread_local! {
    static HELD: RefCell<Held> = RefCell::new(Held::default());
}

/// Holds what this thread writes through [`Stdout`] until it is dropped,
/// then writes it to stdout in one `write`. Drop it on the thread that
/// started it.
#[derive(Debug)]
pub struct HeldOutput(());

impl HeldOutput {
    /// Starts holding this thread's output.
    pub fn start() -> Self {
        let _ = HELD.try_with(|held| {
            if let Ok(mut held) = held.try_borrow_mut() {
                held.holding = true;
            }
        });
        Self(())
    }

    /// Appends what `write` writes to the held output (the metrics flush).
    pub fn append(&self, write: impl FnOnce(&mut Vec<u8>)) {
        let mut write = Some(write);
        let _ = HELD.try_with(|held| {
            if let Ok(mut held) = held.try_borrow_mut() {
                if held.holding {
                    if let Some(write) = write.take() {
                        write(&mut held.bytes);
                    }
                }
            }
        });
        let appended = write;
        // Not holding (or busy): straight to stdout, as unheld lines go.
        if let Some(write) = appended {
            let mut bytes = Vec::new();
            write(&mut bytes);
            let _ = std::io::stdout().lock().write_all(&bytes);
        }
    }
}

impl Drop for HeldOutput {
    fn drop(&mut self) {
        let _ = HELD.try_with(|held| {
            if let Ok(mut held) = held.try_borrow_mut() {
                held.holding = false;
                if !held.bytes.is_empty() {
                    let mut stdout = std::io::stdout().lock();
                    let _ = stdout.write_all(&held.bytes);
                    let _ = stdout.flush();
                    held.bytes.clear();
                }
            }
        });
    }
}

/// The log subscriber's writer: stdout, or the held output while a
/// [`HeldOutput`] lives on this thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stdout;

/// One write through [`Stdout`].
#[derive(Debug)]
pub struct StdoutOrHeld;

impl<'writer> MakeWriter<'writer> for Stdout {
    type Writer = StdoutOrHeld;

    fn make_writer(&'writer self) -> Self::Writer {
        StdoutOrHeld
    }
}

impl Write for StdoutOrHeld {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        // A thread being torn down, or a line written while the held bytes
        // are borrowed, goes straight to stdout.
        let held = HELD
            .try_with(|held| match held.try_borrow_mut() {
                Ok(mut held) if held.holding => {
                    held.bytes.extend_from_slice(bytes);
                    true
                }
                _ => false,
            })
            .unwrap_or(false);
        if held {
            Ok(bytes.len())
        } else {
            std::io::stdout().lock().write(bytes)
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().lock().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(writer: &mut StdoutOrHeld, text: &str) {
        writer.write_all(text.as_bytes()).unwrap_or_default();
    }

    #[test]
    fn lines_are_held_while_an_output_lives_and_released_when_it_drops() {
        let held = HeldOutput::start();
        let mut writer = Stdout.make_writer();
        written(&mut writer, "one\n");
        held.append(|bytes| bytes.extend_from_slice(b"two\n"));
        let kept = HELD.with(|held| held.borrow().bytes.clone());
        assert_eq!(kept, b"one\ntwo\n");
        drop(held);
        let after = HELD.with(|held| (held.borrow().holding, held.borrow().bytes.len()));
        assert_eq!(after, (false, 0), "written out and emptied");
    }
}
