//! The reference's replay ordering.

use crate::envelope::Event;

/// Sorts events into the reference's replay order and drops repeated ids (the first in
/// sort order wins). Sorting uses `(lamport_clock, timestamp.isoformat(), event_id)`.
pub fn sort_and_dedup<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<&'a Event> {
    let mut keyed: Vec<((u64, String), &Event)> = events
        .into_iter()
        .map(|e| ((e.lamport_clock, e.timestamp.isoformat()), e))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.event_id.cmp(&b.1.event_id)));
    let mut seen = rustc_hash::FxHashSet::default();
    seen.reserve(keyed.len());
    keyed
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| seen.insert(e.event_id.as_str()))
        .collect()
}
