//! Settings from `INVIGIL_*` environment variables, each with a default, so that
//! `invigil serve` runs with no configuration at all.

mod messaging;

pub use messaging::Messaging;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the server reads from its environment.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `INVIGIL_BIND`, default `127.0.0.1:8080`.
    pub bind: SocketAddr,
    /// `INVIGIL_DATABASE_URL`: a SQLite file path (or `sqlite://path`) or `postgres://…`.
    pub database_url: String,
    /// `INVIGIL_DB_POOL_SIZE`: connections per instance for reads (PostgreSQL: for everything).
    pub db_pool_size: u32,
    /// `INVIGIL_DB_TIMEOUT_MS`: how long a request waits for a connection before 503.
    pub db_timeout: Duration,
    /// `INVIGIL_WORKERS`: HTTP worker threads; default: one per core.
    pub workers: usize,
    /// `INVIGIL_JWT_SECRET`: HMAC secret for access tokens (≥ 32 bytes). When unset, one
    /// is generated on first start and kept in the database so all instances agree.
    pub jwt_secret: Option<String>,
    /// `INVIGIL_JWT_ISSUER`, default `invigil`.
    pub jwt_issuer: String,
    /// `INVIGIL_ACCESS_TOKEN_TTL_SECONDS`, default 900 (15 minutes).
    pub access_token_ttl: Duration,
    /// `INVIGIL_REFRESH_TOKEN_TTL_DAYS`, default 30.
    pub refresh_token_ttl: Duration,
    /// How long a sign-in lasts however often its refresh token is renewed: past it, the
    /// user signs in again.
    pub session_max: Duration,
    /// `INVIGIL_TRUST_FORWARDED_FOR`: take the client address from `X-Forwarded-For`
    /// (only behind a load balancer that sets it), default false.
    pub trust_forwarded_for: bool,
    /// `INVIGIL_TRUSTED_PROXIES`: how many proxies of ours append to `X-Forwarded-For`
    /// (1 to 10, default 1); the client is the entry the outermost of them appended.
    pub trusted_proxies: usize,
    /// `INVIGIL_QUESTION_BANK`, default `./question-bank`.
    pub question_bank: PathBuf,
    /// `INVIGIL_ANSWER_GRACE_SECONDS`, default 15.
    pub answer_grace: Duration,
    /// `INVIGIL_LOG_FORMAT`: `text` (default) or `json`.
    pub log_json: bool,
    /// `INVIGIL_SWEEP_INTERVAL_MS`: how often each instance finalises expired attempts.
    pub sweep_interval: Duration,
    /// `INVIGIL_VERIFY_RATE_PER_MINUTE`: public verifications per client address and minute.
    pub verify_rate_per_minute: u32,
    /// `INVIGIL_PARTNER_REQUESTS_PER_MINUTE`: requests per partner API key and minute,
    /// counted across instances.
    pub partner_requests_per_minute: u32,
    /// Proctoring thresholds and flag weights (`INVIGIL_REVIEW_BAR`, `INVIGIL_FLAG_WEIGHTS`, …).
    pub proctoring: crate::domain::proctoring::Rules,
    /// E-mail verification, mail and webhooks.
    pub messaging: Messaging,
}

/// The audience every access token is issued for and checked against.
pub const TOKEN_AUDIENCE: &str = "invigil-api";

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "invigil.db".into(),
            db_pool_size: 8,
            db_timeout: Duration::from_millis(2_000),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            jwt_secret: None,
            jwt_issuer: "invigil".into(),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            session_max: Duration::from_secs(30 * 24 * 3600),
            trust_forwarded_for: false,
            trusted_proxies: 1,
            question_bank: PathBuf::from("question-bank"),
            answer_grace: Duration::from_secs(15),
            log_json: false,
            sweep_interval: Duration::from_secs(5),
            verify_rate_per_minute: 60,
            partner_requests_per_minute: 600,
            proctoring: crate::domain::proctoring::Rules::default(),
            messaging: Messaging::default(),
        }
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so that tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut s = Settings::default();
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if let Some(v) = get("INVIGIL_BIND") {
            s.bind = v
                .parse()
                .map_err(|e| anyhow::anyhow!("INVIGIL_BIND={v:?}: {e}"))?;
        }
        if let Some(v) = get("INVIGIL_DATABASE_URL") {
            s.database_url = v;
        }
        if let Some(v) = get("INVIGIL_DB_POOL_SIZE") {
            s.db_pool_size = parse_num("INVIGIL_DB_POOL_SIZE", &v, 1, 512)? as u32;
        }
        if let Some(v) = get("INVIGIL_DB_TIMEOUT_MS") {
            s.db_timeout =
                Duration::from_millis(parse_num("INVIGIL_DB_TIMEOUT_MS", &v, 10, 60_000)?);
        }
        if let Some(v) = get("INVIGIL_WORKERS") {
            s.workers = parse_num("INVIGIL_WORKERS", &v, 1, 256)? as usize;
        }
        if let Some(v) = get("INVIGIL_JWT_SECRET") {
            anyhow::ensure!(
                v.len() >= 32,
                "INVIGIL_JWT_SECRET must be at least 32 bytes long"
            );
            s.jwt_secret = Some(v);
        }
        if let Some(v) = get("INVIGIL_JWT_ISSUER") {
            s.jwt_issuer = v;
        }
        if let Some(v) = get("INVIGIL_ACCESS_TOKEN_TTL_SECONDS") {
            s.access_token_ttl = Duration::from_secs(parse_num(
                "INVIGIL_ACCESS_TOKEN_TTL_SECONDS",
                &v,
                30,
                86_400,
            )?);
        }
        if let Some(v) = get("INVIGIL_REFRESH_TOKEN_TTL_DAYS") {
            let days = parse_num("INVIGIL_REFRESH_TOKEN_TTL_DAYS", &v, 1, 365)?;
            s.refresh_token_ttl = Duration::from_secs(days * 24 * 3600);
        }
        if let Some(v) = get("INVIGIL_SESSION_MAX_DAYS") {
            let days = parse_num("INVIGIL_SESSION_MAX_DAYS", &v, 1, 365)?;
            s.session_max = Duration::from_secs(days * 24 * 3600);
        }
        if let Some(v) = get("INVIGIL_TRUST_FORWARDED_FOR") {
            s.trust_forwarded_for = parse_bool("INVIGIL_TRUST_FORWARDED_FOR", &v)?;
        }
        if let Some(v) = get("INVIGIL_TRUSTED_PROXIES") {
            s.trusted_proxies = parse_num("INVIGIL_TRUSTED_PROXIES", &v, 1, 10)? as usize;
        }
        if let Some(v) = get("INVIGIL_QUESTION_BANK") {
            s.question_bank = PathBuf::from(v);
        }
        if let Some(v) = get("INVIGIL_ANSWER_GRACE_SECONDS") {
            s.answer_grace =
                Duration::from_secs(parse_num("INVIGIL_ANSWER_GRACE_SECONDS", &v, 0, 600)?);
        }
        if let Some(v) = get("INVIGIL_SWEEP_INTERVAL_MS") {
            s.sweep_interval =
                Duration::from_millis(parse_num("INVIGIL_SWEEP_INTERVAL_MS", &v, 10, 3_600_000)?);
        }
        if let Some(v) = get("INVIGIL_VERIFY_RATE_PER_MINUTE") {
            s.verify_rate_per_minute =
                parse_num("INVIGIL_VERIFY_RATE_PER_MINUTE", &v, 1, 10_000_000)? as u32;
        }
        if let Some(v) = get("INVIGIL_PARTNER_REQUESTS_PER_MINUTE") {
            s.partner_requests_per_minute =
                parse_num("INVIGIL_PARTNER_REQUESTS_PER_MINUTE", &v, 1, 10_000_000)? as u32;
        }
        let rules = &mut s.proctoring;
        if let Some(v) = get("INVIGIL_REVIEW_BAR") {
            rules.review_bar = parse_num("INVIGIL_REVIEW_BAR", &v, 0, 100)? as i64;
        }
        if let Some(v) = get("INVIGIL_FACE_NOT_DETECTED_COUNT") {
            rules.face_not_detected_count =
                parse_num("INVIGIL_FACE_NOT_DETECTED_COUNT", &v, 1, 1000)? as usize;
        }
        if let Some(v) = get("INVIGIL_FACE_NOT_DETECTED_WINDOW_SECONDS") {
            rules.face_not_detected_window = chrono::Duration::seconds(parse_num(
                "INVIGIL_FACE_NOT_DETECTED_WINDOW_SECONDS",
                &v,
                1,
                86_400,
            )? as i64);
        }
        if let Some(v) = get("INVIGIL_FOCUS_LOST_COUNT") {
            rules.focus_lost_count = parse_num("INVIGIL_FOCUS_LOST_COUNT", &v, 1, 1000)? as usize;
        }
        if let Some(v) = get("INVIGIL_FOCUS_LOST_MAX_SECONDS") {
            rules.focus_lost_longest = chrono::Duration::seconds(parse_num(
                "INVIGIL_FOCUS_LOST_MAX_SECONDS",
                &v,
                1,
                86_400,
            )? as i64);
        }
        if let Some(v) = get("INVIGIL_HEARTBEAT_GAP_SECONDS") {
            rules.heartbeat_gap =
                chrono::Duration::seconds(
                    parse_num("INVIGIL_HEARTBEAT_GAP_SECONDS", &v, 1, 86_400)? as i64,
                );
        }
        if let Some(v) = get("INVIGIL_FLAG_WEIGHTS") {
            for pair in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (name, weight) = pair.split_once('=').ok_or_else(|| {
                    anyhow::anyhow!("INVIGIL_FLAG_WEIGHTS: {pair:?} is not rule=weight")
                })?;
                let flag =
                    crate::domain::proctoring::Flag::parse(name.trim()).ok_or_else(|| {
                        anyhow::anyhow!("INVIGIL_FLAG_WEIGHTS: unknown rule {name:?}")
                    })?;
                rules.set_weight(
                    flag,
                    parse_num("INVIGIL_FLAG_WEIGHTS", weight.trim(), 0, 100)? as i64,
                );
            }
        }
        s.messaging.read(get, parse_bool)?;
        if let Some(v) = get("INVIGIL_LOG_FORMAT") {
            s.log_json = match v.as_str() {
                "json" => true,
                "text" => false,
                other => anyhow::bail!("INVIGIL_LOG_FORMAT={other:?}: expected text or json"),
            };
        }
        Ok(s)
    }
}

fn parse_num(name: &str, value: &str, min: u64, max: u64) -> anyhow::Result<u64> {
    let n: u64 = value
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{name}={value:?}: expected a whole number"))?;
    anyhow::ensure!(
        (min..=max).contains(&n),
        "{name}={n}: expected {min}..={max}"
    );
    Ok(n)
}

fn parse_bool(name: &str, value: &str) -> anyhow::Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => anyhow::bail!("{name}={value:?}: expected true or false"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_environment() {
        let s = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url, "invigil.db");
        assert_eq!(s.access_token_ttl, Duration::from_secs(900));
        assert_eq!(s.answer_grace, Duration::from_secs(15));
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let err = Settings::from_lookup(|n| (n == "INVIGIL_JWT_SECRET").then(|| "short".into()));
        assert!(err.is_err());
    }

    #[test]
    fn out_of_range_numbers_are_refused() {
        let err = Settings::from_lookup(|n| (n == "INVIGIL_DB_POOL_SIZE").then(|| "0".into()));
        assert!(err.is_err());
    }
}
