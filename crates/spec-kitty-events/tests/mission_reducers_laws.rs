//! Laws of the mission-next, dossier and mission-audit reducers: the reduced state (or the
//! refusal) does not depend on delivery order or on repeated delivery of an event.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod mission_support;

use mission_support::{Rng, audit_stream, dossier_stream, mission_next_stream};
use proptest::prelude::*;
use serde_json::Value;
use spec_kitty_events::envelope::Event;
use spec_kitty_events::replay::{ReducerKind, ReplayOptions, replay};

fn reduce(kind: ReducerKind, events: &[Event]) -> Result<Value, String> {
    replay(kind, events, &ReplayOptions::default()).map_err(|e| e.to_string())
}

/// Reduces a generated stream (distinct events), then a shuffled copy with some events
/// delivered again, and requires the same outcome.
fn check(
    kind: ReducerKind,
    generate: fn(&mut Rng, bool) -> Vec<Value>,
    seed: u64,
    perm: u64,
    dups: usize,
) -> Result<(), TestCaseError> {
    let mut r = Rng(seed);
    let events: Vec<Event> = generate(&mut r, true)
        .iter()
        .filter_map(|v| Event::from_value(v).ok())
        .collect();
    let base = reduce(kind, &events);
    let mut p = Rng(perm);
    let mut other = events.clone();
    for _ in 0..dups {
        if !events.is_empty() {
            other.push(p.pick(&events).clone());
        }
    }
    p.shuffle(&mut other);
    prop_assert_eq!(&reduce(kind, &other), &base);
    // Delivering the whole log twice changes nothing either.
    let twice: Vec<Event> = events.iter().chain(events.iter()).cloned().collect();
    prop_assert_eq!(&reduce(kind, &twice), &base);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn mission_next_is_order_and_duplicate_invariant(seed: u64, perm: u64, dups in 0usize..6) {
        check(ReducerKind::MissionNext, mission_next_stream, seed, perm, dups)?;
    }

    #[test]
    fn dossier_is_order_and_duplicate_invariant(seed: u64, perm: u64, dups in 0usize..6) {
        check(ReducerKind::Dossier, dossier_stream, seed, perm, dups)?;
    }

    #[test]
    fn mission_audit_is_order_and_duplicate_invariant(seed: u64, perm: u64, dups in 0usize..6) {
        check(ReducerKind::MissionAudit, audit_stream, seed, perm, dups)?;
    }
}
