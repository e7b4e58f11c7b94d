//! The glossary reducer against the reference, in strict and permissive modes: generated
//! streams with scopes, observations, senses, checks, clarification bursts and
//! resolutions, malformed payloads, duplicates and out-of-order delivery.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod mission_support;

mod reducer_streams;

use mission_support::Rng;
use proptest::prelude::*;
use reducer_streams::glossary::stream;
use serde_json::{Value, json};
use spec_kitty_events::domain::glossary::reduce_glossary_events;
use spec_kitty_events::envelope::Event;
use spec_kitty_events::error::Error;
use spec_kitty_events_testkit::{Oracle, normalize_reports};

const STREAMS: usize = 2_000;
const FUNC: &str = "spec_kitty_events.glossary:reduce_glossary_events";

fn ours(events: &[Event], strict: bool) -> Result<Value, String> {
    reduce_glossary_events(events, strict)
        .map(|s| serde_json::to_value(s).unwrap())
        .map_err(|e| match e {
            Error::Replay { reason, .. } => reason,
            other => panic!("{other}"),
        })
}

#[test]
fn glossary_matches_the_reference_in_both_modes() {
    let mut r = Rng(0x6105_5A27);
    let streams: Vec<Vec<Value>> = (0..STREAMS).map(|_| stream(&mut r)).collect();
    let mut requests = Vec::new();
    for s in &streams {
        requests.push(json!({"op": "reduce", "func": FUNC, "events": s}));
        requests.push(
            json!({"op": "reduce", "func": FUNC, "events": s, "kwargs": {"mode": "permissive"}}),
        );
    }
    let answers = Oracle::start().unwrap().ask_all(&requests).unwrap();
    let (mut ok, mut refused, mut anomalies) = (0, 0, 0);
    for (s, pair) in streams.iter().zip(answers.chunks(2)) {
        let events: Vec<Event> = s.iter().filter_map(|v| Event::from_value(v).ok()).collect();
        for (strict, answer) in [(true, &pair[0]), (false, &pair[1])] {
            match ours(&events, strict) {
                Ok(state) => {
                    assert_eq!(
                        normalize_reports(&state),
                        normalize_reports(&answer["ok"]),
                        "strict={strict} {}",
                        serde_json::to_string(s).unwrap()
                    );
                    ok += 1;
                    anomalies += state["anomalies"].as_array().unwrap().len();
                }
                Err(reason) => {
                    let theirs = answer["error"]["message"].as_str().unwrap_or_else(|| {
                        panic!(
                            "we refused, they did not: {reason} {}",
                            serde_json::to_string(s).unwrap()
                        )
                    });
                    assert_eq!(
                        normalize_reports(&json!(reason)),
                        normalize_reports(&json!(theirs))
                    );
                    refused += 1;
                }
            }
        }
    }
    eprintln!(
        "{} reductions: {ok} states ({anomalies} anomalies), {refused} refusals",
        2 * STREAMS
    );
    assert!(ok > STREAMS / 2 && refused > STREAMS / 4 && anomalies > STREAMS);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn glossary_is_invariant_under_permutation_and_duplication(seed in any::<u64>(), shuffle in any::<u64>(), dups in prop::collection::vec(any::<usize>(), 0..5)) {
        let events: Vec<Event> = stream(&mut Rng(seed)).iter().filter_map(|v| Event::from_value(v).ok()).collect();
        let mut shuffled = events.clone();
        Rng(shuffle).shuffle(&mut shuffled);
        for d in dups {
            if !events.is_empty() {
                shuffled.push(events[d % events.len()].clone());
            }
        }
        prop_assert_eq!(reduce_glossary_events(&events, false).ok(), reduce_glossary_events(&shuffled, false).ok());
    }
}
