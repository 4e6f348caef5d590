//! The ingest Lambda adapter: translate an HTTP request into
//! [`switchboard::decide`], enqueue when told to, and answer. No protocol logic
//! lives here.

mod handler;

pub use handler::{run, Ingest};

#[cfg(test)]
mod tests;
