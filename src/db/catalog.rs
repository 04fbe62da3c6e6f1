//! The catalog and question bank in the database: importing a validated bank, reading
//! certifications. Questions are versioned by content hash and never deleted.

use super::schema::{
    certification_domains as cd, certification_prerequisites as cp, certifications as c,
};
use super::schema::{program_guide as pg, question_versions as qv, questions as q};
use super::{to_db_time, DbConn};
use crate::bank::{Bank, Certification, Question};
use crate::domain::guide::ProgramGuide;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = c)]
pub struct CertificationRow {
    pub code: String,
    pub title: String,
    pub track: String,
    pub level: String,
    pub recommended_order: i32,
    pub validity_months: i32,
    pub renewal_window_days: i32,
    pub duration_minutes: i32,
    pub question_count: i32,
    pub pass_mark_tenths: i32,
    pub band_min_tenths: i32,
    pub band_max_tenths: i32,
    pub cut_score: String,
    pub max_attempts_per_year: i32,
    pub retake_wait_days: i32,
    pub active: bool,
    /// The guide's page of it (`CertificationGuide` as JSON).
    pub guide: String,
}

impl From<&Certification> for CertificationRow {
    fn from(cert: &Certification) -> Self {
        CertificationRow {
            code: cert.code.clone(),
            title: cert.title.clone(),
            track: cert.track.clone(),
            level: cert.level.as_str().into(),
            recommended_order: cert.recommended_order,
            validity_months: cert.validity_months,
            renewal_window_days: cert.renewal_window_days,
            duration_minutes: cert.duration_minutes,
            question_count: cert.question_count,
            pass_mark_tenths: cert.pass_mark.tenths() as i32,
            band_min_tenths: cert.pass_band.0.tenths() as i32,
            band_max_tenths: cert.pass_band.1.tenths() as i32,
            cut_score: cert.cut_score.as_str().into(),
            max_attempts_per_year: cert.max_attempts_per_year,
            retake_wait_days: cert.retake_wait_days,
            active: true,
            guide: serde_json::to_string(&cert.guide).unwrap_or_else(|_| "{}".into()),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cd)]
pub struct DomainRow {
    pub certification_code: String,
    pub name: String,
    pub position: i32,
    pub questions: i32,
}

/// A certification with its domains (in catalog order) and prerequisites.
#[derive(Debug, Clone)]
pub struct CertificationRecord {
    pub row: CertificationRow,
    pub domains: Vec<DomainRow>,
    pub prerequisites: Vec<String>,
}

/// What an import changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub certifications: usize,
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub retired: usize,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} certifications; questions: {} added, {} changed (new versions), {} unchanged, {} retired",
            self.certifications, self.added, self.changed, self.unchanged, self.retired
        )
    }
}

/// Brings the database in line with `bank`. Run inside one transaction: a bank is
/// imported whole or not at all.
pub fn import(conn: &mut DbConn, bank: &Bank, now: DateTime<Utc>) -> QueryResult<ImportReport> {
    if let DbConn::Pg(pg) = conn {
        // Instances starting together import one after the other.
        diesel::sql_query("SELECT pg_advisory_xact_lock(1952805748)").execute(pg)?;
    }
    let mut report = ImportReport {
        certifications: bank.certifications.len(),
        ..Default::default()
    };
    let known: HashSet<String> = c::table.select(c::code).load(conn)?.into_iter().collect();
    for cert in &bank.certifications {
        let row = CertificationRow::from(cert);
        if known.contains(&cert.code) {
            diesel::update(c::table.find(&cert.code))
                .set(&row)
                .execute(conn)?;
        } else {
            diesel::insert_into(c::table).values(&row).execute(conn)?;
        }
    }
    let in_bank: Vec<&str> = bank
        .certifications
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    diesel::update(c::table.filter(c::code.ne_all(&in_bank)))
        .set(c::active.eq(false))
        .execute(conn)?;
    diesel::delete(cp::table).execute(conn)?;
    diesel::delete(cd::table.filter(cd::certification_code.eq_any(&in_bank))).execute(conn)?;
    for cert in &bank.certifications {
        for p in &cert.prerequisites {
            diesel::insert_into(cp::table)
                .values((
                    cp::certification_code.eq(&cert.code),
                    cp::prerequisite_code.eq(p),
                ))
                .execute(conn)?;
        }
        for (position, d) in cert.domains.iter().enumerate() {
            diesel::insert_into(cd::table)
                .values((
                    cd::certification_code.eq(&cert.code),
                    cd::name.eq(&d.name),
                    cd::position.eq(position as i32),
                    cd::questions.eq(d.questions),
                ))
                .execute(conn)?;
        }
    }
    let guide = serde_json::to_string(&bank.guide).unwrap_or_else(|_| "{}".into());
    diesel::delete(pg::table).execute(conn)?;
    diesel::insert_into(pg::table)
        .values((pg::id.eq(1), pg::document.eq(guide)))
        .execute(conn)?;
    import_questions(conn, bank, now, &mut report)?;
    Ok(report)
}

/// The program guide as last imported (empty before any import).
pub fn program_guide(conn: &mut DbConn) -> QueryResult<ProgramGuide> {
    let document: Option<String> = pg::table.select(pg::document).first(conn).optional()?;
    match document {
        Some(d) => serde_json::from_str(&d)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e))),
        None => Ok(ProgramGuide::default()),
    }
}

fn import_questions(
    conn: &mut DbConn,
    bank: &Bank,
    now: DateTime<Utc>,
    report: &mut ImportReport,
) -> QueryResult<()> {
    // Every version's hash of every question, to recognise unchanged and reverted content.
    let versions: Vec<(String, i32, String)> = qv::table
        .select((qv::question_id, qv::version, qv::content_hash))
        .load(conn)?;
    let current: HashMap<String, (i32, bool, String)> = q::table
        .select((q::id, q::current_version, q::active, q::certification_code))
        .load::<(String, i32, bool, String)>(conn)?
        .into_iter()
        .map(|(id, v, active, code)| (id, (v, active, code)))
        .collect();
    let mut by_question: HashMap<&str, Vec<(i32, &str)>> = HashMap::new();
    for (id, version, hash) in &versions {
        by_question
            .entry(id.as_str())
            .or_default()
            .push((*version, hash.as_str()));
    }
    let at = to_db_time(now);
    for question in &bank.questions {
        let hash = question.content_hash();
        let Some((current_version, active, code)) = current.get(&question.id) else {
            diesel::insert_into(q::table)
                .values((
                    q::id.eq(&question.id),
                    q::certification_code.eq(&question.certification_code),
                    q::current_version.eq(1),
                    q::active.eq(true),
                ))
                .execute(conn)?;
            insert_version(conn, question, 1, &hash, at)?;
            report.added += 1;
            continue;
        };
        let known = by_question
            .get(question.id.as_str())
            .cloned()
            .unwrap_or_default();
        let same_version = known.iter().find(|(_, h)| *h == hash).map(|(v, _)| *v);
        let version = match same_version {
            Some(v) => v,
            None => {
                let next = known.iter().map(|(v, _)| *v).max().unwrap_or(0) + 1;
                insert_version(conn, question, next, &hash, at)?;
                next
            }
        };
        if version == *current_version && *active && *code == question.certification_code {
            report.unchanged += 1;
        } else {
            diesel::update(q::table.find(&question.id))
                .set((
                    q::current_version.eq(version),
                    q::active.eq(true),
                    q::certification_code.eq(&question.certification_code),
                ))
                .execute(conn)?;
            if version == *current_version {
                report.unchanged += 1;
            } else {
                report.changed += 1;
            }
        }
    }
    // Groups and pools are the item's, not its version's: set them as the bank says, where
    // changed.
    let placed: HashMap<String, (Option<String>, bool)> = q::table
        .select((q::id, q::enemy_group, q::practice))
        .load::<(String, Option<String>, bool)>(conn)?
        .into_iter()
        .map(|(id, group, practice)| (id, (group, practice)))
        .collect();
    for question in &bank.questions {
        let wanted = (question.group.clone(), question.practice);
        if placed.get(&question.id) != Some(&wanted) {
            diesel::update(q::table.find(&question.id))
                .set((
                    q::enemy_group.eq(&question.group),
                    q::practice.eq(question.practice),
                ))
                .execute(conn)?;
        }
    }
    let in_bank: HashSet<&str> = bank.questions.iter().map(|q| q.id.as_str()).collect();
    let to_retire: Vec<&String> = current
        .iter()
        .filter(|(id, (_, active, _))| *active && !in_bank.contains(id.as_str()))
        .map(|(id, _)| id)
        .collect();
    for id in to_retire {
        diesel::update(q::table.find(id))
            .set(q::active.eq(false))
            .execute(conn)?;
        report.retired += 1;
    }
    Ok(())
}

fn insert_version(
    conn: &mut DbConn,
    question: &Question,
    version: i32,
    hash: &str,
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    let options = serde_json::to_string(&question.options).unwrap_or_default();
    let correct = serde_json::to_string(&question.correct).unwrap_or_default();
    let lab = question
        .lab
        .as_ref()
        .map(|lab| serde_json::to_string(lab).unwrap_or_default());
    diesel::insert_into(qv::table)
        .values((
            qv::question_id.eq(&question.id),
            qv::version.eq(version),
            qv::content_hash.eq(hash),
            qv::domain.eq(&question.domain),
            qv::kind.eq(question.kind.as_str()),
            qv::stem.eq(&question.stem),
            qv::options.eq(options),
            qv::correct.eq(correct),
            qv::points.eq(question.points),
            qv::difficulty.eq(question.difficulty),
            qv::explanation.eq(&question.explanation),
            qv::created_at.eq(at),
            qv::lab.eq(lab),
        ))
        .execute(conn)?;
    Ok(())
}

/// Active certifications in recommended order, with their domains and prerequisites.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<CertificationRecord>> {
    let rows: Vec<CertificationRow> = c::table
        .filter(c::active.eq(true))
        .order((c::recommended_order.asc(), c::code.asc()))
        .select(CertificationRow::as_select())
        .load(conn)?;
    with_domains_and_prerequisites(conn, rows)
}

/// One active certification; only its own rows are read (this runs on every start and
/// every finalisation).
pub fn find(conn: &mut DbConn, code: &str) -> QueryResult<Option<CertificationRecord>> {
    let rows: Vec<CertificationRow> = c::table
        .filter(c::active.eq(true))
        .filter(c::code.eq(code))
        .select(CertificationRow::as_select())
        .load(conn)?;
    Ok(with_domains_and_prerequisites(conn, rows)?.pop())
}

/// One certification as stored, offered or retired: what an attempt already started at it
/// is finished and awarded by, whatever later imports did to the catalog.
pub fn stored(conn: &mut DbConn, code: &str) -> QueryResult<Option<CertificationRecord>> {
    let rows: Vec<CertificationRow> = c::table
        .filter(c::code.eq(code))
        .select(CertificationRow::as_select())
        .load(conn)?;
    Ok(with_domains_and_prerequisites(conn, rows)?.pop())
}

fn with_domains_and_prerequisites(
    conn: &mut DbConn,
    rows: Vec<CertificationRow>,
) -> QueryResult<Vec<CertificationRecord>> {
    let codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    let mut domains: Vec<DomainRow> = cd::table
        .filter(cd::certification_code.eq_any(&codes))
        .order((cd::certification_code.asc(), cd::position.asc()))
        .select(DomainRow::as_select())
        .load(conn)?;
    let prerequisites: Vec<(String, String)> = cp::table
        .filter(cp::certification_code.eq_any(&codes))
        .order((cp::certification_code.asc(), cp::prerequisite_code.asc()))
        .select((cp::certification_code, cp::prerequisite_code))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (mine, rest): (Vec<DomainRow>, Vec<DomainRow>) = domains
                .drain(..)
                .partition(|d| d.certification_code == row.code);
            domains = rest;
            let prerequisites = prerequisites
                .iter()
                .filter(|(c, _)| *c == row.code)
                .map(|(_, p)| p.clone())
                .collect();
            CertificationRecord {
                row,
                domains: mine,
                prerequisites,
            }
        })
        .collect())
}

/// How many versions a question has (for audits and tests).
pub fn version_count(conn: &mut DbConn, question_id: &str) -> QueryResult<i64> {
    qv::table
        .filter(qv::question_id.eq(question_id))
        .count()
        .get_result(conn)
}
