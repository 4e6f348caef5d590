//! One request in, one answer out, with exactly one log line. The adapter
//! translates between Lambda's event shapes and [`switchboard::decide`]; it
//! knows nothing of either sender's protocol.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use lambda_http::http::{header, HeaderMap, StatusCode};
use lambda_http::request::LambdaRequest;
use lambda_http::{service_fn, Body, Error, LambdaEvent, Request, Response, Service};
use serde::Serialize;
use switchboard::{decide, Decision, EventQueue, IngestConfig, IngestRequest, Rejection};

/// The function's state, built once at cold start.
pub struct Ingest<Q> {
    config: IngestConfig,
    queue: Q,
    clock: fn() -> DateTime<Utc>,
}

impl<Q: EventQueue + 'static> Ingest<Q> {
    /// The function for `config`, sending to `queue`.
    pub fn new(config: IngestConfig, queue: Q) -> Self {
        Self {
            config,
            queue,
            clock: Utc::now,
        }
    }

    /// The queue, for tests to look into.
    pub fn queue(&self) -> &Q {
        &self.queue
    }

    /// Replaces the clock, for tests of the replay window.
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    /// The whole per-request path, exactly as [`run`] drives it: the raw
    /// Lambda event in, the response shaped for its origin (HTTP API, REST
    /// API, ALB, Function URL) out. Never fails: every outcome is an answer.
    pub async fn call(
        self: Arc<Self>,
        mut event: LambdaEvent<LambdaRequest>,
    ) -> Result<impl Serialize, Error> {
        let screened = normalize_raw_event(&mut event.payload);
        let mut adapter = lambda_http::Adapter::from(service_fn(move |request: Request| {
            let ingest = Arc::clone(&self);
            async move {
                Ok::<_, Error>(match screened {
                    Some(rejection) => answer_screened(&request, rejection),
                    None => ingest.handle(request).await,
                })
            }
        }));
        adapter.call(event).await
    }

    async fn handle(&self, request: Request) -> Response<Body> {
        let started = Instant::now();
        // One pair per value: a header sent twice stays visible twice.
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
        let route = decision.sender().map_or("none", |sender| sender.as_str());

        let (response, outcome, event_type) = match decision {
            Decision::Reject { rejection, .. } => (reject(rejection), rejection.as_str(), None),
            Decision::AcknowledgePing { sender } => {
                (acknowledge(sender.success_status()), "ping", None)
            }
            Decision::Enqueue {
                sender,
                event,
                deadline,
            } => {
                let event_type = Some(event.envelope.event_type.clone());
                match self.queue.enqueue(&event, deadline).await {
                    Ok(()) => (acknowledge(sender.success_status()), "queued", event_type),
                    Err(error) => {
                        tracing::error!(route, error = %error, "queue did not take the event");
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
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
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

/// Fixes what `lambda_http`'s conversion would hide or choke on, in the raw
/// event: a body flagged `isBase64Encoded` that is not base64 (the conversion
/// panics on it) is cleared and refused; and REST and ALB `multiValueHeaders`
/// are kept whole (the conversion lets the single-value `headers` replace
/// them, keeping one value per name).
pub(crate) fn normalize_raw_event(request: &mut LambdaRequest) -> Option<Rejection> {
    use base64::Engine;
    let (encoded, body) = match request {
        LambdaRequest::ApiGatewayV2(r) => (&mut r.is_base64_encoded, &mut r.body),
        LambdaRequest::ApiGatewayV1(r) => {
            keep_every_value(&mut r.headers, &r.multi_value_headers);
            (&mut r.is_base64_encoded, &mut r.body)
        }
        LambdaRequest::Alb(r) => {
            keep_every_value(&mut r.headers, &r.multi_value_headers);
            (&mut r.is_base64_encoded, &mut r.body)
        }
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
    None
}

/// Makes `single` hold every value `multi` has for each of its names, so the
/// conversion's merge of `single` over `multi` loses none.
fn keep_every_value(single: &mut HeaderMap, multi: &HeaderMap) {
    for name in multi.keys() {
        single.remove(name);
        for value in multi.get_all(name) {
            single.append(name.clone(), value.clone());
        }
    }
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
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<LambdaRequest>| {
        Arc::clone(&ingest).call(event)
    }))
    .await
}
