//! Labs on exam day: a bench bank that holds the shipped one and a copy of MLOA-F without
//! its labs (so that submits with and without labs are measured in one run), artifact
//! saves, and the ceiling of lab grading on one core.

use anyhow::Context;
use invigil::domain::labs::CheckSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The certification the bench adds: MLOA-F's choice domains and questions, no labs.
pub const WITHOUT_LABS: &str = "BENCH-MC";
/// The certification whose forms carry labs.
pub const WITH_LABS: &str = "MLOA-F";

/// Copies the bank at `shipped` into `dir` and adds [`WITHOUT_LABS`]; returns its folder.
pub fn bench_bank(shipped: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    let bank = invigil::bank::load_or_explain(shipped)?;
    let source = bank
        .certifications
        .iter()
        .find(|c| c.code == WITH_LABS)
        .context("the bank has no MLOA-F")?;
    let out = dir.join("bench-bank");
    copy_folder(shipped, &out)?;
    let domains: Vec<_> = source
        .domains
        .iter()
        .filter(|d| bank.pool(WITH_LABS, &d.name).all(|q| q.lab.is_none()))
        .collect();
    let mut entry = format!(
        "\n[[certification]]\ncode = \"{WITHOUT_LABS}\"\ntitle = \"Bench: {WITH_LABS} without its labs\"\n\
         track = \"Bench\"\nlevel = \"foundation\"\nrecommended_order = 99\nprerequisites = []\n\
         validity_months = {}\nrenewal_window_days = {}\nduration_minutes = {}\nquestion_count = {}\n\
         pass_mark_percent = {}\ncut_score = \"fixed\"\nmax_attempts_per_year = 3\nretake_wait_days = 14\n",
        source.validity_months,
        source.renewal_window_days,
        source.duration_minutes,
        domains.iter().map(|d| d.questions).sum::<i32>(),
        source.pass_mark,
    );
    for d in &domains {
        entry.push_str(&format!(
            "\n  [[certification.domain]]\n  name = \"{}\"\n  questions = {}\n",
            d.name, d.questions
        ));
        // The copied items name MLOA-F's objectives: the copy keeps its blueprint.
        for o in &d.objectives {
            entry.push_str(&format!(
                "\n    [[certification.domain.objective]]\n    id = {:?}\n    statement = {:?}\n",
                o.id, o.statement
            ));
        }
    }
    let catalog = out.join("catalog.toml");
    let mut text = std::fs::read_to_string(&catalog)?;
    text.push_str(&entry);
    std::fs::write(&catalog, text)?;
    let target = out.join(WITHOUT_LABS);
    std::fs::create_dir_all(&target)?;
    for file in std::fs::read_dir(shipped.join(WITH_LABS))? {
        let path = file?.path();
        let text = std::fs::read_to_string(&path)?;
        if text.contains("kind = \"lab\"") {
            continue;
        }
        let renamed = text.replace("id = \"", "id = \"BMC-");
        std::fs::write(
            target.join(path.file_name().context("a file name")?),
            renamed,
        )?;
    }
    Ok(out)
}

fn copy_folder(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let name = path.file_name().context("a file name")?;
        if path.is_dir() {
            copy_folder(&path, &to.join(name))?;
        } else {
            std::fs::copy(&path, to.join(name))?;
        }
    }
    Ok(())
}

/// What lab grading costs on one thread.
pub struct Grading {
    /// Labs graded per second: every lab's reference of the bank in turn, each parsed and
    /// judged by its compiled checks, as a save is.
    pub per_s_per_core: f64,
    /// The lab whose reference costs most to grade, and that cost in milliseconds.
    pub slowest: (String, f64),
}

/// Measures [`Grading`] for `run_for` in all, shared evenly between the bank's labs.
pub fn grading(bank: &Path, run_for: Duration) -> anyhow::Result<Grading> {
    let bank = invigil::bank::load_or_explain(bank)?;
    let labs: Vec<_> = bank
        .questions
        .iter()
        .filter_map(|q| Some((q.id.clone(), q.lab.as_ref()?)))
        .map(|(id, lab)| {
            let checks = CheckSet::compile(&lab.checks).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            Ok((id, checks, lab.format, lab.reference.clone()))
        })
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(!labs.is_empty(), "the bank has no labs");
    let each = run_for / labs.len() as u32;
    let mut total = Duration::ZERO;
    let mut slowest = (String::new(), 0.0);
    for (id, checks, format, text) in &labs {
        let started = Instant::now();
        let mut n = 0u32;
        while n == 0 || started.elapsed() < each {
            std::hint::black_box(checks.grade(*format, text));
            n += 1;
        }
        let per_grading = started.elapsed() / n;
        total += per_grading;
        let ms = per_grading.as_secs_f64() * 1e3;
        if ms > slowest.1 {
            slowest = (id.clone(), ms);
        }
    }
    Ok(Grading {
        per_s_per_core: labs.len() as f64 / total.as_secs_f64(),
        slowest,
    })
}
