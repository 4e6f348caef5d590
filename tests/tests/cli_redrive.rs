#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `switchboard redrive` against a real moto server, which has no
//! `StartMessageMoveTask`: every dead-letter message goes back to the queue
//! exactly once, and the command says what moved.

use std::collections::HashSet;

use switchboard_devkit::{create_queues, local_sqs_client, MotoServer};
use switchboard_tests::{cli_binary, drain_view};

#[tokio::test(flavor = "multi_thread")]
async fn redrive_moves_each_dead_letter_once_and_reports_it() {
    let server = MotoServer::start();
    let client = local_sqs_client(&server.endpoint());
    let queues = create_queues(&client, "redrive", 5, 30).await.unwrap();
    const COUNT: usize = 25;
    for n in 0..COUNT {
        client
            .send_message()
            .queue_url(&queues.dlq_url)
            .message_body(format!(r#"{{"n":{n}}}"#))
            .send()
            .await
            .unwrap();
    }
    let dev_dir = std::env::temp_dir().join(format!("switchboard-redrive-{}", std::process::id()));
    let output = tokio::process::Command::new(cli_binary())
        .arg("--dev-dir")
        .arg(&dev_dir)
        .args([
            "redrive",
            "--queue-url",
            &queues.queue_url,
            "--dlq-url",
            &queues.dlq_url,
        ])
        .args(["--sqs-endpoint", &server.endpoint()])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("moved {COUNT} message(s)")),
        "{stdout}"
    );

    let moved = drain_view(&client, &queues.queue_url).await;
    let bodies: HashSet<String> = moved.iter().map(|m| m.body().unwrap().to_owned()).collect();
    assert_eq!(moved.len(), COUNT, "each message once, none twice");
    assert_eq!(bodies.len(), COUNT);
    assert!(drain_view(&client, &queues.dlq_url).await.is_empty());
    let _ = std::fs::remove_dir_all(&dev_dir);
}
