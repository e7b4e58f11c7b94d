//! Field-level validation failures: where (a location path) and what (a kind).

use std::borrow::Cow;
use std::fmt;

use crate::json::Json;

/// One step of a location path inside a validated document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathItem {
    /// An object key (or a union member label).
    Key(Cow<'static, str>),
    /// A zero-based array index.
    Index(usize),
}

impl fmt::Display for PathItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathItem::Key(k) => f.write_str(k),
            PathItem::Index(i) => write!(f, "{i}"),
        }
    }
}

/// A location inside a document, rendered as dot-separated steps (`evidence.repos.0.repo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(pub Vec<PathItem>);

impl FieldPath {
    /// The empty path: the document itself.
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// Whether the path addresses the document itself.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// Prepends `item` to the path.
    pub fn prepend(&mut self, item: PathItem) {
        self.0.insert(0, item);
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

/// A single reason a value does not satisfy its contract.
///
/// `kind` uses the same vocabulary as the reference implementation's model layer
/// (`missing`, `string_too_short`, `extra_forbidden`, `enum`, `value_error`, …) so that
/// results can be compared kind for kind.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Where the problem is.
    pub path: FieldPath,
    /// What kind of problem it is.
    pub kind: Cow<'static, str>,
    /// A human-readable explanation.
    pub message: String,
    /// The offending input, as pydantic's `input_value` reports it (the object itself for
    /// a missing field or a failed model check).
    pub input: Option<Box<Json<'static>>>,
}

impl FieldError {
    /// Creates an error at the root of the value being validated.
    pub fn new(kind: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        FieldError {
            path: FieldPath::root(),
            kind: kind.into(),
            message: message.into(),
            input: None,
        }
    }

    /// Records the offending input, unless one is recorded already.
    pub fn with_input(mut self, input: &Json<'_>) -> Self {
        if self.input.is_none() {
            self.input = Some(Box::new(input.clone().into_owned()));
        }
        self
    }

    /// Returns the error with `item` prepended to its path.
    pub fn within(mut self, item: PathItem) -> Self {
        self.path.prepend(item);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() {
            write!(f, "{} [{}]", self.message, self.kind)
        } else {
            write!(f, "{}: {} [{}]", self.path, self.message, self.kind)
        }
    }
}

/// Renders errors as a multi-line report: a header naming the model, then for each error
/// its path on one line and `  message [type=kind]` on the next (the path line is omitted
/// for model-level errors). The layout lets tools pick out paths and kinds mechanically.
pub fn render_report(model: &str, errors: &[FieldError]) -> String {
    let n = errors.len();
    let mut out = format!(
        "{n} validation error{} for {model}",
        if n == 1 { "" } else { "s" }
    );
    for e in errors {
        out.push('\n');
        if !e.path.is_root() {
            out.push_str(&e.path.to_string());
            out.push('\n');
        }
        out.push_str("  ");
        out.push_str(&e.message);
        out.push_str(" [type=");
        out.push_str(&e.kind);
        out.push(']');
    }
    out
}
