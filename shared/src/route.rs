//! Which route a request came in on: a sender's own (`/discord`,
//! `/discord/interactions`, `/pluralkit`), or PluralKit's many-system route, `/pluralkit/{tenant}`,
//! which carries the tenant's id. Anything else is no route (404): a second
//! segment, an encoded slash, a dot, an empty id.

use crate::pluralkit::TenantId;
use crate::sender::Sender;

/// A route ingest serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/discord`: Discord webhook events.
    Discord,
    /// `/discord/interactions`: Discord interactions.
    DiscordInteractions,
    /// `/pluralkit`: the one system the token parameter serves.
    Pluralkit,
    /// `/pluralkit/{tenant}`: one of many systems, each with its own item in
    /// the tenant table.
    PluralkitTenant(TenantId),
}

/// The many-system route's prefix.
pub const TENANT_ROUTE_PREFIX: &str = "/pluralkit/";

impl Route {
    /// The route for a path (stage already removed, see
    /// [`Sender::from_path`]).
    pub fn from_path(path: &str) -> Option<Route> {
        if let Some(sender) = Sender::from_path(path) {
            return Some(match sender {
                Sender::Discord => Route::Discord,
                Sender::DiscordInteraction => Route::DiscordInteractions,
                Sender::Pluralkit => Route::Pluralkit,
            });
        }
        // Exactly one segment after the prefix: no trailing slash either.
        path.strip_prefix(TENANT_ROUTE_PREFIX)
            .and_then(TenantId::parse)
            .map(Route::PluralkitTenant)
    }

    /// The sender the route is for.
    pub fn sender(&self) -> Sender {
        match self {
            Route::Discord => Sender::Discord,
            Route::DiscordInteractions => Sender::DiscordInteraction,
            Route::Pluralkit | Route::PluralkitTenant(_) => Sender::Pluralkit,
        }
    }

    /// The tenant the route names, on the many-system route.
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            Route::PluralkitTenant(tenant) => Some(tenant),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_route_is_exactly_one_plain_segment() {
        assert_eq!(Route::from_path("/discord"), Some(Route::Discord));
        assert_eq!(
            Route::from_path("/discord/interactions"),
            Some(Route::DiscordInteractions)
        );
        assert_eq!(Route::from_path("/pluralkit/"), Some(Route::Pluralkit));
        let tenant = Route::from_path("/pluralkit/user-42").unwrap();
        assert_eq!(tenant.tenant().map(TenantId::as_str), Some("user-42"));
        assert_eq!(tenant.sender(), Sender::Pluralkit);
        for bad in [
            "/pluralkit/a/b",
            "/pluralkit/a%2Fb",
            "/pluralkit/..",
            "/pluralkit/.",
            "/pluralkit/a.b",
            "/pluralkit//",
            "/pluralkit/a/",
            "/discord/a",
            "/pluralkitx/a",
        ] {
            assert_eq!(Route::from_path(bad), None, "{bad}");
        }
    }
}
