//! State-machine merge of concurrent events by state priority.

use crate::envelope::Event;
use crate::error::{Error, Result};
use crate::json::{Json, py};

/// The outcome of merging concurrent events.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictResolution<'a> {
    /// The winning event.
    pub merged_event: &'a Event,
    /// Why it won.
    pub resolution_note: String,
    /// Whether a person should look (always `false`: resolution is automatic).
    pub requires_manual_review: bool,
    /// Every input event.
    pub conflicting_events: Vec<&'a Event>,
}

fn state_of(payload: &Json<'_>, state_key: &str) -> Option<Json<'static>> {
    let v = payload.get(state_key).filter(|v| !v.is_null());
    if v.is_none() && state_key == "state" {
        return payload
            .get("status")
            .filter(|v| !v.is_null())
            .map(|v| v.clone().into_owned());
    }
    v.map(|v| v.clone().into_owned())
}

/// Picks the event whose state has the highest priority among concurrent events (same
/// Lamport clock, same aggregate); ties go to the smallest `node_id`. The state is read
/// from `payload[state_key]`, falling back to `payload["status"]` when `state_key` is
/// `"state"`.
///
/// ```
/// # use serde_json::json;
/// # use spec_kitty_events::{Event, state_machine_merge};
/// # let ev = |node: &str, state: &str| Event::from_value(&json!({
/// #   "event_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "event_type": "T", "aggregate_id": "a",
/// #   "timestamp": "2026-01-01T00:00:00Z", "build_id": "b", "node_id": node, "lamport_clock": 5,
/// #   "project_uuid": "12345678-1234-5678-1234-567812345678",
/// #   "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "payload": {"state": state}})).unwrap();
/// let events = [ev("alice", "doing"), ev("bob", "done")];
/// let priority = [("done", 4), ("for_review", 3), ("doing", 2), ("planned", 1)];
/// let r = state_machine_merge(&events, &priority, "state").unwrap();
/// assert_eq!(r.merged_event.node_id, "bob");
/// assert_eq!(r.resolution_note, "Selected state 'done' (priority=4) from node 'bob' over 1 conflicting states");
/// ```
pub fn state_machine_merge<'a>(
    events: &'a [Event],
    priority_map: &[(&str, i64)],
    state_key: &str,
) -> Result<ConflictResolution<'a>> {
    let Some(first) = events.first() else {
        return Err(Error::Merge("Cannot merge empty event list".into()));
    };
    for e in &events[1..] {
        if e.lamport_clock != first.lamport_clock {
            return Err(Error::Merge(format!(
                "Events have different lamport_clocks: {} != {}",
                e.lamport_clock, first.lamport_clock
            )));
        }
        if e.aggregate_id != first.aggregate_id {
            return Err(Error::Merge(format!(
                "Events have different aggregate_ids: {} != {}",
                e.aggregate_id, first.aggregate_id
            )));
        }
    }
    let mut ranked: Vec<(i64, &str, &Event, String)> = Vec::with_capacity(events.len());
    for e in events {
        let Some(state) = state_of(&e.payload.json(), state_key) else {
            let tried = if state_key == "state" {
                "'state' or 'status'".to_owned()
            } else {
                format!("'{state_key}'")
            };
            return Err(Error::Merge(format!(
                "Event {} missing {tried} in payload",
                e.event_id
            )));
        };
        // The reference looks the state up in a dict: a list or dict raises a TypeError.
        py::dict_key(&state).map_err(Error::Merge)?;
        let key = state.as_str();
        // Messages show the value as Python's str() does (`True`, `1.0`).
        let rendered = py::str(&state);
        // Only a string can name a state: priority maps are keyed by strings.
        let Some(&(_, priority)) =
            key.and_then(|k| priority_map.iter().find(|(name, _)| *name == k))
        else {
            let keys: Vec<&str> = priority_map.iter().map(|(k, _)| *k).collect();
            return Err(Error::Merge(format!(
                "State value '{rendered}' not in priority_map. Available states: {}",
                py::str_list_repr(&keys)
            )));
        };
        ranked.push((priority, e.node_id.as_str(), e, rendered));
    }
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let (priority, node, winner, state) = &ranked[0];
    let note = if events.len() == 1 {
        format!("Single event, no conflict: state={state}")
    } else if ranked.iter().all(|r| r.3 == *state) {
        format!("All events have same state: {state} (tiebroken by node '{node}')")
    } else {
        format!(
            "Selected state '{state}' (priority={priority}) from node '{node}' over {} conflicting states",
            events.len() - 1
        )
    };
    Ok(ConflictResolution {
        merged_event: winner,
        resolution_note: note,
        requires_manual_review: false,
        conflicting_events: events.iter().collect(),
    })
}
