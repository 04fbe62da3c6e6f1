//! Account input, parsed once at the edge so that nothing deeper sees an unchecked string.
//!
//! Emails and names are text that identifies a person, so one person's text must have one
//! form: both are put in Unicode Normalization Form C (a precomposed `ü` and a `u` followed
//! by a combining diaeresis become the same string), and both refuse characters that show
//! nothing or reorder what is shown (controls, the format characters of General Category
//! `Cf` such as zero-width spaces and bidi overrides, and line or paragraph separators).

use std::fmt;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Why account input was refused. Each message is written for the person who typed it,
/// and read as it is in an HTTP answer's detail or on the command line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("validation failed: {0}")]
    InvalidEmail(String),
    #[error("validation failed: {0}")]
    InvalidName(String),
    /// A new password outside the length any password may have (not a matter of strength).
    #[error("validation failed: {0}")]
    InvalidPassword(String),
    #[error("weak password: {0}")]
    WeakPassword(String),
    /// A password typed at login that no account can have: empty or too long.
    #[error("the password is empty or too long")]
    ImpossiblePassword,
    #[error("validation failed: {0}")]
    UnknownRole(String),
}

/// The first character that shows nothing or changes how its neighbours show: a control
/// (`Cc`), a format character (`Cf`: zero-width space, joiners, word joiner, BOM, soft
/// hyphen, bidi marks, embeddings, overrides and isolates, ...), or a line or paragraph
/// separator. Such a character makes two strings that look the same differ.
fn invisible_char(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        matches!(
            c.general_category(),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
        )
    })
}

/// A normalised (trimmed, NFC, lower-cased) email address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, AccountError> {
        let email = Email::normalise(raw);
        let invalid = |why: &str| {
            AccountError::InvalidEmail(format!("{raw:?} is not a valid email address{why}"))
        };
        if let Some(c) = invisible_char(&email) {
            return Err(invalid(&format!(
                ": it contains the invisible character U+{:04X}",
                u32::from(c)
            )));
        }
        // RFC 5321's limits: 254 characters in all, 64 before the @. (The shortest address
        // the rules below allow, x@y.z, needs no lower bound of its own.)
        if email.len() > 254 || email.chars().any(char::is_whitespace) {
            return Err(invalid(""));
        }
        let (local, domain) = email.split_once('@').ok_or_else(|| invalid(""))?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid(""));
        }
        Ok(Email(email))
    }

    /// The form an address is stored, compared and looked up in, valid or not: trimmed,
    /// NFC, then lower-cased (and NFC again, as lower-casing may leave a sequence that
    /// composes). Login uses it for what was typed, so that any form of a registered
    /// address finds the account.
    ///
    /// Lower-casing, not full case folding: folding would also make `ß` and `ss` one
    /// address, and mail servers treat those as different mailboxes.
    pub fn normalise(raw: &str) -> String {
        let composed: String = raw.trim().nfc().collect();
        composed.to_lowercase().nfc().collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A display name, as the candidate wants it printed on a certificate: NFC and trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    pub fn parse(raw: &str) -> Result<FullName, AccountError> {
        let composed: String = raw.nfc().collect();
        let name = composed.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > 200 {
            return Err(AccountError::InvalidName(
                "full_name must be 1 to 200 characters".into(),
            ));
        }
        if let Some(c) = invisible_char(name) {
            return Err(AccountError::InvalidName(format!(
                "full_name must not contain control or invisible characters (U+{:04X})",
                u32::from(c)
            )));
        }
        Ok(FullName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password in Unicode NFC, so that one typed precomposed (`é`) and one typed
/// decomposed (`e` + U+0301, as some keyboards and systems send it) are one password.
/// Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password {
    nfc: String,
    /// As typed at login, when that differs from its NFC form: the form a hash stored
    /// before passwords were normalised was made from.
    as_typed: Option<String>,
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Passwords from breach corpora that are long enough to pass the length rule.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Longer passwords only slow down hashing; no one types more than this.
const MAX_PASSWORD_CHARS: usize = 256;
const MIN_PASSWORD_CHARS: usize = 12;

impl Password {
    /// Applies the strength rules to a new password.
    pub fn parse_new(raw: &str, email: &Email) -> Result<Password, AccountError> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(AccountError::WeakPassword(format!(
                "use at least {MIN_PASSWORD_CHARS} characters"
            )));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(AccountError::InvalidPassword(format!(
                "a password has at most {MAX_PASSWORD_CHARS} characters"
            )));
        }
        let nfc: String = raw.nfc().collect();
        let lowered = nfc.to_lowercase();
        if is_common(&lowered) {
            return Err(AccountError::WeakPassword(
                "this password is in a list of common passwords".into(),
            ));
        }
        let first = lowered.chars().next();
        if lowered.chars().all(|c| Some(c) == first) {
            return Err(AccountError::WeakPassword(
                "a password of one repeated character".into(),
            ));
        }
        if lowered.contains(email.as_str())
            || lowered == email.as_str().split('@').next().unwrap_or("")
        {
            return Err(AccountError::WeakPassword(
                "the password must not contain the email address".into(),
            ));
        }
        Ok(Password {
            nfc,
            as_typed: None,
        })
    }

    /// A password as typed at login: only its length is bounded.
    pub fn parse_attempt(raw: &str) -> Result<Password, AccountError> {
        if raw.is_empty() || raw.chars().count() > MAX_PASSWORD_CHARS {
            return Err(AccountError::ImpossiblePassword);
        }
        let nfc: String = raw.nfc().collect();
        let as_typed = (nfc != raw).then(|| raw.to_string());
        Ok(Password { nfc, as_typed })
    }

    /// The password as it is hashed and compared: its NFC form.
    pub fn expose(&self) -> &str {
        &self.nfc
    }

    /// The password as typed at login, when that is not already its NFC form.
    pub fn as_typed(&self) -> Option<&str> {
        self.as_typed.as_deref()
    }
}

fn is_common(lowered: &str) -> bool {
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == lowered)
}

/// What a user may do. Partners are not users: they authenticate with API keys.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Candidate,
    Proctor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Candidate => "candidate",
            Role::Proctor => "proctor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Result<Role, AccountError> {
        match raw {
            "candidate" => Ok(Role::Candidate),
            "proctor" => Ok(Role::Proctor),
            "admin" => Ok(Role::Admin),
            other => Err(AccountError::UnknownRole(format!(
                "role {other:?} is not one of candidate, proctor, admin"
            ))),
        }
    }
}

/// What a one-time link mailed to an account is for, and how long it works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    /// 30 minutes, as OWASP's Forgot Password Cheat Sheet advises for reset tokens.
    PasswordReset,
    /// 48 hours: a registration is often finished the next day.
    EmailVerification,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::PasswordReset => "password_reset",
            LinkPurpose::EmailVerification => "email_verification",
        }
    }

    pub fn lifetime(self) -> chrono::Duration {
        match self {
            LinkPurpose::PasswordReset => chrono::Duration::minutes(30),
            LinkPurpose::EmailVerification => chrono::Duration::hours(48),
        }
    }

    /// The browser page the link opens.
    pub fn page(self) -> &'static str {
        match self {
            LinkPurpose::PasswordReset => "/reset-password",
            LinkPurpose::EmailVerification => "/verify-email",
        }
    }
}

#[cfg(test)]
mod tests;
