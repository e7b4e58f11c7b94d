//! The event envelope: identity, causality, Lamport clock and an opaque payload.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, FieldError, IntTy, ModelDef, StrTy, Ty};
use crate::error::Error;
use crate::timestamp::Timestamp;

/// The JSON Schema pattern accepted for event ids before normalisation: a 26-character
/// Crockford ULID, 32 hex digits, or a hyphenated UUID.
pub const EVENT_ID_PATTERN: &str = concat!(
    r"^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$",
    r"|^[0-9a-fA-F]{32}$",
    r"|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
);

/// The default (and, on live paths, the only accepted) envelope `schema_version`.
pub const DEFAULT_SCHEMA_VERSION: &str = "3.0.0";

fn is_crockford(c: char) -> bool {
    c.is_ascii_digit()
        || (c.is_ascii_alphabetic() && !matches!(c.to_ascii_uppercase(), 'I' | 'L' | 'O' | 'U'))
}

fn is_hyphenated_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Normalises an event id: a 26-character Crockford ULID is upper-cased, a hyphenated
/// UUID lower-cased, and 32 hex digits become a lower-case hyphenated UUID.
///
/// ```
/// use spec_kitty_events::normalize_event_id;
/// assert_eq!(normalize_event_id("01arz3ndektsv4rrffq69g5fav").unwrap(), "01ARZ3NDEKTSV4RRFFQ69G5FAV");
/// assert_eq!(
///     normalize_event_id("12345678123456781234567812345678").unwrap(),
///     "12345678-1234-5678-1234-567812345678"
/// );
/// assert!(normalize_event_id("01ARZ3NDEKTSV4RRFFQ69G5FAI").is_err()); // I is not Crockford
/// ```
pub fn normalize_event_id(s: &str) -> Result<String, String> {
    let len = s.chars().count();
    if len == 26 {
        if !s.chars().all(is_crockford) {
            return Err(format!(
                "26-char event_id must be valid Crockford base32 (chars I, L, O, U are not allowed); got {s:?}"
            ));
        }
        return Ok(s.to_ascii_uppercase());
    }
    if is_hyphenated_uuid(s) {
        return Ok(s.to_ascii_lowercase());
    }
    if s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit()) {
        let h = s.to_ascii_lowercase();
        return Ok(format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        ));
    }
    Err(format!(
        "event_id must be 26-char ULID (Crockford base32), 36-char UUID, or 32-char hex UUID; got {len} chars"
    ))
}

fn normalize_id_value(v: &Value) -> Result<Option<Value>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => normalize_event_id(s).map(|n| Some(Value::String(n))),
        other => Err(format!(
            "event_id must be a string; got {}",
            crate::contract::scalar::type_name(other)
        )),
    }
}

fn id_ty() -> Ty {
    Ty::Str(StrTy::new().min(26).max(36)).before(normalize_id_value)
}

/// The contract of the envelope (the reference's `Event` model).
pub static EVENT_MODEL: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new("Event", "Immutable event with causal metadata for distributed conflict detection.")
        .field(
            Field::required("event_id", id_ty())
                .doc("Unique event identifier (26-char ULID or UUID accepted)")
                .schema_extra(json!({"pattern": EVENT_ID_PATTERN})),
        )
        .field(Field::required("event_type", Ty::nonempty()).doc("Event type identifier (e.g., 'WPStatusChanged', 'TagAdded')"))
        .field(Field::required("aggregate_id", Ty::nonempty()).doc("Identifier of the entity this event modifies"))
        .field(Field::with_factory_default("payload", Ty::object(), json!({})).doc("Event-specific data (opaque to library)"))
        .field(Field::required("timestamp", Ty::DateTime).doc("Wall-clock timestamp (human-readable, not used for ordering)"))
        .field(Field::required("build_id", Ty::nonempty()).doc("Canonical checkout or worktree identity that produced this event"))
        .field(
            Field::required("node_id", Ty::nonempty())
                .doc("Required causal emitter identity used for Lamport ordering and deterministic tie-breaking"),
        )
        .field(Field::required("lamport_clock", IntTy::new().ge(0)).doc("Lamport logical clock value (monotonically increasing)"))
        .field(
            Field::optional("causation_id", id_ty())
                .doc("Event ID of the parent event (26-char ULID or UUID accepted, None for root events)")
                .schema_extra(json!({"pattern": EVENT_ID_PATTERN})),
        )
        .field(Field::required("project_uuid", Ty::Uuid).doc("UUID of the project this event belongs to"))
        .field(Field::optional("project_slug", Ty::str()).doc("Human-readable project identifier (optional)"))
        .field(
            Field::required("correlation_id", id_ty())
                .doc("Correlation identifier (26-char ULID or UUID accepted)")
                .schema_extra(json!({"pattern": EVENT_ID_PATTERN})),
        )
        .field(
            Field::with_default("schema_version", StrTy::new().pattern(r"^\d+\.\d+\.\d+$"), json!(DEFAULT_SCHEMA_VERSION))
                .doc("Envelope schema version (semver)"),
        )
        .field(
            Field::with_default("data_tier", IntTy::new().ge(0).le(4), json!(0))
                .doc("Progressive data sharing tier (0=local, 4=telemetry)"),
        )
        .build()
});

/// An immutable event envelope.
///
/// Parse one from JSON with [`Event::from_value`] (the reference's lax rules and
/// normalisations apply); serialise it with serde to get exactly the reference's
/// `model_dump(mode="json")`.
///
/// ```
/// use serde_json::json;
/// use spec_kitty_events::Event;
/// let e = Event::from_value(&json!({
///     "event_id": "01arz3ndektsv4rrffq69g5fav", "event_type": "WPStatusChanged",
///     "aggregate_id": "mission/WP01", "timestamp": "2026-04-05T12:00:00+00:00",
///     "build_id": "b1", "node_id": "n1", "lamport_clock": "3",
///     "project_uuid": "12345678123456781234567812345678",
///     "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "ignored": true
/// })).unwrap();
/// assert_eq!(e.event_id, "01ARZ3NDEKTSV4RRFFQ69G5FAV");
/// assert_eq!(e.lamport_clock, 3);
/// let out = serde_json::to_value(&e).unwrap();
/// assert_eq!(out["timestamp"], "2026-04-05T12:00:00Z");
/// assert_eq!(out["project_uuid"], "12345678-1234-5678-1234-567812345678");
/// assert_eq!(Event::from_value(&out).unwrap(), e);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Normalised event id.
    pub event_id: String,
    /// Event type name (`WPStatusChanged`, …).
    pub event_type: String,
    /// The entity the event modifies.
    pub aggregate_id: String,
    /// Type-specific data.
    pub payload: Map<String, Value>,
    /// Wall-clock time, with its original offset.
    pub timestamp: Timestamp,
    /// The build (checkout or worktree) that produced the event.
    pub build_id: String,
    /// The emitting node.
    pub node_id: String,
    /// Lamport clock value.
    pub lamport_clock: u64,
    /// Normalised id of the parent event.
    pub causation_id: Option<String>,
    /// The project.
    pub project_uuid: uuid::Uuid,
    /// Human-readable project name.
    pub project_slug: Option<String>,
    /// Normalised correlation id.
    pub correlation_id: String,
    /// Envelope schema version.
    pub schema_version: String,
    /// Data sharing tier, 0–4.
    pub data_tier: u8,
}

impl Event {
    /// Validates a JSON value as an envelope (model layer only; see
    /// [`crate::cutover`] for the fail-closed cutover policy) and builds the event.
    pub fn from_value(v: &Value) -> Result<Event, Error> {
        let invalid = |errors| Error::Validation {
            model: "Event",
            errors,
        };
        let Value::Object(m) = v else {
            return Err(invalid(EVENT_MODEL.validate(v).err().unwrap_or_default()));
        };
        let slots = EVENT_MODEL.validate_values(m).map_err(invalid)?;
        Self::from_slots(slots).map_err(|e| invalid(vec![e]))
    }

    /// Like [`Event::from_value`], taking the value by ownership so that the payload is
    /// moved into the event rather than copied: the fast path for reading logs.
    pub fn from_json(mut v: Value) -> Result<Event, Error> {
        // The payload's contract here is only "an object": validate the envelope with an
        // empty stand-in and move the real payload in afterwards.
        let payload = match v.get_mut("payload") {
            Some(p @ Value::Object(_)) => Some(std::mem::replace(p, Value::Object(Map::new()))),
            _ => None,
        };
        let mut event = Self::from_value(&v)?;
        if let Some(Value::Object(p)) = payload {
            event.payload = p;
        }
        Ok(event)
    }

    /// Builds an event from [`EVENT_MODEL`]'s validated field values (declaration order).
    fn from_slots(slots: Vec<Value>) -> Result<Event, FieldError> {
        let [
            event_id,
            event_type,
            aggregate_id,
            payload,
            timestamp,
            build_id,
            node_id,
            lamport_clock,
            causation_id,
            project_uuid,
            project_slug,
            correlation_id,
            schema_version,
            data_tier,
        ]: [Value; 14] = slots
            .try_into()
            .map_err(|_| FieldError::new("internal", "envelope model has 14 fields"))?;
        let string = |v: Value| match v {
            Value::String(s) => s,
            _ => String::new(),
        };
        let opt_string = |v: Value| match v {
            Value::String(s) => Some(s),
            _ => None,
        };
        let lamport_clock = lamport_clock.as_u64().ok_or_else(|| {
            FieldError::new(
                "int_too_large",
                "Lamport clock values beyond 2^64-1 are not supported",
            )
            .within(crate::contract::PathItem::Key("lamport_clock".into()))
        })?;
        let timestamp = match &timestamp {
            Value::String(s) => Timestamp::parse_str(s)?,
            _ => {
                return Err(FieldError::new(
                    "datetime_type",
                    "timestamp missing after validation",
                ));
            }
        };
        let project_uuid = project_uuid
            .as_str()
            .and_then(|s| uuid::Uuid::parse_str(s).ok())
            .ok_or_else(|| {
                FieldError::new("uuid_parsing", "project_uuid unreadable after validation")
            })?;
        Ok(Event {
            event_id: string(event_id),
            event_type: string(event_type),
            aggregate_id: string(aggregate_id),
            payload: match payload {
                Value::Object(p) => p,
                _ => Map::new(),
            },
            timestamp,
            build_id: string(build_id),
            node_id: string(node_id),
            lamport_clock,
            causation_id: opt_string(causation_id),
            project_uuid,
            project_slug: opt_string(project_slug),
            correlation_id: string(correlation_id),
            schema_version: string(schema_version),
            data_tier: data_tier.as_u64().map_or(0, |n| n as u8),
        })
    }

    /// The envelope as the reference's `model_dump(mode="json")` prints it.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Value {
        json!({
            "event_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "event_type": "X", "aggregate_id": "a",
            "timestamp": "2026-01-01T00:00:00Z", "build_id": "b", "node_id": "n",
            "lamport_clock": 0, "project_uuid": "12345678-1234-5678-1234-567812345678",
            "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"
        })
    }

    #[test]
    fn defaults_are_filled() {
        let e = Event::from_value(&base()).unwrap();
        assert_eq!(e.schema_version, "3.0.0");
        assert_eq!(e.data_tier, 0);
        assert!(e.payload.is_empty());
        assert_eq!(e.causation_id, None);
    }

    #[test]
    fn bad_fields_are_reported_with_paths() {
        let mut v = base();
        v["event_id"] = json!("short");
        v["lamport_clock"] = json!(-1);
        v["data_tier"] = json!(5);
        let Err(Error::Validation { errors, .. }) = Event::from_value(&v) else {
            panic!("expected errors")
        };
        let got: Vec<(String, String)> = errors
            .iter()
            .map(|e| (e.path.to_string(), e.kind.to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("event_id".into(), "value_error".into()),
                ("lamport_clock".into(), "greater_than_equal".into()),
                ("data_tier".into(), "less_than_equal".into()),
            ]
        );
    }
}
