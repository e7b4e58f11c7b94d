//! The collaboration reducer against the reference, strict and permissive, with and
//! without a seeded roster: generated sessions with invites, joins, departures,
//! heartbeats, drive intents, focus moves, step executions, warnings and
//! acknowledgements, comments, decisions and linked sessions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod mission_support;

mod reducer_streams;

use mission_support::Rng;
use proptest::prelude::*;
use reducer_streams::collaboration::{identity, stream};
use serde_json::{Map, Value, json};
use spec_kitty_events::domain::collaboration::reduce_collaboration_events;
use spec_kitty_events::envelope::Event;
use spec_kitty_events::error::Error;
use spec_kitty_events_testkit::{Oracle, normalize_reports};

const STREAMS: usize = 2_000;
const FUNC: &str = "spec_kitty_events.collaboration:reduce_collaboration_events";

/// Sorts the reference's unordered sets so that the states compare as values.
fn canonical(mut state: Value) -> Value {
    if let Some(Value::Array(d)) = state.get_mut("active_drivers") {
        d.sort_by_key(|v| v.to_string());
    }
    if let Some(Value::Object(m)) = state.get_mut("participants_by_focus") {
        for v in m.values_mut() {
            if let Value::Array(a) = v {
                a.sort_by_key(|v| v.to_string());
            }
        }
    }
    normalize_reports(&state)
}

fn ours(
    events: &[Event],
    strict: bool,
    roster: Option<&Map<String, Value>>,
) -> Result<Value, String> {
    reduce_collaboration_events(events, strict, roster)
        .map(|s| serde_json::to_value(s).unwrap())
        .map_err(|e| match e {
            Error::Replay { reason, .. } => reason,
            other => panic!("{other}"),
        })
}

#[test]
fn collaboration_matches_the_reference() {
    let mut r = Rng(0xC011_AB07);
    let streams: Vec<Vec<Value>> = (0..STREAMS).map(|_| stream(&mut r)).collect();
    let roster: Map<String, Value> = [("p3".to_owned(), identity("p3"))].into_iter().collect();
    let variants = [
        ("strict", None),
        ("permissive", None),
        ("permissive", Some(&roster)),
    ];
    let mut requests = Vec::new();
    for s in &streams {
        for (mode, ros) in &variants {
            let mut kwargs = json!({"mode": mode});
            if let Some(ros) = ros {
                kwargs["roster"] = Value::Object((*ros).clone());
            }
            requests.push(json!({"op": "reduce", "func": FUNC, "events": s, "kwargs": kwargs}));
        }
    }
    let answers = Oracle::start().unwrap().ask_all(&requests).unwrap();
    let (mut states, mut refusals, mut anomalies) = (0, 0, 0);
    for (s, answers) in streams.iter().zip(answers.chunks(variants.len())) {
        let events: Vec<Event> = s.iter().filter_map(|v| Event::from_value(v).ok()).collect();
        for ((mode, ros), answer) in variants.iter().zip(answers) {
            match ours(&events, *mode == "strict", *ros) {
                Ok(state) => {
                    assert_eq!(
                        canonical(state.clone()),
                        canonical(answer["ok"].clone()),
                        "{mode} {}",
                        serde_json::to_string(s).unwrap()
                    );
                    states += 1;
                    anomalies += state["anomalies"].as_array().unwrap().len();
                }
                Err(reason) => {
                    let theirs = answer["error"]["message"].as_str().unwrap_or_else(|| {
                        panic!(
                            "we refused, they did not: {reason}\n{}",
                            serde_json::to_string(s).unwrap()
                        )
                    });
                    assert_eq!(
                        normalize_reports(&json!(reason)),
                        normalize_reports(&json!(theirs)),
                        "{}",
                        serde_json::to_string(s).unwrap()
                    );
                    refusals += 1;
                }
            }
        }
    }
    eprintln!(
        "{} reductions: {states} states ({anomalies} anomalies), {refusals} refusals",
        STREAMS * variants.len()
    );
    assert!(states > STREAMS && refusals > STREAMS / 4 && anomalies > STREAMS);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn collaboration_is_invariant_under_permutation_and_duplication(seed in any::<u64>(), shuffle in any::<u64>(), dups in prop::collection::vec(any::<usize>(), 0..5)) {
        let events: Vec<Event> = stream(&mut Rng(seed)).iter().filter_map(|v| Event::from_value(v).ok()).collect();
        let mut shuffled = events.clone();
        Rng(shuffle).shuffle(&mut shuffled);
        for d in dups {
            if !events.is_empty() {
                shuffled.push(events[d % events.len()].clone());
            }
        }
        prop_assert_eq!(reduce_collaboration_events(&events, false, None).ok(), reduce_collaboration_events(&shuffled, false, None).ok());
    }
}
