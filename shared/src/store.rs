//! Adapters of the processor's idempotency store, each behind its feature.

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
