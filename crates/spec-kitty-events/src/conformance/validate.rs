//! Dual-layer conformance validation: the typed model layer and the committed JSON Schema.

use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use super::registry::{self, Contract};
use crate::contract::FieldError;
use crate::cutover;
use crate::error::{Error, Result};
use crate::schemas;

/// Which check produced a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// The envelope model.
    Envelope,
    /// The fail-closed cutover policy.
    Cutover,
    /// The payload's model.
    Model,
    /// The committed JSON Schema.
    Schema,
}

/// One reason a document does not conform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The check that found it.
    pub layer: Layer,
    /// Dot-separated field path (empty for the document itself).
    pub path: String,
    /// Machine-readable kind (`missing`, `enum`, `cutover_policy`, `required`, …).
    pub kind: String,
    /// Human-readable explanation.
    pub message: String,
}

impl Violation {
    /// Converts a model-layer field error.
    pub fn from_field_error(layer: Layer, e: &FieldError) -> Self {
        Violation {
            layer,
            path: e.path.to_string(),
            kind: e.kind.to_string(),
            message: e.message.clone(),
        }
    }

    /// Returns the violation with `prefix.` added to its path.
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}

/// The verdict of [`validate_event`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConformanceResult {
    /// The requested event type.
    pub event_type: String,
    /// Whether no layer objected.
    pub valid: bool,
    /// Every violation, cutover and model layer first, then schema.
    pub violations: Vec<Violation>,
}

impl ConformanceResult {
    /// Violations of the model layer, the cutover check included (the reference files
    /// both under its model violations).
    pub fn model_violations(&self) -> impl Iterator<Item = &Violation> {
        self.violations
            .iter()
            .filter(|v| matches!(v.layer, Layer::Cutover | Layer::Model | Layer::Envelope))
    }
    /// Violations of the schema layer.
    pub fn schema_violations(&self) -> impl Iterator<Item = &Violation> {
        self.violations.iter().filter(|v| v.layer == Layer::Schema)
    }
}

static COMPILED: LazyLock<HashMap<&'static str, OnceLock<Option<jsonschema::Validator>>>> =
    LazyLock::new(|| {
        schemas::SCHEMAS
            .iter()
            .map(|s| (s.name, OnceLock::new()))
            .collect()
    });

/// The compiled committed schema called `name`, with the reference's `pattern` semantics
/// (see [`super::pyregex`]).
pub fn compiled_schema(name: &str) -> Option<&'static jsonschema::Validator> {
    let slot = COMPILED.get(name)?;
    slot.get_or_init(|| {
        let spec = schemas::find(name)?;
        jsonschema::draft202012::options()
            .with_keyword("pattern", super::pyregex::pattern_keyword)
            .build(&spec.committed_value())
            .ok()
    })
    .as_ref()
}

fn pointer_to_path(pointer: &str) -> String {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// Validates `instance` against the committed schema `name`.
pub fn schema_violations(name: &str, instance: &Value) -> Vec<Violation> {
    let Some(validator) = compiled_schema(name) else {
        return vec![Violation {
            layer: Layer::Schema,
            path: String::new(),
            kind: "schema_unavailable".into(),
            message: format!("schema {name} is not available"),
        }];
    };
    let mut out: Vec<Violation> = validator
        .iter_errors(instance)
        .map(|e| Violation {
            layer: Layer::Schema,
            path: pointer_to_path(&e.instance_path().to_string()),
            kind: e.kind().keyword().to_owned(),
            message: e.to_string(),
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Validates the model layer of `contract` on `payload`.
pub fn model_violations(contract: &Contract, payload: &Value, layer: Layer) -> Vec<Violation> {
    match contract.model.validate(payload) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|e| Violation::from_field_error(layer, e))
            .collect(),
    }
}

/// The cutover-policy violation of an envelope, if any.
pub fn cutover_violation(envelope: &Value) -> Option<Violation> {
    let result = match envelope.as_object() {
        Some(obj) => cutover::assert_canonical(obj),
        None => Err("an envelope must be a JSON object".to_owned()),
    };
    result.err().map(|message| Violation {
        layer: Layer::Cutover,
        path: cutover::CUTOVER_ARTIFACT.signal_field_name.to_owned(),
        kind: "cutover_policy".into(),
        message,
    })
}

/// Whether `value` is an envelope of `event_type`: an object whose `payload` is an object
/// and whose `event_type` equals the requested type.
pub fn is_envelope_of(value: &Value, event_type: &str) -> bool {
    event_type != "Event"
        && value.get("payload").is_some_and(Value::is_object)
        && value.get("event_type").and_then(Value::as_str) == Some(event_type)
}

/// Validates a payload (or a full envelope) against the contract of `event_type`, as the
/// reference's `validate_event` does.
///
/// A full envelope whose `event_type` matches is checked against the cutover policy and
/// its payload validated; for `Event` the value itself is the envelope. Both the model
/// layer and the committed schema run; the verdict is invalid if either objects.
///
/// ```
/// use serde_json::json;
/// use spec_kitty_events::conformance::validate_event;
/// let payload = json!({"mission_slug": "mission-001", "wp_id": "WP01", "from_lane": "planned",
///     "to_lane": "claimed", "actor": "ci-bot", "execution_mode": "worktree"});
/// assert!(validate_event(&payload, "WPStatusChanged").unwrap().valid);
/// let r = validate_event(&json!({"wp_id": "WP01"}), "WPStatusChanged").unwrap();
/// assert!(!r.valid);
/// assert!(validate_event(&payload, "NoSuchEvent").is_err());
/// ```
pub fn validate_event(value: &Value, event_type: &str) -> Result<ConformanceResult> {
    let contract = registry::find(event_type).ok_or_else(|| Error::UnknownEventType {
        event_type: event_type.to_owned(),
        known: registry::known_event_types(),
    })?;
    let envelope = is_envelope_of(value, event_type);
    let payload = if envelope { &value["payload"] } else { value };
    let mut violations = Vec::new();
    if envelope || event_type == "Event" {
        violations.extend(cutover_violation(value));
    }
    violations.extend(model_violations(contract, payload, Layer::Model));
    violations.extend(schema_violations(contract.schema, payload));
    Ok(ConformanceResult {
        event_type: event_type.to_owned(),
        valid: violations.is_empty(),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_committed_schema_compiles() {
        for spec in schemas::SCHEMAS {
            if spec.committed_value() != serde_json::json!({}) {
                assert!(compiled_schema(spec.name).is_some(), "{}", spec.name);
            }
        }
    }

    #[test]
    fn schema_patterns_follow_python_re() {
        // The reference's schema layer accepts a Unicode-digit version and a trailing
        // newline; its model layer (pydantic, Rust regex) still rejects the newline.
        let v = |sv: &str| {
            schema_violations("event", &serde_json::json!({"schema_version": sv}))
                .into_iter()
                .filter(|v| v.path == "schema_version")
                .count()
        };
        assert_eq!(v("3.0.0\n"), 0);
        assert_eq!(v("٣.٠.٠"), 0);
        assert_eq!(v("3.0"), 1);
    }
}
