//! The time an invocation has left, from the deadline the Lambda Runtime API
//! gives each invocation (Unix milliseconds). Every wait inside an invocation
//! ends before it, so the function always answers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The time left until `invocation_deadline_ms`, less `margin` (kept to send
/// the answer); zero once that has passed. `None` when the runtime gave no
/// deadline (0), as some local emulators do.
pub fn time_left(invocation_deadline_ms: u64, margin: Duration) -> Option<Duration> {
    if invocation_deadline_ms == 0 {
        return None;
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |now| u64::try_from(now.as_millis()).unwrap_or(u64::MAX));
    let left = Duration::from_millis(invocation_deadline_ms.saturating_sub(now_ms));
    Some(left.saturating_sub(margin))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now_ms() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
    }

    #[test]
    fn keeps_the_margin_and_never_goes_below_zero() {
        let margin = Duration::from_millis(500);
        let left = time_left(now_ms() + 3_000, margin).unwrap();
        assert!(
            left <= Duration::from_millis(2_500) && left >= Duration::from_millis(2_300),
            "{left:?}"
        );
        assert_eq!(time_left(now_ms() - 1_000, margin), Some(Duration::ZERO));
        assert_eq!(time_left(now_ms() + 100, margin), Some(Duration::ZERO));
        assert_eq!(time_left(0, margin), None);
    }
}
