//! Topological ordering of events by causation.

use std::collections::{HashMap, VecDeque};

use crate::envelope::Event;
use crate::error::{Error, Result};

/// Orders events so that every parent (by `causation_id`) comes before its children
/// (Kahn's algorithm; roots in input order). Parents outside the input are ignored.
/// A cycle is an error naming how many events could not be placed; so is a repeated
/// event id, as in the reference.
///
/// ```
/// # use serde_json::json;
/// # use spec_kitty_events::{Event, topological_sort};
/// # let ev = |id: &str, parent: Option<&str>| Event::from_value(&json!({
/// #   "event_id": id, "event_type": "T", "aggregate_id": "a", "timestamp": "2026-01-01T00:00:00Z",
/// #   "build_id": "b", "node_id": "n", "lamport_clock": 1, "causation_id": parent,
/// #   "project_uuid": "12345678-1234-5678-1234-567812345678", "correlation_id": id})).unwrap();
/// let a = ev("01ARZ3NDEKTSV4RRFFQ69G5FA1", None);
/// let b = ev("01ARZ3NDEKTSV4RRFFQ69G5FA2", Some("01ARZ3NDEKTSV4RRFFQ69G5FA1"));
/// let c = ev("01ARZ3NDEKTSV4RRFFQ69G5FA3", Some("01ARZ3NDEKTSV4RRFFQ69G5FA2"));
/// let events = [c, a, b];
/// let ids: Vec<_> = topological_sort(&events).unwrap().iter().map(|e| &e.event_id[24..]).collect();
/// assert_eq!(ids, ["A1", "A2", "A3"]);
/// ```
pub fn topological_sort(events: &[Event]) -> Result<Vec<&Event>> {
    let mut index: HashMap<&str, usize> = HashMap::new(); // id -> slot
    let mut slots: Vec<&Event> = Vec::new(); // last event seen per id, in first-seen order
    for e in events {
        match index.get(e.event_id.as_str()) {
            Some(&i) => slots[i] = e,
            None => {
                index.insert(&e.event_id, slots.len());
                slots.push(e);
            }
        }
    }
    let mut in_degree = vec![0usize; slots.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); slots.len()];
    for e in events {
        if let Some(parent) = e.causation_id.as_deref().and_then(|p| index.get(p)) {
            let me = index[e.event_id.as_str()];
            in_degree[me] += 1;
            children[*parent].push(me);
        }
    }
    let mut queue: VecDeque<usize> = (0..slots.len()).filter(|&i| in_degree[i] == 0).collect();
    let mut out = Vec::with_capacity(events.len());
    while let Some(i) = queue.pop_front() {
        out.push(slots[i]);
        for &c in &children[i] {
            in_degree[c] -= 1;
            if in_degree[c] == 0 {
                queue.push_back(c);
            }
        }
    }
    if out.len() != events.len() {
        return Err(Error::CyclicDependency(events.len() - out.len()));
    }
    Ok(out)
}
