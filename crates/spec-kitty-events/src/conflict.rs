//! Conflict detection with Lamport clocks.

use crate::envelope::Event;

/// Two events conflict when they carry the same Lamport clock on the same aggregate and
/// are not the same event. Events on different aggregates never conflict.
pub fn is_concurrent(a: &Event, b: &Event) -> bool {
    a.lamport_clock == b.lamport_clock
        && a.aggregate_id == b.aggregate_id
        && a.event_id != b.event_id
}

/// The deterministic total-order key `(lamport_clock, node_id)`.
pub fn total_order_key(e: &Event) -> (u64, &str) {
    (e.lamport_clock, &e.node_id)
}
