//! The `invigil` command: the server and its administration tools.

use clap::{Parser, Subcommand};
use invigil::clock::SystemClock;
use invigil::config::Settings;
use invigil::db::Db;
use invigil::domain::account::{Email, FullName, Password, Role};
use invigil::startup::Application;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "invigil",
    version,
    about = "Exam delivery and proctoring backend"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Check or import a question bank.
    Bank {
        #[command(subcommand)]
        command: BankCommand,
    },
    /// Manage the keys that sign credentials.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum BankCommand {
    /// Validate a bank without a server: exit 1 listing every error, or 0 with a summary.
    ///
    /// Every question is checked against its kind. A lab (`kind = "lab"`) carries an
    /// `[question.artifact]` table (`format` = yaml, json, toml or text; `filename`;
    /// `starter`, served; `reference`, never served), `[[question.check]]` entries (`id`,
    /// `points`, `requirement`, `expr`: CEL over `doc`, `docs`, `text` and `lines`) and
    /// `[[question.example]]` entries (`name`, `points`, `artifact`). Loading proves each
    /// lab: every expression compiles, the checks' points add up to the lab's, the
    /// reference scores full marks, the starter and an empty file less than half, every
    /// example exactly its points, and every check fails on the starter or an example.
    /// The format in full is in question-bank/README.md.
    Check {
        /// The bank folder (default: INVIGIL_QUESTION_BANK, else ./question-bank).
        dir: Option<PathBuf>,
    },
    /// Validate a bank and import it into the database (new content becomes new versions).
    Import { dir: Option<PathBuf> },
    /// Item statistics from the database's scored attempts (Moodle's quiz statistics):
    /// per item the facility index, standard deviation, discrimination index and
    /// discriminative efficiency, flagged when facility is under 0.3 or over 0.9,
    /// discrimination under 20 or the covariance with the rest negative; per
    /// certification the mean, standard deviation, Cronbach's alpha, error ratio and
    /// standard error beside the pass mark.
    Stats {
        /// One certification (default: every one).
        code: Option<String>,
        /// Every scored attempt, not only each candidate's first.
        #[arg(long)]
        all_attempts: bool,
    },
    /// Grade an artifact against one lab of a valid bank, check by check, as the server
    /// would: for writing and reviewing a lab's checks and examples.
    Grade {
        /// The lab's id (`P-LAB-01`).
        id: String,
        /// The artifact to grade.
        artifact: PathBuf,
        /// The bank folder (default: INVIGIL_QUESTION_BANK, else ./question-bank).
        #[arg(long)]
        bank: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a new signing key; the old public keys stay published, so credentials already
    /// issued still verify.
    Rotate,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account (the first admin, proctors).
    Create {
        #[arg(long, value_parser = ["admin", "proctor", "candidate"])]
        role: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        full_name: String,
        /// Read the password from the first line of standard input (never from an argument,
        /// which other users of the machine could see).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[actix_web::main]
async fn main() -> ExitCode {
    limit_malloc_arenas();
    invigil::db::configure_sqlite_library();
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("invigil: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    invigil::telemetry::init(settings.log_json);
    match run(cli.command.unwrap_or(Command::Serve), settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("invigil: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let bind = settings.bind;
            let backend = invigil::db::Backend::from_url(&settings.database_url).name();
            let app = Application::build(settings, Arc::new(SystemClock))?;
            tracing::info!(%bind, port = app.port(), backend, "invigil serving");
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let db = Db::connect(&settings.database_url, 1, settings.db_timeout)?;
            db.migrate()?;
            println!("migrations applied ({})", db.backend().name());
        }
        Command::Bank {
            command: BankCommand::Check { dir },
        } => {
            let dir = dir.unwrap_or(settings.question_bank);
            let bank = invigil::bank::load_or_explain(&dir)?;
            let today = invigil::clock::Clock::now(&invigil::clock::SystemClock).date_naive();
            print!("{}: valid\n{}", dir.display(), bank.summary(today));
        }
        Command::Bank {
            command: BankCommand::Stats { code, all_attempts },
        } => {
            let db = Db::connect(&settings.database_url, 1, settings.db_timeout)?;
            db.migrate()?;
            let report = db
                .read(move |conn| {
                    let codes = match code {
                        Some(code) => vec![code],
                        None => invigil::db::catalog::list(conn)?
                            .into_iter()
                            .map(|c| c.row.code)
                            .collect(),
                    };
                    codes
                        .iter()
                        .map(|c| invigil::service::statistics::compute(conn, c, all_attempts))
                        .collect::<Result<Vec<_>, _>>()
                })
                .await?;
            for stats in &report {
                print!("{}", invigil::service::statistics::render(stats));
            }
        }
        Command::Bank {
            command: BankCommand::Grade { id, artifact, bank },
        } => {
            let dir = bank.unwrap_or(settings.question_bank);
            let bank = invigil::bank::load_or_explain(&dir)?;
            let text = std::fs::read_to_string(&artifact)?;
            print!("{}", invigil::bank::grade_report(&bank, &id, &text)?);
        }
        Command::Bank {
            command: BankCommand::Import { dir },
        } => {
            let dir = dir.unwrap_or(settings.question_bank);
            let bank = invigil::bank::load_or_explain(&dir)?;
            let db = Db::connect(&settings.database_url, 1, settings.db_timeout)?;
            db.migrate()?;
            let now = chrono::Utc::now();
            let report = db
                .write(move |conn| Ok(invigil::db::catalog::import(conn, &bank, now)?))
                .await?;
            println!("{}: imported; {report}", dir.display());
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let db = Db::connect(&settings.database_url, 1, settings.db_timeout)?;
            db.migrate()?;
            let now = chrono::Utc::now();
            let (kid, rsa) = db
                .write(move |conn| {
                    let kid = invigil::service::credentials::create_key(conn, now)?;
                    Ok((kid, invigil::service::keys::create_rsa_key(conn, now)?))
                })
                .await?;
            println!(
                "new signing key {kid}; new Open Badges key {rsa} (RS256); earlier keys stay published"
            );
        }
        Command::User {
            command:
                UserCommand::Create {
                    role,
                    email,
                    full_name,
                    password_stdin: _,
                },
        } => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            let password_line = line.trim_end_matches(['\r', '\n']);
            let email = Email::parse(&email)?;
            let full_name = FullName::parse(&full_name)?;
            let role = Role::parse(&role)?;
            let password = Password::parse_new(password_line, &email)?;
            let db = Db::connect(&settings.database_url, 1, settings.db_timeout)?;
            db.migrate()?;
            let now = chrono::Utc::now();
            // Whoever runs the CLI vouches for the address.
            let user = invigil::service::accounts::create_user(
                &db, now, email, full_name, password, role, false,
            )
            .await?;
            println!("created {} {} ({})", user.role, user.email, user.id);
        }
    }
    Ok(())
}

/// Keeps resident memory near what is in use. glibc gives busy threads arenas of their
/// own (two suffice here), and after freeing a large block it raises its mmap threshold,
/// so Argon2's 19 MiB working memory would stay resident in every arena; a fixed
/// threshold hands such blocks back to the system as soon as a hash is done.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}
