//! The service's HTTP API: routes, refusals, rate limits and metrics.

use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State as Shared};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hecate::{Fingerprint, Model, ModelCard};
use http_body_util::BodyExt;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::sync::Semaphore;

use super::{Limits, Rate, client_of};
use crate::workflows::{inspect, predict};

/// What the company serves: its model, the card it published for it, and what it remembers of
/// customers' keys. `Debug` shows the model id only.
pub struct Company {
    model: Model,
    card: ModelCard,
    card_message: Bytes,
    card_json: Bytes,
    allow_unprotected: bool,
    largest_query: usize,
    largest_phe_query: usize,
    keys: predict::VerifiedKeys,
}

impl std::fmt::Debug for Company {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Company")
            .field("model", &self.model.id())
            .finish_non_exhaustive()
    }
}

impl Company {
    /// `model` with its published card (the message `card_message`, which must be this model's
    /// card); python-paillier queries answered only if `allow_unprotected`.
    pub fn new(model: Model, card_message: &[u8], allow_unprotected: bool) -> Result<Self> {
        let card = ModelCard::from_bytes(card_message)?;
        if model.card(card.key_sizes())? != card {
            bail!(
                "the card is for model {}, not for this one ({}): publish the card `hecate \
                 train` wrote beside this model",
                card.id(),
                model.id()
            );
        }
        Ok(Self {
            card_json: Bytes::from(inspect::card_json(&card).to_string()),
            card_message: Bytes::copy_from_slice(card_message),
            largest_query: predict::largest_query_len(&card),
            largest_phe_query: predict::largest_phe_query_len(&card),
            model,
            card,
            allow_unprotected,
            keys: predict::VerifiedKeys::default(),
        })
    }

    /// The card it serves.
    pub fn card(&self) -> &ModelCard {
        &self.card
    }
}

/// The client's address, put on each request by the connection that read it.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub IpAddr);

/// Everything the handlers share.
#[derive(Debug)]
pub struct State {
    company: Company,
    limits: Limits,
    metrics: Metrics,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_key: Option<DefaultKeyedRateLimiter<Fingerprint>>,
    predictions: Arc<Semaphore>,
    shutting_down: AtomicBool,
}

/// Clients a rate limiter tracks at most between two prunings (tens of MiB): past it, new ones
/// are refused with 503 until the next pruning forgets the idle ones.
const MAX_TRACKED_CLIENTS: usize = 1 << 20;

/// How often rate limiters forget the clients whose allowance is full again.
const PRUNE_EVERY: Duration = Duration::from_secs(10);

impl State {
    pub fn new(company: Company, limits: Limits) -> Self {
        Self {
            metrics: Metrics::new(),
            per_address: limits
                .per_address
                .map(|rate| RateLimiter::keyed(quota(rate))),
            per_key: limits.per_key.map(|rate| RateLimiter::keyed(quota(rate))),
            predictions: Arc::new(Semaphore::new(limits.max_in_flight)),
            shutting_down: AtomicBool::new(false),
            company,
            limits,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// From now on, not ready (`/readyz` says 503), so that a load balancer sends no more.
    pub fn shut_down(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
    }
}

fn quota(rate: Rate) -> Quota {
    match rate.period.as_secs() {
        1 => Quota::per_second(rate.count),
        60 => Quota::per_minute(rate.count),
        _ => Quota::per_hour(rate.count),
    }
}

/// Forgets, every few seconds, the clients whose allowance is full again: the limiters' memory
/// stays bounded by the clients of the last seconds.
pub async fn prune_rate_limits(state: Arc<State>) {
    loop {
        tokio::time::sleep(PRUNE_EVERY).await;
        for limiter in state.per_address.iter() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        for limiter in state.per_key.iter() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The routes, each request observed by the metrics and the address's rate limit.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/v1/card", get(card))
        .route("/v1/predict", post(predict))
        .route("/v1/predict/phe-json", post(predict_phe))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .fallback(|| async { Refusal::new(StatusCode::NOT_FOUND, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed: GET /v1/card, POST /v1/predict",
            )
        })
        .layer(middleware::from_fn_with_state(Arc::clone(&state), observe))
        .with_state(state)
}

/// A request refused: its status and a one-line JSON body that names the problem.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    message: String,
    retry_after: Option<Duration>,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn rate_limited(what: &str, rate: Option<Rate>, wait: Duration) -> Self {
        let rate = rate.map(|rate| format!(" ({rate})")).unwrap_or_default();
        Self {
            retry_after: Some(wait),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("rate limited: too many requests from this {what}{rate}, try later"),
            )
        }
    }

    fn overloaded(message: impl Into<String>) -> Self {
        Self {
            retry_after: Some(Duration::from_secs(1)),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
        }
    }

    /// A query refused by the workflow: 422 when it is well formed but does not fit the model
    /// (another model, other features, a key size the card does not accept), 400 otherwise.
    fn of_query(error: &anyhow::Error) -> Self {
        use hecate::Error as E;
        let unfit = matches!(
            error.downcast_ref::<E>(),
            Some(
                E::ModelMismatch
                    | E::FeatureNamesMismatch
                    | E::FeatureCountMismatch { .. }
                    | E::ExponentMismatch { .. }
                    | E::InvalidKeySize
                    | E::Overflow
            )
        );
        let status = if unfit {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::BAD_REQUEST
        };
        Self::new(status, format!("{error:#}"))
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message }).to_string() + "\n";
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Some(wait) = self.retry_after {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
    }
}

const OCTETS: &str = "application/octet-stream";

/// `GET /v1/card`: the card message, or its JSON view for `Accept: application/json`.
async fn card(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    let wants_json = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("application/json"));
    let company = &state.company;
    if wants_json {
        (
            [(header::CONTENT_TYPE, "application/json")],
            company.card_json.clone(),
        )
            .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, OCTETS)],
            company.card_message.clone(),
        )
            .into_response()
    }
}

/// `POST /v1/predict`: a query message in, the answer message out, with every check of
/// `hecate predict`.
async fn predict(Shared(state): Shared<Arc<State>>, request: Request) -> Result<Response, Refusal> {
    let query = read_body(&state, request, state.company.largest_query).await?;
    let fingerprint = hecate::query_fingerprint(&query)
        .map_err(|error| Refusal::bad_request(format!("not a Hecate query: {error}")))?;
    if let Some(limiter) = &state.per_key {
        check_rate(limiter, &fingerprint, "key", state.limits.per_key)?;
    }
    let started = Instant::now();
    let worker = Arc::clone(&state);
    let answer = on_rayon(&state, move || {
        let company = &worker.company;
        predict::check_key_size(&company.card, &query)?;
        predict::predict(&company.model, &query, &company.keys)
    })
    .await?;
    let model = state.company.model.id();
    match answer {
        Ok(answer) => {
            tracing::info!(key = %format_args!("{fingerprint:.16}"), %model,
                ms = started.elapsed().as_millis(), "answered");
            Ok(([(header::CONTENT_TYPE, OCTETS)], answer.to_vec()).into_response())
        }
        Err(error) => {
            tracing::info!(key = %format_args!("{fingerprint:.16}"), %model,
                error = %format_args!("{error:#}"), "refused");
            Err(Refusal::of_query(&error))
        }
    }
}

/// `POST /v1/predict/phe-json`: a python-paillier `data.json` in, an `answer.json` out; only
/// when the operator turned these unprotected queries on.
async fn predict_phe(
    Shared(state): Shared<Arc<State>>,
    request: Request,
) -> Result<Response, Refusal> {
    if !state.company.allow_unprotected {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "python-paillier queries are off here: they come without a proof of a well-formed \
             key and get no answer mask (the operator turns them on with --allow-unprotected)",
        ));
    }
    let body = read_body(&state, request, state.company.largest_phe_query).await?;
    let worker = Arc::clone(&state);
    let answer = on_rayon(&state, move || {
        let data = std::str::from_utf8(&body)?;
        predict::predict_phe(&worker.company.model, data, true)
    })
    .await?;
    match answer {
        Ok(json) => Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response()),
        Err(error) => Err(Refusal::of_query(&error)),
    }
}

/// `GET /readyz`: 200 while predictions are taken, 503 when every slot is busy or the service is
/// shutting down.
async fn ready(Shared(state): Shared<Arc<State>>) -> Result<&'static str, Refusal> {
    if state.shutting_down.load(Ordering::Relaxed) {
        return Err(Refusal::overloaded("shutting down"));
    }
    if state.predictions.available_permits() == 0 {
        return Err(Refusal::overloaded("every prediction slot is busy"));
    }
    Ok("ready\n")
}

/// `GET /metrics`: counts and latencies in Prometheus's text format; never a key, a ciphertext
/// or anything of the model but its id.
async fn metrics(Shared(state): Shared<Arc<State>>) -> Response {
    let mut text = String::new();
    match prometheus_client::encoding::text::encode(&mut text, &state.metrics.registry) {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(_) => {
            Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "metrics do not encode").into_response()
        }
    }
}

/// A request's body, refused when longer than `cap` (413) or slower than the timeout (408).
async fn read_body(state: &State, request: Request, cap: usize) -> Result<Bytes, Refusal> {
    let too_large = || {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body too large: this model's queries take at most {cap} bytes"),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|len| len > u64::try_from(cap).unwrap_or(u64::MAX)) {
        return Err(too_large());
    }
    let body = http_body_util::Limited::new(request.into_body(), cap);
    let timeout = state.limits.timeout;
    let slow = || {
        Refusal::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("the body was too slow to arrive (timeout {timeout:?})"),
        )
    };
    match tokio::time::timeout(timeout, body.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Ok(Err(error)) if timed_out(error.as_ref()) => Err(slow()),
        Ok(Err(error)) => Err(Refusal::bad_request(format!(
            "the body could not be read: {error}"
        ))),
        Err(_) => Err(slow()),
    }
}

/// Whether a body failed to arrive because a read of the connection timed out.
fn timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        cause = error.source();
    }
    false
}

/// Runs `work` on rayon's threads, holding one of the prediction slots until it is done (also
/// when the client went away meanwhile); 503 when none is free.
async fn on_rayon<T: Send + 'static>(
    state: &State,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Refusal> {
    let slot = Arc::clone(&state.predictions)
        .try_acquire_owned()
        .map_err(|_| {
            Refusal::overloaded(format!(
                "overloaded: {} predictions in flight, try again shortly",
                state.limits.max_in_flight
            ))
        })?;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        // A panic would abort the process on a rayon thread: a 500 instead.
        let result = std::panic::catch_unwind(AssertUnwindSafe(work));
        drop(slot);
        let _ = sender.send(result);
    });
    match receiver.await {
        Ok(Ok(result)) => Ok(result),
        _ => Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error: the prediction failed",
        )),
    }
}

/// Refuses the request if `key` has used its allowance; 503 if the limiter tracks too many
/// clients to take another.
fn check_rate<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
    what: &str,
    rate: Option<Rate>,
) -> Result<(), Refusal> {
    if limiter.len() >= MAX_TRACKED_CLIENTS {
        return Err(Refusal::overloaded("overloaded: too many clients at once"));
    }
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        Refusal::rate_limited(what, rate, wait)
    })
}

/// The metrics.
struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<EndpointLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    endpoint: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    endpoint: &'static str,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("hecate");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Family<EndpointLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.0005, 2.0, 16)));
        let in_flight = Gauge::default();
        registry.register(
            "requests",
            "Requests answered, by endpoint and outcome",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from the request's headers to its response, by endpoint",
            latency.clone(),
        );
        registry.register(
            "requests_in_flight",
            "Requests being handled",
            in_flight.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            in_flight,
        }
    }
}

/// The endpoint a path names, for the metrics' labels (a fixed set, whatever clients send).
fn endpoint_of(path: &str) -> &'static str {
    match path {
        "/v1/card" => "card",
        "/v1/predict" => "predict",
        "/v1/predict/phe-json" => "predict_phe",
        "/healthz" => "healthz",
        "/readyz" => "readyz",
        "/metrics" => "metrics",
        _ => "other",
    }
}

fn outcome_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::OK => "ok",
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNPROCESSABLE_ENTITY => "unfit",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::SERVICE_UNAVAILABLE => "overloaded",
        StatusCode::INTERNAL_SERVER_ERROR => "error",
        _ => "other",
    }
}

/// A request being handled: counted in flight until dropped, and as "disconnected" if dropped
/// before its response (the client went away).
struct Observed<'a> {
    metrics: &'a Metrics,
    endpoint: &'static str,
    answered: bool,
}

impl<'a> Observed<'a> {
    fn new(metrics: &'a Metrics, endpoint: &'static str) -> Self {
        metrics.in_flight.inc();
        Self {
            metrics,
            endpoint,
            answered: false,
        }
    }

    fn answered(mut self, status: StatusCode, took: Duration) {
        self.answered = true;
        let endpoint = self.endpoint;
        let labels = RequestLabels {
            endpoint,
            outcome: outcome_of(status),
        };
        self.metrics.requests.get_or_create(&labels).inc();
        self.metrics
            .latency
            .get_or_create(&EndpointLabels { endpoint })
            .observe(took.as_secs_f64());
    }
}

impl Drop for Observed<'_> {
    fn drop(&mut self) {
        self.metrics.in_flight.dec();
        if !self.answered {
            let labels = RequestLabels {
                endpoint: self.endpoint,
                outcome: "disconnected",
            };
            self.metrics.requests.get_or_create(&labels).inc();
        }
    }
}

/// Every request: counted, timed, and for `/v1/…` checked against its address's rate limit.
async fn observe(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    let endpoint = endpoint_of(request.uri().path());
    let started = Instant::now();
    let observed = Observed::new(&state.metrics, endpoint);
    let limited = match (&state.per_address, request.extensions().get::<Peer>()) {
        (Some(limiter), Some(Peer(address))) if request.uri().path().starts_with("/v1/") => {
            check_rate(
                limiter,
                &client_of(*address),
                "address",
                state.limits.per_address,
            )
            .err()
        }
        _ => None,
    };
    let response = match limited {
        Some(refusal) => refusal.into_response(),
        None => next.run(request).await,
    };
    observed.answered(response.status(), started.elapsed());
    response
}
