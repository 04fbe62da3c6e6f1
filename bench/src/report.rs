//! What a run measured, printed as a table or as JSON.

use crate::record::{print_failures, EndpointStats};
use serde::Serialize;

#[derive(Serialize, Default)]
pub struct Report {
    pub machine: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// `invigil serve` processes the candidates were split between.
    pub instances: usize,
    pub candidates: usize,
    /// Attempts whose timelines were aged to a three-hour exam, and how.
    pub aged_attempts: usize,
    pub aged_timeline: String,
    pub aging_seconds: f64,
    /// The exam-day phase; `*_aged` endpoints are the aged attempts' requests.
    pub exam_day: Vec<EndpointStats>,
    /// Heartbeat p99 on aged attempts ÷ on fresh ones, same run.
    pub long_exam_heartbeat_p99_ratio: f64,
    /// Answer-save p99 on aged attempts ÷ on fresh ones, same run.
    pub long_exam_save_p99_ratio: f64,
    /// The largest peak RSS of the instances.
    pub server_peak_rss_mib: f64,
    pub durable_commits_per_s: f64,
    /// Connections the commit ceiling was measured with (the instances' pools).
    pub commit_ceiling_connections: usize,
    pub saturated_saves_per_s: f64,
    pub save_ratio: f64,
    /// On PostgreSQL: saturated saves/s ÷ single-row commits/s on as many connections
    /// as the instances' pools.
    pub pg_save_ratio: Option<f64>,
    pub saturated_saves: Vec<EndpointStats>,
    pub health_per_s: f64,
    pub verify_per_s: f64,
    pub verify_ratio: f64,
    pub argon2_verifications_per_s_per_core: f64,
    pub cores: usize,
    pub logins_per_s: f64,
    pub login_ratio: f64,
    pub save_p99_ms_quiet: f64,
    pub save_p99_ms_login_storm: f64,
    pub login_storm_p99_ratio: f64,
    /// Submit p99 of forms with two labs ÷ of forms without, in the same run.
    pub submit_p99_ratio_labs: f64,
    pub labs_graded_per_s_per_core: f64,
    /// The bank's lab that costs most to grade, and what one grading of its reference costs.
    pub slowest_lab: String,
    pub slowest_lab_grading_ms: f64,
    /// Every failed request of every phase, by endpoint and kind.
    pub failures: Vec<EndpointStats>,
    pub errors: u64,
}

pub fn print(r: &Report, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(r).unwrap_or_default());
        return;
    }
    println!("machine: {}", r.machine);
    println!(
        "database: {} ({} instance{})",
        r.database,
        r.instances,
        if r.instances == 1 { "" } else { "s" }
    );
    println!("candidates: {}", r.candidates);
    println!(
        "aged attempts: {} ({}; {:.0} s to write)",
        r.aged_attempts, r.aged_timeline, r.aging_seconds
    );
    println!(
        "{:<15} {:>9} {:>7} {:>10} {:>8} {:>8} {:>8} {:>8}",
        "endpoint", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for e in &r.exam_day {
        println!(
            "{:<15} {:>9} {:>7} {:>10.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            e.endpoint, e.requests, e.errors, e.throughput, e.p50_ms, e.p95_ms, e.p99_ms, e.max_ms
        );
    }
    println!(
        "long_exam_heartbeat_p99_ratio = {:.2}  (aged ÷ fresh, same run); saves {:.2}",
        r.long_exam_heartbeat_p99_ratio, r.long_exam_save_p99_ratio
    );
    println!("server peak RSS: {:.1} MiB", r.server_peak_rss_mib);
    println!(
        "save_ratio   = {:.2}  ({:.0} saturated saves/s ÷ {:.0} durable commits/s on {} connection{})",
        r.save_ratio,
        r.saturated_saves_per_s,
        r.durable_commits_per_s,
        r.commit_ceiling_connections,
        if r.commit_ceiling_connections == 1 { "" } else { "s" }
    );
    if let Some(ratio) = r.pg_save_ratio {
        println!("pg_save_ratio = {ratio:.2}");
    }
    if let Some(s) = r.saturated_saves.first() {
        println!(
            "saturated saves: p50 {:.1} ms, p99 {:.1} ms",
            s.p50_ms, s.p99_ms
        );
    }
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
        "{}",
        grading_line(
            r.labs_graded_per_s_per_core,
            &r.slowest_lab,
            r.slowest_lab_grading_ms
        )
    );
    println!("errors: {}", r.errors);
    print_failures(&r.failures);
}

/// How lab grading fared on one core, in one line.
pub fn grading_line(per_s_per_core: f64, slowest_lab: &str, slowest_ms: f64) -> String {
    format!("labs graded: {per_s_per_core:.0}/s per core (slowest: {slowest_lab} at {slowest_ms:.2} ms)")
}
