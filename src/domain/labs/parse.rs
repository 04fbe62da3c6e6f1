//! Reading an artifact as data, never as code, under limits that hold whatever the
//! candidate sends: a YAML bomb, a 10,000-deep JSON array or a 64 KiB line is refused with
//! a diagnostic, never a hang, a stack overflow or a panic.

use cel::objects::{Key, Map};
use cel::Value;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// The largest artifact a candidate may save, in bytes of UTF-8.
pub const MAX_ARTIFACT_BYTES: usize = 64 * 1024;
/// Collections nested deeper than this are refused (real manifests stay under 20).
pub const MAX_DEPTH: usize = 32;
/// Scalars, sequences and mappings in all documents together.
pub const MAX_NODES: usize = 20_000;
/// YAML documents in one stream.
pub const MAX_DOCUMENTS: usize = 64;
/// YAML aliases (`*name`); each is expanded, so they are what a billion-laughs attack uses.
pub const MAX_ALIASES: usize = 64;

/// How an artifact is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// YAML 1.2, several documents separated by `---` allowed.
    Yaml,
    Json,
    Toml,
    /// No structure: checks read `text` and `lines` (a Dockerfile, a requirements file).
    Text,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Yaml, Format::Json, Format::Toml, Format::Text];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Toml => "toml",
            Format::Text => "text",
        }
    }

    pub fn parse(raw: &str) -> Option<Format> {
        Self::ALL.into_iter().find(|f| f.as_str() == raw)
    }
}

/// A syntax error or a broken limit, where it is: 1-based line and column (1, 1 when the
/// whole artifact is at fault).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Diagnostic {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl Diagnostic {
    pub fn whole(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            line: 1,
            column: 1,
            message: message.into(),
        }
    }

    fn at_offset(text: &str, offset: usize, message: impl Into<String>) -> Diagnostic {
        let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
        let line = before.matches('\n').count() as u64 + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
        Diagnostic {
            line,
            column,
            message: message.into(),
        }
    }
}

/// The sizes that bound how much work evaluating a check can do (see `cost`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    /// The longest list or map inside the documents.
    pub longest_collection: u64,
    /// Elements of `docs`.
    pub documents: u64,
    /// Elements of `lines`.
    pub lines: u64,
    /// The longest string anywhere in the input, `text` excluded.
    pub longest_string: u64,
    /// The whole artifact, in bytes.
    pub text_bytes: u64,
    /// Nodes in all documents together.
    pub nodes: u64,
}

/// An artifact read as data.
pub struct Parsed {
    pub docs: Vec<Value>,
    pub sizes: Sizes,
}

/// Parses `text` as `format` within the limits; the first problem found otherwise.
pub fn parse(format: Format, text: &str) -> Result<Parsed, Diagnostic> {
    if text.len() > MAX_ARTIFACT_BYTES {
        return Err(Diagnostic::whole(format!(
            "the artifact is {} bytes, more than the {MAX_ARTIFACT_BYTES} allowed",
            text.len()
        )));
    }
    // A BOM is an encoding mark, not content; JSON would refuse it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Read on a thread with room for deep nesting (see `deep_stack`), on a copy of the
    // text: the thread outlives this call.
    let owned = text.to_string();
    let documents = super::deep_stack::run(move || read(format, &owned))?;
    let lines: Vec<&str> = text.lines().collect();
    let mut walk = Walk {
        sizes: Sizes {
            longest_collection: 0,
            documents: documents.len() as u64,
            lines: lines.len() as u64,
            longest_string: lines.iter().map(|l| l.len()).max().unwrap_or(0) as u64,
            text_bytes: text.len() as u64,
            nodes: 0,
        },
    };
    let docs = documents
        .iter()
        .map(|d| walk.value(d, 1))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Parsed {
        docs,
        sizes: walk.sizes,
    })
}

/// The documents of `text`, each at most `MAX_DEPTH` deep, `MAX_NODES` in all.
fn read(format: Format, text: &str) -> Result<Vec<serde_json::Value>, Diagnostic> {
    let documents = match format {
        Format::Yaml => yaml(text)?,
        Format::Json => vec![
            serde_json::from_str::<serde_json::Value>(text).map_err(|e| Diagnostic {
                line: (e.line() as u64).max(1),
                column: (e.column() as u64).max(1),
                message: without_position(&e.to_string()),
            })?,
        ],
        Format::Toml => {
            let table = text.parse::<toml::Table>().map_err(|e| {
                let offset = e.span().map_or(0, |s| s.start);
                Diagnostic::at_offset(text, offset, e.message().trim().to_string())
            })?;
            vec![from_toml(toml::Value::Table(table))]
        }
        Format::Text => Vec::new(),
    };
    let mut nodes = 0;
    for d in &documents {
        within_limits(d, 1, &mut nodes)?;
    }
    Ok(documents)
}

fn within_limits(
    value: &serde_json::Value,
    depth: usize,
    nodes: &mut usize,
) -> Result<(), Diagnostic> {
    *nodes += 1;
    if *nodes > MAX_NODES {
        return Err(Diagnostic::whole(format!(
            "the artifact has more than {MAX_NODES} values"
        )));
    }
    if depth > MAX_DEPTH {
        return Err(Diagnostic::whole(format!(
            "the artifact nests collections more than {MAX_DEPTH} levels deep"
        )));
    }
    match value {
        serde_json::Value::Array(items) => items
            .iter()
            .try_for_each(|v| within_limits(v, depth + 1, nodes)),
        serde_json::Value::Object(entries) => entries
            .values()
            .try_for_each(|v| within_limits(v, depth + 1, nodes)),
        _ => Ok(()),
    }
}

/// `lines` as CEL sees it: the artifact's lines without their endings.
pub fn lines(text: &str) -> Value {
    Value::List(Arc::new(
        text.lines()
            .map(|l| Value::String(Arc::new(l.to_string())))
            .collect(),
    ))
}

fn yaml(text: &str) -> Result<Vec<serde_json::Value>, Diagnostic> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_nodes = MAX_NODES;
    budget.max_documents = MAX_DOCUMENTS;
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ALIASES;
    budget.max_events = 4 * MAX_NODES;
    budget.max_total_scalar_bytes = MAX_ARTIFACT_BYTES;
    budget.max_merge_keys = MAX_ALIASES;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = 4 * MAX_NODES;
    options.alias_limits.max_replay_stack_depth = MAX_DEPTH;
    options.alias_limits.max_alias_expansions_per_anchor = MAX_ALIASES;
    serde_saphyr::from_multiple_with_options::<serde_json::Value>(text, options).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((1, 1), |l| (l.line().max(1), l.column().max(1)));
        Diagnostic {
            line,
            column,
            message: first_line(&e.to_string()),
        }
    })
}

/// serde-saphyr's message without its "error: line L column C: " prefix, which the
/// diagnostic carries on its own.
fn first_line(message: &str) -> String {
    let first = message.lines().next().unwrap_or("invalid YAML").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match first
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((_, message)) => message.to_string(),
        None => first.to_string(),
    }
}

/// serde_json appends " at line L column C", which the diagnostic carries on its own.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn from_toml(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => J::from(f),
        toml::Value::Boolean(b) => J::Bool(b),
        // A date or time is read as the text written, as RFC 3339.
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(from_toml).collect()),
        toml::Value::Table(t) => J::Object(t.into_iter().map(|(k, v)| (k, from_toml(v))).collect()),
    }
}

/// Converts parsed JSON values to CEL values, enforcing depth and node limits and
/// measuring the sizes the cost estimate needs.
struct Walk {
    sizes: Sizes,
}

impl Walk {
    fn value(&mut self, value: &serde_json::Value, depth: usize) -> Result<Value, Diagnostic> {
        use serde_json::Value as J;
        self.sizes.nodes += 1;
        if self.sizes.nodes > MAX_NODES as u64 {
            return Err(Diagnostic::whole(format!(
                "the artifact has more than {MAX_NODES} values"
            )));
        }
        if depth > MAX_DEPTH {
            return Err(Diagnostic::whole(format!(
                "the artifact nests collections more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(match value {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Value::Int(i),
                (None, Some(u)) => Value::UInt(u),
                _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => {
                self.longest_string(s.len());
                Value::String(Arc::new(s.clone()))
            }
            J::Array(items) => {
                self.longest_collection(items.len());
                Value::List(Arc::new(
                    items
                        .iter()
                        .map(|v| self.value(v, depth + 1))
                        .collect::<Result<_, _>>()?,
                ))
            }
            J::Object(entries) => {
                self.longest_collection(entries.len());
                let mut map = HashMap::with_capacity(entries.len());
                for (k, v) in entries {
                    self.longest_string(k.len());
                    map.insert(Key::String(Arc::new(k.clone())), self.value(v, depth + 1)?);
                }
                Value::Map(Map { map: Arc::new(map) })
            }
        })
    }

    fn longest_string(&mut self, len: usize) {
        self.sizes.longest_string = self.sizes.longest_string.max(len as u64);
    }

    fn longest_collection(&mut self, len: usize) {
        self.sizes.longest_collection = self.sizes.longest_collection.max(len as u64);
    }
}
