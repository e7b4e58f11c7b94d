//! Dual-layer conformance validation: the typed model layer and the committed JSON Schema.

use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use super::registry::{self, Contract};
use crate::contract::FieldError;
use crate::cutover;
use crate::envelope::{EVENT_MODEL, EventRef};
use crate::error::{Error, Result};
use crate::json::Json;
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
    /// The offending input (model layer), as pydantic's `input_value` reports it.
    #[serde(skip)]
    pub input: Option<Value>,
}

impl Violation {
    /// Converts a model-layer field error.
    pub fn from_field_error(layer: Layer, e: &FieldError) -> Self {
        Violation {
            layer,
            path: e.path.to_string(),
            kind: e.kind.to_string(),
            message: e.message.clone(),
            input: e.input.as_deref().map(Json::to_value),
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
            input: None,
        }];
    };
    let mut out: Vec<Violation> = validator
        .iter_errors(instance)
        .map(|e| Violation {
            layer: Layer::Schema,
            path: pointer_to_path(&e.instance_path().to_string()),
            kind: e.kind().keyword().to_owned(),
            message: e.to_string(),
            input: None,
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Validates a parsed `instance` against the committed schema `name` (the schema
/// validator reads `serde_json` values; the tree is converted for it).
pub fn schema_violations_json(name: &str, instance: &Json<'_>) -> Vec<Violation> {
    schema_violations(name, &instance.to_value())
}

/// Validates the model layer of `contract` on `payload`.
pub fn model_violations(contract: &Contract, payload: &Json<'_>, layer: Layer) -> Vec<Violation> {
    match contract.model.validate_json(payload) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|e| Violation::from_field_error(layer, e))
            .collect(),
    }
}

/// The cutover-policy violation of an envelope, if any.
pub fn cutover_violation(envelope: &Json<'_>) -> Option<Violation> {
    cutover::assert_canonical(envelope)
        .err()
        .map(|message| Violation {
            layer: Layer::Cutover,
            path: cutover::CUTOVER_ARTIFACT.signal_field_name.to_owned(),
            kind: "cutover_policy".into(),
            message,
            input: None,
        })
}

/// Whether `value` is an envelope of `event_type`: an object whose `payload` is an object
/// and whose `event_type` equals the requested type.
pub fn is_envelope_of(value: &Json<'_>, event_type: &str) -> bool {
    event_type != "Event"
        && value.get("payload").is_some_and(Json::is_object)
        && value.get_str("event_type") == Some(event_type)
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
    validate_event_json(&Json::from_value(value), event_type)
}

/// [`validate_event`] on a parsed tree.
pub fn validate_event_json(value: &Json<'_>, event_type: &str) -> Result<ConformanceResult> {
    let contract = registry::find(event_type).ok_or_else(|| Error::UnknownEventType {
        event_type: event_type.to_owned(),
        known: registry::known_event_types(),
    })?;
    let envelope = is_envelope_of(value, event_type);
    let payload = match value.get("payload") {
        Some(p) if envelope => p,
        _ => value,
    };
    let mut violations = Vec::new();
    if envelope || event_type == "Event" {
        violations.extend(cutover_violation(value));
    }
    violations.extend(model_violations(contract, payload, Layer::Model));
    violations.extend(schema_violations_json(contract.schema, payload));
    Ok(ConformanceResult {
        event_type: event_type.to_owned(),
        valid: violations.is_empty(),
        violations,
    })
}

/// Both layers of `contract` on an envelope's payload, paths prefixed with `payload`.
fn payload_violations(contract: &Contract, payload: &Json<'_>) -> Vec<Violation> {
    let mut out = model_violations(contract, payload, Layer::Model);
    out.extend(schema_violations_json(contract.schema, payload));
    out.into_iter().map(|v| v.prefixed("payload")).collect()
}

/// The payload violations of an envelope against its own type's contract (none when the
/// type is unknown or the payload is not an object: the envelope layer reports that).
fn own_payload_violations(envelope: &Json<'_>) -> Vec<Violation> {
    match (envelope.get_str("event_type"), envelope.get("payload")) {
        (Some(t), Some(payload)) if payload.is_object() => registry::find(t)
            .filter(|c| c.event_type != "Event")
            .map(|c| payload_violations(c, payload))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Checks one record of a log, as `spec-kitty-events validate` does, and returns the
/// event type checked (when known) and every violation.
///
/// With `event_type`, the record is a payload of that type or an envelope of it (then the
/// envelope model and the cutover policy are checked too); without, the record is an
/// envelope whose payload is checked against its own type's contract when the type is
/// known. Envelope-layer findings are ours alone (the reference's `validate_event` checks
/// the cutover policy and the payload only).
///
/// ```
/// use spec_kitty_events::conformance::validate::check_record;
/// use spec_kitty_events::json::parse;
/// let record = parse(r#"{"event_type": "WPStatusChanged", "payload": {"wp_id": ""}}"#).unwrap();
/// let (t, violations) = check_record(&record, None);
/// assert_eq!(t.as_deref(), Some("WPStatusChanged"));
/// assert!(violations.iter().any(|v| v.path == "payload.wp_id" && v.kind == "string_too_short"));
/// ```
pub fn check_record(
    value: &Json<'_>,
    event_type: Option<&str>,
) -> (Option<String>, Vec<Violation>) {
    let mut out = Vec::new();
    let envelope_checks = |out: &mut Vec<Violation>| {
        if let Err(errors) = EVENT_MODEL.validate_json(value) {
            out.extend(
                errors
                    .iter()
                    .map(|e| Violation::from_field_error(Layer::Envelope, e)),
            );
        }
        out.extend(cutover_violation(value));
    };
    match event_type {
        Some(t) => {
            let Some(contract) = registry::find(t) else {
                return (Some(t.to_owned()), out);
            };
            if t == "Event" {
                envelope_checks(&mut out);
                out.extend(schema_violations_json(contract.schema, value));
            } else if is_envelope_of(value, t) {
                envelope_checks(&mut out);
                if let Some(payload) = value.get("payload") {
                    out.extend(payload_violations(contract, payload));
                }
            } else {
                out.extend(model_violations(contract, value, Layer::Model));
                out.extend(schema_violations_json(contract.schema, value));
            }
            (Some(t.to_owned()), out)
        }
        None => {
            envelope_checks(&mut out);
            out.extend(own_payload_violations(value));
            (value.get_str("event_type").map(str::to_owned), out)
        }
    }
}

/// Admits one record into a store, fail-closed: the envelope (model layer, Lamport clock
/// within 64 bits), the cutover policy and the payload's own contract (both layers, when
/// its type is known) must all hold. Returns the validated envelope, or every violation.
///
/// ```
/// use spec_kitty_events::conformance::validate::admit;
/// use spec_kitty_events::json::parse;
/// let record = parse(r#"{"event_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "event_type": "X",
///     "aggregate_id": "a", "timestamp": "2026-01-01T00:00:00Z", "build_id": "b",
///     "node_id": "n", "lamport_clock": 1, "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
///     "project_uuid": "12345678-1234-5678-1234-567812345678", "schema_version": "3.0.0"}"#).unwrap();
/// assert_eq!(admit(&record).unwrap().lamport_clock, 1);
/// let legacy = parse(r#"{"schema_version": "2.0.0"}"#).unwrap();
/// assert!(admit(&legacy).unwrap_err().iter().any(|v| v.kind == "cutover_policy"));
/// ```
pub fn admit<'b>(value: &'b Json<'_>) -> std::result::Result<EventRef<'b>, Vec<Violation>> {
    let mut out = Vec::new();
    let event = match EventRef::from_json(value) {
        Ok(e) => Some(e),
        Err(errors) => {
            out.extend(
                errors
                    .iter()
                    .map(|e| Violation::from_field_error(Layer::Envelope, e)),
            );
            None
        }
    };
    out.extend(cutover_violation(value));
    out.extend(own_payload_violations(value));
    match event {
        Some(e) if out.is_empty() => Ok(e),
        _ => Err(out),
    }
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
