//! The schema layer's `pattern` keyword with the reference's regex semantics.
//!
//! The reference validates schemas with Python's `jsonschema`, which applies `pattern` with
//! `re.search`: `\d`, `\w` and `\s` are Unicode-aware and `$` also matches just before a
//! final newline. JSON Schema's own (ECMA-262) semantics differ on both, so we install a
//! `pattern` keyword that translates the pattern to the `regex` crate with Python's meaning.

use jsonschema::json::{Json as JsonRepr, Node};
use jsonschema::{Keyword, ValidationError, paths::Location};
use serde_json::{Map, Value};

/// Rewrites a Python `re` pattern into `regex`-crate syntax with the same meaning for the
/// constructs our schemas use: `$` outside a class becomes `(?:\n?\z)`, `\Z` becomes `\z`,
/// and `[`, `&`, `~` inside a class (literals in Python, set syntax in `regex`) are escaped.
///
/// ```
/// use spec_kitty_events::conformance::pyregex::python_pattern_to_rust;
/// assert_eq!(python_pattern_to_rust(r"^\d+$"), r"^\d+(?:\n?\z)");
/// assert_eq!(python_pattern_to_rust(r"[$[]\Z"), r"[$\[]\z");
/// ```
pub fn python_pattern_to_rust(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let at_class_start = std::mem::take(&mut class_start);
        match c {
            '\\' => match chars.next() {
                Some('Z') if !in_class => out.push_str(r"\z"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
                class_start = true;
            }
            ']' if in_class && !at_class_start => {
                in_class = false;
                out.push(']');
            }
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '$' if !in_class => out.push_str(r"(?:\n?\z)"),
            _ => out.push(c),
        }
    }
    out
}

struct PythonPattern {
    source: String,
    re: regex::Regex,
}

impl<'i, F: JsonRepr> Keyword<'i, F> for PythonPattern {
    fn validate(&self, instance: F::Node<'i>) -> Result<(), ValidationError<'i>> {
        if <Self as Keyword<'i, F>>::is_valid(self, instance.clone()) {
            Ok(())
        } else {
            Err(ValidationError::custom(format!(
                "{} does not match {:?}",
                instance.to_value(),
                self.source
            )))
        }
    }

    fn is_valid(&self, instance: F::Node<'i>) -> bool {
        instance.as_string().is_none_or(|s| self.re.is_match(&s))
    }
}

/// The factory to register as the `pattern` keyword (validators of `serde_json` values).
pub fn pattern_keyword<'a>(
    parent: &'a Map<String, Value>,
    value: &'a Value,
    location: Location,
) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
    pattern_keyword_for::<jsonschema::json::SerdeJson>(parent, value, location)
}

/// The factory to register as the `pattern` keyword, for validators of any representation.
pub fn pattern_keyword_for<'a, F: JsonRepr>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    _location: Location,
) -> Result<Box<dyn for<'i> Keyword<'i, F>>, ValidationError<'a>> {
    let Some(source) = value.as_str() else {
        return Err(ValidationError::schema("pattern must be a string"));
    };
    let re = regex::Regex::new(&python_pattern_to_rust(source))
        .map_err(|e| ValidationError::schema(format!("unsupported pattern {source:?}: {e}")))?;
    Ok(Box::new(PythonPattern {
        source: source.to_owned(),
        re,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn validator(pattern: &str) -> jsonschema::Validator {
        jsonschema::draft202012::options()
            .with_keyword("pattern", pattern_keyword)
            .build(&json!({"type": "string", "pattern": pattern}))
            .unwrap()
    }

    #[test]
    fn python_semantics() {
        // Observed with the reference's jsonschema (Python re.search).
        let v = validator(r"^\d+\.\d+\.\d+$");
        assert!(v.is_valid(&json!("3.0.0")));
        assert!(v.is_valid(&json!("3.0.0\n")));
        assert!(v.is_valid(&json!("٣.٠.٠")));
        assert!(!v.is_valid(&json!("3.0.0\n\n")));
        assert!(!v.is_valid(&json!("3.0.0 ")));
        assert!(!v.is_valid(&json!("\n3.0.0")));
        let v = validator("^(human|llm|service)$");
        assert!(v.is_valid(&json!("llm\n")));
        assert!(!v.is_valid(&json!("LLM")));
        let x = json!("x");
        let err = v.iter_errors(&x).next().unwrap();
        assert_eq!(err.kind().keyword(), "pattern");
        // search, not match
        assert!(validator("b").is_valid(&json!("abc")));
        assert!(validator("[[]").is_valid(&json!("a[")));
    }
}
