//! Dual-layer conformance validation: the typed model layer and the committed JSON Schema.

use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::Value;
use std::sync::{LazyLock, OnceLock};

use super::registry::{self, Contract};
use super::tree_schema::Tree;
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

static COMPILED: LazyLock<FxHashMap<&'static str, OnceLock<Option<jsonschema::Validator>>>> =
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

/// Validates `instance` against the committed schema `name`: [`schema_violations_json`]
/// on the value read as a tree.
pub fn schema_violations(name: &str, instance: &Value) -> Vec<Violation> {
    schema_violations_json(name, &Json::from_value(instance))
}

/// Validates a parsed `instance` against the committed schema `name`, reading the tree in
/// place ([`compiled_tree_schema`]: no `serde_json` copy of the document). The errors are
/// those of [`schema_errors_tree`], as violations sorted by path.
pub fn schema_violations_json(name: &str, instance: &Json<'_>) -> Vec<Violation> {
    let Some(validator) = compiled_tree_schema(name) else {
        return vec![Violation {
            layer: Layer::Schema,
            path: String::new(),
            kind: "schema_unavailable".into(),
            message: format!("schema {name} is not available"),
            input: None,
        }];
    };
    if validator.is_valid(instance) {
        return Vec::new();
    }
    let mut out: Vec<Violation> = validator
        .iter_errors(instance)
        .map(|e| Violation {
            layer: Layer::Schema,
            path: pointer_to_path(e.instance_path().as_str()),
            kind: e.kind().keyword().to_owned(),
            message: e.to_string(),
            input: None,
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
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

/// One step of a [`SchemaError::schema_path`]: a keyword or property name, or an index
/// into a keyword's array of subschemas (`allOf`, `anyOf`, `oneOf`, `prefixItems`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SchemaPathItem {
    /// A keyword or a property name.
    Key(String),
    /// An index into an array of subschemas.
    Index(usize),
}

/// One schema-layer error with the detail the reference's `jsonschema` reports: where in
/// the instance (as its `json_path`), which keyword with which value, and where in the
/// schema as evaluated (as its `absolute_schema_path`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaError {
    /// The failing instance location in `jsonschema`'s JSONPath form: `$` for the
    /// document, `.name` for a key that is a plain identifier, `['a-b']` for any other
    /// key, `[0]` for an array index.
    pub json_path: String,
    /// The failing keyword (`required`, `enum`, `type`, …).
    pub keyword: String,
    /// A human-readable explanation (our wording).
    pub message: String,
    /// The committed schema the error comes from.
    pub schema: &'static str,
    /// The keyword's canonical location in that schema (a JSON pointer); see
    /// [`SchemaError::keyword_value`].
    pub keyword_location: String,
    /// The keyword's location along the evaluation path, as the reference's
    /// `absolute_schema_path`: through `$ref`s (which leave no step of their own).
    pub schema_path: Vec<SchemaPathItem>,
}

impl SchemaError {
    /// The keyword's value in the schema (the list of a `required`, the members of an
    /// `enum`, …), as the reference's `validator_value`; `None` when it cannot be
    /// located.
    pub fn keyword_value(&self) -> Option<&'static Value> {
        committed_value(self.schema)?.pointer(&self.keyword_location)
    }
}

fn pointer_segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The JSONPath of an instance pointer, as Python's `jsonschema` writes it: the instance
/// decides whether a numeric step is an array index or an object key.
fn json_path_of(pointer: &str, instance: &Value) -> String {
    let mut out = String::from("$");
    let mut node = Some(instance);
    for seg in pointer_segments(pointer) {
        match node {
            Some(Value::Array(items)) => {
                let index = seg.parse::<usize>().ok();
                out.push('[');
                out.push_str(&seg);
                out.push(']');
                node = index.and_then(|i| items.get(i));
            }
            other => {
                push_key(&mut out, &seg);
                node = other.and_then(|v| v.get(seg.as_str()));
            }
        }
    }
    out
}

/// [`json_path_of`] for an instance held as a tree.
fn json_path_in_tree(pointer: &str, instance: &Json<'_>) -> String {
    let mut out = String::from("$");
    let mut node = Some(instance);
    for seg in pointer_segments(pointer) {
        match node {
            Some(Json::Array(items)) => {
                out.push('[');
                out.push_str(&seg);
                out.push(']');
                node = seg.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            other => {
                push_key(&mut out, &seg);
                node = other.and_then(|v| v.get(seg.as_str()));
            }
        }
    }
    out
}

fn push_key(out: &mut String, seg: &str) {
    if is_identifier(seg) {
        out.push('.');
        out.push_str(seg);
    } else {
        out.push_str("['");
        out.push_str(&seg.replace('\\', "\\\\").replace('\'', "\\'"));
        out.push_str("']");
    }
}

/// The `absolute_schema_path` of an evaluation path, as Python's `jsonschema` builds it:
/// a keyword that only refers elsewhere (`$ref`, `if`) leaves no step of its own, and the
/// step after an array of subschemas is an index.
fn schema_path_of(pointer: &str) -> Vec<SchemaPathItem> {
    let mut out: Vec<SchemaPathItem> = Vec::new();
    // What the previous step makes of this one: a name (after `properties`, …), an index
    // (after `allOf`, …), or a keyword.
    let mut after: Option<&'static str> = None;
    for seg in pointer_segments(pointer) {
        match after.take() {
            Some("name") => out.push(SchemaPathItem::Key(seg)),
            Some(_) => match seg.parse::<usize>() {
                Ok(i) => out.push(SchemaPathItem::Index(i)),
                Err(_) => out.push(SchemaPathItem::Key(seg)),
            },
            None => {
                after = match seg.as_str() {
                    "properties" | "patternProperties" | "dependentSchemas" | "$defs"
                    | "definitions" => Some("name"),
                    "allOf" | "anyOf" | "oneOf" | "prefixItems" => Some("index"),
                    _ => None,
                };
                if seg != "$ref" && seg != "if" {
                    out.push(SchemaPathItem::Key(seg));
                }
            }
        }
    }
    out
}

fn escape_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Finds how evaluation reached the schema at canonical location `target` while
/// descending the instance along `steps`: `$ref`s followed (they add no step), `allOf`
/// members, `properties`, `additionalProperties`, `prefixItems` and `items`. Pushes the
/// evaluation path's segments onto `path`.
#[allow(clippy::too_many_arguments)]
fn find_evaluation(
    root: &Value,
    node: &Value,
    loc: &str,
    steps: &[String],
    instance: Option<&Value>,
    target: &str,
    path: &mut Vec<String>,
    depth: usize,
) -> bool {
    if depth > 64 {
        return false;
    }
    if steps.is_empty() && loc == target {
        return true;
    }
    let Some(schema) = node.as_object() else {
        return false;
    };
    if let Some(r) = schema.get("$ref").and_then(Value::as_str)
        && let Some(pointer) = r.strip_prefix('#')
        && let Some(resolved) = root.pointer(pointer)
    {
        path.push("$ref".into());
        if find_evaluation(
            root,
            resolved,
            pointer,
            steps,
            instance,
            target,
            path,
            depth + 1,
        ) {
            return true;
        }
        path.pop();
    }
    if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
        for (i, member) in members.iter().enumerate() {
            path.extend(["allOf".to_owned(), i.to_string()]);
            let sub = format!("{loc}/allOf/{i}");
            if find_evaluation(root, member, &sub, steps, instance, target, path, depth + 1) {
                return true;
            }
            path.truncate(path.len() - 2);
        }
    }
    let Some((first, rest)) = steps.split_first() else {
        return false;
    };
    let descend = |keyword: &[&str], sub: &Value, next: Option<&Value>, path: &mut Vec<String>| {
        let n = keyword.len();
        path.extend(keyword.iter().map(|k| (*k).to_owned()));
        let sub_loc = keyword.iter().fold(loc.to_owned(), |acc, k| {
            format!("{acc}/{}", escape_segment(k))
        });
        if find_evaluation(root, sub, &sub_loc, rest, next, target, path, depth + 1) {
            return true;
        }
        path.truncate(path.len() - n);
        false
    };
    match instance {
        Some(Value::Object(m)) => {
            if let Some(sub) = schema.get("properties").and_then(|p| p.get(first.as_str())) {
                return descend(&["properties", first], sub, m.get(first.as_str()), path);
            }
            if let Some(sub) = schema.get("additionalProperties").filter(|s| s.is_object()) {
                return descend(&["additionalProperties"], sub, m.get(first.as_str()), path);
            }
        }
        Some(Value::Array(items)) => {
            let Ok(i) = first.parse::<usize>() else {
                return false;
            };
            let prefix = schema.get("prefixItems").and_then(Value::as_array);
            if let Some(sub) = prefix.and_then(|p| p.get(i)) {
                return descend(&["prefixItems", first], sub, items.get(i), path);
            }
            if let Some(sub) = schema.get("items").filter(|s| s.is_object()) {
                return descend(&["items"], sub, items.get(i), path);
            }
        }
        _ => {}
    }
    false
}

/// The evaluation path of an error raised by a custom keyword (ours: `pattern`), whose
/// error carries only the keyword's canonical location.
fn custom_evaluation_path(
    schema: &Value,
    keyword_location: &str,
    instance_pointer: &str,
    instance: &Value,
) -> Option<String> {
    let (target, keyword) = keyword_location.rsplit_once('/')?;
    let steps: Vec<String> = pointer_segments(instance_pointer).collect();
    let mut path = Vec::new();
    if !find_evaluation(
        schema,
        schema,
        "",
        &steps,
        Some(instance),
        target,
        &mut path,
        0,
    ) {
        return None;
    }
    let mut out: String = path
        .iter()
        .map(|s| format!("/{}", escape_segment(s)))
        .collect();
    out.push('/');
    out.push_str(keyword);
    Some(out)
}

static COMMITTED: LazyLock<FxHashMap<&'static str, OnceLock<Value>>> = LazyLock::new(|| {
    schemas::SCHEMAS
        .iter()
        .map(|s| (s.name, OnceLock::new()))
        .collect()
});

fn committed_value(name: &str) -> Option<&'static Value> {
    let slot = COMMITTED.get(name)?;
    Some(slot.get_or_init(|| schemas::find(name).map_or(Value::Null, |s| s.committed_value())))
}

/// Validates `instance` against the committed schema `name`, reporting each error with
/// the reference's detail ([`SchemaError`]), sorted by `json_path` as the reference sorts
/// them (a stable sort: errors at one location keep the validator's order).
///
/// ```
/// use serde_json::json;
/// use spec_kitty_events::conformance::validate::{SchemaPathItem, schema_errors};
/// let errors = schema_errors("status_transition_payload", &json!({"wp_id": 5}));
/// let wp = errors.iter().find(|e| e.json_path == "$.wp_id").unwrap();
/// assert_eq!(wp.keyword, "type");
/// assert_eq!(wp.keyword_value(), Some(&json!("string")));
/// assert_eq!(wp.schema_path.last(), Some(&SchemaPathItem::Key("type".into())));
/// assert!(errors.iter().any(|e| e.json_path == "$" && e.keyword == "required"));
/// ```
pub fn schema_errors(name: &str, instance: &Value) -> Vec<SchemaError> {
    let (Some(validator), Some(spec)) = (compiled_schema(name), schemas::find(name)) else {
        return unavailable(name);
    };
    if validator.is_valid(instance) {
        return Vec::new();
    }
    let mut out: Vec<SchemaError> = validator
        .iter_errors(instance)
        .map(|e| {
            let json_path = json_path_of(e.instance_path().as_str(), instance);
            found_schema_error(e, spec.name, json_path, || instance.clone()).to_schema_error()
        })
        .collect();
    out.sort_by(|a, b| a.json_path.cmp(&b.json_path));
    out
}

/// [`schema_errors`] reading a tree in place (no `serde_json` copy of the document): the
/// same errors, the same order (the tests hold the two to that on every fixture and its
/// mutations; [`schema_errors`] is the `serde_json`-backed side of that check).
///
/// ```
/// use spec_kitty_events::conformance::validate::schema_errors_tree;
/// use spec_kitty_events::json::parse;
/// let errors = schema_errors_tree("status_transition_payload", &parse(r#"{"wp_id": 5}"#).unwrap());
/// assert!(errors.iter().any(|e| e.json_path == "$.wp_id" && e.keyword == "type"));
/// ```
pub fn schema_errors_tree(name: &str, instance: &Json<'_>) -> Vec<SchemaError> {
    found_schema_errors(name, instance, false)
        .iter()
        .map(FoundSchemaError::to_schema_error)
        .collect()
}

/// [`schema_errors_tree`] as found ([`FoundSchemaError`]); with `likely_invalid`, without
/// the quick validity pass first (the errors are the same either way: an instance is valid
/// exactly when it has none).
fn found_schema_errors(
    name: &str,
    instance: &Json<'_>,
    likely_invalid: bool,
) -> Vec<FoundSchemaError> {
    let (Some(validator), Some(spec)) = (compiled_tree_schema(name), schemas::find(name)) else {
        return unavailable(name)
            .into_iter()
            .map(FoundSchemaError::rendered)
            .collect();
    };
    if !likely_invalid && validator.is_valid(instance) {
        return Vec::new();
    }
    let mut out: Vec<FoundSchemaError> = validator
        .iter_errors(instance)
        .map(|e| {
            let json_path = json_path_in_tree(e.instance_path().as_str(), instance);
            found_schema_error(e, spec.name, json_path, || instance.to_value())
        })
        .collect();
    out.sort_by(|a, b| a.json_path.cmp(&b.json_path));
    out
}

fn unavailable(name: &str) -> Vec<SchemaError> {
    vec![SchemaError {
        json_path: "$".into(),
        keyword: "schema_unavailable".into(),
        message: format!("schema {name} is not available"),
        schema: "",
        keyword_location: String::new(),
        schema_path: Vec::new(),
    }]
}

/// A schema-layer error as found: [`SchemaError`] with the detail beyond its `json_path`
/// (keyword, message, schema locations) rendered only when asked for. Callers that often
/// need only the verdict and the paths keep these (see [`validate_contract_found`]).
#[derive(Debug, Clone)]
pub struct FoundSchemaError {
    /// As [`SchemaError::json_path`] (rendered at once: errors are sorted by it).
    pub json_path: String,
    schema: &'static str,
    detail: Detail,
}

#[derive(Debug, Clone)]
enum Detail {
    /// The validator's error; for a custom keyword, the evaluation path as reconstructed
    /// from the schema (that needs the instance, so it is found at once).
    Found {
        error: std::sync::Arc<jsonschema::ValidationError<'static>>,
        evaluation_path: Option<String>,
    },
    /// Already rendered (a schema that is not available).
    Rendered(SchemaError),
}

impl FoundSchemaError {
    /// As [`SchemaError::keyword`].
    pub fn keyword(&self) -> &str {
        match &self.detail {
            Detail::Found { error, .. } => error.kind().keyword(),
            Detail::Rendered(e) => &e.keyword,
        }
    }

    /// As [`SchemaError::message`].
    pub fn message(&self) -> String {
        match &self.detail {
            Detail::Found { error, .. } => error.to_string(),
            Detail::Rendered(e) => e.message.clone(),
        }
    }

    /// As [`SchemaError::keyword_location`].
    pub fn keyword_location(&self) -> &str {
        match &self.detail {
            Detail::Found { error, .. } => error.schema_path().as_str(),
            Detail::Rendered(e) => &e.keyword_location,
        }
    }

    /// As [`SchemaError::schema_path`].
    pub fn schema_path(&self) -> Vec<SchemaPathItem> {
        match &self.detail {
            Detail::Found {
                error,
                evaluation_path,
            } => schema_path_of(
                evaluation_path
                    .as_deref()
                    .unwrap_or_else(|| error.evaluation_path().as_str()),
            ),
            Detail::Rendered(e) => e.schema_path.clone(),
        }
    }

    /// As [`SchemaError::keyword_value`].
    pub fn keyword_value(&self) -> Option<&'static Value> {
        committed_value(self.schema)?.pointer(self.keyword_location())
    }

    /// The error with its detail rendered.
    pub fn to_schema_error(&self) -> SchemaError {
        match &self.detail {
            Detail::Rendered(e) => e.clone(),
            Detail::Found { .. } => SchemaError {
                json_path: self.json_path.clone(),
                keyword: self.keyword().to_owned(),
                message: self.message(),
                schema: self.schema,
                keyword_location: self.keyword_location().to_owned(),
                schema_path: self.schema_path(),
            },
        }
    }

    fn rendered(e: SchemaError) -> Self {
        FoundSchemaError {
            json_path: e.json_path.clone(),
            schema: e.schema,
            detail: Detail::Rendered(e),
        }
    }
}

/// One error as found; `instance` is needed (as a `serde_json` value) only for errors of a
/// custom keyword.
fn found_schema_error(
    e: jsonschema::ValidationError<'_>,
    schema_name: &'static str,
    json_path: String,
    instance: impl FnOnce() -> Value,
) -> FoundSchemaError {
    let evaluation_path = match (e.kind(), committed_value(schema_name)) {
        (jsonschema::error::ValidationErrorKind::Custom { .. }, Some(schema)) => {
            custom_evaluation_path(
                schema,
                e.schema_path().as_str(),
                e.instance_path().as_str(),
                &instance(),
            )
        }
        _ => None,
    };
    FoundSchemaError {
        json_path,
        schema: schema_name,
        detail: Detail::Found {
            error: std::sync::Arc::new(e.to_owned()),
            evaluation_path,
        },
    }
}

static COMPILED_TREE: LazyLock<
    FxHashMap<&'static str, OnceLock<Option<jsonschema::Validator<Tree>>>>,
> = LazyLock::new(|| {
    schemas::SCHEMAS
        .iter()
        .map(|s| (s.name, OnceLock::new()))
        .collect()
});

/// The compiled committed schema called `name`, reading [`Json`] trees in place, with
/// the reference's `pattern` semantics.
pub fn compiled_tree_schema(name: &str) -> Option<&'static jsonschema::Validator<Tree>> {
    let slot = COMPILED_TREE.get(name)?;
    slot.get_or_init(|| {
        let spec = schemas::find(name)?;
        jsonschema::options_for::<Tree>()
            .with_draft(jsonschema::Draft::Draft202012)
            .with_keyword("pattern", super::pyregex::pattern_keyword_for::<Tree>)
            .build(&spec.committed_value())
            .ok()
    })
    .as_ref()
}

/// The verdict of [`validate_event_detailed`], in the detail the reference reports: the
/// cutover check, the model layer's field errors (with the offending input as a tree) and
/// the schema layer's errors (rendered [`SchemaError`]s, or with
/// [`validate_contract_found`] [`FoundSchemaError`]s).
#[derive(Debug, Clone, PartialEq)]
pub struct DetailedResult<S = SchemaError> {
    /// The requested event type.
    pub event_type: &'static str,
    /// Whether the value was taken as a full envelope of the requested type (its payload
    /// validated, the envelope checked against the cutover policy).
    pub envelope: bool,
    /// The cutover check's violation (envelopes and `Event` only).
    pub cutover: Option<Violation>,
    /// The model layer's errors, in the reference's order.
    pub model_errors: Vec<FieldError>,
    /// Schema-layer errors, sorted by `json_path`.
    pub schema_errors: Vec<S>,
}

impl<S> DetailedResult<S> {
    /// Whether neither layer objected.
    pub fn valid(&self) -> bool {
        self.cutover.is_none() && self.model_errors.is_empty() && self.schema_errors.is_empty()
    }
}

/// [`validate_event_json`] in the reference's detail ([`DetailedResult`]): the same
/// envelope detection, cutover check and both layers, the same verdict.
///
/// ```
/// use spec_kitty_events::conformance::validate::validate_event_detailed;
/// use spec_kitty_events::json::parse;
/// let r = validate_event_detailed(&parse(r#"{"wp_id": ""}"#).unwrap(), "WPStatusChanged").unwrap();
/// assert!(!r.valid() && !r.envelope);
/// assert!(r.model_errors.iter().any(|e| e.path.to_string() == "wp_id" && e.kind == "string_too_short"));
/// assert!(r.schema_errors.iter().any(|e| e.json_path == "$.wp_id" && e.keyword == "minLength"));
/// ```
pub fn validate_event_detailed(value: &Json<'_>, event_type: &str) -> Result<DetailedResult> {
    let contract = registry::find(event_type).ok_or_else(|| Error::UnknownEventType {
        event_type: event_type.to_owned(),
        known: registry::known_event_types(),
    })?;
    Ok(validate_contract_detailed(value, contract))
}

/// [`validate_event_detailed`] against a contract already looked up in the registry.
pub fn validate_contract_detailed(value: &Json<'_>, contract: &'static Contract) -> DetailedResult {
    let found = validate_contract_found(value, contract);
    DetailedResult {
        event_type: found.event_type,
        envelope: found.envelope,
        cutover: found.cutover,
        model_errors: found.model_errors,
        schema_errors: found
            .schema_errors
            .iter()
            .map(FoundSchemaError::to_schema_error)
            .collect(),
    }
}

/// [`validate_contract_detailed`] with the schema errors as found: their detail is
/// rendered when read ([`FoundSchemaError`]).
///
/// ```
/// use spec_kitty_events::conformance::registry;
/// use spec_kitty_events::conformance::validate::{validate_contract_detailed, validate_contract_found};
/// use spec_kitty_events::json::parse;
/// let contract = registry::find("WPStatusChanged").unwrap();
/// let v = parse(r#"{"wp_id": "", "to_lane": "doing"}"#).unwrap();
/// let found = validate_contract_found(&v, contract);
/// let rendered: Vec<_> = found.schema_errors.iter().map(|e| e.to_schema_error()).collect();
/// assert_eq!(rendered, validate_contract_detailed(&v, contract).schema_errors);
/// assert!(!found.valid() && !rendered.is_empty());
/// ```
pub fn validate_contract_found(
    value: &Json<'_>,
    contract: &'static Contract,
) -> DetailedResult<FoundSchemaError> {
    let event_type = contract.event_type;
    let envelope = is_envelope_of(value, event_type);
    let payload = match value.get("payload") {
        Some(p) if envelope => p,
        _ => value,
    };
    let cutover = if envelope || event_type == "Event" {
        cutover_violation(value)
    } else {
        None
    };
    let model_errors = contract
        .model
        .validate_json(payload)
        .err()
        .unwrap_or_default();
    // A payload the model layer rejects is very likely to fail the schema too: its errors
    // are collected at once, without the quick validity pass first.
    let schema_errors = found_schema_errors(contract.schema, payload, !model_errors.is_empty());
    DetailedResult {
        event_type,
        envelope,
        cutover,
        model_errors,
        schema_errors,
    }
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
    fn json_paths_follow_python_jsonschema() {
        let doc = serde_json::json!({"a": [{"0": {"x-y": 1, "it's": 2}}], "b_1": {}});
        assert_eq!(json_path_of("", &doc), "$");
        assert_eq!(json_path_of("/a/0/0", &doc), "$.a[0]['0']");
        assert_eq!(json_path_of("/a/0/0/x-y", &doc), "$.a[0]['0']['x-y']");
        assert_eq!(json_path_of("/a/0/0/it's", &doc), r"$.a[0]['0']['it\'s']");
        assert_eq!(json_path_of("/b_1/c~1d", &doc), "$.b_1['c/d']");
        assert_eq!(json_path_of("/_x", &doc), "$['_x']");
    }

    #[test]
    fn schema_paths_index_only_subschema_arrays() {
        assert_eq!(
            schema_path_of("/properties/0/anyOf/1/$ref/enum"),
            vec![
                SchemaPathItem::Key("properties".into()),
                SchemaPathItem::Key("0".into()),
                SchemaPathItem::Key("anyOf".into()),
                SchemaPathItem::Index(1),
                SchemaPathItem::Key("enum".into()),
            ]
        );
        assert_eq!(
            schema_path_of("/properties/if/if/then/required"),
            vec![
                SchemaPathItem::Key("properties".into()),
                SchemaPathItem::Key("if".into()),
                SchemaPathItem::Key("then".into()),
                SchemaPathItem::Key("required".into()),
            ]
        );
        assert!(schema_path_of("").is_empty());
    }

    #[test]
    fn tree_and_value_schema_layers_agree() {
        use serde_json::json;
        let manifest = super::super::fixtures::Manifest::load(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        )
        .unwrap();
        let odd = [
            json!(null),
            json!(""),
            json!("x"),
            json!("5"),
            json!(5),
            json!(-1),
            json!(1.5),
            json!(1.0),
            json!(true),
            json!([]),
            json!([1, "a"]),
            json!({}),
            json!({"k": [null]}),
            serde_json::from_str::<Value>("123456789012345678901234567890").unwrap(),
            json!(1e300),
            json!("é\n"),
            json!("3.0.0\n"),
        ];
        let (mut docs, mut errors, mut unread_ok) = (0, 0, 0);
        for entry in manifest.fixtures.iter().filter(|e| e.is_verdict()) {
            let Some(contract) = registry::find(&entry.event_type) else {
                continue;
            };
            let doc = manifest.load_json(entry).unwrap();
            let mut variants = vec![doc.clone()];
            if let Value::Object(m) = &doc {
                for (i, key) in m.keys().enumerate() {
                    let mut without = m.clone();
                    without.remove(key);
                    variants.push(Value::Object(without));
                    for v in odd.iter().skip(i % 3).step_by(3) {
                        let mut changed = m.clone();
                        changed.insert(key.clone(), v.clone());
                        variants.push(Value::Object(changed));
                    }
                }
            }
            for v in &variants {
                let tree = Json::from_value(v);
                let a = schema_errors(contract.schema, &tree.to_value());
                let b = schema_errors_tree(contract.schema, &tree);
                assert_eq!(a, b, "{} {v}", entry.id);
                // Without the quick validity pass first (as when the model layer
                // objected), rendered from the errors as found: the same errors.
                let c: Vec<SchemaError> = found_schema_errors(contract.schema, &tree, true)
                    .iter()
                    .map(FoundSchemaError::to_schema_error)
                    .collect();
                assert_eq!(a, c, "{} {v}", entry.id);
                // The envelope validated with its payload unread: the same verdict and
                // errors, the same slots (the payload's aside, left null when valid).
                let full = EVENT_MODEL.validate_values(&tree);
                let unread = EVENT_MODEL.validate_values_unread(&tree, &["payload"]);
                match (&full, &unread) {
                    (Ok(f), Ok(u)) => {
                        assert_eq!(f.len(), u.len());
                        for (i, (x, y)) in f.iter().zip(u).enumerate() {
                            if i == 3 && tree.get("payload").is_some() {
                                // Given (an object, or the verdict would differ): unread.
                                assert!(y.is_null() && x.is_object(), "{} {v}", entry.id);
                            } else {
                                assert_eq!(x, y, "{} {v}", entry.id);
                            }
                        }
                        unread_ok += 1;
                    }
                    (Err(f), Err(u)) => assert_eq!(f, u, "{} {v}", entry.id),
                    _ => panic!("verdicts differ: {} {v}", entry.id),
                }
                docs += 1;
                errors += a.len();
            }
        }
        assert!(docs > 3000 && errors > 3000, "{docs} {errors}");
        assert!(unread_ok > 20, "{unread_ok} valid envelopes");
    }

    #[test]
    fn custom_keyword_errors_get_their_evaluation_path() {
        // Observed with the reference's jsonschema: a `pattern` reached through a `$ref`.
        let errors = schema_errors(
            "decision_input_requested_payload",
            &serde_json::json!({"actor": {"actor_type": "robot"}}),
        );
        let e = errors
            .iter()
            .find(|e| e.keyword == "pattern")
            .expect("a pattern error");
        assert_eq!(e.json_path, "$.actor.actor_type");
        let steps: Vec<String> = e
            .schema_path
            .iter()
            .map(|s| match s {
                SchemaPathItem::Key(k) => k.clone(),
                SchemaPathItem::Index(i) => i.to_string(),
            })
            .collect();
        assert_eq!(
            steps,
            ["properties", "actor", "properties", "actor_type", "pattern"]
        );
        assert_eq!(
            e.keyword_value(),
            Some(&serde_json::json!("^(human|llm|service)$"))
        );
    }

    #[test]
    fn detailed_results_agree_with_validate_event() {
        let cases = [
            (r#"{"wp_id": 5, "to_lane": "doing"}"#, "WPStatusChanged"),
            (
                r#"{"event_type": "WPStatusChanged", "schema_version": "2.0.0", "payload": {}}"#,
                "WPStatusChanged",
            ),
            (r#"{}"#, "Event"),
        ];
        for (text, t) in cases {
            let v = crate::json::parse(text).unwrap();
            let plain = validate_event_json(&v, t).unwrap();
            let detailed = validate_event_detailed(&v, t).unwrap();
            assert_eq!(plain.valid, detailed.valid());
            let model: Vec<Violation> = detailed
                .cutover
                .iter()
                .cloned()
                .chain(
                    detailed
                        .model_errors
                        .iter()
                        .map(|e| Violation::from_field_error(Layer::Model, e)),
                )
                .collect();
            assert_eq!(plain.model_violations().cloned().collect::<Vec<_>>(), model);
            let mut a: Vec<String> = plain
                .schema_violations()
                .map(|v| format!("{}:{}", v.path, v.kind))
                .collect();
            let mut b: Vec<String> = detailed
                .schema_errors
                .iter()
                .map(|e| {
                    let p = e.json_path.trim_start_matches('$').trim_start_matches('.');
                    format!("{p}:{}", e.keyword)
                })
                .collect();
            a.sort();
            b.sort();
            assert_eq!(a, b, "{text}");
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
