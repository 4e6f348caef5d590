//! A Discord id is a snowflake: its top 42 bits are its creation time in
//! milliseconds since Discord's epoch (2015-01-01). An interaction's id
//! therefore says how old its token is.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// Discord's epoch, in Unix milliseconds.
pub const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// How long an interaction's token lets the app edit its answer and send
/// followups.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// When the snowflake `id` was made; `None` for text that is not one.
pub fn created_at(id: &str) -> Option<DateTime<Utc>> {
    let id: u64 = id.parse().ok()?;
    let ms = i64::try_from(id >> 22)
        .ok()?
        .checked_add(DISCORD_EPOCH_MS)?;
    DateTime::from_timestamp_millis(ms)
}

/// True when the token of the interaction `id` is past [`TOKEN_LIFETIME`] at
/// `now`. An id that is not a snowflake counts as expired: nothing can say
/// its token is still good.
pub fn token_expired(id: &str, now: DateTime<Utc>) -> bool {
    match created_at(id) {
        Some(created) => (now - created).to_std().unwrap_or_default() >= TOKEN_LIFETIME,
        None => true,
    }
}

/// The snowflake an interaction made at `at` would have (the low bits zero),
/// for tests and the local stack's samples.
pub fn snowflake_at(at: DateTime<Utc>) -> String {
    let ms = u64::try_from(at.timestamp_millis() - DISCORD_EPOCH_MS).unwrap_or(0);
    (ms << 22).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_time_of_a_real_id() {
        // Discord's documented example: 175928847299117063 is 2016-04-30 11:18:25.796 UTC.
        let at = created_at("175928847299117063").unwrap();
        assert_eq!(at.timestamp_millis(), 1_462_015_105_796);
        assert!(created_at("not a number").is_none());
    }

    #[test]
    fn a_token_expires_after_fifteen_minutes() {
        let now = Utc::now();
        let fresh = snowflake_at(now - chrono::Duration::minutes(14));
        let stale = snowflake_at(now - chrono::Duration::minutes(15));
        assert!(!token_expired(&fresh, now));
        assert!(token_expired(&stale, now));
        assert!(token_expired("x", now));
        assert_eq!(
            created_at(&snowflake_at(now)).unwrap().timestamp_millis(),
            now.timestamp_millis()
        );
    }
}
