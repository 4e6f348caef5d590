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

/// `lambda_http` panics on a body flagged `isBase64Encoded` that is not base64.
/// Such a request is answered 400 here before `lambda_http` converts it.
pub(crate) fn clear_invalid_base64(request: &mut LambdaRequest) -> bool {
    use base64::Engine;
    let (encoded, body) = match request {
        LambdaRequest::ApiGatewayV2(r) => (&mut r.is_base64_encoded, &mut r.body),
        LambdaRequest::ApiGatewayV1(r) => (&mut r.is_base64_encoded, &mut r.body),
        LambdaRequest::Alb(r) => (&mut r.is_base64_encoded, &mut r.body),
        _ => return false,
    };
    let invalid = *encoded
        && body.as_deref().is_some_and(|text| {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .is_err()
        });
    if invalid {
        *encoded = false;
        *body = None;
    }
    invalid
}

/// Runs the function on the Lambda runtime.
pub async fn run<Q: EventQueue + 'static>(ingest: Ingest<Q>) -> Result<(), Error> {
    let ingest = Arc::new(ingest);
    let mut handler = lambda_http::Adapter::from(service_fn(move |request: Request| {
        let ingest = Arc::clone(&ingest);
        async move { Ok::<_, Error>(ingest.handle(request).await) }
    }));
    let mut bad_base64 = lambda_http::Adapter::from(service_fn(|request: Request| async move {
        let rejection = Rejection::InvalidBase64;
        tracing::info!(
            route = request.uri().path(),
            outcome = rejection.as_str(),
            status = rejection.status(),
            "request"
        );
        Ok::<_, Error>(reject(rejection))
    }));
    lambda_http::lambda_runtime::run(service_fn(move |mut event: LambdaEvent<LambdaRequest>| {
        if clear_invalid_base64(&mut event.payload) {
            bad_base64.call(event)
        } else {
            handler.call(event)
        }
    }))
    .await
}
