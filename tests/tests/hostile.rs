#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A table of generated hostile requests through the real ingest handler, with
//! a real SQS server behind it. Each case expects its exact status; none may be
//! queued and none may panic. A valid control event at the end proves that the
//! queue was listening all along.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::Utc;
use ed25519_dalek::SigningKey;
use ingest::Ingest;
use serde_json::{json, Value};
use std::sync::Arc;
use switchboard::config::{DISCORD_PUBLIC_KEY, PLURALKIT_SIGNING_TOKEN, QUEUE_URL};
use switchboard::queue::sqs::SqsQueue;
use switchboard::IngestConfig;
use switchboard_devkit::local_aws_settings;
use switchboard_devkit::sign_discord_request;
use switchboard_devkit::{create_queues, local_sqs_client as sqs_client, MotoServer};
use switchboard_devkit::{HttpRequest, RequestShape};
use switchboard_tests::{drain_view, DriveIngest};

const TOKEN: &str = "aG9zdGlsZS10b2tlbi1ob3N0aWxlLXRva2VuLWhvc3RpbGUtdG9rZW4taG9zdGlsZS0";
const EVENT: &str = r#"{"version":1,"application_id":"1234560123453231555","type":1,"event":{"type":"ENTITLEMENT_CREATE","timestamp":"2024-10-18T18:41:21.109604","data":{"id":"1","user_id":"2","sku_id":"3"}}}"#;

/// The second of the two configured keys (a key rotation in progress).
fn second_key() -> SigningKey {
    SigningKey::from_bytes(&[78; 32])
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[77; 32])
}

struct Case {
    class: &'static str,
    shape: RequestShape,
    request: HttpRequest,
    expected: u16,
}

impl Case {
    fn new(
        class: &'static str,
        path: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        expected: u16,
    ) -> Self {
        Self {
            class,
            shape: RequestShape::HttpApiV2,
            request: HttpRequest::post(path, body).headers(headers),
            expected,
        }
    }

    fn in_shape(mut self, shape: RequestShape) -> Self {
        self.shape = shape;
        self
    }

    fn with_method(mut self, method: &str) -> Self {
        self.request = self.request.method(method);
        self
    }

    fn with_base64(mut self) -> Self {
        self.request = self.request.base64(true);
        self
    }

    fn with_raw_base64_body(mut self, raw: &str) -> Self {
        self.request = self.request.raw_base64_body(raw);
        self
    }
}

fn signed(body: &[u8], timestamp: &str, key: &SigningKey) -> Vec<(String, String)> {
    vec![
        (
            "x-signature-ed25519".into(),
            sign_discord_request(key, timestamp, body),
        ),
        ("x-signature-timestamp".into(), timestamp.into()),
    ]
}

fn now() -> String {
    Utc::now().timestamp().to_string()
}

fn pk(body: Value) -> Vec<u8> {
    body.to_string().into_bytes()
}

/// What every class of case starts from: a correctly signed request.
struct Signed {
    ts: String,
    good: Vec<(String, String)>,
    good_sig: String,
}

impl Signed {
    fn new() -> Self {
        let ts = now();
        let good = signed(EVENT.as_bytes(), &ts, &key());
        let good_sig = good[0].1.clone();
        Self { ts, good, good_sig }
    }

    fn with_sig(&self, sig: String) -> Vec<(String, String)> {
        vec![
            ("x-signature-ed25519".to_string(), sig),
            ("x-signature-timestamp".to_string(), self.ts.clone()),
        ]
    }
}

fn corpus() -> Vec<Case> {
    let signed = Signed::new();
    [
        signature_cases(&signed),
        malformed_hex_cases(&signed),
        header_cases(&signed),
        timestamp_cases(),
        body_cases(&signed),
        routing_cases(&signed),
        token_cases(),
        review_cases(&signed),
        interaction_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Bit flips in the signature, the timestamp and the body; wrong keys; a
/// signature for another body.
fn signature_cases(signed_request: &Signed) -> Vec<Case> {
    let mut cases = Vec::new();
    let Signed { ts, good, good_sig } = signed_request;
    let with_sig = |sig: String| signed_request.with_sig(sig);
    let sig_bytes = hex::decode(good_sig).unwrap();
    for i in 0..64 {
        let mut flipped = sig_bytes.clone();
        flipped[i] ^= 1 << (i % 8);
        cases.push(Case::new(
            "signature bit flip",
            "/discord",
            with_sig(hex::encode(flipped)),
            EVENT.into(),
            401,
        ));
    }
    for i in 0..ts.len() {
        for bit in [0u8, 3] {
            let mut flipped = ts.clone().into_bytes();
            flipped[i] ^= 1 << bit;
            let flipped = String::from_utf8_lossy(&flipped).into_owned();
            let headers = vec![
                ("x-signature-ed25519".into(), good_sig.clone()),
                ("x-signature-timestamp".into(), flipped),
            ];
            cases.push(Case::new(
                "timestamp bit flip",
                "/discord",
                headers,
                EVENT.into(),
                401,
            ));
        }
    }
    for i in 0..40 {
        let mut body = EVENT.as_bytes().to_vec();
        let position = i * (body.len() - 1) / 39;
        body[position] ^= 1 << (i % 8);
        cases.push(Case::new(
            "body bit flip",
            "/discord",
            good.clone(),
            body,
            401,
        ));
    }
    for seed in 1..=5u8 {
        let wrong = signed(EVENT.as_bytes(), ts, &SigningKey::from_bytes(&[seed; 32]));
        cases.push(Case::new("wrong key", "/discord", wrong, EVENT.into(), 401));
        let other_body = format!(r#"{{"version":1,"type":1,"event":{{"type":"OTHER_{seed}"}}}}"#);
        let for_other = signed(other_body.as_bytes(), ts, &key());
        cases.push(Case::new(
            "signature for another body",
            "/discord",
            for_other,
            EVENT.into(),
            401,
        ));
    }

    cases
}

/// Signatures that are not 128 lowercase hex characters.
fn malformed_hex_cases(signed_request: &Signed) -> Vec<Case> {
    let mut cases = Vec::new();
    let good_sig = &signed_request.good_sig;
    let with_sig = |sig: String| signed_request.with_sig(sig);
    let mut mixed = good_sig.clone().into_bytes();
    for (i, byte) in mixed.iter_mut().enumerate() {
        if i % 3 == 0 {
            byte.make_ascii_uppercase();
        }
    }
    let malformed = [
        good_sig[..127].to_string(),
        format!("{good_sig}a"),
        good_sig[..126].to_string(),
        format!("{}0g", &good_sig[..126]),
        String::from_utf8(mixed).unwrap(),
        good_sig.to_uppercase(),
        String::new(),
        format!("{}é", &good_sig[..126]),
        format!("{}ab", "é".repeat(63)),
        format!(" {}", &good_sig[..127]),
        "0".repeat(1024),
    ];
    for sig in malformed {
        cases.push(Case::new(
            "malformed hex",
            "/discord",
            with_sig(sig),
            EVENT.into(),
            401,
        ));
    }

    cases
}

/// Missing and duplicated signature headers.
fn header_cases(signed_request: &Signed) -> Vec<Case> {
    let mut cases = Vec::new();
    let Signed { ts, good, good_sig } = signed_request;
    let only_ts = vec![("x-signature-timestamp".to_string(), ts.clone())];
    let only_sig = vec![("x-signature-ed25519".to_string(), good_sig.clone())];
    cases.push(Case::new(
        "missing header",
        "/discord",
        only_ts,
        EVENT.into(),
        401,
    ));
    cases.push(Case::new(
        "missing header",
        "/discord",
        only_sig,
        EVENT.into(),
        401,
    ));
    cases.push(Case::new(
        "missing header",
        "/discord",
        vec![],
        EVENT.into(),
        401,
    ));
    for (shape, name) in [
        (RequestShape::RestV1, "x-signature-ed25519"),
        (RequestShape::RestV1, "x-signature-timestamp"),
        (RequestShape::HttpApiV2, "x-signature-ed25519"),
        (RequestShape::HttpApiV2, "x-signature-timestamp"),
    ] {
        let mut headers = good.clone();
        let value = headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap();
        headers.push((name.to_string(), value));
        cases.push(
            Case::new("duplicated header", "/discord", headers, EVENT.into(), 401).in_shape(shape),
        );
    }
    cases
}

/// Timestamps outside the window or not numbers, each correctly signed.
fn timestamp_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let now_secs = Utc::now().timestamp();
    // The exact edges are unit-tested with a fixed clock; here the clock moves.
    for stamp in [
        now_secs - 960,
        now_secs - 86_400,
        0,
        now_secs + 120,
        now_secs + 86_400,
    ] {
        let stamp = stamp.to_string();
        cases.push(Case::new(
            "timestamp outside window",
            "/discord",
            signed(EVENT.as_bytes(), &stamp, &key()),
            EVENT.into(),
            401,
        ));
    }
    for stamp in [
        "abc",
        "1.5e9",
        "-1700000000",
        "",
        " 1700000000",
        "1700000000 ",
        "+1700000000",
        "１７００",
    ] {
        cases.push(Case::new(
            "timestamp not a number",
            "/discord",
            signed(EVENT.as_bytes(), stamp, &key()),
            EVENT.into(),
            401,
        ));
    }

    cases
}

/// Oversized, invalid UTF-8, invalid base64, not JSON, too deep, huge numbers, empty.
fn body_cases(signed_request: &Signed) -> Vec<Case> {
    let mut cases = Vec::new();
    let Signed { ts, good, .. } = signed_request;
    let oversized = vec![b' '; 64 * 1024 + 1];
    cases.push(Case::new(
        "oversized body",
        "/discord",
        signed(&oversized, ts, &key()),
        oversized.clone(),
        413,
    ));
    cases.push(Case::new(
        "oversized body",
        "/pluralkit",
        vec![],
        oversized,
        413,
    ));
    let invalid_utf8 = b"{\"version\":1,\"type\":1,\"event\":{\"type\":\"\xff\xfe\"}}".to_vec();
    cases.push(Case::new(
        "invalid utf-8",
        "/discord",
        signed(&invalid_utf8, ts, &key()),
        invalid_utf8.clone(),
        400,
    ));
    cases.push(Case::new(
        "invalid utf-8",
        "/pluralkit",
        vec![],
        invalid_utf8,
        400,
    ));
    for path in ["/discord", "/pluralkit"] {
        for raw in ["!!!not base64!!!", "YWJj=", "%%%%"] {
            cases.push(
                Case::new("invalid base64", path, good.clone(), vec![], 400)
                    .with_raw_base64_body(raw),
            );
        }
    }
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let deep_event = format!(r#"{{"version":1,"type":1,"event":{{"type":"X","data":{deep}}}}}"#);
    let deep_pk = pk(json!({"type": "CREATE_MEMBER", "signing_token": TOKEN, "system_id": "s"}));
    let deep_pk = format!(
        "{},\"data\":{deep}}}",
        String::from_utf8_lossy(&deep_pk[..deep_pk.len() - 1])
    );
    let huge_pk =
        format!(r#"{{"type":"CREATE_MEMBER","signing_token":"{TOKEN}","data":{{"n":1e400}}}}"#);
    let not_json = [
        ("not json", "hello".to_string()),
        ("not json", "{\"version\":1,".to_string()),
        ("not json", "[1,2,3]".to_string()),
        ("deeply nested json", deep_event.clone()),
        (
            "huge number",
            r#"{"version":1,"type":1e400,"event":{"type":"X"}}"#.to_string(),
        ),
        (
            "huge number",
            r#"{"version":1,"type":123456789012345678901234567890,"event":{"type":"X"}}"#
                .to_string(),
        ),
        ("empty body", String::new()),
    ];
    for (class, body) in &not_json {
        cases.push(Case::new(
            class,
            "/discord",
            signed(body.as_bytes(), ts, &key()),
            body.clone().into_bytes(),
            400,
        ));
    }
    cases.push(Case::new("empty body", "/discord", vec![], vec![], 401));
    cases.push(Case::new(
        "huge number",
        "/discord",
        signed(
            b"{\"version\":1,\"type\":1,\"event\":{\"type\":\"X\",\"data\":{\"n\":-1e999}}}",
            ts,
            &key(),
        ),
        b"{\"version\":1,\"type\":1,\"event\":{\"type\":\"X\",\"data\":{\"n\":-1e999}}}".to_vec(),
        400,
    ));
    for (class, body) in [
        ("not json", "hello".to_string()),
        ("deeply nested json", deep),
        ("deeply nested json", deep_pk),
        ("huge number", huge_pk),
        ("empty body", String::new()),
    ] {
        cases.push(Case::new(
            class,
            "/pluralkit",
            vec![],
            body.into_bytes(),
            400,
        ));
    }

    cases
}

/// Wrong methods and wrong paths.
fn routing_cases(signed_request: &Signed) -> Vec<Case> {
    let mut cases = Vec::new();
    let good = &signed_request.good;
    for path in ["/discord", "/pluralkit"] {
        for method in ["GET", "PUT", "DELETE", "PATCH"] {
            cases.push(
                Case::new("wrong method", path, good.clone(), EVENT.into(), 405)
                    .with_method(method),
            );
        }
    }
    for path in [
        "/",
        "/discordx",
        "/a/b/discord",
        "/pluralkit/extra/x",
        "/DISCORD",
        "/webhook",
    ] {
        cases.push(Case::new(
            "wrong path",
            path,
            good.clone(),
            EVENT.into(),
            404,
        ));
    }

    cases
}

/// PluralKit tokens, on a PING and on a real event type.
fn token_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for event_type in ["PING", "CREATE_MEMBER"] {
        let body = |token: Value| {
            pk(
                json!({"type": event_type, "signing_token": token, "system_id": "s", "id": "m", "data": {"name": "x"}}),
            )
        };
        for position in [0, 1, 31, 62, 63] {
            let mut chars: Vec<char> = TOKEN.chars().collect();
            chars[position] = if chars[position] == 'A' { 'B' } else { 'A' };
            let off_by_one: String = chars.into_iter().collect();
            cases.push(Case::new(
                "token off by one",
                "/pluralkit",
                vec![],
                body(json!(off_by_one)),
                401,
            ));
        }
        for token in [
            &TOKEN[..63],
            &TOKEN[1..],
            &format!("{TOKEN}A"),
            &format!("A{TOKEN}"),
            "",
        ] {
            cases.push(Case::new(
                "token of another length",
                "/pluralkit",
                vec![],
                body(json!(token)),
                401,
            ));
        }
        for field in ["token", "signingToken", "SIGNING_TOKEN", "signing-token"] {
            let wrong_field = pk(json!({"type": event_type, field: TOKEN, "system_id": "s"}));
            cases.push(Case::new(
                "token in wrong field",
                "/pluralkit",
                vec![],
                wrong_field,
                401,
            ));
        }
        for token in [
            Value::Null,
            json!(1),
            json!([TOKEN]),
            json!({"value": TOKEN}),
            json!(true),
        ] {
            cases.push(Case::new(
                "token null or not a string",
                "/pluralkit",
                vec![],
                body(token),
                401,
            ));
        }
        let absent = pk(json!({"type": event_type, "system_id": "s"}));
        cases.push(Case::new("token absent", "/pluralkit", vec![], absent, 401));
    }
    cases.extend(token_escape_cases());
    cases
}

/// The token written with JSON escapes is still the token (on a PING, so
/// nothing is queued); a wrong one stays wrong however it is escaped.
fn token_escape_cases() -> Vec<Case> {
    let escape_all = |token: &str| -> String {
        token
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect()
    };
    // One escaped character among plain ones (the corpus token has no `/`).
    let escape_first = |token: &str| format!("\\u{:04x}{}", token.as_bytes()[0], &token[1..]);
    let mut off_by_one: Vec<char> = TOKEN.chars().collect();
    off_by_one[10] = if off_by_one[10] == 'A' { 'B' } else { 'A' };
    let off_by_one: String = off_by_one.into_iter().collect();
    let ping = |token_text: String| {
        format!(r#"{{"type":"PING","signing_token":"{token_text}","system_id":"s"}}"#).into_bytes()
    };
    vec![
        Case::new(
            "token with JSON escapes",
            "/pluralkit",
            vec![],
            ping(escape_all(TOKEN)),
            200,
        ),
        Case::new(
            "token with JSON escapes",
            "/pluralkit",
            vec![],
            ping(escape_first(TOKEN)),
            200,
        ),
        Case::new(
            "token with JSON escapes",
            "/pluralkit",
            vec![],
            ping(escape_all(&off_by_one)),
            401,
        ),
    ]
}

/// The inputs of the adversarial review: the ALB shapes, duplicate headers in
/// any case, method case, odd timestamps and base64, size edges, key rotation,
/// and PluralKit bodies with a key sent twice.
fn review_cases(signed_request: &Signed) -> Vec<Case> {
    let Signed { ts, good, good_sig } = signed_request;
    let ping = br#"{"version":1,"application_id":"1","type":0}"#.to_vec();
    let mut flipped = EVENT.as_bytes().to_vec();
    flipped[20] ^= 1;
    let mut cases = vec![
        Case::new("ALB shape", "/discord", good.clone(), flipped.clone(), 401)
            .in_shape(RequestShape::Alb),
        Case::new("ALB shape", "/discord", good.clone(), flipped, 401)
            .in_shape(RequestShape::AlbSingleValue),
        Case::new(
            "ALB shape",
            "/discord",
            signed(&ping, ts, &key()),
            ping.clone(),
            204,
        )
        .in_shape(RequestShape::Alb)
        .with_base64(),
        Case::new(
            "ALB shape",
            "/discord",
            signed(&ping, ts, &key()),
            ping.clone(),
            204,
        )
        .in_shape(RequestShape::AlbSingleValue)
        .with_base64(),
        Case::new(
            "signed by the second of two keys",
            "/discord",
            signed(&ping, ts, &second_key()),
            ping.clone(),
            204,
        ),
    ];
    for shape in [RequestShape::RestV1, RequestShape::Alb] {
        let mut headers = good.clone();
        headers.push(("X-Signature-Ed25519".into(), good_sig.clone()));
        cases.push(
            Case::new(
                "duplicate header in another case",
                "/discord",
                headers,
                EVENT.into(),
                401,
            )
            .in_shape(shape),
        );
    }
    for method in ["post", "HEAD", "OPTIONS"] {
        cases.push(
            Case::new("method", "/discord", good.clone(), EVENT.into(), 405).with_method(method),
        );
    }
    for stamp in [
        format!("0{ts}"),
        format!("{ts}000000000"),
        "18446744073709551616".to_owned(),
    ] {
        cases.push(Case::new(
            "timestamp leading zero, 19 or 20 digits",
            "/discord",
            signed(EVENT.as_bytes(), &stamp, &key()),
            EVENT.into(),
            401,
        ));
    }
    cases.push(Case::new(
        "signature with a trailing tab",
        "/discord",
        signed_request.with_sig(format!("{good_sig}\t")),
        EVENT.into(),
        401,
    ));
    let ping_b64 = base64::engine::general_purpose::STANDARD.encode(&ping);
    for raw in [
        ping_b64.replace('+', "-").replace('/', "_") + "-_",
        ping_b64.trim_end_matches('=').to_owned() + "A",
        format!("{}\n{}", &ping_b64[..8], &ping_b64[8..]),
    ] {
        cases.push(
            Case::new(
                "base64 url-safe, unpadded or with a newline",
                "/discord",
                signed(&ping, ts, &key()),
                vec![],
                400,
            )
            .with_raw_base64_body(&raw),
        );
    }
    let exact = |len: usize| {
        let head = format!(r#"{{"type":"PING","signing_token":"{TOKEN}","system_id":"s","pad":""#);
        let mut body = head.clone().into_bytes();
        body.resize(len - 2, b'x');
        body.extend_from_slice(b"\"}");
        body
    };
    cases.push(Case::new(
        "body of exactly MAX_BODY_BYTES",
        "/pluralkit",
        vec![],
        exact(64 * 1024),
        200,
    ));
    cases.push(Case::new(
        "body one byte over MAX_BODY_BYTES",
        "/pluralkit",
        vec![],
        exact(64 * 1024 + 1),
        413,
    ));
    let mut huge = "A".repeat(5 * 1024 * 1024);
    huge.push('!');
    cases.push(
        Case::new(
            "5 MB of base64, one bad character",
            "/pluralkit",
            vec![],
            vec![],
            413,
        )
        .with_raw_base64_body(&huge),
    );
    for body in [
        format!(r#"{{"type":"PING","signing_token":"wrong","signing_token":"{TOKEN}"}}"#),
        format!(r#"{{"type":"PING","signing_token":"{TOKEN}","signing_token":"wrong"}}"#),
        format!(r#"{{"type":"PING","signing_token":"{TOKEN}","type":"CREATE_MEMBER"}}"#),
    ] {
        cases.push(Case::new(
            "PluralKit key sent twice",
            "/pluralkit",
            vec![],
            body.into_bytes(),
            400,
        ));
    }
    cases
}

/// The interactions route, verified exactly as `/discord` is: bit flips,
/// missing headers, the wrong key, a stale timestamp, bodies that verify but
/// are not interactions it can answer, and the route's exact path. Nothing
/// here may be queued (a PING and an autocomplete are answered inline).
fn interaction_cases() -> Vec<Case> {
    const PATH: &str = "/discord/interactions";
    let ts = now();
    let command = switchboard_devkit::fixture(
        switchboard::Sender::DiscordInteraction,
        "APPLICATION_COMMAND",
    )
    .unwrap()
    .into_bytes();
    let good = signed(&command, &ts, &key());
    let mut cases = Vec::new();
    for position in (0..128).step_by(8) {
        let mut sig = good[0].1.clone().into_bytes();
        sig[position] = if sig[position] == b'0' { b'1' } else { b'0' };
        let headers = vec![
            (
                "x-signature-ed25519".into(),
                String::from_utf8(sig).unwrap(),
            ),
            ("x-signature-timestamp".into(), ts.clone()),
        ];
        cases.push(Case::new(
            "interactions: signature bit flip",
            PATH,
            headers,
            command.clone(),
            401,
        ));
    }
    for position in (0..command.len()).step_by(command.len() / 8).take(8) {
        let mut body = command.clone();
        body[position] ^= 0x01;
        cases.push(Case::new(
            "interactions: body bit flip",
            PATH,
            good.clone(),
            body,
            401,
        ));
    }
    for keep in [vec![], vec![good[0].clone()], vec![good[1].clone()]] {
        cases.push(Case::new(
            "interactions: missing header",
            PATH,
            keep,
            command.clone(),
            401,
        ));
    }
    cases.push(Case::new(
        "interactions: wrong key",
        PATH,
        signed(&command, &ts, &SigningKey::from_bytes(&[9; 32])),
        command.clone(),
        401,
    ));
    let stale = (Utc::now().timestamp() - 3_600).to_string();
    cases.push(Case::new(
        "interactions: stale timestamp",
        PATH,
        signed(&command, &stale, &key()),
        command.clone(),
        401,
    ));
    let ping = br#"{"type":1,"id":"1","application_id":"2","token":"t"}"#.to_vec();
    let complete = switchboard_devkit::fixture(
        switchboard::Sender::DiscordInteraction,
        "APPLICATION_COMMAND_AUTOCOMPLETE",
    )
    .unwrap()
    .into_bytes();
    for (path, body) in [
        (PATH, &ping),
        ("/discord/interactions/", &ping),
        (PATH, &complete),
    ] {
        cases.push(Case::new(
            "interactions: answered inline",
            path,
            signed(body, &ts, &key()),
            body.clone(),
            200,
        ));
    }
    for body in [
        br#"{"type":0,"id":"1","application_id":"2","token":"t"}"#.to_vec(),
        br#"{"type":99,"id":"1","application_id":"2","token":"t"}"#.to_vec(),
        br#"{"type":2,"id":"1","application_id":"2"}"#.to_vec(),
        b"type=2".to_vec(),
    ] {
        cases.push(Case::new(
            "interactions: verified, not answerable",
            PATH,
            signed(&body, &ts, &key()),
            body,
            400,
        ));
    }
    for path in ["/discord/interactions/x", "/discord/interaction"] {
        cases.push(Case::new(
            "interactions: wrong path",
            path,
            good.clone(),
            command.clone(),
            404,
        ));
    }
    cases.push(
        Case::new(
            "interactions: method",
            PATH,
            good.clone(),
            command.clone(),
            405,
        )
        .with_method("GET"),
    );
    cases
}

/// Every class with the status its cases get and how many there are, as
/// RELIABILITY.md's table lists them.
const PINNED_TABLE: &[(&str, u16, usize)] = &[
    ("5 MB of base64, one bad character", 413, 1),
    ("ALB shape", 204, 2),
    ("ALB shape", 401, 2),
    ("PluralKit key sent twice", 400, 3),
    ("base64 url-safe, unpadded or with a newline", 400, 3),
    ("body bit flip", 401, 40),
    ("body of exactly MAX_BODY_BYTES", 200, 1),
    ("body one byte over MAX_BODY_BYTES", 413, 1),
    ("deeply nested json", 400, 3),
    ("duplicate header in another case", 401, 2),
    ("duplicated header", 401, 4),
    ("empty body", 400, 2),
    ("empty body", 401, 1),
    ("huge number", 400, 4),
    ("interactions: answered inline", 200, 3),
    ("interactions: body bit flip", 401, 8),
    ("interactions: method", 405, 1),
    ("interactions: missing header", 401, 3),
    ("interactions: signature bit flip", 401, 16),
    ("interactions: stale timestamp", 401, 1),
    ("interactions: verified, not answerable", 400, 4),
    ("interactions: wrong key", 401, 1),
    ("interactions: wrong path", 404, 2),
    ("invalid base64", 400, 6),
    ("invalid utf-8", 400, 2),
    ("malformed hex", 401, 11),
    ("method", 405, 3),
    ("missing header", 401, 3),
    ("not json", 400, 4),
    ("oversized body", 413, 2),
    ("signature bit flip", 401, 64),
    ("signature for another body", 401, 5),
    ("signature with a trailing tab", 401, 1),
    ("signed by the second of two keys", 204, 1),
    ("timestamp bit flip", 401, 20),
    ("timestamp leading zero, 19 or 20 digits", 401, 3),
    ("timestamp not a number", 401, 8),
    ("timestamp outside window", 401, 5),
    ("token absent", 401, 2),
    ("token in wrong field", 401, 8),
    ("token null or not a string", 401, 10),
    ("token of another length", 401, 10),
    ("token off by one", 401, 10),
    ("token with JSON escapes", 200, 2),
    ("token with JSON escapes", 401, 1),
    ("wrong key", 401, 5),
    ("wrong method", 405, 8),
    ("wrong path", 404, 6),
];

#[test]
fn the_reliability_table_is_the_pinned_table() {
    let text =
        std::fs::read_to_string(switchboard_devkit::repo_root().join("RELIABILITY.md")).unwrap();
    let start = text
        .find("<!-- hostile-table")
        .expect("RELIABILITY.md has the table");
    let end = text
        .find("<!-- /hostile-table -->")
        .expect("the table ends");
    let mut documented = Vec::new();
    for line in text[start..end].lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if let [class, status, count] = cells[..] {
            if let (Ok(status), Ok(count)) = (status.parse::<u16>(), count.parse::<usize>()) {
                documented.push((class.to_owned(), status, count));
            }
        }
    }
    let pinned: Vec<(String, u16, usize)> = PINNED_TABLE
        .iter()
        .map(|(class, status, count)| ((*class).to_owned(), *status, *count))
        .collect();
    assert_eq!(
        documented, pinned,
        "RELIABILITY.md's table differs from the test's"
    );
    let total: usize = PINNED_TABLE.iter().map(|(_, _, count)| count).sum();
    assert!(
        text[start..end].contains(&format!("**{total}**")),
        "the documented total is {total}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_requests_get_their_exact_status_and_nothing_is_queued() {
    let server = MotoServer::start();
    let client = sqs_client(&server.endpoint());
    let queues = create_queues(&client, "hostile", 5, 30).await.unwrap();
    let public_key = hex::encode(key().verifying_key().to_bytes());
    let config = IngestConfig::from_lookup(|name| match name {
        QUEUE_URL => Some(queues.queue_url.clone()),
        DISCORD_PUBLIC_KEY => Some(format!(
            "{public_key},{}",
            hex::encode(second_key().verifying_key().to_bytes())
        )),
        PLURALKIT_SIGNING_TOKEN => Some(TOKEN.into()),
        _ => None,
    })
    .unwrap();
    let sdk = local_aws_settings(&server.endpoint());
    let ingest = Arc::new(Ingest::new(
        config,
        SqsQueue::new(SqsQueue::client_for_ingest(&sdk), queues.queue_url.clone()),
    ));

    let cases = corpus();
    assert_eq!(
        cases.len(),
        308,
        "the corpus's size is pinned (RELIABILITY.md)"
    );
    let mut table: BTreeMap<(&str, u16), usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    for case in &cases {
        let status = ingest
            .answer_in(case.shape, case.request.clone())
            .await
            .status;
        *table.entry((case.class, status)).or_default() += 1;
        if status != case.expected {
            wrong.push(format!(
                "{} {} {} -> {status}, expected {}",
                case.class, case.request.method, case.request.path, case.expected
            ));
        }
    }

    println!("\n{:<28} {:>5} {:>6}", "case class", "count", "status");
    for ((class, status), count) in &table {
        println!("{class:<28} {count:>5} {status:>6}");
    }
    println!("{:<28} {:>5}", "total", cases.len());
    // Pinned per class and status, so a class that shrinks or changes fails.
    let pinned: BTreeMap<(&str, u16), usize> = PINNED_TABLE
        .iter()
        .map(|(c, s, n)| ((*c, *s), *n))
        .collect();
    assert_eq!(table, pinned, "the per-class table changed");
    assert!(
        wrong.is_empty(),
        "{} case(s) got the wrong status:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(
        drain_view(&client, &queues.queue_url).await.is_empty(),
        "a hostile request was queued"
    );

    // The control: the same queue takes a valid event.
    let control = Case::new(
        "control",
        "/discord",
        signed(EVENT.as_bytes(), &now(), &key()),
        EVENT.into(),
        204,
    );
    assert_eq!(
        ingest
            .answer_in(control.shape, control.request)
            .await
            .status,
        204
    );
    assert_eq!(drain_view(&client, &queues.queue_url).await.len(), 1);
}
