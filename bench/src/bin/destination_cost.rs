//! `destination-cost`: the processor's wall time per batch of 10 with each
//! built-in destination, built as the processor's `main` builds them: none,
//! the EventBridge bus (moto's, on loopback), HTTP forwarding (a local
//! Standard Webhooks receiver that verifies every request), and both. (That
//! a batch of 10 is one `PutEvents` call is held by the EventBridge test.)
//!
//! `destination-cost [BATCHES]` (default 50)

use std::collections::BTreeMap;

use switchboard::config::{EVENT_BUS_NAME, FORWARD_SECRET, FORWARD_URL};
use switchboard::{LogEvent, Processor, ProcessorConfig, Registry};
use switchboard_bench::batches::mean_batch_us;
use switchboard_bench::Error;
use switchboard_devkit::{
    create_bus_to_queue, local_eventbridge_client, local_sdk_config, local_sqs_client, MotoServer,
    Receiver, Reply,
};

const SECRET: &str = "whsec_ZGVzdGluYXRpb24tY29zdC1zZWNyZXQtMjQ=";

fn processor(vars: &[(&str, &str)], endpoint: &str) -> Result<Processor, Error> {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let config = ProcessorConfig::from_lookup(|name| vars.get(name).cloned())?;
    let registry = Registry::new().fallback(LogEvent).build()?;
    Ok(processor::build_with(
        &config,
        registry,
        &local_sdk_config(endpoint),
    )?)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let batches: usize = std::env::args().nth(1).map_or(Ok(50), |n| n.parse())?;
    let server = MotoServer::start();
    let endpoint = server.endpoint();
    let sqs = local_sqs_client(&endpoint);
    let events = local_eventbridge_client(&endpoint);
    let receiver = Receiver::start(0, Some(SECRET), |received| {
        Reply::if_verified(received, Reply::Status(200))
    })
    .await?;
    let url = receiver.url();
    let setups: [(&str, bool, bool); 4] = [
        (
            "no destination (the `LogEvent` fallback only)",
            false,
            false,
        ),
        ("EventBridge (moto on loopback)", true, false),
        ("HTTP forwarding (local receiver, verifying)", false, true),
        ("both", true, true),
    ];
    println!("| Processor, batches of 10, no idempotency store | Wall time per batch |");
    println!("|---|---|");
    for (n, (name, bus, forward)) in setups.into_iter().enumerate() {
        // A bus and target queue of its own: moto's SendMessage (the rule's
        // target) slows as a queue grows, and a purge waits 60 s.
        let route = create_bus_to_queue(
            &events,
            &sqs,
            &format!("destination-cost-{n}"),
            &format!("destination-cost-target-{n}"),
        )
        .await?;
        let mut vars = Vec::new();
        if bus {
            vars.push((EVENT_BUS_NAME, route.bus.as_str()));
        }
        if forward {
            vars.extend([(FORWARD_URL, url.as_str()), (FORWARD_SECRET, SECRET)]);
        }
        let processor = processor(&vars, &endpoint)?;
        // Warm the connections and moto's bus before measuring.
        mean_batch_us(&processor, 2).await?;
        let mean = mean_batch_us(&processor, batches).await?;
        println!("| {name} | {:.0} µs |", mean);
    }
    let received = receiver.received().len();
    println!();
    println!(
        "{received} forwarded requests received, all verified: {}",
        receiver.received().iter().all(|r| r.verified.is_ok())
    );
    Ok(())
}
