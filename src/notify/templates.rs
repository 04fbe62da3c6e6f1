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
}

impl Template {
    pub fn name(self) -> &'static str {
        match self {
            Template::EmailVerification => "email_verification",
            Template::PasswordReset => "password_reset",
            Template::PasswordChanged => "password_changed",
        }
    }
}

const SOURCES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../../templates/mail/layout.html")),
    ("email_verification.txt", include_str!("../../templates/mail/email_verification.txt")),
    ("email_verification.html", include_str!("../../templates/mail/email_verification.html")),
    ("password_reset.txt", include_str!("../../templates/mail/password_reset.txt")),
    ("password_reset.html", include_str!("../../templates/mail/password_reset.html")),
    ("password_changed.txt", include_str!("../../templates/mail/password_changed.txt")),
    ("password_changed.html", include_str!("../../templates/mail/password_changed.html")),
];

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
        });
        for t in [Template::EmailVerification, Template::PasswordReset, Template::PasswordChanged] {
            let r = render(t, &context).unwrap();
            assert!(!r.subject.is_empty() && !r.subject.contains('\n'), "{t:?}");
            assert!(r.text.contains("https://x.test/a?token=t"), "{t:?}");
            assert!(r.text.contains("Ada <script>"), "{t:?}: plain text is not escaped");
            assert!(r.html.contains("Ada &lt;script&gt;"), "{t:?}: HTML is escaped");
            assert!(r.html.contains(&r.subject), "{t:?}");
        }
    }

    #[test]
    fn a_missing_variable_is_an_error_not_a_blank() {
        assert!(render(Template::PasswordReset, &json!({"to": "a@b.c", "program": "P"})).is_err());
    }
}
