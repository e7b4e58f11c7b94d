//! The lifecycle reducer against the reference: generated mission streams (starts,
//! phases, rollbacks, completions, cancellations racing on one Lamport clock, catalog
//! events, work-package moves, duplicates, malformed payloads, out-of-order delivery).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod mission_support;

use mission_support::{Rng, assemble, noise, text};
use proptest::prelude::*;
use serde_json::{Value, json};
use spec_kitty_events::domain::lifecycle::reduce_lifecycle_events;
use spec_kitty_events::envelope::Event;
use spec_kitty_events_testkit::{Oracle, normalize_reports};

const STREAMS: usize = 2_000;
const FUNC: &str = "spec_kitty_events.lifecycle:reduce_lifecycle_events";

fn phase(r: &mut Rng) -> Value {
    json!(*r.pick(&["specify", "plan", "implement", "review", "accept"]))
}

fn payload(r: &mut Rng, t: &str) -> Value {
    let mut p = match t {
        "MissionStarted" => {
            json!({"mission_id": "m-1", "mission_type": "software-dev", "initial_phase": phase(r), "actor": text(r)})
        }
        "PhaseEntered" => {
            json!({"mission_id": "m-1", "phase_name": phase(r), "previous_phase": if r.chance(0.5) { phase(r) } else { Value::Null }, "actor": text(r)})
        }
        "ReviewRollback" => {
            json!({"mission_id": "m-1", "review_ref": "PR#4", "target_phase": phase(r), "affected_wp_ids": ["WP01"], "actor": text(r)})
        }
        "MissionCompleted" => {
            json!({"mission_id": "m-1", "mission_type": "software-dev", "final_phase": phase(r), "actor": text(r)})
        }
        "MissionCancelled" => {
            json!({"mission_id": "m-1", "reason": "descoped", "actor": text(r), "cancelled_wp_ids": ["WP02"]})
        }
        "MissionCreated" => {
            json!({"mission_slug": "m-1", "mission_number": if r.chance(0.8) { json!(1 + r.below(40)) } else { Value::Null }, "mission_type": "software-dev",
            "target_branch": "main", "wp_count": r.below(9), "friendly_name": "Event store", "purpose_tldr": "Store events", "purpose_context": "Because"})
        }
        "MissionClosed" => {
            json!({"mission_slug": "m-1", "mission_number": 1 + r.below(40), "mission_type": "software-dev"})
        }
        _ => {
            let lanes = [
                None,
                Some("planned"),
                Some("claimed"),
                Some("in_progress"),
                Some("for_review"),
            ];
            let i = r.below(lanes.len() - 1);
            json!({"mission_slug": "m-1", "wp_id": *r.pick(&["WP01", "WP02"]), "from_lane": lanes[i], "to_lane": lanes[i + 1].unwrap_or("planned"),
                   "actor": text(r), "execution_mode": "worktree"})
        }
    };
    if r.chance(0.08) {
        // Break it: drop a key, blank a string, or add a key a closed model refuses.
        let keys: Vec<String> = p.as_object().unwrap().keys().cloned().collect();
        match r.below(3) {
            0 => {
                p.as_object_mut()
                    .unwrap()
                    .shift_remove(r.pick(&keys).as_str());
            }
            1 => p[r.pick(&keys).as_str()] = json!(""),
            _ => p["feature_slug"] = json!("legacy"),
        }
    }
    p
}

fn stream(r: &mut Rng) -> Vec<Value> {
    let kinds = [
        "PhaseEntered",
        "PhaseEntered",
        "ReviewRollback",
        "MissionCompleted",
        "MissionCancelled",
        "MissionCreated",
        "MissionClosed",
        "WPStatusChanged",
        "WPStatusChanged",
    ];
    let mut steps: Vec<(String, Value)> = Vec::new();
    if r.chance(0.2) {
        steps.push(("PhaseEntered".into(), payload(r, "PhaseEntered")));
    }
    if r.chance(0.9) {
        steps.push(("MissionStarted".into(), payload(r, "MissionStarted")));
    }
    for _ in 0..r.below(12) {
        let t = *r.pick(&kinds);
        steps.push((t.to_owned(), payload(r, t)));
        if r.chance(0.1) {
            steps.push(noise(r));
        }
        if r.chance(0.05) {
            steps.push(("MissionStarted".into(), payload(r, "MissionStarted")));
        }
    }
    assemble(r, steps, false)
}

fn ours(raw: &[Value]) -> (Value, usize) {
    let events: Vec<Event> = raw
        .iter()
        .filter_map(|v| Event::from_value(v).ok())
        .collect();
    let skipped = raw.len() - events.len();
    (
        serde_json::to_value(reduce_lifecycle_events(&events)).unwrap(),
        skipped,
    )
}

#[test]
fn lifecycle_matches_the_reference_on_generated_streams() {
    let mut r = Rng(0x11FE_C7C1);
    let streams: Vec<Vec<Value>> = (0..STREAMS).map(|_| stream(&mut r)).collect();
    let requests: Vec<Value> = streams
        .iter()
        .map(|s| json!({"op": "reduce", "func": FUNC, "events": s}))
        .collect();
    let answers = Oracle::start().unwrap().ask_all(&requests).unwrap();
    let (mut with_anomalies, mut terminal, mut events) = (0, 0, 0);
    for (s, answer) in streams.iter().zip(&answers) {
        let (state, skipped) = ours(s);
        assert_eq!(answer["skipped"], json!(skipped), "{s:?}");
        assert_eq!(
            normalize_reports(&state),
            normalize_reports(&answer["ok"]),
            "stream: {}",
            serde_json::to_string(s).unwrap()
        );
        events += s.len();
        with_anomalies += usize::from(!state["anomalies"].as_array().unwrap().is_empty());
        terminal += usize::from(matches!(
            state["mission_status"].as_str(),
            Some("completed" | "cancelled")
        ));
    }
    eprintln!(
        "{STREAMS} streams, {events} events: {with_anomalies} with anomalies, {terminal} terminal"
    );
    assert!(
        with_anomalies > STREAMS / 4 && terminal > STREAMS / 4,
        "the generator reaches anomalies and terminal states"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn lifecycle_is_invariant_under_permutation_and_duplication(seed in any::<u64>(), shuffle in any::<u64>(), dups in prop::collection::vec(any::<usize>(), 0..5)) {
        let mut r = Rng(seed);
        let raw = stream(&mut r);
        let events: Vec<Event> = raw.iter().filter_map(|v| Event::from_value(v).ok()).collect();
        let mut shuffled = events.clone();
        let mut r2 = Rng(shuffle);
        r2.shuffle(&mut shuffled);
        for d in dups {
            if !events.is_empty() {
                shuffled.push(events[d % events.len()].clone());
            }
        }
        prop_assert_eq!(reduce_lifecycle_events(&events), reduce_lifecycle_events(&shuffled));
    }
}
