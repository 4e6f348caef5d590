//! PluralKit dispatch: everything switchboard knows about this sender. The
//! shared signing token, the event types and their models (with [`Patch`]
//! fields for partial updates), its part of the ingest decision, and its
//! configuration.

pub mod config;
pub mod events;
pub(crate) mod ingest;
pub mod patch;
pub mod tenant;
#[cfg(feature = "dynamodb")]
#[cfg_attr(docsrs, doc(cfg(feature = "dynamodb")))]
pub mod tenant_table;
pub mod tenants;
pub mod token_parameter;
pub mod verify;

pub use config::{PluralKitConfig, TenantsConfig, TokenSource};
pub use events::{DispatchEvent, Event, EventType};
pub use ingest::dispatch_system_id;
pub use patch::Patch;
pub use tenant::{token_sha256, TenantId, TenantRecord};
pub use tenants::{
    Pinned, TenantDirectory, TenantError, TenantLookupError, TenantRefresh, Tenants,
};
pub use token_parameter::{Refresh, TokenParameter};
pub use verify::{SigningTokens, SIGNING_TOKEN_FIELD};
