//! One request in, one answer out, with exactly one log line.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use lambda_http::request::LambdaRequest;
use lambda_http::{http::header, service_fn, Body, Error, LambdaEvent, Request, Response, Service};
use switchboard::{decide, Config, Decision, EventQueue, IngestRequest, Rejection};

/// The function's state, built once at cold start.
pub struct Ingest<Q> {
    config: Config,
    queue: Q,
    clock: fn() -> DateTime<Utc>,
}

impl<Q: EventQueue> Ingest<Q> {
    pub fn new(config: Config, queue: Q) -> Self {
        Self {
            config,
            queue,
            clock: Utc::now,
        }
    }

    /// The whole per-request path from the raw Lambda event, as the runtime
    /// delivers it: a body flagged base64 that is not base64 gets its 400 here.
    pub async fn handle_event(&self, mut event: LambdaRequest) -> Response<Body> {
        if let Some(rejection) = screen_raw_event(&mut event) {
            let request: Request = event.into();
            return answer_screened(&request, rejection);
        }
        self.handle(event.into()).await
    }

    pub fn queue(&self) -> &Q {
        &self.queue
    }

    /// Replaces the clock, for tests of the replay window.
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    /// Handles one request. Never fails: every outcome is an HTTP answer.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        let started = Instant::now();
        let headers: Vec<(&str, &[u8])> = request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        let ingest_request = IngestRequest {
            method: request.method().as_str(),
            path: request.uri().path(),
            headers: &headers,
            body: request.body().as_ref(),
        };
        let decision = decide(&self.config, &ingest_request, (self.clock)());
        let route = decision.route().map_or("none", |route| route.as_str());

        let (response, outcome, event_type) = match decision {
            Decision::Reject { rejection, .. } => (reject(rejection), rejection.as_str(), None),
            Decision::AcknowledgePing { route } => {
                (acknowledge(route.success_status()), "ping", None)
            }
            Decision::Enqueue {
                route,
                event,
                deadline,
            } => {
                let event_type = Some(event.envelope.event_type.clone());
                match self.queue.enqueue(&event, deadline).await {
                    Ok(()) => (acknowledge(route.success_status()), "queued", event_type),
                    Err(error) => {
                        tracing::error!(route = route.as_str(), error = %error, "queue did not take the event");
                        (empty(503), "queue_unavailable", event_type)
                    }
                }
            }
        };
        tracing::info!(
            route,
            outcome,
            status = response.status().as_u16(),
            event_type = event_type.as_deref().unwrap_or(""),
            latency_us = started.elapsed().as_micros() as u64,
            "request"
        );
        response
    }
}

fn empty(status: u16) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = lambda_http::http::StatusCode::from_u16(status)
        .unwrap_or(lambda_http::http::StatusCode::INTERNAL_SERVER_ERROR);
    response
}

fn reject(rejection: Rejection) -> Response<Body> {
    let mut response = empty(rejection.status());
    if rejection == Rejection::MethodNotAllowed {
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
    }
    response
}

/// The success answer: empty, with a `Content-Type` as Discord's docs ask for on PINGs.
fn acknowledge(status: u16) -> Response<Body> {
    let mut response = empty(status);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

/// What `lambda_http`'s conversion would hide or choke on, checked on the raw
/// event first: a body flagged `isBase64Encoded` that is not base64 (the
/// conversion panics on it), and a signature header sent twice to a REST API or
/// ALB (the conversion keeps only one of the values).
pub(crate) fn screen_raw_event(request: &mut LambdaRequest) -> Option<Rejection> {
    use base64::Engine;
    use switchboard::discord::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
    let (encoded, body, multi_value_headers) = match request {
        LambdaRequest::ApiGatewayV2(r) => (&mut r.is_base64_encoded, &mut r.body, None),
        LambdaRequest::ApiGatewayV1(r) => (
            &mut r.is_base64_encoded,
            &mut r.body,
            Some(&r.multi_value_headers),
        ),
        LambdaRequest::Alb(r) => (
            &mut r.is_base64_encoded,
            &mut r.body,
            Some(&r.multi_value_headers),
        ),
        _ => return None,
    };
    let invalid_base64 = *encoded
        && body.as_deref().is_some_and(|text| {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .is_err()
        });
    if invalid_base64 {
        *encoded = false;
        *body = None;
        return Some(Rejection::InvalidBase64);
    }
    let headers = multi_value_headers?;
    if headers.get_all(SIGNATURE_HEADER).iter().count() > 1 {
        return Some(Rejection::DuplicateSignature);
    }
    if headers.get_all(TIMESTAMP_HEADER).iter().count() > 1 {
        return Some(Rejection::DuplicateTimestamp);
    }
    None
}

fn answer_screened(request: &Request, rejection: Rejection) -> Response<Body> {
    tracing::info!(
        route = request.uri().path(),
        outcome = rejection.as_str(),
        status = rejection.status(),
        "request"
    );
    reject(rejection)
}

/// Runs the function on the Lambda runtime.
pub async fn run<Q: EventQueue + 'static>(ingest: Ingest<Q>) -> Result<(), Error> {
    let ingest = Arc::new(ingest);
    let mut handler = lambda_http::Adapter::from(service_fn(move |request: Request| {
        let ingest = Arc::clone(&ingest);
        async move { Ok::<_, Error>(ingest.handle(request).await) }
    }));
    // Both branches go through `lambda_http`'s adapter, which shapes the
    // response for the event's origin (HTTP API, REST API, ALB).
    let screened = |rejection: Rejection| {
        lambda_http::Adapter::from(service_fn(move |request: Request| async move {
            Ok::<_, Error>(answer_screened(&request, rejection))
        }))
    };
    lambda_http::lambda_runtime::run(service_fn(move |mut event: LambdaEvent<LambdaRequest>| {
        match screen_raw_event(&mut event.payload) {
            Some(rejection) => screened(rejection).call(event),
            None => handler.call(event),
        }
    }))
    .await
}
