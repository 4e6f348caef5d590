//! Where an archived record's object lives: the key layout, a public
//! contract (Athena's partition projection and a user's own tools read it).
//!
//! ```text
//! archive/events/date=2026-12-02/hour=05/source=pluralkit/<object id>.jsonl.gz
//! archive/other/date=2026-12-02/hour=05/<object id>.jsonl.gz
//! ```
//!
//! - `events/`: envelopes, partitioned by the envelope's `received_at` (UTC
//!   date and hour) and its `source`. Each line is one queue message body,
//!   byte for byte.
//! - `other/`: bodies that are not one-line envelopes (not an envelope at
//!   all, or an envelope whose payload spans lines), partitioned by the
//!   envelope's `received_at` when it has one, else by when SQS took the
//!   message. Each line is an [`OtherLine`](super::object::OtherLine).
//! - The object id is a UUIDv7, so a partition's keys sort by write time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use uuid::Uuid;

use crate::sender::Sender;

/// Every archive key starts with this: the processor may write only here.
pub const ROOT: &str = "archive/";
/// The envelopes' part of the archive.
pub const EVENTS: &str = "archive/events/";
/// The other bodies' part of the archive.
pub const OTHER: &str = "archive/other/";
/// Every object's name ends with this: gzip-compressed JSON Lines.
pub const SUFFIX: &str = ".jsonl.gz";

/// Which part of the archive an object is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// One-line envelopes, by source.
    Events(Sender),
    /// Everything else.
    Other,
}

/// One partition: a part of the archive and a UTC hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Partition {
    /// The part.
    pub part: Part,
    /// The hour, truncated (minutes, seconds and below are zero).
    pub hour: DateTime<Utc>,
}

impl Partition {
    /// The partition of `part` holding the instant `at`.
    pub fn at(part: Part, at: DateTime<Utc>) -> Self {
        Self {
            part,
            hour: truncate_to_hour(at),
        }
    }

    /// The partition's prefix, ending in `/`.
    pub fn prefix(&self) -> String {
        let hour = hour_segment(self.hour);
        match self.part {
            Part::Events(source) => format!("{EVENTS}{hour}source={source}/"),
            Part::Other => format!("{OTHER}{hour}"),
        }
    }

    /// The key of a new object in this partition.
    pub fn object_key(&self, object_id: Uuid) -> String {
        format!("{}{}{SUFFIX}", self.prefix(), object_id.hyphenated())
    }

    /// Reads a key this layout wrote; `None` for any other key.
    pub fn of_key(key: &str) -> Option<Self> {
        let (part_root, rest) = if let Some(rest) = key.strip_prefix(EVENTS) {
            (EVENTS, rest)
        } else {
            (OTHER, key.strip_prefix(OTHER)?)
        };
        let rest = rest.strip_prefix("date=")?;
        let (date, rest) = rest.split_once("/hour=")?;
        let (hour, rest) = rest.split_once('/')?;
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        let hour: u32 = hour.parse().ok().filter(|hour: &u32| *hour < 24)?;
        let at = Utc
            .from_utc_datetime(&date.and_hms_opt(hour, 0, 0)?)
            .to_utc();
        let part = match part_root {
            EVENTS => {
                let (source, name) = rest.strip_prefix("source=")?.split_once('/')?;
                let source: Sender =
                    serde_json::from_value(serde_json::Value::String(source.to_owned())).ok()?;
                name.ends_with(SUFFIX).then_some(Part::Events(source))?
            }
            _ => rest.ends_with(SUFFIX).then_some(Part::Other)?,
        };
        Some(Self::at(part, at))
    }
}

/// The instant `at`, with minutes, seconds and below set to zero.
pub fn truncate_to_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_minute(0)
        .and_then(|at| at.with_second(0))
        .and_then(|at| at.with_nanosecond(0))
        .unwrap_or(at)
}

fn hour_segment(hour: DateTime<Utc>) -> String {
    format!(
        "date={:04}-{:02}-{:02}/hour={:02}/",
        hour.year(),
        hour.month(),
        hour.day(),
        hour.hour()
    )
}

/// The prefixes to list for every record received in `[since, until]` (of
/// one source, or of all): a whole day's prefix for each day the range
/// covers entirely, an hour's for the hours at its ends, in both parts.
/// The `other/` part is not split by source; its lines are filtered after
/// reading.
pub fn prefixes(since: DateTime<Utc>, until: DateTime<Utc>, source: Option<Sender>) -> Vec<String> {
    let mut prefixes = Vec::new();
    if until < since {
        return prefixes;
    }
    let day =
        |at: DateTime<Utc>| format!("date={:04}-{:02}-{:02}/", at.year(), at.month(), at.day());
    let events = |hour: DateTime<Utc>| match source {
        Some(source) => format!("{EVENTS}{}source={source}/", hour_segment(hour)),
        None => format!("{EVENTS}{}", hour_segment(hour)),
    };
    let mut hour = truncate_to_hour(since);
    while hour <= until {
        let whole_day = hour.hour() == 0 && hour + Duration::hours(23) <= truncate_to_hour(until);
        if whole_day {
            // A day's prefix cannot name a source (it comes after the hour),
            // so one source's whole day is listed by its hours.
            match source {
                Some(_) => prefixes.extend((0..24).map(|h| events(hour + Duration::hours(h)))),
                None => prefixes.push(format!("{EVENTS}{}", day(hour))),
            }
            prefixes.push(format!("{OTHER}{}", day(hour)));
            hour += Duration::days(1);
        } else {
            prefixes.push(events(hour));
            prefixes.push(format!("{OTHER}{}", hour_segment(hour)));
            hour += Duration::hours(1);
        }
    }
    prefixes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn keys_follow_the_documented_layout_and_read_back() {
        let id: Uuid = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".parse().unwrap();
        let events = Partition::at(
            Part::Events(Sender::Pluralkit),
            at("2026-12-02T05:59:59.999Z"),
        );
        let key = events.object_key(id);
        assert_eq!(
            key,
            "archive/events/date=2026-12-02/hour=05/source=pluralkit/\
             0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl.gz"
        );
        assert_eq!(Partition::of_key(&key), Some(events));
        let other = Partition::at(Part::Other, at("2026-01-09T23:00:00Z"));
        let key = other.object_key(id);
        assert_eq!(
            key,
            "archive/other/date=2026-01-09/hour=23/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl.gz"
        );
        assert_eq!(Partition::of_key(&key), Some(other));
        let interaction = Partition::at(
            Part::Events(Sender::DiscordInteraction),
            at("2026-12-02T05:00:00Z"),
        );
        assert!(interaction
            .prefix()
            .ends_with("source=discord_interaction/"));
    }

    #[test]
    fn keys_of_another_layout_are_not_read() {
        for key in [
            "archive/events/date=2026-12-02/hour=24/source=discord/x.jsonl.gz",
            "archive/events/date=2026-12-02/hour=05/source=slack/x.jsonl.gz",
            "archive/events/date=2026-13-02/hour=05/source=discord/x.jsonl.gz",
            "archive/events/date=2026-12-02/hour=05/source=discord/x.json",
            "archive/events/date=2026-12-02/hour=05/x.jsonl.gz",
            "elsewhere/date=2026-12-02/hour=05/x.jsonl.gz",
        ] {
            assert_eq!(Partition::of_key(key), None, "{key}");
        }
    }

    #[test]
    fn a_range_lists_whole_days_by_day_and_its_ends_by_hour() {
        let prefixes = prefixes(at("2026-12-01T22:30:00Z"), at("2026-12-03T01:10:00Z"), None);
        assert_eq!(
            prefixes,
            [
                "archive/events/date=2026-12-01/hour=22/",
                "archive/other/date=2026-12-01/hour=22/",
                "archive/events/date=2026-12-01/hour=23/",
                "archive/other/date=2026-12-01/hour=23/",
                "archive/events/date=2026-12-02/",
                "archive/other/date=2026-12-02/",
                "archive/events/date=2026-12-03/hour=00/",
                "archive/other/date=2026-12-03/hour=00/",
                "archive/events/date=2026-12-03/hour=01/",
                "archive/other/date=2026-12-03/hour=01/",
            ]
        );
    }

    #[test]
    fn one_source_is_listed_by_its_own_hours() {
        let prefixes = prefixes(
            at("2026-12-02T05:10:00Z"),
            at("2026-12-02T06:00:00Z"),
            Some(Sender::Discord),
        );
        assert_eq!(
            prefixes,
            [
                "archive/events/date=2026-12-02/hour=05/source=discord/",
                "archive/other/date=2026-12-02/hour=05/",
                "archive/events/date=2026-12-02/hour=06/source=discord/",
                "archive/other/date=2026-12-02/hour=06/",
            ]
        );
        assert!(
            super::prefixes(at("2026-12-02T06:00:00Z"), at("2026-12-02T05:00:00Z"), None)
                .is_empty()
        );
    }
}
