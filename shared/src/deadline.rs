//! The time an invocation has left, from the deadline the Lambda Runtime API
//! gives each invocation (Unix milliseconds). Every wait inside an invocation
//! ends before it, so the function always answers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The time left until `invocation_deadline_ms`, less `margin` (kept to send
/// the answer); zero when less than the margin is left.
///
/// Call it when the invocation starts. `None` when the value cannot be a
/// deadline given for this invocation because it has passed already: Lambda's
/// is always ahead, but local emulators send 0, or a timeout instead of a time
/// (`cargo lambda watch` sends `600000`, ten minutes).
pub fn time_left(invocation_deadline_ms: u64, margin: Duration) -> Option<Duration> {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |now| u64::try_from(now.as_millis()).unwrap_or(u64::MAX));
    let left = invocation_deadline_ms
        .checked_sub(now_ms)
        .filter(|left| *left > 0)?;
    Some(Duration::from_millis(left).saturating_sub(margin))
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
        assert_eq!(time_left(now_ms() + 100, margin), Some(Duration::ZERO));
        // Not deadlines of this invocation: none, a passed time, a timeout.
        assert_eq!(time_left(0, margin), None);
        assert_eq!(time_left(now_ms() - 1_000, margin), None);
        assert_eq!(time_left(600_000, margin), None);
    }
}
