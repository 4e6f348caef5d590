#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The EventBridge destination against moto's server, built the way the
//! processor's `main` builds it: events go on a bus, a rule routes them to an
//! SQS queue, and the test reads them back with their source, detail-type and
//! detail. A refused entry fails exactly its own record; a batch of ten is one
//! `PutEvents` call.

use std::collections::BTreeMap;

use serde_json::Value;
use switchboard::config::{EVENT_BUS_NAME, EVENT_BUS_TYPES};
use switchboard::Sender;
use switchboard_devkit::{
    create_bus_to_queue, failed_ids, fixture_envelope, local_eventbridge_client, local_sdk_config,
    local_sqs_client, receive_up_to, sqs_event, BusToQueue, MotoServer,
};
use switchboard_tests::proxy::failing_first;

fn processor_for(vars: &[(&str, &str)], endpoint: &str) -> switchboard::Processor {
    switchboard_tests::processor_for(vars, &local_sdk_config(endpoint))
}

/// Every fixture of the senders whose events go to the bus by default (not
/// interactions: they go only where a type list names them).
fn every_fixture() -> Vec<(Sender, &'static str, String)> {
    Sender::ALL
        .iter()
        .filter(|sender| **sender != Sender::DiscordInteraction)
        .flat_map(|sender| {
            sender
                .event_type_names()
                .into_iter()
                .map(|name| (*sender, name, fixture_envelope(*sender, name).unwrap()))
        })
        .collect()
}

/// moto with a bus whose rule copies every switchboard event to a queue.
struct Bus {
    server: MotoServer,
    endpoint: String,
    sqs: aws_sdk_sqs::Client,
    route: BusToQueue,
}

impl Bus {
    async fn start(name: &str) -> Self {
        let server = MotoServer::start();
        let endpoint = server.endpoint();
        let sqs = local_sqs_client(&endpoint);
        let events = local_eventbridge_client(&endpoint);
        let route = create_bus_to_queue(&events, &sqs, name, &format!("{name}-target"))
            .await
            .unwrap();
        Self {
            server,
            endpoint,
            sqs,
            route,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_event_type_reaches_the_bus_target_with_source_type_and_detail() {
    let Bus {
        server: _server,
        endpoint,
        sqs,
        route,
    } = Bus::start("switchboard-test").await;
    let processor = processor_for(&[(EVENT_BUS_NAME, &route.bus)], &endpoint);

    let fixtures = every_fixture();
    let ids: Vec<String> = (0..fixtures.len()).map(|i| format!("m{i}")).collect();
    for (chunk, chunk_ids) in fixtures.chunks(10).zip(ids.chunks(10)) {
        let records: Vec<(&str, &str)> = chunk_ids
            .iter()
            .zip(chunk)
            .map(|(id, (_, _, body))| (id.as_str(), body.as_str()))
            .collect();
        let response = processor.process(sqs_event(&records), None).await;
        assert!(
            failed_ids(&response).is_empty(),
            "{:?}",
            failed_ids(&response)
        );
    }

    let copies = receive_up_to(&sqs, &route.target_queue_url, fixtures.len() + 5, 30)
        .await
        .unwrap();
    assert_eq!(copies.len(), fixtures.len(), "each event exactly once");
    let mut seen: BTreeMap<(String, String), Value> = BTreeMap::new();
    for copy in copies {
        let event: Value = serde_json::from_str(copy.body().unwrap()).unwrap();
        let key = (
            event["source"].as_str().unwrap().to_owned(),
            event["detail-type"].as_str().unwrap().to_owned(),
        );
        seen.insert(key, event["detail"].clone());
    }
    for (sender, event_type, body) in &fixtures {
        let detail = &seen[&(format!("switchboard.{sender}"), event_type.to_string())];
        let envelope: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            detail, &envelope,
            "{event_type}: the detail is the envelope"
        );
        assert!(
            detail["payload"].is_object(),
            "{event_type}: payload is an object"
        );
        assert_eq!(detail["event_type"], *event_type);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_of_ten_is_one_call_and_a_refused_entry_fails_only_its_record() {
    let Bus {
        server,
        endpoint: _endpoint,
        sqs,
        route,
    } = Bus::start("switchboard-calls").await;
    // Counts HTTP requests by action, whatever the connections.
    let counter = failing_first(server.port, 0).await;
    let processor = processor_for(&[(EVENT_BUS_NAME, &route.bus)], &counter.endpoint());

    let good = fixture_envelope(Sender::Pluralkit, "CREATE_SWITCH").unwrap();
    // EventBridge refuses an entry with an empty detail-type, and only that one.
    let refused = good.replacen(r#""event_type":"CREATE_SWITCH""#, r#""event_type":"""#, 1);
    assert_ne!(refused, good);
    let ids: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    let records: Vec<(&str, &str)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                id.as_str(),
                if i == 6 {
                    refused.as_str()
                } else {
                    good.as_str()
                },
            )
        })
        .collect();
    let response = processor.process(sqs_event(&records), None).await;
    assert_eq!(failed_ids(&response), ["m6"]);
    assert_eq!(
        counter.requests_for("PutEvents"),
        1,
        "one PutEvents call for the batch"
    );
    assert_eq!(counter.requests(), 1, "and no other call");
    let copies = receive_up_to(&sqs, &route.target_queue_url, 20, 30)
        .await
        .unwrap();
    assert_eq!(copies.len(), 9);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_listed_types_go_to_the_bus() {
    let Bus {
        server: _server,
        endpoint,
        sqs,
        route,
    } = Bus::start("switchboard-some").await;
    let processor = processor_for(
        &[
            (EVENT_BUS_NAME, &route.bus),
            (EVENT_BUS_TYPES, "ENTITLEMENT_CREATE"),
        ],
        &endpoint,
    );
    let entitlement = fixture_envelope(Sender::Discord, "ENTITLEMENT_CREATE").unwrap();
    let switch = fixture_envelope(Sender::Pluralkit, "CREATE_SWITCH").unwrap();
    let response = processor
        .process(sqs_event(&[("a", &entitlement), ("b", &switch)]), None)
        .await;
    assert!(failed_ids(&response).is_empty());
    let copies = receive_up_to(&sqs, &route.target_queue_url, 5, 30)
        .await
        .unwrap();
    let types: Vec<String> = copies
        .iter()
        .map(|copy| {
            serde_json::from_str::<Value>(copy.body().unwrap()).unwrap()["detail-type"].to_string()
        })
        .collect();
    assert_eq!(types, [r#""ENTITLEMENT_CREATE""#]);
}

#[tokio::test(flavor = "multi_thread")]
async fn interactions_go_to_the_bus_only_when_named_and_without_their_token() {
    let Bus {
        server: _server,
        endpoint,
        sqs,
        route,
    } = Bus::start("switchboard-interactions").await;
    let command = fixture_envelope(Sender::DiscordInteraction, "APPLICATION_COMMAND").unwrap();
    let component = fixture_envelope(Sender::DiscordInteraction, "MESSAGE_COMPONENT").unwrap();
    let every_type = processor_for(&[(EVENT_BUS_NAME, &route.bus)], &endpoint);
    let response = every_type
        .process(sqs_event(&[("a", &command)]), None)
        .await;
    assert!(failed_ids(&response).is_empty());
    let named = processor_for(
        &[
            (EVENT_BUS_NAME, &route.bus),
            (EVENT_BUS_TYPES, "APPLICATION_COMMAND"),
        ],
        &endpoint,
    );
    let response = named
        .process(sqs_event(&[("b", &command), ("c", &component)]), None)
        .await;
    assert!(failed_ids(&response).is_empty());
    let copies = receive_up_to(&sqs, &route.target_queue_url, 5, 30)
        .await
        .unwrap();
    assert_eq!(copies.len(), 1, "only the named type, once");
    let event: Value = serde_json::from_str(copies[0].body().unwrap()).unwrap();
    assert_eq!(event["detail-type"], "APPLICATION_COMMAND");
    assert_eq!(event["source"], "switchboard.discord_interaction");
    let payload = &event["detail"]["payload"];
    assert_eq!(payload["data"]["name"], "ping", "the interaction is there");
    assert!(
        payload.get("token").is_none(),
        "but not its token: {payload}"
    );
    assert!(!copies[0].body().unwrap().contains("aW50ZXJhY3Rpb24"));
}
