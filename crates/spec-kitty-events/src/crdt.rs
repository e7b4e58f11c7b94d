//! CRDT merges over event payloads: a grow-only set and a counter.

use std::collections::{BTreeSet, HashSet};

use crate::envelope::Event;
use crate::error::{Error, Result};
use crate::json::{Json, py};

/// The union of every event's `payload["tags"]` (a grow-only set). Missing tags count as
/// empty. Like the reference, a string contributes its characters and an object its keys.
/// Commutative, associative and idempotent.
///
/// ```
/// # use serde_json::json;
/// # use spec_kitty_events::{Event, merge_gset};
/// # let ev = |tags: serde_json::Value| Event::from_value(&json!({
/// #   "event_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "event_type": "T", "aggregate_id": "a",
/// #   "timestamp": "2026-01-01T00:00:00Z", "build_id": "b", "node_id": "n", "lamport_clock": 1,
/// #   "project_uuid": "12345678-1234-5678-1234-567812345678",
/// #   "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "payload": {"tags": tags}})).unwrap();
/// let merged = merge_gset(&[ev(json!(["bug", "urgent"])), ev(json!(["bug", "resolved"]))]).unwrap();
/// assert_eq!(merged.into_iter().collect::<Vec<_>>(), ["bug", "resolved", "urgent"]);
/// ```
pub fn merge_gset(events: &[Event]) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for e in events {
        let payload = e.payload.json();
        match payload.get("tags") {
            None => {}
            Some(Json::Array(items)) => {
                for t in items {
                    match t {
                        Json::Str(s) => {
                            out.insert(s.to_string());
                        }
                        other => {
                            return Err(Error::Merge(format!(
                                "event {}: tags must be strings; got {}",
                                e.event_id,
                                py::repr(other)
                            )));
                        }
                    }
                }
            }
            Some(Json::Str(s)) => out.extend(s.chars().map(String::from)),
            Some(Json::Object(m)) => out.extend(m.iter().map(|(k, _)| k.to_string())),
            Some(other) => {
                return Err(Error::Merge(format!(
                    "event {}: tags is not iterable: {}",
                    e.event_id,
                    py::repr(other)
                )));
            }
        }
    }
    Ok(out)
}

/// The sum of every distinct event's `payload["delta"]` (a counter; an event counted
/// once however often it appears). Missing deltas count as 0.
pub fn merge_counter(events: &[Event]) -> Result<i64> {
    let mut seen = HashSet::new();
    let mut total: i64 = 0;
    for e in events {
        if !seen.insert(e.event_id.as_str()) {
            continue;
        }
        let payload = e.payload.json();
        let delta = match payload.get("delta") {
            None => 0,
            Some(v) => v.as_i64().ok_or_else(|| {
                Error::Merge(format!(
                    "event {}: delta must be an integer; got {}",
                    e.event_id,
                    py::repr(v)
                ))
            })?,
        };
        total = total
            .checked_add(delta)
            .ok_or_else(|| Error::Merge("counter overflow".into()))?;
    }
    Ok(total)
}
