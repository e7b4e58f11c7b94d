//! The fail-closed cutover policy of the 3.0.0 contract.
//!
//! Live envelopes must carry `schema_version` exactly `3.0.0` and none of the legacy
//! mission-domain names; anything else is pre-cutover and rejected.

use serde::Serialize;
use std::collections::BTreeSet;

use crate::json::Json;

/// Where the cutover signal lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalLocation {
    /// On the envelope itself.
    EventEnvelope,
    /// Inside the payload.
    Payload,
    /// Only in the artifact (cannot classify live data).
    ArtifactOnly,
}

/// The machine-readable cutover policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CutoverArtifact {
    /// Version of this artifact.
    pub artifact_version: &'static str,
    /// Release that introduced the cutover.
    pub release_version: &'static str,
    /// Name of the signal field.
    pub signal_field_name: &'static str,
    /// Where the signal lives.
    pub signal_location: SignalLocation,
    /// The exact required signal value.
    pub cutover_contract_version: &'static str,
    /// The accepted major version.
    pub accepted_major: u64,
    /// Keys that must not appear on the envelope or in its payload.
    pub forbidden_legacy_keys: &'static [&'static str],
    /// Event types that must not appear.
    pub forbidden_legacy_event_names: &'static [&'static str],
    /// Aggregate prefixes (before the first `/`) that must not appear.
    pub forbidden_legacy_aggregate_names: &'static [&'static str],
    /// Contract surfaces that no longer exist.
    pub forbidden_legacy_contract_surfaces: &'static [&'static str],
}

/// The policy in force.
pub const CUTOVER_ARTIFACT: CutoverArtifact = CutoverArtifact {
    artifact_version: "1.0.0",
    release_version: "3.0.0",
    signal_field_name: "schema_version",
    signal_location: SignalLocation::EventEnvelope,
    cutover_contract_version: "3.0.0",
    accepted_major: 3,
    forbidden_legacy_keys: &["feature_slug", "feature_number", "mission_key"],
    forbidden_legacy_event_names: &["FeatureCreated", "FeatureClosed"],
    forbidden_legacy_aggregate_names: &["feature", "feature_catalog"],
    forbidden_legacy_contract_surfaces: &["legacy-cleanup"],
};

/// Reads the cutover signal of an envelope object; `Err` when it is present but not a
/// string.
pub fn read_signal<'v>(envelope: &'v Json<'_>) -> Result<Option<&'v str>, String> {
    match envelope.get(CUTOVER_ARTIFACT.signal_field_name) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Str(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "{} must be a string; got {}",
            CUTOVER_ARTIFACT.signal_field_name,
            other.type_name()
        )),
    }
}

/// The forbidden legacy keys present on the envelope or in its payload object.
pub fn forbidden_legacy_keys(envelope: &Json<'_>) -> BTreeSet<&'static str> {
    let payload = envelope.get("payload").filter(|p| p.is_object());
    CUTOVER_ARTIFACT
        .forbidden_legacy_keys
        .iter()
        .copied()
        .filter(|k| envelope.get(k).is_some() || payload.is_some_and(|p| p.get(k).is_some()))
        .collect()
}

/// The forbidden legacy event name used as `event_type`, if any.
pub fn forbidden_legacy_event_name(envelope: &Json<'_>) -> Option<&'static str> {
    let t = envelope.get("event_type")?.as_str()?;
    CUTOVER_ARTIFACT
        .forbidden_legacy_event_names
        .iter()
        .copied()
        .find(|n| *n == t)
}

/// The forbidden legacy aggregate name (the part of `aggregate_id` before `/`), if any.
pub fn forbidden_legacy_aggregate_name(envelope: &Json<'_>) -> Option<&'static str> {
    let id = envelope.get("aggregate_id")?.as_str()?;
    let name = id.split('/').next().unwrap_or(id);
    CUTOVER_ARTIFACT
        .forbidden_legacy_aggregate_names
        .iter()
        .copied()
        .find(|n| *n == name)
}

fn py_list(items: &[&str]) -> String {
    crate::json::py::str_list_repr(items)
}

/// Checks an envelope against the policy and names exactly what is wrong: a missing or
/// non-string signal, a wrong major version, a value other than `3.0.0`, legacy keys,
/// a legacy event name, or a legacy aggregate name (in that order).
///
/// ```
/// use spec_kitty_events::cutover::assert_canonical;
/// use spec_kitty_events::json::parse;
/// let ok = parse(r#"{"schema_version": "3.0.0", "event_type": "WPStatusChanged", "aggregate_id": "mission/WP01"}"#).unwrap();
/// assert!(assert_canonical(&ok).is_ok());
/// let legacy = parse(r#"{"schema_version": "3.0.0", "payload": {"feature_slug": "x"}}"#).unwrap();
/// assert_eq!(
///     assert_canonical(&legacy).unwrap_err(),
///     "payload contains forbidden legacy keys: ['feature_slug']"
/// );
/// assert_eq!(assert_canonical(&parse("[]").unwrap()).unwrap_err(), "an envelope must be a JSON object");
/// ```
pub fn assert_canonical(envelope: &Json<'_>) -> Result<(), String> {
    if !envelope.is_object() {
        return Err("an envelope must be a JSON object".to_owned());
    }
    let a = &CUTOVER_ARTIFACT;
    let Some(signal) = read_signal(envelope)? else {
        return Err(format!(
            "missing canonical cutover signal '{}'",
            a.signal_field_name
        ));
    };
    let major = signal.split('.').next().unwrap_or(signal);
    if major.is_empty() || !major.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "cutover signal must start with a numeric major version: '{signal}'"
        ));
    }
    if major.trim_start_matches('0').parse::<u64>().unwrap_or(0) != a.accepted_major {
        return Err(format!(
            "unsupported cutover major version in '{}': '{signal}'",
            a.signal_field_name
        ));
    }
    if signal != a.cutover_contract_version {
        return Err(format!(
            "cutover signal must equal '{}'; got '{signal}'",
            a.cutover_contract_version
        ));
    }
    let keys = forbidden_legacy_keys(envelope);
    if !keys.is_empty() {
        let keys: Vec<&str> = keys.into_iter().collect();
        return Err(format!(
            "payload contains forbidden legacy keys: {}",
            py_list(&keys)
        ));
    }
    if let Some(name) = forbidden_legacy_event_name(envelope) {
        return Err(format!(
            "payload contains forbidden legacy event names: {}",
            py_list(&[name])
        ));
    }
    if let Some(name) = forbidden_legacy_aggregate_name(envelope) {
        return Err(format!(
            "payload contains forbidden legacy aggregate names: {}",
            py_list(&[name])
        ));
    }
    Ok(())
}

/// Whether an envelope is pre-cutover (would be refused by [`assert_canonical`]).
pub fn is_pre_cutover(envelope: &Json<'_>) -> bool {
    assert_canonical(envelope).is_err()
}
