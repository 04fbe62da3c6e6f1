//! invigil-bench: the exam-day scenario against a real `invigil serve` on loopback, and
//! the ceilings it is measured against, on the same machine in the same run.

mod labs;

use anyhow::{bail, Context};
use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use rand::seq::IndexedRandom;
use rand::Rng;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser, Clone)]
#[command(name = "invigil-bench", about = "Exam-day load benchmark for invigil")]
struct Args {
    /// Candidates who log in, start an attempt, save, send heartbeats and submit.
    #[arg(long, default_value_t = 2000)]
    candidates: usize,
    /// Seconds of the steady exam-day phase.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Seconds between one candidate's answer saves.
    #[arg(long, default_value_t = 5.0)]
    save_every: f64,
    /// Seconds between one candidate's heartbeats.
    #[arg(long, default_value_t = 15.0)]
    heartbeat_every: f64,
    /// Public verifications per second during the exam-day phase.
    #[arg(long, default_value_t = 20.0)]
    verify_rate: f64,
    /// Seconds of each saturation phase (saves, verify, health, login storm).
    #[arg(long, default_value_t = 10)]
    phase_seconds: u64,
    /// Connections of the saturation phases.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// The server binary (default: `invigil` beside this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

const PASSWORD: &str = "bench passphrase for candidates";

/// Latencies and errors per endpoint.
#[derive(Default)]
struct Recorder {
    by_endpoint: Mutex<BTreeMap<&'static str, (Vec<f64>, u64)>>,
}

impl Recorder {
    fn record(&self, endpoint: &'static str, started: Instant, ok: bool) {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut map = self.by_endpoint.lock().unwrap();
        let entry = map.entry(endpoint).or_default();
        entry.0.push(ms);
        if !ok {
            entry.1 += 1;
        }
    }

    fn report(&self, seconds: f64) -> Vec<EndpointStats> {
        let map = self.by_endpoint.lock().unwrap();
        map.iter()
            .map(|(name, (latencies, errors))| {
                let mut sorted = latencies.clone();
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
                    errors: *errors,
                    throughput: sorted.len() as f64 / seconds,
                    p50_ms: pick(0.50),
                    p95_ms: pick(0.95),
                    p99_ms: pick(0.99),
                    max_ms: sorted.last().copied().unwrap_or(0.0),
                }
            })
            .collect()
    }
}

#[derive(Serialize, Clone)]
struct EndpointStats {
    endpoint: String,
    requests: u64,
    errors: u64,
    throughput: f64,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

#[derive(Serialize)]
struct Report {
    machine: String,
    candidates: usize,
    exam_day: Vec<EndpointStats>,
    server_peak_rss_mib: f64,
    durable_commits_per_s: f64,
    saturated_saves_per_s: f64,
    save_ratio: f64,
    health_per_s: f64,
    verify_per_s: f64,
    verify_ratio: f64,
    argon2_verifications_per_s_per_core: f64,
    cores: usize,
    logins_per_s: f64,
    login_ratio: f64,
    save_p99_ms_quiet: f64,
    save_p99_ms_login_storm: f64,
    login_storm_p99_ratio: f64,
    /// Submit p99 of forms with two labs ÷ of forms without, in the same run.
    submit_p99_ratio_labs: f64,
    labs_graded_per_s_per_core: f64,
    errors: u64,
}

struct Candidate {
    token: String,
    attempt: String,
    /// Choice questions: (id, option ids, kind).
    questions: Vec<(String, Vec<String>, String)>,
    /// Labs: (id, starter).
    labs: Vec<(String, String)>,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::Builder::new()
        .prefix("invigil-bench")
        .tempdir_in(std::env::current_dir()?)?;
    let db_path = dir.path().join("bench.db");
    let db_url = db_path.to_string_lossy().into_owned();

    eprintln!("measuring the hashing ceiling on this machine…");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let argon2_per_core = argon2_verifications_per_second()?;

    eprintln!("measuring lab grading on one core…");
    let shipped = PathBuf::from(
        std::env::var("INVIGIL_QUESTION_BANK").unwrap_or_else(|_| "question-bank".into()),
    );
    let labs_per_core = labs::labs_graded_per_second(&shipped, Duration::from_secs(2))?;
    let bank = labs::bench_bank(&shipped, dir.path())?;

    eprintln!("creating {} candidates…", args.candidates);
    create_candidates(&db_url, args.candidates).await?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut server = start_server(&args, &db_url, &bank, port)?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .timeout(Duration::from_secs(60))
        .build()?;
    wait_healthy(&client, &base).await?;

    let ceiling_db = dir.path().join("ceiling.db");
    let outcome = run(&args, &client, &base, server.id(), ceiling_db).await;
    let _ = server.kill();
    let _ = server.wait();
    let mut report = outcome?;
    report.save_ratio = report.saturated_saves_per_s / report.durable_commits_per_s;
    report.argon2_verifications_per_s_per_core = argon2_per_core;
    report.cores = cores;
    report.login_ratio = report.logins_per_s / (argon2_per_core * cores as f64);
    report.labs_graded_per_s_per_core = labs_per_core;
    print_report(&report, args.json);
    if report.errors > 0 {
        bail!("{} requests failed", report.errors);
    }
    Ok(())
}

async fn run(
    args: &Args,
    client: &reqwest::Client,
    base: &str,
    pid: u32,
    ceiling_db: PathBuf,
) -> anyhow::Result<Report> {
    let emails: Vec<String> = (0..args.candidates)
        .map(|i| format!("candidate{i}@bench.invigil"))
        .collect();

    eprintln!("login storm: {} logins…", emails.len());
    let logins = Recorder::default();
    let started = Instant::now();
    let tokens = in_parallel(args.connections, emails.clone(), |email| {
        let (client, base, logins) = (client.clone(), base.to_string(), &logins);
        async move {
            let t = Instant::now();
            let resp = client
                .post(format!("{base}/v1/auth/login"))
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await;
            let ok = matches!(&resp, Ok(r) if r.status().is_success());
            logins.record("login", t, ok);
            let body: Value = resp?.json().await?;
            Ok(body["access_token"]
                .as_str()
                .context("no token")?
                .to_string())
        }
    })
    .await?;
    let logins_per_s = tokens.len() as f64 / started.elapsed().as_secs_f64();

    eprintln!("starting {} attempts…", tokens.len());
    let exam = Arc::new(Recorder::default());
    // Every other candidate sits the exam without labs.
    let tokens: Vec<(usize, String)> = tokens.into_iter().enumerate().collect();
    let candidates: Vec<Candidate> = in_parallel(args.connections, tokens, |(i, token)| {
        let (client, base, exam) = (client.clone(), base.to_string(), exam.clone());
        let code = if i % 2 == 0 {
            labs::WITH_LABS
        } else {
            labs::WITHOUT_LABS
        };
        async move {
            let t = Instant::now();
            let resp = client
                .post(format!("{base}/v1/certifications/{code}/attempts"))
                .bearer_auth(&token)
                .send()
                .await?;
            exam.record("start", t, resp.status().as_u16() == 201);
            let attempt: Value = resp.json().await?;
            let all = attempt["questions"].as_array().context("no questions")?;
            let labs = all
                .iter()
                .filter(|q| q["kind"] == "lab")
                .map(|q| {
                    (
                        q["id"].as_str().unwrap().to_string(),
                        q["artifact"]["starter"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            let questions = all
                .iter()
                .filter(|q| q["kind"] != "lab")
                .map(|q| {
                    let options = q["options"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|o| o["id"].as_str().unwrap().to_string())
                        .collect();
                    (
                        q["id"].as_str().unwrap().to_string(),
                        options,
                        q["kind"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            Ok(Candidate {
                token,
                attempt: attempt["id"].as_str().context("no id")?.to_string(),
                questions,
                labs,
            })
        }
    })
    .await?;
    let candidates = Arc::new(candidates);

    eprintln!(
        "exam day: {} candidates for {} s…",
        candidates.len(),
        args.duration
    );
    let steady = Instant::now();
    let until = steady + Duration::from_secs(args.duration);
    let mut tasks = Vec::new();
    for i in 0..candidates.len() {
        let (client, base, exam, candidates, args) = (
            client.clone(),
            base.to_string(),
            exam.clone(),
            candidates.clone(),
            args.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let c = &candidates[i];
            // Spread the candidates over the interval, as real ones are.
            let offset = rand::rng().random_range(0.0..args.save_every);
            tokio::time::sleep(Duration::from_secs_f64(offset)).await;
            let mut next_heartbeat = Instant::now();
            let mut edits = 0;
            while Instant::now() < until {
                save(&client, &base, c, &exam, "save").await;
                // Beside the choice answers, the artifact being edited is saved too.
                if !c.labs.is_empty() {
                    edits += 1;
                    save_artifact(&client, &base, c, edits, &exam).await;
                }
                if Instant::now() >= next_heartbeat {
                    heartbeat(&client, &base, c, &exam).await;
                    next_heartbeat += Duration::from_secs_f64(args.heartbeat_every);
                }
                tokio::time::sleep(Duration::from_secs_f64(args.save_every)).await;
            }
        }));
    }
    let verifier = {
        let (client, base, exam, rate) = (
            client.clone(),
            base.to_string(),
            exam.clone(),
            args.verify_rate,
        );
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
            while Instant::now() < until {
                tick.tick().await;
                let (client, base, exam) = (client.clone(), base.clone(), exam.clone());
                tokio::spawn(async move { verify(&client, &base, &exam, "verify").await });
            }
        })
    };
    for t in tasks {
        t.await?;
    }
    verifier.await?;
    let steady_seconds = steady.elapsed().as_secs_f64();

    // The ceiling is measured on the same disk just before the saves it is compared with.
    eprintln!("measuring durable single-row commits on this disk…");
    let durable_commits_per_s = tokio::task::spawn_blocking(move || {
        durable_commits_per_second(&ceiling_db, Duration::from_secs(3))
    })
    .await??;
    eprintln!(
        "saturation: answer saves on {} connections…",
        args.connections
    );
    let saturated = Recorder::default();
    let saves = flood(args.connections, args.phase_seconds, |w, _| {
        let (client, base, candidates, saturated) = (
            client.clone(),
            base.to_string(),
            candidates.clone(),
            &saturated,
        );
        async move {
            save(
                &client,
                &base,
                &candidates[w % candidates.len()],
                saturated,
                "save",
            )
            .await
        }
    })
    .await;
    let saturated_saves_per_s = saves as f64 / args.phase_seconds as f64;

    eprintln!("saturation: health and verify…");
    let ceilings = Recorder::default();
    let health = flood(args.connections, args.phase_seconds, |_, _| {
        let (client, base, ceilings) = (client.clone(), base.to_string(), &ceilings);
        async move {
            let t = Instant::now();
            let resp = client.get(format!("{base}/health")).send().await;
            let ok = completed(resp, |s| s.is_success()).await;
            ceilings.record("health", t, ok);
        }
    })
    .await as f64
        / args.phase_seconds as f64;
    let verify_per_s = flood(args.connections, args.phase_seconds, |_, _| {
        let (client, base, ceilings) = (client.clone(), base.to_string(), &ceilings);
        async move { verify(&client, &base, ceilings, "verify").await }
    })
    .await as f64
        / args.phase_seconds as f64;

    eprintln!("answer saves without and with a login storm…");
    let pace = Duration::from_millis(500);
    let quiet = Recorder::default();
    paced_saves(client, base, &candidates, &quiet, pace, args.phase_seconds).await;
    let storm = Recorder::default();
    let storm_logins = Recorder::default();
    let storming = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let stormers: Vec<_> = (0..16)
        .map(|w| {
            let (client, base, emails, storming) = (
                client.clone(),
                base.to_string(),
                emails.clone(),
                storming.clone(),
            );
            tokio::spawn(async move {
                let mut n = 0;
                while storming.load(std::sync::atomic::Ordering::Relaxed) {
                    let email = &emails[(w * 7919 + n) % emails.len()];
                    let resp = client
                        .post(format!("{base}/v1/auth/login"))
                        .json(&json!({"email": email, "password": PASSWORD}))
                        .send()
                        .await;
                    completed(resp, |s| s.is_success()).await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    paced_saves(client, base, &candidates, &storm, pace, args.phase_seconds).await;
    storming.store(false, std::sync::atomic::Ordering::Relaxed);
    for s in stormers {
        s.await?;
    }
    drop(storm_logins);

    eprintln!("submitting {} attempts…", candidates.len());
    in_parallel(args.connections, (0..candidates.len()).collect(), |i| {
        let (client, base, exam, candidates) = (
            client.clone(),
            base.to_string(),
            exam.clone(),
            candidates.clone(),
        );
        async move {
            let c = &candidates[i];
            let t = Instant::now();
            let resp = client
                .post(format!("{base}/v1/attempts/{}/submit", c.attempt))
                .bearer_auth(&c.token)
                .send()
                .await;
            let ok = completed(resp, |s| s.is_success()).await;
            let endpoint = if c.labs.is_empty() {
                "submit_mc"
            } else {
                "submit"
            };
            exam.record(endpoint, t, ok);
            Ok(())
        }
    })
    .await?;

    let mut exam_day = exam.report(steady_seconds);
    exam_day.extend(logins.report(logins_per_s.recip() * emails.len() as f64));
    let p99 = |r: &Recorder| {
        r.report(1.0)
            .iter()
            .find(|e| e.endpoint == "save")
            .map_or(0.0, |e| e.p99_ms)
    };
    let errors = exam_day.iter().map(|e| e.errors).sum::<u64>()
        + [&saturated, &ceilings, &quiet, &storm]
            .iter()
            .flat_map(|r| r.report(1.0))
            .map(|e| e.errors)
            .sum::<u64>();
    let (quiet_p99, storm_p99) = (p99(&quiet), p99(&storm));
    let submit_p99 = |endpoint: &str| {
        exam_day
            .iter()
            .find(|e| e.endpoint == endpoint)
            .map_or(0.0, |e| e.p99_ms)
    };
    let submit_p99_ratio_labs = submit_p99("submit") / submit_p99("submit_mc").max(0.001);
    Ok(Report {
        machine: machine(),
        candidates: candidates.len(),
        exam_day,
        server_peak_rss_mib: peak_rss_mib(pid),
        durable_commits_per_s,
        saturated_saves_per_s,
        save_ratio: 0.0,
        health_per_s: health,
        verify_per_s,
        verify_ratio: verify_per_s / health,
        argon2_verifications_per_s_per_core: 0.0,
        cores: 0,
        logins_per_s,
        login_ratio: 0.0,
        save_p99_ms_quiet: quiet_p99,
        save_p99_ms_login_storm: storm_p99,
        login_storm_p99_ratio: storm_p99 / quiet_p99.max(0.001),
        submit_p99_ratio_labs,
        labs_graded_per_s_per_core: 0.0,
        errors,
    })
}

async fn save(
    client: &reqwest::Client,
    base: &str,
    c: &Candidate,
    rec: &Recorder,
    name: &'static str,
) {
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
        .put(format!("{base}/v1/attempts/{}/answers/{qid}", c.attempt))
        .bearer_auth(&c.token)
        .json(&json!({ "selected": selected }))
        .send()
        .await;
    let ok = completed(resp, |s| s.is_success()).await;
    rec.record(name, t, ok);
}

/// Saves the candidate's artifact of one lab: the starter as edited `edits` times (each
/// save a new text, so each is graded).
async fn save_artifact(
    client: &reqwest::Client,
    base: &str,
    c: &Candidate,
    edits: usize,
    rec: &Recorder,
) {
    let (qid, starter) = &c.labs[edits % c.labs.len()];
    let artifact = format!("{starter}{}", "\n".repeat(1 + edits % 32));
    let t = Instant::now();
    let resp = client
        .put(format!("{base}/v1/attempts/{}/answers/{qid}", c.attempt))
        .bearer_auth(&c.token)
        .json(&json!({ "artifact": artifact }))
        .send()
        .await;
    let ok = completed(resp, |s| s.is_success()).await;
    rec.record("save_lab", t, ok);
}

/// Reads the whole answer, as a real client does (and as keeps its connection open for
/// the next request); whether it came with a status `expected` accepts.
async fn completed(
    resp: reqwest::Result<reqwest::Response>,
    expected: impl Fn(reqwest::StatusCode) -> bool,
) -> bool {
    match resp {
        Ok(r) => {
            let status = r.status();
            r.bytes().await.is_ok() && expected(status)
        }
        Err(_) => false,
    }
}

async fn heartbeat(client: &reqwest::Client, base: &str, c: &Candidate, rec: &Recorder) {
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let t = Instant::now();
    let resp = client
        .post(format!("{base}/v1/attempts/{}/events", c.attempt))
        .bearer_auth(&c.token)
        .json(&json!({"type": "heartbeat", "occurred_at": at}))
        .send()
        .await;
    let ok = completed(resp, |s| s.as_u16() == 202).await;
    rec.record("heartbeat", t, ok);
}

async fn verify(client: &reqwest::Client, base: &str, rec: &Recorder, name: &'static str) {
    let number =
        invigil::domain::certificate::CertificateNumber::generate("MLOA-F", &mut rand::rng());
    let t = Instant::now();
    let resp = client
        .get(format!("{base}/v1/verify/{number}"))
        .send()
        .await;
    // Random numbers are well-formed and unknown: 404 after the lookup is the right answer.
    let ok = completed(resp, |s| s.as_u16() == 404 || s.is_success()).await;
    rec.record(name, t, ok);
}

async fn paced_saves(
    client: &reqwest::Client,
    base: &str,
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
            save(client, base, &candidates[w], rec, "save").await;
            tokio::time::sleep(pace.saturating_sub(t.elapsed())).await;
        }
    });
    futures_util::future::join_all(tasks).await;
}

/// `connections` workers calling `f` back to back for `seconds`; returns how many calls.
async fn flood<F, Fut>(connections: usize, seconds: u64, f: F) -> u64
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

async fn in_parallel<I, T, F, Fut>(limit: usize, items: Vec<I>, f: F) -> anyhow::Result<Vec<T>>
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

/// Single-row durable commits per second with the server's own SQLite settings.
fn durable_commits_per_second(path: &std::path::Path, run_for: Duration) -> anyhow::Result<f64> {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
    conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")?;
    conn.batch_execute(
        "CREATE TABLE IF NOT EXISTS ceiling (id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
    )?;
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < run_for {
        conn.immediate_transaction(|c| {
            diesel::sql_query("INSERT INTO ceiling (v) VALUES ('x')").execute(c)
        })?;
        n += 1;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

fn argon2_verifications_per_second() -> anyhow::Result<f64> {
    let password = invigil::domain::account::Password::parse_attempt(PASSWORD)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = invigil::auth::password::hash(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < Duration::from_secs(2) {
        assert!(invigil::auth::password::verify(&hash, &password));
        n += 1;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

async fn create_candidates(db_url: &str, count: usize) -> anyhow::Result<()> {
    let db = invigil::db::Db::connect(db_url, 2, Duration::from_secs(5))?;
    db.migrate()?;
    let password = invigil::domain::account::Password::parse_attempt(PASSWORD)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // One hash for all: the server still verifies each login in full.
    let hash = invigil::auth::password::hash(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = invigil::db::to_db_time(chrono::Utc::now());
    db.write(move |conn| {
        for i in 0..count {
            let id = invigil::db::new_id();
            let email = format!("candidate{i}@bench.invigil");
            invigil::db::users::insert(
                conn,
                &invigil::db::users::NewUser {
                    id: &id,
                    email: &email,
                    full_name: "Bench Candidate",
                    role: "candidate",
                    password_hash: &hash,
                    created_at: now,
                    // Seeded as an admin would create them: their addresses count as verified.
                    email_verified_at: Some(now),
                },
            )?;
        }
        Ok(())
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))
}

fn start_server(
    args: &Args,
    db_url: &str,
    bank: &std::path::Path,
    port: u16,
) -> anyhow::Result<Child> {
    let server = match &args.server {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("invigil"),
    };
    if !server.exists() {
        bail!(
            "{} not found: build it first (cargo build --release --workspace)",
            server.display()
        );
    }
    Ok(Command::new(server)
        .arg("serve")
        .env("INVIGIL_DATABASE_URL", db_url)
        .env("INVIGIL_BIND", format!("127.0.0.1:{port}"))
        .env("INVIGIL_QUESTION_BANK", bank)
        .env("INVIGIL_VERIFY_RATE_PER_MINUTE", "10000000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?)
}

async fn wait_healthy(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(r) = client.get(format!("{base}/health")).send().await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not become healthy")
}

fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cores} cores, {cpu}")
}

fn print_report(r: &Report, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(r).unwrap_or_default());
        return;
    }
    println!("machine: {}", r.machine);
    println!("candidates: {}", r.candidates);
    println!(
        "{:<10} {:>9} {:>7} {:>10} {:>8} {:>8} {:>8} {:>8}",
        "endpoint", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for e in &r.exam_day {
        println!(
            "{:<10} {:>9} {:>7} {:>10.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            e.endpoint, e.requests, e.errors, e.throughput, e.p50_ms, e.p95_ms, e.p99_ms, e.max_ms
        );
    }
    println!("server peak RSS: {:.1} MiB", r.server_peak_rss_mib);
    println!(
        "save_ratio   = {:.2}  ({:.0} saturated saves/s ÷ {:.0} durable commits/s)",
        r.save_ratio, r.saturated_saves_per_s, r.durable_commits_per_s
    );
    println!(
        "verify_ratio = {:.2}  ({:.0} verify/s ÷ {:.0} health/s)",
        r.verify_ratio, r.verify_per_s, r.health_per_s
    );
    println!(
        "login_ratio  = {:.2}  ({:.1} logins/s ÷ ({:.1} Argon2id verifications/s/core × {} cores))",
        r.login_ratio, r.logins_per_s, r.argon2_verifications_per_s_per_core, r.cores
    );
    println!(
        "login storm p99 ratio = {:.2}  (save p99 {:.1} ms during a login storm ÷ {:.1} ms without)",
        r.login_storm_p99_ratio, r.save_p99_ms_login_storm, r.save_p99_ms_quiet
    );
    println!(
        "submit p99 ratio with labs = {:.2}  (forms with two labs ÷ forms without, same run)",
        r.submit_p99_ratio_labs
    );
    println!(
        "labs graded: {:.0}/s per core",
        r.labs_graded_per_s_per_core
    );
    println!("errors: {}", r.errors);
}
