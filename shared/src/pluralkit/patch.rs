//! A field of a partial update. PluralKit's `UPDATE_*` events carry only the
//! keys that changed, and `null` means "cleared": a handler that syncs a member
//! must tell "not sent" from "removed", which `Option` cannot.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One field of a PluralKit model as the event carried it.
///
/// Use it with `#[serde(default, skip_serializing_if = "Patch::is_unchanged")]`
/// so an absent key reads as [`Patch::Unchanged`] and is written back absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// The key was not in the event: the value did not change.
    #[default]
    Unchanged,
    /// The key was `null`: the value was removed.
    Cleared,
    /// The key carried this value.
    Set(T),
}

impl<T> Patch<T> {
    /// The value, when the event set one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Patch::Set(value) => Some(value),
            Patch::Unchanged | Patch::Cleared => None,
        }
    }

    /// The value as a `&str`-like borrow, when the event set one.
    pub fn as_deref(&self) -> Option<&T::Target>
    where
        T: std::ops::Deref,
    {
        self.value().map(|value| &**value)
    }

    /// True when the key was absent.
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Patch::Unchanged)
    }

    /// True when the key was `null`.
    pub fn is_cleared(&self) -> bool {
        matches!(self, Patch::Cleared)
    }

    /// Applies the patch to a stored value: unchanged keeps it, cleared
    /// removes it, set replaces it.
    pub fn apply_to(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Unchanged => current,
            Patch::Cleared => None,
            Patch::Set(value) => Some(value),
        }
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `None` is a cleared value (`null`), `Some` a set one.
    fn from(value: Option<T>) -> Self {
        value.map_or(Patch::Cleared, Patch::Set)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Only called for a key that is present; an absent key takes `Default`.
        Option::<T>::deserialize(deserializer).map(Patch::from)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(value) => serializer.serialize_some(value),
            // `Unchanged` is skipped by the field attribute; were it not, it
            // would have to be written as something, and `null` is the safe side.
            Patch::Unchanged | Patch::Cleared => serializer.serialize_none(),
        }
    }
}

/// serde adapter for `Patch<DateTime<Utc>>` fields in PluralKit's timestamp
/// format (0 to 9 fractional digits, with or without an offset).
pub mod timestamp {
    use chrono::{DateTime, Utc};
    use serde::{Deserializer, Serializer};

    use super::Patch;

    /// Reads a present timestamp key: `null` is cleared.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Patch<DateTime<Utc>>, D::Error> {
        crate::timestamp::option::deserialize(deserializer).map(Patch::from)
    }

    /// Writes a timestamp key as RFC 3339.
    pub fn serialize<S: Serializer>(
        value: &Patch<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        crate::timestamp::option::serialize(&value.value().copied(), serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Sample {
        #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
        name: Patch<String>,
        #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
        color: Patch<String>,
        #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
        pronouns: Patch<String>,
    }

    #[test]
    fn absent_null_and_set_stay_apart_both_ways() {
        let text = r#"{"name":"A","color":null}"#;
        let sample: Sample = serde_json::from_str(text).unwrap();
        assert_eq!(sample.name, Patch::Set("A".to_owned()));
        assert_eq!(sample.color, Patch::Cleared);
        assert_eq!(sample.pronouns, Patch::Unchanged);
        assert_eq!(serde_json::to_string(&sample).unwrap(), text);
    }

    #[test]
    fn applies_to_a_stored_value() {
        let stored = Some("old".to_owned());
        assert_eq!(Patch::Unchanged.apply_to(stored.clone()), stored);
        assert_eq!(Patch::<String>::Cleared.apply_to(stored.clone()), None);
        assert_eq!(
            Patch::Set("new".to_owned()).apply_to(stored),
            Some("new".to_owned())
        );
    }
}
