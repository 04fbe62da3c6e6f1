//! Latencies per endpoint, and every failure by its kind: the status and problem `code`
//! the server answered, or what went wrong on the connection.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

/// One endpoint's latencies (ms) and failures by kind.
#[derive(Default)]
struct Series {
    latencies: Vec<f64>,
    failures: BTreeMap<String, u64>,
}

#[derive(Default)]
pub struct Recorder {
    by_endpoint: Mutex<BTreeMap<&'static str, Series>>,
}

impl Recorder {
    pub fn record(&self, endpoint: &'static str, started: Instant, outcome: Result<(), String>) {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut map = self.by_endpoint.lock().unwrap();
        let series = map.entry(endpoint).or_default();
        series.latencies.push(ms);
        if let Err(kind) = outcome {
            *series.failures.entry(kind).or_default() += 1;
        }
    }

    pub fn report(&self, seconds: f64) -> Vec<EndpointStats> {
        let map = self.by_endpoint.lock().unwrap();
        map.iter()
            .map(|(name, series)| {
                let mut sorted = series.latencies.clone();
                sorted.sort_by(f64::total_cmp);
                let pick = |q: f64| {
                    sorted
                        .get(((sorted.len() as f64 * q).ceil() as usize).saturating_sub(1))
                        .copied()
                        .unwrap_or(0.0)
                };
                EndpointStats {
                    endpoint: name.to_string(),
                    requests: sorted.len() as u64,
                    errors: series.failures.values().sum(),
                    failures: series.failures.clone(),
                    throughput: sorted.len() as f64 / seconds,
                    p50_ms: pick(0.50),
                    p95_ms: pick(0.95),
                    p99_ms: pick(0.99),
                    max_ms: sorted.last().copied().unwrap_or(0.0),
                }
            })
            .collect()
    }

    /// The p99 of one endpoint, 0 when it saw no request.
    pub fn p99(&self, endpoint: &str) -> f64 {
        self.report(1.0)
            .iter()
            .find(|e| e.endpoint == endpoint)
            .map_or(0.0, |e| e.p99_ms)
    }
}

#[derive(Serialize, Clone)]
pub struct EndpointStats {
    pub endpoint: String,
    pub requests: u64,
    pub errors: u64,
    /// Failures by kind: `HTTP 409 attempt_closed`, `transport: connection closed …`.
    pub failures: BTreeMap<String, u64>,
    pub throughput: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Reads the whole answer, as a real client does (and as keeps its connection open for
/// the next request): Ok when it came with a status `expected` accepts, else the kind of
/// failure.
pub async fn completed(
    resp: reqwest::Result<reqwest::Response>,
    expected: impl Fn(reqwest::StatusCode) -> bool,
) -> Result<(), String> {
    let resp = resp.map_err(transport)?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(transport)?;
    if expected(status) {
        return Ok(());
    }
    let code = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_string))
        .unwrap_or_else(|| "(no problem code)".into());
    Err(format!("HTTP {} {code}", status.as_u16()))
}

/// A transport error, named by its innermost cause (`connection reset by peer`,
/// `operation timed out` …), which is what tells one failure from another.
pub fn transport(e: reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "reading the body"
    } else {
        "request"
    };
    let mut cause: &dyn std::error::Error = &e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    format!("transport ({what}): {cause}")
}

/// Prints each failure kind of each endpoint, if any.
pub fn print_failures(stats: &[EndpointStats]) {
    for e in stats {
        for (kind, n) in &e.failures {
            println!("  {} failed {n}×: {kind}", e.endpoint);
        }
    }
}
