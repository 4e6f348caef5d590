#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `switchboard poll` gives up on a processor that never answers, with a
//! clear message, instead of retrying forever; and the message it could not
//! hand over is still on the queue.

use switchboard_devkit::{create_queues, free_port, local_sqs_client, MotoServer};
use switchboard_tests::{cli_binary, drain_view};

#[tokio::test(flavor = "multi_thread")]
async fn the_poller_gives_up_on_a_processor_that_never_answers() {
    let server = MotoServer::start();
    let client = local_sqs_client(&server.endpoint());
    let queues = create_queues(&client, "poll-gives-up", 50, 1)
        .await
        .unwrap();
    client
        .send_message()
        .queue_url(&queues.queue_url)
        .message_body("{}")
        .send()
        .await
        .unwrap();
    // Nothing listens here.
    let invoke_url = format!(
        "http://127.0.0.1:{}/2015-03-31/functions/processor/invocations",
        free_port().unwrap()
    );
    let dev_dir = std::env::temp_dir().join(format!("switchboard-poll-{}", std::process::id()));
    let run = tokio::process::Command::new(cli_binary())
        .arg("--dev-dir")
        .arg(&dev_dir)
        .args([
            "poll",
            "--queue-url",
            &queues.queue_url,
            "--sqs-endpoint",
            &server.endpoint(),
        ])
        .args(["--invoke-url", &invoke_url])
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(120), run)
        .await
        .expect("the poller gave up within two minutes")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("giving up: 5 polls in a row failed"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("poll error (").count(), 5, "{stderr}");
    // Its last receive hides it for the queue's 1 s visibility timeout.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let left = drain_view(&client, &queues.queue_url).await.len();
    let dead = drain_view(&client, &queues.dlq_url).await.len();
    assert_eq!((left, dead), (1, 0), "nothing was lost: {stderr}");
    let _ = std::fs::remove_dir_all(&dev_dir);
}
