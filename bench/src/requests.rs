//! What the bench's clients send: a candidate's saves and heartbeats, public
//! verifications, and the ways of sending many (paced, flooding, in parallel).

use crate::record::{completed, Recorder};
use rand::seq::IndexedRandom;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Candidate {
    /// The instance this candidate's requests go to.
    pub base: String,
    pub token: String,
    pub attempt: String,
    /// Choice questions: (id, option ids, kind).
    pub questions: Vec<(String, Vec<String>, String)>,
    /// Labs: (id, starter).
    pub labs: Vec<(String, String)>,
    /// Its timeline was aged to the end of a three-hour exam before the measured minute.
    pub aged: bool,
}

impl Candidate {
    /// The endpoint's name in the report: aged attempts are reported apart.
    pub fn endpoint(&self, fresh: &'static str, aged: &'static str) -> &'static str {
        if self.aged {
            aged
        } else {
            fresh
        }
    }
}

pub async fn save(client: &reqwest::Client, c: &Candidate, rec: &Recorder, name: &'static str) {
    let (qid, options, kind) = {
        let mut rng = rand::rng();
        c.questions.choose(&mut rng).cloned().unwrap_or_default()
    };
    let selected: Vec<String> = if kind == "ordering" {
        options
    } else {
        options
            .choose(&mut rand::rng())
            .cloned()
            .into_iter()
            .collect()
    };
    let t = Instant::now();
    let resp = client
        .put(format!(
            "{}/v1/attempts/{}/answers/{qid}",
            c.base, c.attempt
        ))
        .bearer_auth(&c.token)
        .json(&json!({ "selected": selected }))
        .send()
        .await;
    rec.record(name, t, completed(resp, |s| s.is_success()).await);
}

/// Saves the candidate's artifact of one lab: the starter as edited `edits` times (each
/// save a new text, so each is graded).
pub async fn save_artifact(client: &reqwest::Client, c: &Candidate, edits: usize, rec: &Recorder) {
    let (qid, starter) = &c.labs[edits % c.labs.len()];
    let artifact = format!("{starter}{}", "\n".repeat(1 + edits % 32));
    let t = Instant::now();
    let resp = client
        .put(format!(
            "{}/v1/attempts/{}/answers/{qid}",
            c.base, c.attempt
        ))
        .bearer_auth(&c.token)
        .json(&json!({ "artifact": artifact }))
        .send()
        .await;
    let name = c.endpoint("save_lab", "save_lab_aged");
    rec.record(name, t, completed(resp, |s| s.is_success()).await);
}

pub async fn heartbeat(
    client: &reqwest::Client,
    c: &Candidate,
    rec: &Recorder,
    name: &'static str,
) {
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let t = Instant::now();
    let resp = client
        .post(format!("{}/v1/attempts/{}/events", c.base, c.attempt))
        .bearer_auth(&c.token)
        .json(&json!({"type": "heartbeat", "occurred_at": at}))
        .send()
        .await;
    rec.record(name, t, completed(resp, |s| s.as_u16() == 202).await);
}

pub async fn verify(client: &reqwest::Client, base: &str, rec: &Recorder, name: &'static str) {
    let number =
        invigil::domain::certificate::CertificateNumber::generate("MLOA-F", &mut rand::rng());
    let t = Instant::now();
    let resp = client
        .get(format!("{base}/v1/verify/{number}"))
        .send()
        .await;
    // Random numbers are well-formed and unknown: 404 after the lookup is the right answer.
    let outcome = completed(resp, |s| s.as_u16() == 404 || s.is_success()).await;
    rec.record(name, t, outcome);
}

/// One save every `pace` from each of up to 200 candidates, for `seconds`.
pub async fn paced_saves(
    client: &reqwest::Client,
    candidates: &Arc<Vec<Candidate>>,
    rec: &Recorder,
    pace: Duration,
    seconds: u64,
) {
    let until = Instant::now() + Duration::from_secs(seconds);
    let workers = candidates.len().min(200);
    let tasks = (0..workers).map(|w| async move {
        tokio::time::sleep(pace.mul_f64(w as f64 / workers as f64)).await;
        while Instant::now() < until {
            let t = Instant::now();
            save(client, &candidates[w], rec, "save").await;
            tokio::time::sleep(pace.saturating_sub(t.elapsed())).await;
        }
    });
    futures_util::future::join_all(tasks).await;
}

/// `connections` workers calling `f` back to back for `seconds`; returns how many calls.
pub async fn flood<F, Fut>(connections: usize, seconds: u64, f: F) -> u64
where
    F: Fn(usize, u64) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let until = Instant::now() + Duration::from_secs(seconds);
    let f = &f;
    let counts = futures_util::future::join_all((0..connections).map(|w| async move {
        let mut n = 0u64;
        while Instant::now() < until {
            f(w, n).await;
            n += 1;
        }
        n
    }))
    .await;
    counts.into_iter().sum()
}

pub async fn in_parallel<I, T, F, Fut>(limit: usize, items: Vec<I>, f: F) -> anyhow::Result<Vec<T>>
where
    F: Fn(I) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let queue = Mutex::new(items.into_iter().enumerate().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    let (f, queue_ref, results_ref) = (&f, &queue, &results);
    let outcomes = futures_util::future::join_all((0..limit).map(|_| async move {
        loop {
            let next = queue_ref.lock().unwrap().pop();
            let Some((i, item)) = next else {
                return Ok::<(), anyhow::Error>(());
            };
            let value = f(item).await?;
            results_ref.lock().unwrap().push((i, value));
        }
    }))
    .await;
    for o in outcomes {
        o?;
    }
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, v)| v).collect())
}
