//! Reading the archive: the bucket (named, a deployed stack's, or the local
//! stack's), the prefixes a time range needs, and the envelopes they hold,
//! each `id` once, in received order.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use switchboard::archive::{layout, object, Part, Partition};
use switchboard::config::AWS_ENDPOINT_URL_S3;
use switchboard::{Envelope, Sender};
use switchboard_devkit::local_s3_client;

use crate::parameters::stack_output;
use crate::state::StackState;
use crate::CliResult;

/// The stack output that names the archive's bucket.
const BUCKET_OUTPUT: &str = "ArchiveBucketName";

/// Where the archive is.
#[derive(Args, Clone)]
pub(crate) struct ArchiveArgs {
    /// The archive's bucket (default: the stack's `ArchiveBucketName`
    /// output with --stack-name, else the local stack's).
    #[arg(long)]
    pub(crate) bucket: Option<String>,
    /// The deployed stack whose outputs name the bucket (and the queue).
    #[arg(long, env = "SWITCHBOARD_STACK")]
    pub(crate) stack_name: Option<String>,
    /// A local S3 endpoint (moto); default: the local stack's, else AWS with
    /// your credentials, region and profile.
    #[arg(long, env = AWS_ENDPOINT_URL_S3)]
    pub(crate) s3_endpoint: Option<String>,
}

/// Which archived events: a time range and what they must match.
#[derive(Args, Clone)]
pub(crate) struct FilterArgs {
    /// Received at or after: RFC 3339 (`2026-12-01T00:00:00Z`) or a
    /// duration ago (`90m`, `2h`, `7d`).
    #[arg(long, default_value = "24h")]
    pub(crate) since: String,
    /// Received at or before: RFC 3339 or a duration ago (default: now).
    #[arg(long)]
    pub(crate) until: Option<String>,
    /// Only this event type (e.g. `ENTITLEMENT_CREATE`).
    #[arg(long = "type")]
    pub(crate) event_type: Option<String>,
    /// Only this sender: `discord`, `discord_interaction` or `pluralkit`.
    #[arg(long, value_parser = parse_sender)]
    pub(crate) source: Option<Sender>,
    /// Only this PluralKit tenant.
    #[arg(long)]
    pub(crate) tenant: Option<String>,
}

/// One archived event.
pub(crate) struct Archived {
    /// The envelope.
    pub(crate) envelope: Envelope,
    /// The queue message body as archived.
    pub(crate) body: String,
    /// The object it was read from.
    pub(crate) key: String,
}

/// A bucket and a client for it.
pub(crate) struct Archive {
    client: aws_sdk_s3::Client,
    pub(crate) bucket: String,
}

/// A time range and the matches, parsed.
pub(crate) struct Filter {
    pub(crate) since: DateTime<Utc>,
    pub(crate) until: DateTime<Utc>,
    pub(crate) event_type: Option<String>,
    pub(crate) source: Option<Sender>,
    pub(crate) tenant: Option<String>,
}

impl Filter {
    pub(crate) fn parse(args: &FilterArgs, now: DateTime<Utc>) -> CliResult<Self> {
        let since = parse_time(&args.since, now).map_err(|e| format!("--since: {e}"))?;
        let until = match &args.until {
            Some(until) => parse_time(until, now).map_err(|e| format!("--until: {e}"))?,
            None => now,
        };
        if until < since {
            return Err(format!("--until ({until}) is before --since ({since})").into());
        }
        Ok(Self {
            since,
            until,
            event_type: args.event_type.clone(),
            source: args.source,
            tenant: args.tenant.clone(),
        })
    }

    fn matches(&self, envelope: &Envelope) -> bool {
        envelope.received_at >= self.since
            && envelope.received_at <= self.until
            && self.source.is_none_or(|source| envelope.source == source)
            && self
                .event_type
                .as_ref()
                .is_none_or(|kind| &envelope.event_type == kind)
            && self
                .tenant
                .as_ref()
                .is_none_or(|tenant| envelope.tenant.as_ref() == Some(tenant))
    }
}

fn parse_sender(text: &str) -> Result<Sender, String> {
    Sender::ALL
        .into_iter()
        .find(|sender| sender.as_str() == text)
        .ok_or_else(|| {
            let known: Vec<&str> = Sender::ALL.iter().map(|s| s.as_str()).collect();
            format!("not a source; one of {}", known.join(", "))
        })
}

/// An RFC 3339 time, or a duration before `now`: a number and a unit, `s`,
/// `m`, `h`, `d` or `w`.
pub(crate) fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let unit_at = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} has no unit (s, m, h, d or w)"))?;
    let (number, unit) = text.split_at(unit_at);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("{text:?} is neither RFC 3339 nor a duration like 2h or 7d"))?;
    let ago = match unit {
        "s" => Duration::try_seconds(number),
        "m" => Duration::try_minutes(number),
        "h" => Duration::try_hours(number),
        "d" => Duration::try_days(number),
        "w" => Duration::try_weeks(number),
        _ => None,
    }
    .ok_or_else(|| format!("{text:?}: the unit is one of s, m, h, d, w"))?;
    now.checked_sub_signed(ago)
        .ok_or_else(|| format!("{text:?} is too long ago"))
}

impl Archive {
    pub(crate) async fn resolve(dev_dir: &Path, args: &ArchiveArgs) -> CliResult<Self> {
        // The local stack's archive only when no other is named.
        let local = StackState::load(dev_dir)
            .ok()
            .filter(|_| args.stack_name.is_none() && args.bucket.is_none());
        let endpoint = args
            .s3_endpoint
            .clone()
            .or_else(|| local.as_ref().map(|state| state.sqs_endpoint.clone()));
        let (client, aws) = match &endpoint {
            Some(endpoint) => (local_s3_client(endpoint), None),
            None => {
                let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                (aws_sdk_s3::Client::new(&aws), Some(aws))
            }
        };
        let bucket = match (&args.bucket, &args.stack_name, &aws) {
            (Some(bucket), _, _) => bucket.clone(),
            (None, Some(stack), Some(aws)) => stack_output(aws, stack, BUCKET_OUTPUT).await?,
            _ => local.and_then(|state| state.archive_bucket).ok_or(
                "no archive: pass --bucket or --stack-name, or start the local stack with `make run`",
            )?,
        };
        Ok(Self { client, bucket })
    }

    /// Every key under `prefix`, page by page.
    async fn keys(&self, prefix: &str) -> CliResult<Vec<String>> {
        let mut keys = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| {
                format!(
                    "listing s3://{}/{prefix}: {}",
                    self.bucket,
                    aws_sdk_s3::error::DisplayErrorContext(error)
                )
            })?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
        Ok(keys)
    }

    async fn get(&self, key: &str) -> CliResult<Vec<u8>> {
        let object = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|error| {
                format!(
                    "reading s3://{}/{key}: {}",
                    self.bucket,
                    aws_sdk_s3::error::DisplayErrorContext(error)
                )
            })?;
        Ok(object.body.collect().await?.into_bytes().to_vec())
    }

    /// The archived envelopes `filter` matches, each `id` once (the first
    /// copy read), in received order. Reads only the prefixes the range
    /// needs, and only the objects of the source asked for.
    pub(crate) async fn scan(&self, filter: &Filter) -> CliResult<Vec<Archived>> {
        let progress = spinner("listing the archive");
        let mut keys = Vec::new();
        for prefix in layout::prefixes(filter.since, filter.until, filter.source) {
            keys.extend(self.keys(&prefix).await?);
            progress.set_message(format!("listed {} objects", keys.len()));
        }
        keys.sort();
        let keys: Vec<(String, Partition)> = keys
            .into_iter()
            .filter_map(|key| Partition::of_key(&key).map(|partition| (key, partition)))
            .filter(|(_, partition)| match (partition.part, filter.source) {
                (Part::Events(source), Some(wanted)) => source == wanted,
                _ => true,
            })
            .collect();
        progress.set_length(keys.len() as u64);
        progress.set_style(bar_style("objects"));
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut found: Vec<Archived> = Vec::new();
        for (key, partition) in keys {
            let bytes = self.get(&key).await?;
            let bodies = object::decode_bodies(partition.part, &bytes)
                .map_err(|error| format!("s3://{}/{key}: {error}", self.bucket))?;
            for body in bodies {
                // An `other/` body that is no envelope is kept, but is not an event.
                let Ok(envelope) = Envelope::from_json(&body) else {
                    continue;
                };
                let identity = match envelope.id {
                    Some(id) => id.hyphenated().to_string(),
                    None => envelope.dedupe_key.clone(),
                };
                if !filter.matches(&envelope) {
                    continue;
                }
                let archived = Archived {
                    envelope,
                    body,
                    key: key.clone(),
                };
                match seen.get(&identity) {
                    // The copy ingest queued wins over a replay's copy.
                    Some(&at) => {
                        let kept: &mut Archived = &mut found[at];
                        if kept.envelope.replay.is_some() && archived.envelope.replay.is_none() {
                            *kept = archived;
                        }
                    }
                    None => {
                        seen.insert(identity, found.len());
                        found.push(archived);
                    }
                }
            }
            progress.inc(1);
        }
        progress.finish_and_clear();
        found.sort_by(|a, b| {
            (a.envelope.received_at, a.envelope.id).cmp(&(b.envelope.received_at, b.envelope.id))
        });
        Ok(found)
    }

    /// The ids, among `ids`, of envelopes the archive holds. Each id's hour
    /// comes from the UUIDv7 itself, so only those hours are read.
    pub(crate) async fn holds(&self, ids: &[uuid::Uuid]) -> CliResult<HashSet<uuid::Uuid>> {
        let mut hours: Vec<DateTime<Utc>> = ids.iter().filter_map(|id| minted_at(*id)).collect();
        hours.sort();
        hours.dedup_by_key(|at| layout::truncate_to_hour(*at));
        let mut held = HashSet::new();
        for at in hours {
            let filter = Filter::around(at);
            for archived in self.scan(&filter).await? {
                held.extend(archived.envelope.id);
            }
        }
        Ok(held)
    }
}

impl Filter {
    /// Everything received in the hour of `at` and the next: where an
    /// envelope whose id was minted at `at` is.
    pub(crate) fn around(at: DateTime<Utc>) -> Self {
        let hour = layout::truncate_to_hour(at);
        Self {
            since: hour,
            until: hour + Duration::hours(2) - Duration::nanoseconds(1),
            event_type: None,
            source: None,
            tenant: None,
        }
    }
}

/// When a UUIDv7 was minted; `None` for other versions.
pub(crate) fn minted_at(id: uuid::Uuid) -> Option<DateTime<Utc>> {
    let (seconds, nanos) = id.get_timestamp()?.to_unix();
    DateTime::from_timestamp(i64::try_from(seconds).ok()?, nanos)
}

/// A spinner on stderr, drawn only on a terminal.
pub(crate) fn spinner(message: &str) -> ProgressBar {
    let progress = ProgressBar::new_spinner();
    progress.set_message(message.to_owned());
    progress.enable_steady_tick(std::time::Duration::from_millis(120));
    progress
}

/// A bar's style: count, rate and time left.
pub(crate) fn bar_style(what: &str) -> ProgressStyle {
    ProgressStyle::with_template(&format!(
        "{{bar:30}} {{pos}}/{{len}} {what}  {{per_sec}}  eta {{eta}}"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_or_a_duration_ago() {
        let now: DateTime<Utc> = "2026-12-02T06:00:00Z".parse().unwrap();
        let at = |text| parse_time(text, now).unwrap().to_rfc3339();
        assert_eq!(at("2h"), "2026-12-02T04:00:00+00:00");
        assert_eq!(at("7d"), "2026-11-25T06:00:00+00:00");
        assert_eq!(at("90m"), "2026-12-02T04:30:00+00:00");
        assert_eq!(at("2026-12-01T10:00:00+02:00"), "2026-12-01T08:00:00+00:00");
        for bad in ["2", "2y", "h", "yesterday", "99999999999999w"] {
            assert!(parse_time(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_id_says_when_it_was_minted() {
        let before = Utc::now() - Duration::milliseconds(2);
        let at = minted_at(uuid::Uuid::now_v7()).unwrap();
        assert!(at >= before && at <= Utc::now() + Duration::milliseconds(2));
        assert_eq!(minted_at(uuid::Uuid::nil()), None);
    }
}
