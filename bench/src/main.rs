//! invigil-bench: the exam-day scenario against real `invigil serve` processes on
//! loopback (one on SQLite; two sharing a PostgreSQL database), and the ceilings it is
//! measured against, on the same machine in the same run.

mod aging;
mod database;
mod labs;
mod record;
mod report;
mod requests;

use anyhow::{bail, Context};
use clap::Parser;
use database::Target;
use record::{completed, Recorder};
use report::Report;
use requests::{
    flood, heartbeat, in_parallel, paced_saves, save, save_artifact, verify, Candidate,
};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
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
    /// The share of attempts aged to the end of a three-hour exam before the exam-day
    /// phase (0 to 1).
    #[arg(long, default_value_t = 0.5)]
    aged: f64,
    /// The share of candidates whose forms carry two labs (0 to 1); the others sit a copy
    /// of MLOA-F without labs.
    #[arg(long, default_value_t = 0.5)]
    lab_share: f64,
    /// A PostgreSQL server URL: the run uses a fresh database on it (dropped afterwards)
    /// and two `invigil serve` instances. Without it, a fresh SQLite file and one.
    #[arg(long)]
    database: Option<String>,
    /// `INVIGIL_DB_POOL_SIZE` of each instance (default: the server's own).
    #[arg(long)]
    pool_size: Option<u32>,
    /// The server binary (default: `invigil` beside this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Only measure lab grading on one core, print it and stop.
    #[arg(long)]
    grading_only: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

const PASSWORD: &str = "bench passphrase for candidates";
/// The server's own default `INVIGIL_DB_POOL_SIZE`.
const DEFAULT_POOL_SIZE: u32 = 8;

/// Whether the `i`th of a sequence falls in the `share` of it, spread evenly.
fn in_share(i: usize, share: f64) -> bool {
    ((i + 1) as f64 * share).floor() > (i as f64 * share).floor()
}

/// Whether candidate `i` sits an aged attempt: pairs (one with labs, one without) are
/// aged together, `share` of them spread evenly.
fn is_aged(i: usize, share: f64) -> bool {
    in_share(i / 2, share)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.aged) || !(0.0..=1.0).contains(&args.lab_share) {
        bail!("--aged and --lab-share are shares, 0 to 1");
    }
    if args.grading_only {
        let grading = labs::grading(&shipped_bank(), Duration::from_secs(4))?;
        println!(
            "{}",
            report::grading_line(
                grading.per_s_per_core,
                &grading.slowest.0,
                grading.slowest.1
            )
        );
        return Ok(());
    }
    let dir = tempfile::Builder::new()
        .prefix("invigil-bench")
        .tempdir_in(std::env::current_dir()?)?;
    let target = Target::create(args.database.as_deref(), dir.path())?;
    let outcome = bench(&args, &target, dir.path()).await;
    if let Err(e) = target.drop_database() {
        eprintln!("could not drop the run's database: {e}");
    }
    let report = outcome?;
    report::print(&report, args.json);
    if report.errors > 0 {
        bail!("{} requests failed", report.errors);
    }
    Ok(())
}

/// The bank the server is given: `INVIGIL_QUESTION_BANK`, or the checkout's.
fn shipped_bank() -> PathBuf {
    PathBuf::from(std::env::var("INVIGIL_QUESTION_BANK").unwrap_or_else(|_| "question-bank".into()))
}

async fn bench(args: &Args, target: &Target, dir: &std::path::Path) -> anyhow::Result<Report> {
    eprintln!("measuring the hashing ceiling on this machine…");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let argon2_per_core = argon2_verifications_per_second()?;

    eprintln!("measuring lab grading on one core…");
    let shipped = shipped_bank();
    let grading = labs::grading(&shipped, Duration::from_secs(2))?;
    let bank = labs::bench_bank(&shipped, dir)?;

    eprintln!("creating {} candidates…", args.candidates);
    let db_url = target.url();
    let db = invigil::db::Db::connect(&db_url, 2, Duration::from_secs(30))?;
    db.migrate()?;
    create_candidates(&db, args.candidates).await?;

    let instances = match target {
        Target::Sqlite { .. } => 1,
        Target::Postgres { .. } => 2,
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        // Shorter than the server's keep-alive: never reuse a connection it may be closing.
        .pool_idle_timeout(Duration::from_secs(50))
        .timeout(Duration::from_secs(60))
        .build()?;
    let mut servers: Vec<Child> = Vec::new();
    let mut bases = Vec::new();
    // One after the other: the first migrates and imports the bank.
    for _ in 0..instances {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        servers.push(start_server(args, &db_url, &bank, port)?);
        let base = format!("http://127.0.0.1:{port}");
        wait_healthy(&client, &base).await?;
        bases.push(base);
    }
    let pids: Vec<u32> = servers.iter().map(Child::id).collect();
    let outcome = run(args, &client, &bases, &pids, target, &db).await;
    for mut server in servers {
        let _ = server.kill();
        let _ = server.wait();
    }
    let mut report = outcome?;
    report.database = target.name().into();
    report.instances = instances;
    report.save_ratio = report.saturated_saves_per_s / report.durable_commits_per_s;
    if instances > 1 {
        report.pg_save_ratio = Some(report.save_ratio);
    }
    report.argon2_verifications_per_s_per_core = argon2_per_core;
    report.cores = cores;
    report.login_ratio = report.logins_per_s / (argon2_per_core * cores as f64);
    report.labs_graded_per_s_per_core = grading.per_s_per_core;
    report.slowest_lab_grading_ms = grading.slowest.1;
    report.slowest_lab = grading.slowest.0;
    Ok(report)
}

async fn run(
    args: &Args,
    client: &reqwest::Client,
    bases: &[String],
    pids: &[u32],
    target: &Target,
    db: &invigil::db::Db,
) -> anyhow::Result<Report> {
    let emails: Vec<String> = (0..args.candidates)
        .map(|i| format!("candidate{i}@bench.invigil"))
        .collect();
    let base_of = |i: usize| bases[i % bases.len()].clone();

    eprintln!("login storm: {} logins…", emails.len());
    let logins = Recorder::default();
    let started = Instant::now();
    let numbered: Vec<(usize, String)> = emails.iter().cloned().enumerate().collect();
    let tokens = in_parallel(args.connections, numbered, |(i, email)| {
        let (client, base, logins) = (client.clone(), base_of(i), &logins);
        async move {
            let t = Instant::now();
            let resp = client
                .post(format!("{base}/v1/auth/login"))
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await;
            let (outcome, body) = match resp {
                Ok(r) if r.status().is_success() => (Ok(()), r.json::<Value>().await.ok()),
                other => (completed(other, |_| false).await, None),
            };
            logins.record("login", t, outcome);
            let body = body.context("a login failed")?;
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
    let tokens: Vec<(usize, String)> = tokens.into_iter().enumerate().collect();
    let candidates: Vec<Candidate> = in_parallel(args.connections, tokens, |(i, token)| {
        let (client, base, exam) = (client.clone(), base_of(i), exam.clone());
        let code = if in_share(i, args.lab_share) {
            labs::WITH_LABS
        } else {
            labs::WITHOUT_LABS
        };
        let aged = is_aged(i, args.aged);
        async move {
            let t = Instant::now();
            let resp = client
                .post(format!("{base}/v1/certifications/{code}/attempts"))
                .bearer_auth(&token)
                .send()
                .await;
            let (outcome, attempt) = match resp {
                Ok(r) if r.status().as_u16() == 201 => (Ok(()), r.json::<Value>().await.ok()),
                other => (completed(other, |_| false).await, None),
            };
            exam.record("start", t, outcome);
            let attempt = attempt.context("an attempt did not start")?;
            candidate(base, token, &attempt, aged)
        }
    })
    .await?;
    let candidates = Arc::new(candidates);

    let aged: Vec<aging::Aged> = candidates
        .iter()
        .filter(|c| c.aged)
        .map(|c| aging::Aged {
            attempt: c.attempt.clone(),
            questions: c.questions.len() + c.labs.len(),
        })
        .collect();
    let aged_attempts = aged.len();
    let aging_started = Instant::now();
    let mut unsettled = None;
    if let Some(first) = candidates.iter().find(|c| c.aged) {
        eprintln!("aging {aged_attempts} attempts to the end of a three-hour exam…");
        // One real event tells which client the server records for the bench.
        let probe = Recorder::default();
        heartbeat(client, first, &probe, "warm_up").await;
        let recorded = aging::recorded_client(db, first.attempt.clone()).await?;
        aging::age(db, aged, recorded).await?;
        eprintln!("settling the database as three hours of background work would have…");
        let settling = target.clone();
        unsettled = tokio::task::spawn_blocking(move || settling.settle()).await??;
    }
    let aging_seconds = aging_started.elapsed().as_secs_f64();

    // Real candidates' pages send heartbeats from the start; the bench's stayed silent
    // while the others started and aged, so one heartbeat each now keeps the silence
    // sweep from flagging them all inside the measured minute.
    eprintln!("one heartbeat from every candidate before the exam-day minute…");
    let warm_up = Recorder::default();
    in_parallel(args.connections, (0..candidates.len()).collect(), |i| {
        let (client, candidates, warm_up) = (client.clone(), candidates.clone(), &warm_up);
        async move {
            heartbeat(&client, &candidates[i], warm_up, "warm_up").await;
            Ok(())
        }
    })
    .await?;

    eprintln!(
        "exam day: {} candidates for {} s…",
        candidates.len(),
        args.duration
    );
    let steady = Instant::now();
    let until = steady + Duration::from_secs(args.duration);
    let mut tasks = Vec::new();
    for i in 0..candidates.len() {
        let (client, exam, candidates, args) = (
            client.clone(),
            exam.clone(),
            candidates.clone(),
            args.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let c = &candidates[i];
            // Spread the candidates over the interval, as real ones are.
            let offset = rand::Rng::random_range(&mut rand::rng(), 0.0..args.save_every);
            tokio::time::sleep(Duration::from_secs_f64(offset)).await;
            let mut next_heartbeat = Instant::now();
            let mut edits = 0;
            while Instant::now() < until {
                save(&client, c, &exam, c.endpoint("save", "save_aged")).await;
                // Beside the choice answers, the artifact being edited is saved too.
                if !c.labs.is_empty() {
                    edits += 1;
                    save_artifact(&client, c, edits, &exam).await;
                }
                if Instant::now() >= next_heartbeat {
                    let name = c.endpoint("heartbeat", "heartbeat_aged");
                    heartbeat(&client, c, &exam, name).await;
                    next_heartbeat += Duration::from_secs_f64(args.heartbeat_every);
                }
                tokio::time::sleep(Duration::from_secs_f64(args.save_every)).await;
            }
        }));
    }
    let verifier = {
        let (client, bases, exam, rate) = (
            client.clone(),
            bases.to_vec(),
            exam.clone(),
            args.verify_rate,
        );
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
            let mut n = 0;
            while Instant::now() < until {
                tick.tick().await;
                let (client, base, exam) =
                    (client.clone(), bases[n % bases.len()].clone(), exam.clone());
                n += 1;
                tokio::spawn(async move { verify(&client, &base, &exam, "verify").await });
            }
        })
    };
    for t in tasks {
        t.await?;
    }
    verifier.await?;
    let steady_seconds = steady.elapsed().as_secs_f64();

    // The ceiling is measured on the same database just before the saves it is compared
    // with, on as many connections as the instances' pools hold.
    let ceiling_connections = match target {
        Target::Sqlite { .. } => 1,
        Target::Postgres { .. } => {
            bases.len() * args.pool_size.unwrap_or(DEFAULT_POOL_SIZE) as usize
        }
    };
    eprintln!("measuring durable single-row commits on {ceiling_connections} connection(s)…");
    let durable_commits_per_s = {
        let probe = target.clone();
        tokio::task::spawn_blocking(move || {
            probe.commit_ceiling(ceiling_connections, Duration::from_secs(3))
        })
        .await??
    };
    eprintln!(
        "saturation: answer saves on {} connections…",
        args.connections
    );
    let saturated = Recorder::default();
    let saves = flood(args.connections, args.phase_seconds, |w, _| {
        let (client, candidates, saturated) = (client.clone(), candidates.clone(), &saturated);
        async move {
            save(
                &client,
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
    let health = flood(args.connections, args.phase_seconds, |w, _| {
        let (client, base, ceilings) = (client.clone(), base_of(w), &ceilings);
        async move {
            let t = Instant::now();
            let resp = client.get(format!("{base}/health")).send().await;
            ceilings.record("health", t, completed(resp, |s| s.is_success()).await);
        }
    })
    .await as f64
        / args.phase_seconds as f64;
    let verify_per_s = flood(args.connections, args.phase_seconds, |w, _| {
        let (client, base, ceilings) = (client.clone(), base_of(w), &ceilings);
        async move { verify(&client, &base, ceilings, "verify").await }
    })
    .await as f64
        / args.phase_seconds as f64;

    eprintln!("answer saves without and with a login storm…");
    let pace = Duration::from_millis(500);
    let quiet = Recorder::default();
    paced_saves(client, &candidates, &quiet, pace, args.phase_seconds).await;
    let storm = Recorder::default();
    let storm_logins = Arc::new(Recorder::default());
    let storming = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let stormers: Vec<_> = (0..16)
        .map(|w| {
            let (client, emails, storming, storm_logins) = (
                client.clone(),
                emails.clone(),
                storming.clone(),
                storm_logins.clone(),
            );
            let base = base_of(w);
            tokio::spawn(async move {
                let mut n = 0;
                while storming.load(std::sync::atomic::Ordering::Relaxed) {
                    let email = &emails[(w * 7919 + n) % emails.len()];
                    let t = Instant::now();
                    let resp = client
                        .post(format!("{base}/v1/auth/login"))
                        .json(&json!({"email": email, "password": PASSWORD}))
                        .send()
                        .await;
                    // An account hammered is throttled (429) before any hashing: with few
                    // candidates the storm meets that, which is the server doing its job.
                    let outcome = completed(resp, |s| s.is_success() || s.as_u16() == 429).await;
                    storm_logins.record("storm_login", t, outcome);
                    n += 1;
                }
                n
            })
        })
        .collect();
    paced_saves(client, &candidates, &storm, pace, args.phase_seconds).await;
    storming.store(false, std::sync::atomic::Ordering::Relaxed);
    for s in stormers {
        s.await?;
    }

    eprintln!("submitting {} attempts…", candidates.len());
    in_parallel(args.connections, (0..candidates.len()).collect(), |i| {
        let (client, exam, candidates) = (client.clone(), exam.clone(), candidates.clone());
        async move {
            let c = &candidates[i];
            let t = Instant::now();
            let resp = client
                .post(format!("{}/v1/attempts/{}/submit", c.base, c.attempt))
                .bearer_auth(&c.token)
                .send()
                .await;
            let endpoint = if c.labs.is_empty() {
                "submit_mc"
            } else {
                "submit"
            };
            exam.record(endpoint, t, completed(resp, |s| s.is_success()).await);
            Ok(())
        }
    })
    .await?;

    let mut exam_day = exam.report(steady_seconds);
    exam_day.extend(logins.report(logins_per_s.recip() * emails.len() as f64));
    let failures: Vec<_> = exam_day
        .iter()
        .cloned()
        .chain(
            [
                &warm_up,
                &saturated,
                &ceilings,
                &quiet,
                &storm,
                &*storm_logins,
            ]
            .iter()
            .flat_map(|r| r.report(1.0)),
        )
        .filter(|e| e.errors > 0)
        .collect();
    let errors = failures.iter().map(|e| e.errors).sum();
    let (quiet_p99, storm_p99) = (quiet.p99("save"), storm.p99("save"));
    let ratio = |a: &str, b: &str| exam.p99(a) / exam.p99(b).max(0.001);
    Ok(Report {
        machine: machine(),
        candidates: candidates.len(),
        aged_attempts,
        aged_timeline: match unsettled {
            Some(note) => format!("{}; {note}", aging::describe()),
            None => aging::describe(),
        },
        aging_seconds,
        long_exam_heartbeat_p99_ratio: ratio("heartbeat_aged", "heartbeat"),
        long_exam_save_p99_ratio: ratio("save_aged", "save"),
        submit_p99_ratio_labs: ratio("submit", "submit_mc"),
        exam_day,
        server_peak_rss_mib: pids.iter().map(|p| peak_rss_mib(*p)).fold(0.0, f64::max),
        durable_commits_per_s,
        commit_ceiling_connections: ceiling_connections,
        saturated_saves_per_s,
        saturated_saves: saturated.report(args.phase_seconds as f64),
        health_per_s: health,
        verify_per_s,
        verify_ratio: verify_per_s / health,
        logins_per_s,
        save_p99_ms_quiet: quiet_p99,
        save_p99_ms_login_storm: storm_p99,
        login_storm_p99_ratio: storm_p99 / quiet_p99.max(0.001),
        failures,
        errors,
        ..Default::default()
    })
}

/// The candidate a started attempt makes: its choice questions and labs.
fn candidate(
    base: String,
    token: String,
    attempt: &Value,
    aged: bool,
) -> anyhow::Result<Candidate> {
    let all = attempt["questions"].as_array().context("no questions")?;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let labs = all
        .iter()
        .filter(|q| q["kind"] == "lab")
        .map(|q| (text(&q["id"]), text(&q["artifact"]["starter"])))
        .collect();
    let questions = all
        .iter()
        .filter(|q| q["kind"] != "lab")
        .map(|q| {
            let options = q["options"]
                .as_array()
                .map(|o| o.iter().map(|o| text(&o["id"])).collect())
                .unwrap_or_default();
            (text(&q["id"]), options, text(&q["kind"]))
        })
        .collect();
    Ok(Candidate {
        base,
        token,
        attempt: attempt["id"].as_str().context("no id")?.to_string(),
        questions,
        labs,
        aged,
    })
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

async fn create_candidates(db: &invigil::db::Db, count: usize) -> anyhow::Result<()> {
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
    let mut command = server_command(args)?;
    if let Some(size) = args.pool_size {
        command.env("INVIGIL_DB_POOL_SIZE", size.to_string());
    }
    Ok(command
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

fn server_command(args: &Args) -> anyhow::Result<Command> {
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
    Ok(Command::new(server))
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
