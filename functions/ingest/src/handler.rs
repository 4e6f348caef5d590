//! One request in, one answer out, with exactly one log line. The adapter
//! translates between Lambda's event shapes and [`switchboard::decide`]; it
//! knows nothing of either sender's protocol.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lambda_http::http::{header, HeaderMap, StatusCode};
use lambda_http::request::LambdaRequest;
use lambda_http::{service_fn, Body, Error, LambdaEvent, Request, Response, Service};
use serde::Serialize;
use switchboard::deadline::time_left;
use switchboard::envelope::Arrival;
use switchboard::held_output::HeldOutput;
use switchboard::interactions::{EventType as InteractionType, InteractionAnswer};
use switchboard::pluralkit::{
    dispatch_system_id, Refresh, TenantId, TenantLookupError, TenantRecord, TenantRefresh, Tenants,
    TokenParameter,
};
use switchboard::route::Route;
use switchboard::telemetry::{self, Metrics};
use switchboard::{
    decide_with, Decision, EventQueue, IngestConfig, IngestRequest, Rejection, Sender,
};
use uuid::Uuid;

/// Time kept back from the invocation's deadline to send the answer.
pub(crate) const ANSWER_MARGIN: Duration = Duration::from_millis(200);

/// The function's state, built once at cold start.
pub struct Ingest<Q> {
    /// Replaced whole when the PluralKit tokens are read again.
    config: RwLock<Arc<IngestConfig>>,
    queue: Q,
    clock: fn() -> DateTime<Utc>,
    token_parameter: Option<TokenParameter>,
    tenants: Option<Tenants>,
}

impl<Q: EventQueue + 'static> Ingest<Q> {
    /// The function for `config`, sending to `queue`.
    pub fn new(config: IngestConfig, queue: Q) -> Self {
        Self {
            config: RwLock::new(Arc::new(config)),
            queue,
            clock: Utc::now,
            token_parameter: None,
            tenants: None,
        }
    }

    /// Serves `/pluralkit/{tenant}` from `tenants` (the tenant table, cached).
    pub fn with_tenants(mut self, tenants: Tenants) -> Self {
        self.tenants = Some(tenants);
        self
    }

    /// Reads the PluralKit tokens from `parameter` again whenever a request's
    /// token matches none of the current ones (at most once per its interval).
    /// The configuration should hold the tokens [`TokenParameter::load`] gave.
    pub fn with_token_parameter(mut self, parameter: TokenParameter) -> Self {
        self.token_parameter = Some(parameter);
        self
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
        let screened = screen_raw_event(&mut event.payload, self.config().max_body_bytes);
        let time_left = time_left(event.context.deadline, ANSWER_MARGIN);
        let mut adapter = lambda_http::Adapter::from(service_fn(move |request: Request| {
            let ingest = Arc::clone(&self);
            let Screened { path, rejection } = screened.clone();
            async move {
                Ok::<_, Error>(match rejection {
                    Some(rejection) => answer_screened(&path, rejection),
                    None => ingest.handle(request, &path, time_left).await,
                })
            }
        }));
        adapter.call(event).await
    }

    async fn handle(
        &self,
        request: Request,
        path: &str,
        time_left: Option<Duration>,
    ) -> Response<Body> {
        let started = Instant::now();
        // One pair per value: a header sent twice stays visible twice.
        let headers: Vec<(&str, &[u8])> = request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        let ingest_request = IngestRequest {
            method: request.method().as_str(),
            path,
            headers: &headers,
            body: request.body().as_ref(),
        };
        let arrival = Arrival {
            id: Uuid::now_v7(),
            at: (self.clock)(),
        };
        let tenant = Route::from_path(path).and_then(|route| route.tenant().cloned());
        let budget = self.pluralkit_budget(tenant.is_some(), time_left);
        let by = tokio::time::Instant::from_std(started + budget);
        let mut unavailable = None;
        let mut record = None;
        if let (Some(id), Some(tenants)) = (&tenant, &self.tenants) {
            // Only what could pass the method and size checks costs a read.
            if ingest_request.method == "POST"
                && ingest_request.body.len() <= self.config().max_body_bytes
            {
                match tenants.get(id, by).await {
                    Ok(found) => record = found,
                    Err(error) => unavailable = Some(Unavailable::Tenant(error)),
                }
            }
        }
        let mut decision = decide_with(&self.config(), &ingest_request, arrival, record.as_deref());
        match (&decision, &tenant) {
            (
                Decision::Reject {
                    sender: Some(Sender::Pluralkit),
                    rejection: Rejection::BadToken | Rejection::UnknownTenant,
                },
                Some(id),
            ) if unavailable.is_none() => {
                // A token the integrator's backend wrote a moment ago, or a
                // tenant it just created: read the item again (at most once
                // per interval), then decide again.
                if let Some(found) = self.refresh_tenant(id, by).await {
                    record = found;
                    decision =
                        decide_with(&self.config(), &ingest_request, arrival, record.as_deref());
                }
            }
            (
                Decision::Reject {
                    sender: Some(Sender::Pluralkit),
                    rejection: Rejection::BadToken,
                },
                None,
            ) => {
                // The token may be new (PluralKit's registration sends it seconds
                // after `set-token` wrote it), or the tokens not read yet: read
                // them within this request's own deadline, then decide again.
                match self.refresh_tokens(started + budget).await {
                    TokenRead::Read => {
                        decision = decide_with(&self.config(), &ingest_request, arrival, None)
                    }
                    TokenRead::Unchanged => {}
                    TokenRead::Unavailable => unavailable = Some(Unavailable::Tokens),
                }
            }
            _ => {}
        }
        if let (Some(id), Some(found), None) = (&tenant, &record, &unavailable) {
            match self
                .pin_if_unpinned(id, found, decision, &ingest_request, arrival, by)
                .await
            {
                Ok(pinned) => decision = pinned,
                Err(error) => {
                    // Unpinned, and the table cannot say whether another
                    // instance pinned it elsewhere: neither 200 nor 401.
                    decision = decide_with(&self.config(), &ingest_request, arrival, None);
                    unavailable = Some(Unavailable::Tenant(error));
                }
            }
        }
        let tenant_field = tenant.as_ref().map_or("", TenantId::as_str);
        let route = decision.sender().map_or("none", |sender| sender.as_str());

        let (response, outcome, event_type) = match (decision, unavailable) {
            (_, Some(Unavailable::Tokens)) => {
                // The fields an alert filters on: a 503 to PluralKit is a lost event.
                tracing::error!(
                    route,
                    outcome = "tokens_unavailable",
                    status = 503,
                    event_type = "",
                    "the PluralKit tokens could not be read within the request's deadline"
                );
                (empty(503), "tokens_unavailable", None)
            }
            (_, Some(Unavailable::Tenant(error))) => {
                // The fields an alert filters on: a 503 to PluralKit is a lost event.
                tracing::error!(
                    route,
                    tenant = tenant_field,
                    outcome = "tenants_unavailable",
                    status = 503,
                    event_type = "",
                    %error,
                    "the tenant's item could not be read within the request's deadline"
                );
                (empty(503), "tenants_unavailable", None)
            }
            (Decision::Reject { rejection, .. }, None) => {
                (reject(rejection), rejection.as_str(), None)
            }
            (Decision::AcknowledgePing { sender }, None) => {
                (acknowledge(sender.success_status()), "ping", None)
            }
            (Decision::Answer { answer, .. }, None) => {
                let outcome = match answer == InteractionAnswer::PONG {
                    true => "ping",
                    false => "answered",
                };
                (json_answer(&answer), outcome, None)
            }
            (
                Decision::Enqueue {
                    sender,
                    event,
                    deadline,
                    answer,
                },
                None,
            ) => {
                let event_type = Some(event.envelope.event_type.clone());
                // One deadline per request, from its arrival: what reading
                // the tokens took comes out of the queue's share.
                let elapsed = started.elapsed();
                let deadline = deadline.saturating_sub(elapsed);
                let time_left = time_left.map(|left| left.saturating_sub(elapsed));
                // The sender's deadline, but never past the invocation's own:
                // a function that times out answers nothing at all.
                let deadline = match time_left {
                    Some(left) if left < deadline => {
                        tracing::warn!(
                            route,
                            left_ms = left.as_millis() as u64,
                            "the invocation ends before the enqueue deadline; waiting less"
                        );
                        left
                    }
                    _ => deadline,
                };
                let enqueue_started = Instant::now();
                let enqueued = self.queue.enqueue(&event, deadline).await;
                telemetry::enqueue_latency(route, enqueue_started.elapsed());
                match enqueued {
                    Ok(()) => {
                        let response = match &answer {
                            Some(answer) => json_answer(answer),
                            None => acknowledge(sender.success_status()),
                        };
                        (response, "queued", event_type)
                    }
                    Err(error) if sender == Sender::DiscordInteraction => {
                        // The fields an alert filters on: the user saw "try again".
                        tracing::error!(
                            route,
                            outcome = "queue_unavailable",
                            status = 200,
                            event_type = event_type.as_deref().unwrap_or(""),
                            error = %error,
                            "queue did not take the interaction; answered with the failure message"
                        );
                        // Autocomplete takes choices only: none, then.
                        let autocomplete = event_type.as_deref()
                            == Some(InteractionType::ApplicationCommandAutocomplete.as_str());
                        let failure = match autocomplete {
                            true => InteractionAnswer::NO_CHOICES,
                            false => self
                                .config()
                                .interactions
                                .as_ref()
                                .map(|config| config.failure_answer.clone())
                                .unwrap_or_else(|| InteractionAnswer::failure("")),
                        };
                        (json_answer(&failure), "queue_unavailable", event_type)
                    }
                    Err(error) => {
                        // The fields an alert filters on: a 503 to PluralKit is a lost event.
                        tracing::error!(
                            route,
                            outcome = "queue_unavailable",
                            status = 503,
                            event_type = event_type.as_deref().unwrap_or(""),
                            error = %error,
                            "queue did not take the event"
                        );
                        (empty(503), "queue_unavailable", event_type)
                    }
                }
            }
        };
        telemetry::request(route, outcome);
        tracing::info!(
            route,
            tenant = tenant_field,
            outcome,
            status = response.status().as_u16(),
            event_type = event_type.as_deref().unwrap_or(""),
            latency_us = started.elapsed().as_micros() as u64,
            "request"
        );
        response
    }
}

impl<Q> Ingest<Q> {
    /// The configuration in use now.
    pub fn config(&self) -> Arc<IngestConfig> {
        Arc::clone(&self.config.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// How long a PluralKit request may take in all: its route's enqueue
    /// deadline, never past the invocation's own.
    fn pluralkit_budget(&self, tenant_route: bool, time_left: Option<Duration>) -> Duration {
        // No Lambda runs longer; a larger configured deadline means this.
        const LONGEST: Duration = Duration::from_secs(900);
        let config = self.config.read().unwrap_or_else(PoisonError::into_inner);
        let deadline = if tenant_route {
            config
                .pluralkit_tenants
                .as_ref()
                .map(|t| t.enqueue_deadline)
        } else {
            config.pluralkit.as_ref().map(|p| p.enqueue_deadline)
        };
        let deadline = deadline.unwrap_or(Duration::ZERO).min(LONGEST);
        time_left.map_or(deadline, |left| left.min(deadline))
    }

    /// Reads the tenant's item again after a token or a tenant matched
    /// nothing cached; `Some` with what it holds now, `None` when nothing
    /// new was read (too soon, or the table did not answer: the answer stands).
    async fn refresh_tenant(
        &self,
        tenant: &TenantId,
        by: tokio::time::Instant,
    ) -> Option<Option<Arc<TenantRecord>>> {
        let tenants = self.tenants.as_ref()?;
        match tenants.refresh(tenant, by).await {
            TenantRefresh::Read(record) => Some(record),
            TenantRefresh::TooSoon => None,
            TenantRefresh::Failed(error) => {
                tracing::warn!(tenant = tenant.as_str(), %error, "the tenant's item could not be read again; the cached one stands");
                None
            }
        }
    }

    /// Pins an accepted request's tenant to the request's system when the
    /// tenant names none yet: once, the first request whose token passed.
    /// If another instance pinned it to another system first, that one
    /// stands, and the request is decided again against it. An error: the
    /// table could not say, and the request must not be accepted.
    async fn pin_if_unpinned(
        &self,
        tenant: &TenantId,
        record: &TenantRecord,
        decision: Decision,
        request: &IngestRequest<'_>,
        arrival: Arrival,
        by: tokio::time::Instant,
    ) -> Result<Decision, TenantLookupError> {
        let accepted = matches!(
            decision,
            Decision::AcknowledgePing { .. } | Decision::Enqueue { .. }
        );
        let (Some(tenants), true, None) = (&self.tenants, accepted, &record.system_id) else {
            return Ok(decision);
        };
        let Some(system_id) = dispatch_system_id(request.body) else {
            return Ok(decision);
        };
        let now = tenants.pin(tenant, &system_id, by).await?;
        if now.as_ref().and_then(|r| r.system_id.as_deref()) == Some(system_id.as_str()) {
            tracing::info!(
                tenant = tenant.as_str(),
                system_id = system_id.as_str(),
                "the tenant is pinned to its system"
            );
            return Ok(decision);
        }
        Ok(decide_with(
            &self.config(),
            request,
            arrival,
            now.as_deref(),
        ))
    }

    /// Reads the token parameter, by `deadline`: at once while the tokens
    /// are unknown (cold start could not read them), else when it is due.
    async fn refresh_tokens(&self, deadline: Instant) -> TokenRead {
        let Some(parameter) = &self.token_parameter else {
            return TokenRead::Unchanged;
        };
        let deadline = tokio::time::Instant::from_std(deadline);
        if !parameter.is_known() {
            return match tokio::time::timeout_at(deadline, parameter.load()).await {
                Ok(Ok(tokens)) => self.use_tokens(tokens),
                Ok(Err(error)) => {
                    tracing::warn!(parameter = parameter.name(), %error, "the PluralKit token parameter could not be read");
                    TokenRead::Unavailable
                }
                Err(_) => {
                    tracing::warn!(
                        parameter = parameter.name(),
                        "the PluralKit token parameter did not answer in time"
                    );
                    TokenRead::Unavailable
                }
            };
        }
        match tokio::time::timeout_at(deadline, parameter.refresh()).await {
            Ok(Refresh::TooSoon) => TokenRead::Unchanged,
            Ok(Refresh::Failed(error)) => {
                tracing::warn!(
                    parameter = parameter.name(),
                    %error,
                    "the PluralKit token parameter could not be read; the cached tokens stay in use"
                );
                TokenRead::Unchanged
            }
            Err(_) => {
                tracing::warn!(
                    parameter = parameter.name(),
                    "the PluralKit token parameter did not answer in time; the cached tokens stay in use"
                );
                TokenRead::Unchanged
            }
            Ok(Refresh::Tokens(tokens)) => self.use_tokens(tokens),
        }
    }

    /// Puts `tokens` in use.
    fn use_tokens(&self, tokens: switchboard::pluralkit::SigningTokens) -> TokenRead {
        let mut config = self.config.write().unwrap_or_else(PoisonError::into_inner);
        let mut updated = IngestConfig::clone(&config);
        if let Some(pluralkit) = &mut updated.pluralkit {
            pluralkit.signing_tokens = tokens;
        }
        *config = Arc::new(updated);
        TokenRead::Read
    }
}

/// Why a PluralKit request can be answered neither 200 nor 401.
enum Unavailable {
    /// The single route's tokens are unknown and could not be read in time.
    Tokens,
    /// The tenant's item could not be read in time.
    Tenant(TenantLookupError),
}

/// What reading the token parameter for a request came to.
enum TokenRead {
    /// New tokens are in use: decide again.
    Read,
    /// Nothing new: the answer stands.
    Unchanged,
    /// The tokens are unknown and could not be read in time: the request
    /// cannot be answered 200 or 401.
    Unavailable,
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

/// A 200 with an interaction's JSON answer.
fn json_answer(answer: &InteractionAnswer) -> Response<Body> {
    let mut response = Response::new(Body::Text(answer.as_str().to_owned()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

/// What the adapter takes from the raw event itself, before `lambda_http`
/// converts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Screened {
    /// The route path: the event's raw path, less the stage named in its
    /// request context. Never built from the `Host` header.
    pub(crate) path: String,
    /// A refusal decided on the raw event, before any decoding.
    pub(crate) rejection: Option<Rejection>,
}

/// Reads the route path from the raw event and refuses what must not reach
/// the conversion, then leaves the event so that `lambda_http`'s conversion
/// can neither panic nor hide a value:
/// - a malformed `Host` or `X-Forwarded-Proto` is refused (400): the
///   conversion builds a URL from them and panics on a bad one;
/// - a body longer than any `max_body_bytes` body can be, even encoded, is
///   refused (413) before anything decodes it;
/// - a body flagged `isBase64Encoded` that is not base64 is refused (400);
/// - REST and ALB `multiValueHeaders` are kept whole (the conversion lets the
///   single-value `headers` replace them, keeping one value per name);
/// - the URL inputs (path, query, host, proto, domain) are reset to `/`, since
///   routing uses [`Screened::path`] and nothing else reads them.
pub(crate) fn screen_raw_event(request: &mut LambdaRequest, max_body_bytes: usize) -> Screened {
    let path = route_path(request);
    let rejection = refusal(request, max_body_bytes).err();
    reset_url_inputs(request);
    Screened { path, rejection }
}

fn route_path(request: &LambdaRequest) -> String {
    match request {
        LambdaRequest::ApiGatewayV2(r) => {
            let raw = r.raw_path.as_deref().unwrap_or("/");
            // An HTTP API's raw path starts with a named stage; `$default` adds none.
            match r.request_context.stage.as_deref() {
                Some(stage) if stage != "$default" => raw
                    .strip_prefix('/')
                    .and_then(|rest| rest.strip_prefix(stage))
                    .filter(|rest| rest.is_empty() || rest.starts_with('/'))
                    .map_or(raw, |rest| if rest.is_empty() { "/" } else { rest })
                    .to_owned(),
                _ => raw.to_owned(),
            }
        }
        // A REST API's `path` has no stage in it; an ALB has none.
        LambdaRequest::ApiGatewayV1(r) => r.path.clone().unwrap_or_default(),
        LambdaRequest::Alb(r) => r.path.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

fn refusal(request: &mut LambdaRequest, max_body_bytes: usize) -> Result<(), Rejection> {
    use base64::Engine;
    let (headers, encoded, body) = match request {
        LambdaRequest::ApiGatewayV2(r) => (&r.headers, &mut r.is_base64_encoded, &mut r.body),
        LambdaRequest::ApiGatewayV1(r) => {
            keep_every_value(&mut r.headers, &r.multi_value_headers);
            (&r.headers, &mut r.is_base64_encoded, &mut r.body)
        }
        LambdaRequest::Alb(r) => {
            keep_every_value(&mut r.headers, &r.multi_value_headers);
            (&r.headers, &mut r.is_base64_encoded, &mut r.body)
        }
        _ => return Ok(()),
    };
    check_url_headers(headers)?;
    let raw_len = body.as_deref().map_or(0, str::len);
    // Base64 takes 4 characters per 3 bytes: a longer text cannot decode small enough.
    let longest = if *encoded {
        max_body_bytes.div_ceil(3).saturating_mul(4)
    } else {
        max_body_bytes
    };
    if raw_len > longest {
        *body = None;
        return Err(Rejection::BodyTooLarge);
    }
    let invalid_base64 = *encoded
        && body.as_deref().is_some_and(|text| {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .is_err()
        });
    if invalid_base64 {
        // The conversion would panic decoding it.
        *encoded = false;
        *body = None;
        return Err(Rejection::InvalidBase64);
    }
    Ok(())
}

/// `Host` must be an authority and `X-Forwarded-Proto` `http` or `https`:
/// anything else is a malformed request, whoever sent it.
fn check_url_headers(headers: &HeaderMap) -> Result<(), Rejection> {
    for host in headers.get_all(header::HOST) {
        let valid = host
            .to_str()
            .ok()
            .and_then(|text| text.parse::<lambda_http::http::uri::Authority>().ok())
            .is_some_and(|authority| !authority.as_str().contains('@'));
        if !valid {
            return Err(Rejection::MalformedUrlHeader);
        }
    }
    for proto in headers.get_all("x-forwarded-proto") {
        let valid = proto.to_str().is_ok_and(|text| {
            text.eq_ignore_ascii_case("https") || text.eq_ignore_ascii_case("http")
        });
        if !valid {
            return Err(Rejection::MalformedUrlHeader);
        }
    }
    Ok(())
}

fn reset_url_inputs(request: &mut LambdaRequest) {
    fn drop_url_headers(headers: &mut HeaderMap) {
        headers.remove(header::HOST);
        headers.remove("x-forwarded-proto");
    }
    match request {
        LambdaRequest::ApiGatewayV2(r) => {
            r.raw_path = Some("/".into());
            r.raw_query_string = None;
            r.query_string_parameters = Default::default();
            r.request_context.domain_name = None;
            drop_url_headers(&mut r.headers);
        }
        LambdaRequest::ApiGatewayV1(r) => {
            r.path = Some("/".into());
            r.query_string_parameters = Default::default();
            r.multi_value_query_string_parameters = Default::default();
            r.request_context.domain_name = None;
            drop_url_headers(&mut r.headers);
            drop_url_headers(&mut r.multi_value_headers);
        }
        LambdaRequest::Alb(r) => {
            r.path = Some("/".into());
            r.query_string_parameters = Default::default();
            r.multi_value_query_string_parameters = Default::default();
            drop_url_headers(&mut r.headers);
            drop_url_headers(&mut r.multi_value_headers);
        }
        _ => {}
    }
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

fn answer_screened(path: &str, rejection: Rejection) -> Response<Body> {
    // Counted like every other answer: a flood of screened junk shows.
    let route = Route::from_path(path).map_or("none", |route| route.sender().as_str());
    telemetry::request(route, rejection.as_str());
    tracing::info!(
        route,
        outcome = rejection.as_str(),
        status = rejection.status(),
        "request"
    );
    reject(rejection)
}

/// Runs the function on the Lambda runtime.
pub async fn run<Q: EventQueue + 'static>(
    ingest: Ingest<Q>,
    metrics: Metrics,
) -> Result<(), Error> {
    let ingest = Arc::new(ingest);
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<LambdaRequest>| {
        let ingest = Arc::clone(&ingest);
        async move {
            // The request line and the metrics leave in one write, before
            // the answer goes back.
            let output = HeldOutput::start();
            let answer = ingest.call(event).await;
            output.append(|bytes| metrics.flush(bytes));
            drop(output);
            answer
        }
    }))
    .await
}
