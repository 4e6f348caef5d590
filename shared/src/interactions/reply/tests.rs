#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::Mutex;

use super::*;
use crate::interactions::snowflake::snowflake_at;

/// Answers from a script, the last one forever; records every call.
struct Scripted {
    answers: Mutex<VecDeque<ApiAnswer>>,
    calls: Mutex<Vec<(ReplyMethod, String, tokio::time::Instant)>>,
}

impl Scripted {
    fn new(answers: Vec<ApiAnswer>) -> Arc<Self> {
        Arc::new(Self {
            answers: Mutex::new(answers.into()),
            calls: Mutex::new(Vec::new()),
        })
    }

    fn calls(&self) -> Vec<(ReplyMethod, String, tokio::time::Instant)> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait]
impl ReplyApi for Scripted {
    async fn send(&self, request: &ReplyRequest<'_>) -> Result<ApiAnswer, ReplyError> {
        self.calls.lock().unwrap().push((
            request.method,
            request.path.to_owned(),
            tokio::time::Instant::now(),
        ));
        let mut answers = self.answers.lock().unwrap();
        Ok(match answers.len() {
            1 => answers[0].clone(),
            _ => answers.pop_front().unwrap(),
        })
    }
}

fn answer(status: u16, body: serde_json::Value) -> ApiAnswer {
    ApiAnswer {
        status,
        body: Some(body),
        retry_after: None,
    }
}

fn discord_error(status: u16, code: u64) -> ApiAnswer {
    answer(status, serde_json::json!({"code": code, "message": "x"}))
}

fn interaction(age: chrono::Duration) -> Interaction {
    let id = snowflake_at(Utc::now() - age);
    let text = format!(
        r#"{{"type":2,"id":"{id}","application_id":"111","token":"tok.en-1","data":{{"name":"ping"}}}}"#
    );
    Interaction::from_json(&text).unwrap()
}

fn reply(api: &Arc<Scripted>, deadline_in: Option<Duration>) -> Reply {
    let api: Arc<dyn ReplyApi> = api.clone();
    Reply::new(
        api,
        &interaction(chrono::Duration::seconds(1)),
        deadline_in.map(|left| tokio::time::Instant::now() + left),
    )
}

#[tokio::test(start_paused = true)]
async fn an_unregistered_deferral_is_retried_until_it_is_registered() {
    let api = Scripted::new(vec![
        discord_error(404, 10015),
        discord_error(404, 10015),
        answer(200, serde_json::json!({"id": "m1"})),
    ]);
    let message = reply(&api, Some(Duration::from_secs(20)))
        .edit_original(&serde_json::json!({"content": "pong"}))
        .await
        .unwrap();
    assert_eq!(message["id"], "m1");
    let calls = api.calls();
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].0, ReplyMethod::Patch);
    assert_eq!(calls[0].1, "/webhooks/111/tok.en-1/messages/@original");
    assert_eq!(calls[1].2 - calls[0].2, Duration::from_millis(250));
    assert_eq!(calls[2].2 - calls[1].2, Duration::from_millis(500));
}

#[tokio::test(start_paused = true)]
async fn a_deferral_never_registered_gives_up_after_ten_seconds() {
    let api = Scripted::new(vec![discord_error(404, 10015)]);
    let started = tokio::time::Instant::now();
    let error = reply(&api, Some(Duration::from_secs(60)))
        .followup(&serde_json::json!({"content": "x"}))
        .await
        .unwrap_err();
    assert_eq!(error, ReplyError::NotRegistered);
    assert!(started.elapsed() <= NOT_REGISTERED_RETRY_FOR);
    assert!(
        started.elapsed() >= Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(api.calls()[0].1, "/webhooks/111/tok.en-1");
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_is_waited_out_when_it_fits_the_deadline() {
    let mut limited = discord_error(429, 0);
    limited.retry_after = Some(Duration::from_millis(1_500));
    let api = Scripted::new(vec![limited.clone(), answer(204, serde_json::Value::Null)]);
    reply(&api, Some(Duration::from_secs(5)))
        .delete_original()
        .await
        .unwrap();
    let calls = api.calls();
    assert_eq!(calls[1].2 - calls[0].2, Duration::from_millis(1_500));

    let api = Scripted::new(vec![limited]);
    let error = reply(&api, Some(Duration::from_secs(1)))
        .delete_original()
        .await
        .unwrap_err();
    assert_eq!(error, ReplyError::OutOfTime);
    assert_eq!(api.calls().len(), 1, "no wait past the deadline");
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_without_a_wait_is_retried_three_times_at_most() {
    let mut limited = discord_error(429, 0);
    limited.retry_after = Some(Duration::ZERO);
    let api = Scripted::new(vec![limited]);
    let error = reply(&api, None)
        .followup(&serde_json::json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ReplyError::Refused {
            status: 429,
            code: Some(0)
        }
    );
    let calls = api.calls();
    assert_eq!(calls.len(), 4, "the first try and three retries");
    assert!(
        calls[1].2 - calls[0].2 >= Duration::from_millis(100),
        "no tight loop"
    );
}

#[tokio::test(start_paused = true)]
async fn a_deleted_followup_is_that_messages_error_not_the_tokens() {
    let api = Scripted::new(vec![discord_error(404, 10008)]);
    let reply = reply(&api, None);
    let error = reply.delete_followup("42").await.unwrap_err();
    assert_eq!(
        error,
        ReplyError::Refused {
            status: 404,
            code: Some(10008)
        }
    );
    assert!(!reply.expired(), "the token still works");
}

#[tokio::test(start_paused = true)]
async fn unknown_interaction_and_unknown_message_are_final() {
    for code in [10062, 10008] {
        let api = Scripted::new(vec![discord_error(404, code)]);
        let reply = reply(&api, None);
        let error = reply
            .edit_original(&serde_json::json!({"content": "x"}))
            .await
            .unwrap_err();
        assert!(matches!(error, ReplyError::Expired(_)), "{error}");
        assert!(reply.expired());
        assert_eq!(api.calls().len(), 1);
    }
    let api = Scripted::new(vec![discord_error(400, 50035)]);
    let error = reply(&api, None)
        .followup(&serde_json::json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ReplyError::Refused {
            status: 400,
            code: Some(50035)
        }
    );
}

#[tokio::test(start_paused = true)]
async fn a_token_past_fifteen_minutes_makes_no_call() {
    let api = Scripted::new(vec![answer(200, serde_json::json!({}))]);
    let dyn_api: Arc<dyn ReplyApi> = api.clone();
    let old = Reply::new(dyn_api, &interaction(chrono::Duration::minutes(16)), None);
    assert!(!old.expired(), "not marked until something looks");
    assert!(old.check_age());
    assert!(old.expired());
    let error = old
        .edit_original(&serde_json::json!({"content": "late"}))
        .await
        .unwrap_err();
    assert!(matches!(error, ReplyError::Expired(_)));
    assert!(api.calls().is_empty());
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_twice() {
    let api = Scripted::new(vec![answer(502, serde_json::Value::Null)]);
    let error = reply(&api, None)
        .followup(&serde_json::json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ReplyError::Refused {
            status: 502,
            code: None
        }
    );
    assert_eq!(api.calls().len(), 3);
}

#[test]
fn a_path_segment_cannot_add_a_segment() {
    assert_eq!(path_segment("a/b?c"), "a%2Fb%3Fc");
    assert_eq!(path_segment(".."), "%2E%2E");
    assert_eq!(path_segment("tok.en_1-2"), "tok.en_1-2");
    let printed = format!(
        "{:?}",
        ReplyRequest {
            method: ReplyMethod::Post,
            path: "/webhooks/1/SECRET",
            body: None
        }
    );
    assert!(!printed.contains("SECRET"), "{printed}");
}
