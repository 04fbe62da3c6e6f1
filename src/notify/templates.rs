//! Mail bodies from the templates in `templates/mail/`, compiled into the binary: for
//! each message a `.txt` whose first line is the subject, and an `.html` that extends
//! `layout.html`. HTML is escaped automatically; plain text is not.

use minijinja::{AutoEscape, Environment};
use serde::Serialize;
use std::sync::OnceLock;

/// The messages there are templates for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    EmailVerification,
    PasswordReset,
    PasswordChanged,
    ResultAvailable,
    CertificateIssued,
    CertificateRevoked,
    RenewalReminder,
    CertificateExpired,
    AttemptTerminated,
}

impl Template {
    pub const ALL: [Template; 9] = [
        Template::EmailVerification,
        Template::PasswordReset,
        Template::PasswordChanged,
        Template::ResultAvailable,
        Template::CertificateIssued,
        Template::CertificateRevoked,
        Template::RenewalReminder,
        Template::CertificateExpired,
        Template::AttemptTerminated,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Template::EmailVerification => "email_verification",
            Template::PasswordReset => "password_reset",
            Template::PasswordChanged => "password_changed",
            Template::ResultAvailable => "result_available",
            Template::CertificateIssued => "certificate_issued",
            Template::CertificateRevoked => "certificate_revoked",
            Template::RenewalReminder => "renewal_reminder",
            Template::CertificateExpired => "certificate_expired",
            Template::AttemptTerminated => "attempt_terminated",
        }
    }

    pub fn parse(name: &str) -> Option<Template> {
        Template::ALL.into_iter().find(|t| t.name() == name)
    }
}

macro_rules! sources {
    ($($name:literal),*) => {
        &[("layout.html", include_str!("../../templates/mail/layout.html")), $(
            (concat!($name, ".txt"), include_str!(concat!("../../templates/mail/", $name, ".txt"))),
            (concat!($name, ".html"), include_str!(concat!("../../templates/mail/", $name, ".html"))),
        )*]
    };
}

const SOURCES: &[(&str, &str)] = sources!(
    "email_verification",
    "password_reset",
    "password_changed",
    "result_available",
    "certificate_issued",
    "certificate_revoked",
    "renewal_reminder",
    "certificate_expired",
    "attempt_terminated"
);

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in SOURCES {
            env.add_template(name, source)
                .expect("the mail templates compiled into the binary parse");
        }
        env
    })
}

/// A message ready to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders `template` with `context` (which must hold every variable it uses: `to`,
/// `program` and the message's own).
pub fn render(template: Template, context: &impl Serialize) -> Result<Rendered, minijinja::Error> {
    let env = environment();
    let text = env
        .get_template(&format!("{}.txt", template.name()))?
        .render(context)?;
    let html = env
        .get_template(&format!("{}.html", template.name()))?
        .render(context)?;
    let (subject, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    Ok(Rendered {
        subject: subject.trim().to_string(),
        text: body.trim_start_matches('\n').to_string(),
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_template_renders_with_its_variables_and_escapes_html() {
        let context = json!({
            "to": "ada@example.com", "program": "P", "name": "Ada <script>",
            "link": "https://x.test/a?token=t", "at": "2026-12-04 09:00 UTC",
            "public_url": "https://x.test", "certification": "MLOps Foundation",
            "code": "MLOA-F", "number": "MLOAF-7K3Q-9XPR-3", "expires_on": "2029-12-04",
            "kind": "issued", "reason": "a proctor saw a phone", "note": "a second person",
            "days": 30, "window_open": true, "window_opens_on": "2029-09-05",
            "percent": "72.0", "pass_mark": "70.0", "outcome": crate::domain::lifecycle::AttemptStatus::PendingReview.as_str(),
            "attempt_id": "a1", "certificate": null, "retake_on": null, "note": null,
        });
        for t in Template::ALL {
            let r = render(t, &context).unwrap();
            assert!(!r.subject.is_empty() && !r.subject.contains('\n'), "{t:?}");
            if matches!(t, Template::EmailVerification | Template::PasswordReset) {
                assert!(r.text.contains("https://x.test/a?token=t"), "{t:?}");
            }
            assert!(
                r.text.contains("Ada <script>"),
                "{t:?}: plain text is not escaped"
            );
            assert!(
                r.html.contains("Ada &lt;script&gt;"),
                "{t:?}: HTML is escaped"
            );
            assert!(r.html.contains(&r.subject.replace('&', "&amp;")), "{t:?}");
        }
    }

    #[test]
    fn a_missing_variable_is_an_error_not_a_blank() {
        assert!(render(
            Template::PasswordReset,
            &json!({"to": "a@b.c", "program": "P"})
        )
        .is_err());
    }
}
