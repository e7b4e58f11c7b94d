//! The event envelope: identity, causality, Lamport clock and an opaque payload.
//!
//! Two forms of one contract ([`EVENT_MODEL`]):
//!
//! - [`EventRef`] is a validated envelope that borrows from a parsed [`Json`] tree (its
//!   payload is the tree's payload object): what the hot paths (replay, validation,
//!   ingestion) work on, with nothing copied;
//! - [`Event`] owns its data and keeps the payload as canonical JSON text ([`Payload`]),
//!   rendered as the reference renders the payload dict.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, LazyLock};

use crate::contract::scalar::lax_uuid;
use crate::contract::{Field, FieldError, IntTy, ModelDef, PathItem, StrTy, Ty};
use crate::error::Error;
use crate::json::{self, Json};
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

const fn is_crockford(c: char) -> bool {
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

/// The bytes of a canonical ULID: the Crockford characters ([`is_crockford`]) that are
/// not lower-case.
static CANONICAL_ULID_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = is_crockford(c as char) && !c.is_ascii_lowercase();
        b += 1;
    }
    table
};

/// Normalises an event id: a 26-character Crockford ULID is upper-cased, a hyphenated
/// UUID lower-cased, and 32 hex digits become a lower-case hyphenated UUID. An id that is
/// already normal comes back borrowed.
///
/// ```
/// use spec_kitty_events::normalize_event_id;
/// assert_eq!(normalize_event_id("01arz3ndektsv4rrffq69g5fav").unwrap(), "01ARZ3NDEKTSV4RRFFQ69G5FAV");
/// assert_eq!(
///     normalize_event_id("12345678123456781234567812345678").unwrap(),
///     "12345678-1234-5678-1234-567812345678"
/// );
/// assert_eq!(
///     normalize_event_id("ABCDEF01123456781234567812345678").unwrap(),
///     "abcdef01-1234-5678-1234-567812345678"
/// );
/// assert!(normalize_event_id("01ARZ3NDEKTSV4RRFFQ69G5FAI").is_err()); // I is not Crockford
/// ```
pub fn normalize_event_id(s: &str) -> Result<Cow<'_, str>, String> {
    // The common case first: a canonical upper-case ULID. Every byte is looked up and the
    // answers and-ed (no early exit): random ULID characters would mispredict a branch
    // per byte.
    if s.len() == 26
        && s.bytes()
            .fold(true, |ok, b| ok & CANONICAL_ULID_BYTE[usize::from(b)])
    {
        return Ok(Cow::Borrowed(s));
    }
    let len = s.chars().count();
    if len == 26 {
        if !s.chars().all(is_crockford) {
            return Err(format!(
                "26-char event_id must be valid Crockford base32 (chars I, L, O, U are not allowed); got {}",
                json::py::str_repr(s)
            ));
        }
        return Ok(if s.bytes().any(|b| b.is_ascii_lowercase()) {
            Cow::Owned(s.to_ascii_uppercase())
        } else {
            Cow::Borrowed(s)
        });
    }
    if is_hyphenated_uuid(s) {
        return Ok(if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        });
    }
    if s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        // 8-4-4-4-12, lower-cased, in one pass.
        let mut out = String::with_capacity(36);
        for (i, b) in s.bytes().enumerate() {
            if matches!(i, 8 | 12 | 16 | 20) {
                out.push('-');
            }
            out.push(char::from(b.to_ascii_lowercase()));
        }
        return Ok(Cow::Owned(out));
    }
    Err(format!(
        "event_id must be 26-char ULID (Crockford base32), 36-char UUID, or 32-char hex UUID; got {len} chars"
    ))
}

fn normalize_id_value(v: &Json<'_>) -> Result<Option<Json<'static>>, String> {
    match v {
        Json::Null => Ok(None),
        Json::Str(s) => match normalize_event_id(s)? {
            Cow::Borrowed(_) => Ok(None),
            Cow::Owned(n) => Ok(Some(Json::from(n))),
        },
        other => Err(format!(
            "event_id must be a string; got {}",
            other.py_type_name()
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

/// The payload of an event: a JSON object, held as its canonical compact JSON text (keys
/// unique in first-occurrence order, numbers as Python prints them), so two payloads are
/// equal exactly when the reference's payload dicts are.
///
/// ```
/// use spec_kitty_events::envelope::Payload;
/// use spec_kitty_events::json::parse;
/// let p = Payload::from_json(&parse(r#"{"b": 1.50, "a": [1, 2], "b": 2.0}"#).unwrap()).unwrap();
/// assert_eq!(p.as_str(), r#"{"b":2.0,"a":[1,2]}"#);
/// assert_eq!(p.json().get("b").and_then(|b| b.as_f64()), Some(2.0));
/// assert!(Payload::from_json(&parse("[1]").unwrap()).is_none());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Payload(Box<str>);

impl Payload {
    /// The empty object.
    pub fn empty() -> Self {
        Payload("{}".into())
    }

    /// The payload of an object value; `None` for anything else.
    pub fn from_json(v: &Json<'_>) -> Option<Self> {
        v.is_object()
            .then(|| Payload(v.to_json_string().into_boxed_str()))
    }

    /// The payload of a `serde_json` map.
    pub fn from_map(m: &Map<String, Value>) -> Self {
        let entries = m
            .iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_str()), Json::from_value(v)))
            .collect();
        Payload(Json::Object(entries).to_json_string().into_boxed_str())
    }

    /// The canonical JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The payload as a tree borrowing from this text.
    pub fn json(&self) -> Json<'_> {
        // The text is canonical JSON of an object by construction.
        json::parse(&self.0).unwrap_or_else(|_| Json::Object(Vec::new()))
    }

    /// The payload as a `serde_json` map.
    pub fn to_map(&self) -> Map<String, Value> {
        match self.json().to_value() {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// The value under `key`, as a `serde_json` value.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.json().get(key).map(Json::to_value)
    }

    /// Whether the payload is the empty object.
    pub fn is_empty(&self) -> bool {
        &*self.0 == "{}"
    }
}

impl Default for Payload {
    fn default() -> Self {
        Payload::empty()
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Payload({})", self.0)
    }
}

impl From<Map<String, Value>> for Payload {
    fn from(m: Map<String, Value>) -> Self {
        Payload::from_map(&m)
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let tree = Json::deserialize(d)?;
        Payload::from_json(&tree)
            .ok_or_else(|| serde::de::Error::custom("payload must be an object"))
    }
}

/// An immutable event envelope.
///
/// Parse one from JSON with [`Event::parse`] or [`Event::from_value`] (the reference's lax
/// rules and normalisations apply); serialise it with serde, or [`Event::to_json_string`],
/// to get exactly the reference's `model_dump(mode="json")`.
///
/// ```
/// use spec_kitty_events::Event;
/// let e = Event::parse(r#"{
///     "event_id": "01arz3ndektsv4rrffq69g5fav", "event_type": "WPStatusChanged",
///     "aggregate_id": "mission/WP01", "timestamp": "2026-04-05T12:00:00+00:00",
///     "build_id": "b1", "node_id": "n1", "lamport_clock": "3",
///     "project_uuid": "12345678123456781234567812345678",
///     "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "ignored": true, "payload": {"x": 1.0}
/// }"#).unwrap();
/// assert_eq!(e.event_id, "01ARZ3NDEKTSV4RRFFQ69G5FAV");
/// assert_eq!(e.lamport_clock, 3);
/// let out = serde_json::to_value(&e).unwrap();
/// assert_eq!(out["timestamp"], "2026-04-05T12:00:00Z");
/// assert_eq!(out["project_uuid"], "12345678-1234-5678-1234-567812345678");
/// assert_eq!(Event::from_value(&out).unwrap(), e);
/// assert_eq!(Event::parse(&e.to_json_string()).unwrap(), e);
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
    pub payload: Payload,
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

/// A validated envelope borrowing from a parsed tree: identical field for field to
/// [`Event`], with the payload left as the tree's object.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRef<'b> {
    /// Normalised event id.
    pub event_id: Cow<'b, str>,
    /// Event type name.
    pub event_type: Cow<'b, str>,
    /// The entity the event modifies.
    pub aggregate_id: Cow<'b, str>,
    /// The payload object.
    pub payload: &'b Json<'b>,
    /// Wall-clock time.
    pub timestamp: Timestamp,
    /// The build that produced the event.
    pub build_id: Cow<'b, str>,
    /// The emitting node.
    pub node_id: Cow<'b, str>,
    /// Lamport clock value.
    pub lamport_clock: u64,
    /// Normalised id of the parent event.
    pub causation_id: Option<Cow<'b, str>>,
    /// The project.
    pub project_uuid: uuid::Uuid,
    /// Human-readable project name.
    pub project_slug: Option<Cow<'b, str>>,
    /// Normalised correlation id.
    pub correlation_id: Cow<'b, str>,
    /// Envelope schema version.
    pub schema_version: Cow<'b, str>,
    /// Data sharing tier, 0–4.
    pub data_tier: u8,
}

static EMPTY_OBJECT: Json<'static> = Json::Object(Vec::new());

fn into_str(v: Json<'_>) -> Cow<'_, str> {
    match v {
        Json::Str(s) => s,
        _ => Cow::Borrowed(""),
    }
}

fn into_opt_str(v: Json<'_>) -> Option<Cow<'_, str>> {
    match v {
        Json::Str(s) => Some(s),
        _ => None,
    }
}

impl<'b> EventRef<'b> {
    /// Validates a parsed envelope (model layer only; see [`crate::cutover`] for the
    /// fail-closed cutover policy), borrowing from it.
    ///
    /// ```
    /// use spec_kitty_events::envelope::EventRef;
    /// use spec_kitty_events::json::parse;
    /// let tree = parse(r#"{"event_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "event_type": "X",
    ///     "aggregate_id": "a", "timestamp": "2026-01-01T00:00:00Z", "build_id": "b",
    ///     "node_id": "n", "lamport_clock": 7, "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    ///     "project_uuid": "12345678-1234-5678-1234-567812345678", "payload": {"k": "v"}}"#).unwrap();
    /// let e = EventRef::from_json(&tree).unwrap();
    /// assert_eq!((e.lamport_clock, e.payload.get_str("k")), (7, Some("v")));
    /// ```
    pub fn from_json(v: &'b Json<'_>) -> Result<EventRef<'b>, Vec<FieldError>> {
        // The payload, timestamp and project UUID are read from the tree below: checked by
        // the contract, neither copied nor rendered as text to be parsed again.
        let slots =
            EVENT_MODEL.validate_values_unread(v, &["payload", "timestamp", "project_uuid"])?;
        let [
            event_id,
            event_type,
            aggregate_id,
            _payload,
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
        ]: [Json<'b>; 14] = slots
            .try_into()
            .map_err(|_| vec![FieldError::new("internal", "envelope model has 14 fields")])?;
        let lamport_clock = lamport_clock.as_u64().ok_or_else(|| {
            vec![
                FieldError::new(
                    "int_too_large",
                    "Lamport clock values beyond 2^64-1 are not supported",
                )
                .with_input(&lamport_clock)
                .within(PathItem::Key("lamport_clock".into())),
            ]
        })?;
        let timestamp =
            Timestamp::from_json(unread(v, "timestamp", &timestamp)).map_err(|e| vec![e])?;
        let project_uuid =
            lax_uuid(unread(v, "project_uuid", &project_uuid)).map_err(|e| vec![e])?;
        Ok(EventRef {
            event_id: into_str(event_id),
            event_type: into_str(event_type),
            aggregate_id: into_str(aggregate_id),
            payload: v.get("payload").unwrap_or(&EMPTY_OBJECT),
            timestamp,
            build_id: into_str(build_id),
            node_id: into_str(node_id),
            lamport_clock,
            causation_id: into_opt_str(causation_id),
            project_uuid,
            project_slug: into_opt_str(project_slug),
            correlation_id: into_str(correlation_id),
            schema_version: into_str(schema_version),
            data_tier: data_tier.as_u64().map_or(0, |n| n as u8),
        })
    }

    /// The owned event (the payload rendered as canonical text).
    pub fn to_event(&self) -> Event {
        Event {
            event_id: self.event_id.to_string(),
            event_type: self.event_type.to_string(),
            aggregate_id: self.aggregate_id.to_string(),
            payload: Payload::from_json(self.payload).unwrap_or_default(),
            timestamp: self.timestamp.clone(),
            build_id: self.build_id.to_string(),
            node_id: self.node_id.to_string(),
            lamport_clock: self.lamport_clock,
            causation_id: self.causation_id.as_ref().map(|s| s.to_string()),
            project_uuid: self.project_uuid,
            project_slug: self.project_slug.as_ref().map(|s| s.to_string()),
            correlation_id: self.correlation_id.to_string(),
            schema_version: self.schema_version.to_string(),
            data_tier: self.data_tier,
        }
    }
}

/// The input of a field read by its consumer ([`ModelDef::validate_values_unread`]): its
/// slot is null, or holds the value when the model was validated whole.
fn unread<'x>(envelope: &'x Json<'x>, key: &str, slot: &'x Json<'x>) -> &'x Json<'x> {
    match slot {
        Json::Null => envelope.get(key).unwrap_or(slot),
        _ => slot,
    }
}

impl Event {
    fn invalid(errors: Vec<FieldError>) -> Error {
        Error::Validation {
            model: "Event",
            errors,
        }
    }

    /// Validates a parsed envelope (model layer only; see [`crate::cutover`] for the
    /// fail-closed cutover policy) and builds the event.
    pub fn from_json(v: &Json<'_>) -> Result<Event, Error> {
        EventRef::from_json(v)
            .map(|e| e.to_event())
            .map_err(Self::invalid)
    }

    /// Validates a JSON value as an envelope; see [`Event::from_json`].
    pub fn from_value(v: &Value) -> Result<Event, Error> {
        Self::from_json(&Json::from_value(v))
    }

    /// Parses and validates one envelope from JSON text: the path for reading logs. A
    /// syntax error is reported as a `json_syntax` error at the root.
    pub fn parse(text: &str) -> Result<Event, Error> {
        let tree = json::parse(text)
            .map_err(|e| Self::invalid(vec![FieldError::new("json_syntax", e.message)]))?;
        Self::from_json(&tree)
    }

    /// The envelope borrowing `payload` (which must be this event's payload, parsed).
    pub fn as_ref<'b>(&'b self, payload: &'b Json<'b>) -> EventRef<'b> {
        EventRef {
            event_id: Cow::Borrowed(&self.event_id),
            event_type: Cow::Borrowed(&self.event_type),
            aggregate_id: Cow::Borrowed(&self.aggregate_id),
            payload,
            timestamp: self.timestamp.clone(),
            build_id: Cow::Borrowed(&self.build_id),
            node_id: Cow::Borrowed(&self.node_id),
            lamport_clock: self.lamport_clock,
            causation_id: self.causation_id.as_deref().map(Cow::Borrowed),
            project_uuid: self.project_uuid,
            project_slug: self.project_slug.as_deref().map(Cow::Borrowed),
            correlation_id: Cow::Borrowed(&self.correlation_id),
            schema_version: Cow::Borrowed(&self.schema_version),
            data_tier: self.data_tier,
        }
    }

    /// The envelope as the reference's `model_dump(mode="json")` prints it.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The envelope as compact JSON, written directly (the payload text as it is).
    pub fn to_json_string(&self) -> String {
        use crate::json::write_json_str as s;
        let mut out = String::with_capacity(256 + self.payload.as_str().len());
        let opt = |out: &mut String, v: &Option<String>| match v {
            Some(x) => s(x, out),
            None => out.push_str("null"),
        };
        out.push_str("{\"event_id\":");
        s(&self.event_id, &mut out);
        out.push_str(",\"event_type\":");
        s(&self.event_type, &mut out);
        out.push_str(",\"aggregate_id\":");
        s(&self.aggregate_id, &mut out);
        out.push_str(",\"payload\":");
        out.push_str(self.payload.as_str());
        out.push_str(",\"timestamp\":");
        s(&self.timestamp.to_json_string(), &mut out);
        out.push_str(",\"build_id\":");
        s(&self.build_id, &mut out);
        out.push_str(",\"node_id\":");
        s(&self.node_id, &mut out);
        out.push_str(",\"lamport_clock\":");
        out.push_str(&self.lamport_clock.to_string());
        out.push_str(",\"causation_id\":");
        opt(&mut out, &self.causation_id);
        out.push_str(",\"project_uuid\":");
        s(&self.project_uuid.hyphenated().to_string(), &mut out);
        out.push_str(",\"project_slug\":");
        opt(&mut out, &self.project_slug);
        out.push_str(",\"correlation_id\":");
        s(&self.correlation_id, &mut out);
        out.push_str(",\"schema_version\":");
        s(&self.schema_version, &mut out);
        out.push_str(",\"data_tier\":");
        out.push_str(&self.data_tier.to_string());
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_ulid_table_is_the_crockford_upper_case_predicate() {
        // Crockford's base-32 alphabet, as its specification lists it.
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        for b in 0..=255u8 {
            assert_eq!(
                CANONICAL_ULID_BYTE[usize::from(b)],
                ALPHABET.contains(&b),
                "{b}"
            );
        }
        // Every character in every position of a canonical ULID: borrowed when canonical,
        // upper-cased, or refused, as the character-by-character rules say.
        let base = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
        for pos in [0, 13, 25] {
            for c in (0x20u8..0x7f).map(char::from) {
                let mut id: Vec<char> = base.chars().collect();
                id[pos] = c;
                let id: String = id.into_iter().collect();
                let got = normalize_event_id(&id);
                if is_crockford(c) {
                    let want = id.to_ascii_uppercase();
                    assert_eq!(got.as_deref(), Ok(want.as_str()), "{id}");
                    assert_eq!(matches!(got, Ok(Cow::Borrowed(_))), want == id, "{id}");
                } else {
                    assert!(got.is_err(), "{id}");
                }
            }
        }
    }

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

    #[test]
    fn direct_rendering_equals_serde() {
        let mut v = base();
        v["payload"] = json!({"z": [1.5, {"q": "\"x\"\u{1}\n\u{e9}\u{7f}"}],
                              "a": 123456789012345678901234567890_u128, "f": 1e-7});
        v["causation_id"] = json!("01arz3ndektsv4rrffq69g5fax");
        v["timestamp"] = json!("2026-01-01T00:00:00.25+05:30");
        let e = Event::from_value(&v).unwrap();
        // The same text, byte for byte: stores compare bodies as text.
        assert_eq!(e.to_json_string(), serde_json::to_string(&e).unwrap());
        assert_eq!(
            e.causation_id.as_deref(),
            Some("01ARZ3NDEKTSV4RRFFQ69G5FAX")
        );
    }

    #[test]
    fn large_clocks_are_refused_with_a_path() {
        let mut v = base();
        v["lamport_clock"] = serde_json::from_str("18446744073709551616").unwrap();
        let Err(Error::Validation { errors, .. }) = Event::from_value(&v) else {
            panic!("expected errors")
        };
        assert_eq!(errors[0].kind, "int_too_large");
        assert_eq!(errors[0].path.to_string(), "lamport_clock");
        v["lamport_clock"] = serde_json::from_str("18446744073709551615").unwrap();
        assert_eq!(Event::from_value(&v).unwrap().lamport_clock, u64::MAX);
    }
}
