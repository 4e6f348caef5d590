//! The shape every sender's event-type enum shares: one variant per type the
//! sender really sends, `SCREAMING_SNAKE_CASE` on the wire, and `Unknown` for
//! types this version has not met yet. Each sender declares its own list with
//! [`event_types!`]; that list is the only place its type names are written.

/// Declares a sender's `EventType` enum with `ALL`, `as_str()`, `is_unknown()`,
/// `From<&str>`, `Display` and serde as `SCREAMING_SNAKE_CASE`.
macro_rules! event_types {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A type this version does not know yet, kept exactly as sent.
            #[serde(untagged)]
            Unknown(String),
        }

        impl $name {
            /// Every type the sender is known to send, in its documented order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The type's name on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Unknown(text) => text,
                }
            }

            /// True for a type this version does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl From<&str> for $name {
            /// Reads a type name; one this version does not know becomes `Unknown`.
            fn from(text: &str) -> Self {
                match text {
                    $( $text => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use event_types;

/// Decodes an event's `data` into its model, borrowing it so the caller keeps
/// the raw value when it does not fit; absent data reads as `{}`, since every
/// model field is optional.
pub(crate) fn decode_data<T: serde::de::DeserializeOwned>(
    data: Option<&serde_json::Value>,
) -> serde_json::Result<T> {
    match data {
        Some(value) => T::deserialize(value),
        None => T::deserialize(&serde_json::Value::Object(Default::default())),
    }
}

/// An event decoded by `typed` when its type is `known` and its data fits,
/// else by `unknown` with the raw data: the rule every sender's
/// `Event::from_parts_or_unknown` follows.
pub(crate) fn typed_or_unknown<E>(
    known: bool,
    event_type: &str,
    data: Option<serde_json::Value>,
    typed: impl FnOnce(&str, Option<&serde_json::Value>) -> serde_json::Result<E>,
    unknown: impl FnOnce(String, Option<serde_json::Value>) -> E,
) -> E {
    if known {
        if let Ok(event) = typed(event_type, data.as_ref()) {
            return event;
        }
    }
    unknown(event_type.to_owned(), data)
}
