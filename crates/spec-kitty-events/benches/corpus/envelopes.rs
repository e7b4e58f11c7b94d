//! Envelopes of every registered event type (`envelopes-20k.jsonl`), for `validate`.
//!
//! Payloads come from two sources: the bundled verdict fixtures (`fixtures/manifest.json`,
//! a valid and an invalid payload for every type the registry knows) and, for the types
//! the differential tests generate, fresh payloads from those generators (with their lax
//! forms, some of which only the schema layer refuses). Each record picks an event type
//! uniformly and then, by a fixed mix:
//!
//! - 80 % a valid payload (generated where a generator exists, else the fixture);
//! - 8 % an invalid payload (the invalid fixture, or a mutated valid one);
//! - 4 % an envelope error (bad id, timestamp or clock, a missing field);
//! - 3 % a cutover violation (`schema_version`, a legacy key, a legacy aggregate);
//! - 2 % an envelope fixture as it is (`events/…`, valid and invalid ones);
//! - 1 % an envelope of a type no contract knows (checked as an envelope only);
//! - 2 % a line that is not JSON or not an object.
//!
//! Envelopes use every id and timestamp form the reference accepts
//! (`mission_support::envelope`).

use crate::mission_support::{self, Rng};
use crate::{decision_support, reducer_streams};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// Seed of the envelope mix.
pub const SEED: u64 = 0x454E_5645_4C4F_5045;

/// Valid and invalid fixture payloads of one event type.
#[derive(Debug, Default, Clone)]
pub struct Payloads {
    /// Payloads the reference accepts.
    pub valid: Vec<Value>,
    /// Payloads the reference refuses.
    pub invalid: Vec<Value>,
}

/// The bundled verdict fixtures, by event type (`Event` holds whole envelopes).
pub fn fixture_payloads(dir: &Path) -> std::io::Result<BTreeMap<String, Payloads>> {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json"))?)?;
    let mut out: BTreeMap<String, Payloads> = BTreeMap::new();
    for entry in manifest["fixtures"].as_array().into_iter().flatten() {
        let (Some(t), Some(path)) = (entry["event_type"].as_str(), entry["path"].as_str()) else {
            continue;
        };
        if entry.get("fixture_type").is_some_and(|f| !f.is_null()) || t == "LaneMapping" {
            continue;
        }
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(path))?)?;
        let slot = out.entry(t.to_owned()).or_default();
        if entry["expected_result"] == "valid" {
            slot.valid.push(doc);
        } else {
            slot.invalid.push(doc);
        }
    }
    Ok(out)
}

/// The bundled fixture directory of the library crate.
pub fn fixture_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

/// A freshly generated valid payload of `t`, for the types the test generators know.
fn generated(r: &mut Rng, t: &str) -> Option<Value> {
    use reducer_streams::{collaboration, connector_sync, glossary, lifecycle};
    let lifecycle_types = [
        "MissionStarted",
        "PhaseEntered",
        "ReviewRollback",
        "MissionCompleted",
        "MissionCancelled",
        "MissionCreated",
        "MissionClosed",
    ];
    let p = if mission_support::MISSION_NEXT_TYPES.contains(&t)
        || mission_support::DOSSIER_TYPES.contains(&t)
        || mission_support::AUDIT_TYPES.contains(&t)
    {
        mission_support::valid_payload(r, t)
    } else if decision_support::DECISION_POINT_TYPES.contains(&t) {
        decision_support::valid_payload(r, t)
    } else if lifecycle_types.contains(&t) {
        lifecycle::payload(r, t)
    } else if t.starts_with("Glossary")
        || matches!(
            t,
            "TermCandidateObserved"
                | "SemanticCheckEvaluated"
                | "GenerationBlockedBySemanticConflict"
        )
    {
        glossary::payload(r, t, &[])
    } else if t.starts_with("Connector") || matches!(t, "UserConnected" | "UserDisconnected") {
        connector_sync::connector_payload(r, t)
    } else if t.starts_with("Sync") {
        connector_sync::sync_payload(r, t)
    } else if matches!(
        t,
        "ParticipantInvited"
            | "ParticipantJoined"
            | "ParticipantLeft"
            | "PresenceHeartbeat"
            | "DriveIntentSet"
            | "FocusChanged"
            | "PromptStepExecutionStarted"
            | "PromptStepExecutionCompleted"
            | "ConcurrentDriverWarning"
            | "PotentialStepCollisionDetected"
            | "WarningAcknowledged"
            | "CommentPosted"
            | "DecisionCaptured"
            | "SessionLinked"
    ) {
        collaboration::payload(r, t)
    } else {
        return None;
    };
    Some(p)
}

fn broken_line(r: &mut Rng, text: &str) -> String {
    match r.below(6) {
        0 => {
            let cut = (0..=text.len() / 2)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            text[..cut].to_owned()
        }
        1 => format!("{},}}", text.trim_end_matches('}')),
        2 => "[1, 2, 3]".to_owned(),
        3 => "\"an envelope\"".to_owned(),
        4 => "null".to_owned(),
        _ => format!("{text}}}"),
    }
}

/// `n` envelope lines (one JSON text each) over every event type of `fixtures`.
pub fn envelope_lines(n: usize, fixtures: &BTreeMap<String, Payloads>) -> Vec<String> {
    let mut r = Rng(SEED);
    let types: Vec<&str> = fixtures
        .keys()
        .map(String::as_str)
        .filter(|t| *t != "Event")
        .collect();
    let envelopes = fixtures.get("Event").cloned().unwrap_or_default();
    let mut out = Vec::with_capacity(n);
    let mut clock = 0u64;
    for i in 0..n {
        clock += 1 + r.below(2) as u64;
        let t = *r.pick(&types);
        let slot = &fixtures[t];
        let roll = if i < 16 { 0 } else { r.below(100) };
        let valid_payload = |r: &mut Rng| -> Value {
            match generated(r, t) {
                Some(p) if r.chance(0.6) => p,
                _ => r.pick(&slot.valid).clone(),
            }
        };
        let payload = match roll {
            80..=87 => {
                if r.chance(0.5) && !slot.invalid.is_empty() {
                    r.pick(&slot.invalid).clone()
                } else {
                    let mut p = valid_payload(&mut r);
                    if decision_support::DECISION_POINT_TYPES.contains(&t) {
                        decision_support::mutate(&mut r, &mut p);
                    } else {
                        mission_support::mutate(&mut r, &mut p);
                    }
                    p
                }
            }
            _ => valid_payload(&mut r),
        };
        let base = mission_support::id_base(&mut r);
        let id = mission_support::render_id(&mut r, &base);
        let minute = (i % 600) as u32;
        let mut ev = mission_support::envelope(&mut r, id, t, payload, clock, minute);
        ev["aggregate_id"] = json!(format!("mission/m-{:03}", i % 97));
        match roll {
            88..=91 => match r.below(4) {
                0 => ev["event_id"] = json!("01JOOOOOOOOOOOOOOOOOOOOOOO"),
                1 => ev["timestamp"] = json!("2026-02-17T10:00:00+25:00"),
                2 => ev["lamport_clock"] = json!(-3),
                _ => {
                    let key = *r.pick(&["node_id", "build_id", "project_uuid", "event_type"]);
                    if let Some(m) = ev.as_object_mut() {
                        m.shift_remove(key);
                    }
                }
            },
            92..=94 => match r.below(3) {
                0 => ev["schema_version"] = json!(*r.pick(&["2.0.0", "3.0.1", "3.1.0"])),
                1 => ev["mission_key"] = json!("legacy"),
                _ => ev["aggregate_id"] = json!("feature/017-sync"),
            },
            95..=96 => {
                let all: Vec<&Value> = envelopes.valid.iter().chain(&envelopes.invalid).collect();
                if !all.is_empty() {
                    ev = (*r.pick(&all)).clone();
                }
            }
            97 => ev["event_type"] = json!(*r.pick(&["CustomMetricRecorded", "FeatureCreated"])),
            _ => {}
        }
        let text = ev.to_string();
        out.push(if roll >= 98 {
            broken_line(&mut r, &text)
        } else {
            text
        });
    }
    out
}
