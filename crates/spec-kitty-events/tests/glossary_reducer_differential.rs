//! The glossary reducer against the reference, in strict and permissive modes: generated
//! streams with scopes, observations, senses, checks, clarification bursts and
//! resolutions, malformed payloads, duplicates and out-of-order delivery.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod mission_support;

use mission_support::{Rng, assemble, noise, text};
use proptest::prelude::*;
use serde_json::{Value, json};
use spec_kitty_events::domain::glossary::reduce_glossary_events;
use spec_kitty_events::envelope::Event;
use spec_kitty_events::error::Error;
use spec_kitty_events_testkit::{Oracle, normalize_reports};

const STREAMS: usize = 2_000;
const FUNC: &str = "spec_kitty_events.glossary:reduce_glossary_events";

fn payload(r: &mut Rng, t: &str, ids: &[String]) -> Value {
    let scope = json!(*r.pick(&["core", "team", "core"]));
    let term = json!(*r.pick(&["lane", "mission", "lane"]));
    let some_id = |r: &mut Rng| {
        json!(if ids.is_empty() || r.chance(0.2) {
            "01JE0000000000000000000000".to_owned()
        } else {
            r.pick(ids).clone()
        })
    };
    let mut p = match t {
        "GlossaryScopeActivated" => {
            json!({"mission_id": "m-1", "scope_id": scope, "scope_type": *r.pick(&["spec_kitty_core", "team_domain", "mission_local"]), "glossary_version_id": "v1"})
        }
        "TermCandidateObserved" => {
            json!({"mission_id": "m-1", "scope_id": scope, "step_id": "s1", "term_surface": term, "confidence": 0.5, "actor": text(r), "step_metadata": {"k": "v"}})
        }
        "GlossarySenseUpdated" => {
            json!({"mission_id": "m-1", "scope_id": scope, "term_surface": term, "before_sense": null, "after_sense": "the column", "reason": "", "actor": text(r)})
        }
        "GlossaryStrictnessSet" => {
            json!({"mission_id": "m-1", "new_strictness": *r.pick(&["off", "medium", "max"]), "previous_strictness": "medium", "actor": text(r)})
        }
        "SemanticCheckEvaluated" => {
            json!({"mission_id": "m-1", "scope_id": scope, "step_id": "s1", "conflicts": [{"term": "lane", "nature": "drift", "severity": "low", "description": "d"}],
            "severity": "low", "confidence": 0.9, "recommended_action": *r.pick(&["block", "warn", "pass"]), "effective_strictness": "medium"})
        }
        "GlossaryClarificationRequested" => {
            json!({"mission_id": "m-1", "scope_id": scope, "step_id": "s1", "semantic_check_event_id": some_id(r), "term": term,
            "question": "which?", "options": ["a", "b"], "urgency": "low", "actor": text(r)})
        }
        "GlossaryClarificationResolved" => {
            json!({"mission_id": "m-1", "clarification_event_id": some_id(r), "selected_meaning": "a", "actor": text(r)})
        }
        _ => {
            json!({"mission_id": "m-1", "step_id": "s1", "conflict_event_ids": [some_id(r)], "blocking_strictness": "max"})
        }
    };
    if r.chance(0.03) {
        let keys: Vec<String> = p.as_object().unwrap().keys().cloned().collect();
        p.as_object_mut()
            .unwrap()
            .shift_remove(r.pick(&keys).as_str());
    }
    p
}

fn stream(r: &mut Rng) -> Vec<Value> {
    let kinds = [
        "TermCandidateObserved",
        "GlossarySenseUpdated",
        "GlossaryStrictnessSet",
        "SemanticCheckEvaluated",
        "GlossaryClarificationRequested",
        "GlossaryClarificationRequested",
        "GlossaryClarificationResolved",
        "GenerationBlockedBySemanticConflict",
        "GlossaryScopeActivated",
    ];
    let mut steps: Vec<(String, Value)> = Vec::new();
    if r.chance(0.85) {
        steps.push((
            "GlossaryScopeActivated".into(),
            payload(r, "GlossaryScopeActivated", &[]),
        ));
    }
    for _ in 0..r.below(14) {
        let t = *r.pick(&kinds);
        steps.push((t.to_owned(), payload(r, t, &[])));
        if r.chance(0.08) {
            steps.push(noise(r));
        }
    }
    let mut out = assemble(r, steps, true);
    // Point references at events of the stream, as real logs do.
    let ids: Vec<String> = out
        .iter()
        .filter(|e| e["event_type"] != "GlossaryClarificationRequested" || r.chance(0.5))
        .filter_map(|e| e["event_id"].as_str().map(str::to_owned))
        .collect();
    // Redelivered copies share an id: give every copy the same reference.
    let mut chosen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for e in &mut out {
        let id = e["event_id"].as_str().unwrap_or_default().to_owned();
        for key in ["semantic_check_event_id", "clarification_event_id"] {
            if e["payload"].get(key).is_some() && !ids.is_empty() {
                let target = chosen.entry(format!("{id}/{key}")).or_insert_with(|| {
                    if r.chance(0.85) {
                        r.pick(&ids).clone()
                    } else {
                        String::new()
                    }
                });
                if !target.is_empty() {
                    e["payload"][key] = json!(target.clone());
                }
            }
        }
    }
    out
}

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
