//! How long item statistics take over many attempts: seeds a fresh SQLite database with
//! `--attempts` scored attempts of MLOA-P forms drawn from the shipped bank (choice items
//! answered at random, labs left unanswered), then times the statistics as
//! `GET /v1/admin/certifications/MLOA-P/item-statistics` computes them. The target is
//! 10,000 attempts in under 2 s; this prints the time and is never a pass/fail test.

use clap::Parser;
use invigil::db::attempts::{AnswerRow, AttemptQuestionRow, AttemptRow};
use invigil::domain::form;
use invigil::domain::lifecycle::AttemptStatus;
use rand::Rng;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// Scored attempts to seed.
    #[arg(long, default_value_t = 10_000)]
    attempts: usize,
    /// The bank folder.
    #[arg(long, default_value = "question-bank")]
    bank: std::path::PathBuf,
    /// The certification.
    #[arg(long, default_value = "MLOA-P")]
    code: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let url = dir.path().join("stats.db").to_string_lossy().into_owned();
    let db = invigil::db::Db::connect(&url, 2, Duration::from_secs(30))?;
    db.migrate()?;
    let bank = invigil::bank::load_or_explain(&args.bank)?;
    let now = chrono::Utc::now();
    let mut conn = db.writer_blocking().map_err(|e| anyhow::anyhow!("{e}"))?;
    invigil::db::write_transaction(&mut conn, |c| {
        Ok::<_, invigil::error::ApiError>(invigil::db::catalog::import(c, &bank, now)?)
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;

    let seeding = Instant::now();
    let (code, count) = (args.code.clone(), args.attempts);
    invigil::db::write_transaction(&mut conn, |c| seed(c, &code, count, now))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "seeded {count} scored attempts of {code} in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let stats = invigil::service::statistics::compute(&mut conn, &args.code, false)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let took = started.elapsed();
    println!(
        "item statistics: {} attempts, {} items, alpha {:?}, in {:.3} s (target: under 2 s for 10,000)",
        stats.test.attempts,
        stats.items.len(),
        stats.test.cronbach_alpha,
        took.as_secs_f64()
    );
    Ok(())
}

/// Candidates, each with one scored attempt of a freshly drawn form, choice items answered
/// right with a probability that grows with the candidate's ability.
fn seed(
    conn: &mut invigil::db::DbConn,
    code: &str,
    count: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), invigil::error::ApiError> {
    use diesel::RunQueryDsl;
    use invigil::db::schema::{answers, attempt_questions, attempts};
    let cert =
        invigil::db::catalog::stored(conn, code)?.ok_or(invigil::error::ApiError::NotFound)?;
    let domains: Vec<(String, usize)> = cert
        .domains
        .iter()
        .map(|d| (d.name.clone(), d.questions as usize))
        .collect();
    let pool_rows = invigil::db::attempts::pool(conn, code, false)?;
    let pool: Vec<form::PoolItem> = pool_rows
        .iter()
        .map(|(domain, group, v)| form::PoolItem {
            question_id: v.question_id.clone(),
            version: v.version,
            domain: domain.clone(),
            group: group.clone(),
            kind: invigil::domain::kinds::QuestionKind::parse(&v.kind)
                .unwrap_or(invigil::domain::kinds::QuestionKind::Single),
            option_count: serde_json::from_str::<Vec<String>>(&v.options)
                .map(|o| o.len())
                .unwrap_or(0),
        })
        .collect();
    let keys: std::collections::HashMap<&str, Vec<usize>> = pool_rows
        .iter()
        .map(|(_, _, v)| {
            let correct = serde_json::from_str(&v.correct).unwrap_or_default();
            (v.question_id.as_str(), correct)
        })
        .collect();
    let at = invigil::db::to_db_time(now);
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$bench$bench";
    let mut rng = rand::rng();
    for i in 0..count {
        let user = invigil::db::new_id();
        let email = format!("stats{i}@bench.invigil");
        invigil::db::users::insert(
            conn,
            &invigil::db::users::NewUser {
                id: &user,
                email: &email,
                full_name: "Bench Candidate",
                role: "candidate",
                password_hash: hash,
                created_at: at,
                email_verified_at: Some(at),
            },
        )?;
        let ability: f64 = rng.random_range(0.2..0.95);
        let seed = form::new_seed();
        let drawn =
            form::draw(&seed, &domains, &pool).map_err(invigil::error::ApiError::internal)?;
        let id = invigil::db::new_id();
        diesel::insert_into(attempts::table)
            .values(&AttemptRow {
                id: id.clone(),
                user_id: user,
                certification_code: code.to_string(),
                status: if ability > 0.7 {
                    AttemptStatus::Passed
                } else {
                    AttemptStatus::Failed
                }
                .as_str()
                .into(),
                seed: hex(&seed),
                started_at: at,
                deadline: at + chrono::Duration::minutes(120),
                pass_mark_tenths: 720,
                closed_at: Some(at + chrono::Duration::minutes(100)),
                paused_at: None,
                extra_time_percent: 0,
                practice: false,
            })
            .execute(conn)?;
        let mut questions = Vec::with_capacity(drawn.len());
        let mut saved = Vec::new();
        for d in &drawn {
            questions.push(AttemptQuestionRow {
                attempt_id: id.clone(),
                position: d.position as i32,
                public_id: d.public_id.clone(),
                question_id: d.question_id.clone(),
                version: d.version,
                domain: d.domain.clone(),
                option_order: serde_json::to_string(&d.option_order).unwrap_or_default(),
                option_ids: serde_json::to_string(&d.option_ids).unwrap_or_default(),
            });
            let key = &keys[d.question_id.as_str()];
            if d.option_ids.is_empty() || key.is_empty() {
                continue; // a lab: left unanswered
            }
            let right = rng.random_bool(ability);
            let original: Vec<usize> = if right {
                key.clone()
            } else {
                vec![(key[0] + 1) % d.option_ids.len()]
            };
            let selected: Vec<&String> = original
                .iter()
                .filter_map(|o| d.option_order.iter().position(|x| x == o))
                .map(|shown| &d.option_ids[shown])
                .collect();
            saved.push(AnswerRow {
                attempt_id: id.clone(),
                position: d.position as i32,
                selected: serde_json::to_string(&selected).unwrap_or_default(),
                revision: 1,
                saved_at: at,
                artifact: None,
                diagnostics: None,
                grade: None,
            });
        }
        // Rows in batches, which the SQLite connection itself takes.
        if let invigil::db::DbConn::Sqlite(c) = conn {
            diesel::insert_into(attempt_questions::table)
                .values(&questions)
                .execute(c)?;
            diesel::insert_into(answers::table)
                .values(&saved)
                .execute(c)?;
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
