//! The processor's core: decode each SQS record's envelope into a typed event,
//! route it to the registered handlers, and report only the records that failed.

mod batch;
mod destination;
mod event;
mod handler;
pub mod idempotency;
mod registry;

pub use batch::{process_batch, DecodeError, Processor, RecordFailure, SETTLE_BUDGET};
pub use destination::{Delivery, Destination, Sending};
pub use event::{Event, EventContext, EventKind};
pub use handler::{Handler, HandlerError};
pub use idempotency::{Claim, ClaimWindow, Effects, Idempotency, IdempotencyStore, StoreError};
pub use registry::{Registry, RegistryBuilder, RegistryError, RouteKey};
