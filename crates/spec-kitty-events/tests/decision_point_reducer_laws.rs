//! Laws of the decision-point reducer: the reduced state does not depend on delivery order
//! or on repeated delivery of an event.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod decision_support;
mod mission_support;

use decision_support::decision_point_stream;
use mission_support::Rng;
use proptest::prelude::*;
use serde_json::Value;
use spec_kitty_events::envelope::Event;
use spec_kitty_events::replay::{ReducerKind, ReplayOptions, replay};

fn reduce(events: &[Event]) -> Value {
    replay(
        ReducerKind::DecisionPoint,
        events,
        &ReplayOptions::default(),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn decision_point_is_order_and_duplicate_invariant(seed: u64, perm: u64, dups in 0usize..6) {
        let mut r = Rng(seed);
        let events: Vec<Event> = decision_point_stream(&mut r, true)
            .iter()
            .filter_map(|v| Event::from_value(v).ok())
            .collect();
        let base = reduce(&events);
        let mut p = Rng(perm);
        let mut other = events.clone();
        for _ in 0..dups {
            if !events.is_empty() {
                other.push(p.pick(&events).clone());
            }
        }
        p.shuffle(&mut other);
        prop_assert_eq!(&reduce(&other), &base);
        let twice: Vec<Event> = events.iter().chain(events.iter()).cloned().collect();
        prop_assert_eq!(&reduce(&twice), &base);
    }
}
