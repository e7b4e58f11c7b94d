//! The decision-point reducer against the reference: every reducer output it ships for the
//! decision-point area reproduced from its replay stream, every shipped decision-point
//! stream reduced as the live reference reduces it, and thousands of generated streams
//! (concurrent clocks, duplicates, out-of-order delivery, policy breaches, origin
//! switches, widenings and local closures, every id and timestamp form) reduced by both.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod decision_support;
mod mission_support;

use decision_support::decision_point_stream;
use mission_support::Rng;
use serde_json::{Value, json};
use spec_kitty_events::conformance::fixtures::{Manifest, REDUCER_OUTPUT};
use spec_kitty_events::envelope::Event;
use spec_kitty_events::replay::{ReducerKind, ReplayOptions, replay};
use spec_kitty_events_testkit::{Oracle, normalize_reports, reference_fixtures_dir};

const FUNC: &str = "spec_kitty_events.decisionpoint:reduce_decision_point_events";
const STREAMS: usize = 2_000;

fn reduce(raw: &[Value]) -> Value {
    let events: Vec<Event> = raw.iter().map(|v| Event::from_value(v).unwrap()).collect();
    replay(
        ReducerKind::DecisionPoint,
        &events,
        &ReplayOptions::default(),
    )
    .unwrap()
}

fn read_jsonl(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn shipped_reducer_outputs_are_reproduced() {
    let manifest = Manifest::load(reference_fixtures_dir()).unwrap();
    let mut checked = 0;
    let mut anomalies = 0;
    for entry in manifest.fixtures.iter().filter(|e| {
        e.fixture_type.as_deref() == Some(REDUCER_OUTPUT) && e.path.starts_with("decisionpoint/")
    }) {
        // `x_output.json` was produced from `x.jsonl`.
        let stream_path = entry.path.replace("_output.json", ".jsonl");
        let raw = read_jsonl(&manifest.dir.join(&stream_path));
        let expected = manifest.load_json(entry).unwrap();
        let ours = reduce(&raw);
        assert_eq!(ours, expected, "{}", entry.id);
        anomalies += ours["anomalies"].as_array().unwrap().len();
        checked += 1;
    }
    assert_eq!(checked, 9, "decisionpoint reducer outputs");
    assert!(anomalies > 0, "the anomaly fixture was reproduced");
}

#[test]
fn shipped_streams_match_the_live_reference() {
    let manifest = Manifest::load(reference_fixtures_dir()).unwrap();
    let dir = manifest.dir.join("decisionpoint/replay");
    let mut oracle = Oracle::start().unwrap();
    let mut checked = 0;
    for f in std::fs::read_dir(&dir).unwrap() {
        let path = f.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        let raw = read_jsonl(&path);
        let answer = oracle
            .ask(&json!({"op": "reduce", "func": FUNC, "events": raw}))
            .unwrap();
        assert_eq!(answer["skipped"], 0, "{path:?}");
        assert_eq!(reduce(&raw), answer["ok"], "{path:?}");
        checked += 1;
    }
    assert_eq!(checked, 9, "decisionpoint replay streams");
}

fn ours(raw: &[Value]) -> (Value, usize) {
    let mut events = Vec::new();
    let mut skipped = 0;
    for v in raw {
        match Event::from_value(v) {
            Ok(e) => events.push(e),
            Err(_) => skipped += 1,
        }
    }
    let out = replay(
        ReducerKind::DecisionPoint,
        &events,
        &ReplayOptions::default(),
    )
    .unwrap();
    (out, skipped)
}

#[test]
fn generated_streams_match_the_reference() {
    let mut oracle = Oracle::start().unwrap();
    let mut r = Rng(0x00DE_C1D0);
    let streams: Vec<Vec<Value>> = (0..STREAMS)
        .map(|_| decision_point_stream(&mut r, false))
        .collect();
    let requests: Vec<Value> = streams
        .iter()
        .map(|s| json!({"op": "reduce", "func": FUNC, "events": s}))
        .collect();
    let mut answers = Vec::with_capacity(STREAMS);
    for chunk in requests.chunks(8) {
        answers.extend(oracle.ask_all(chunk).unwrap());
    }
    let (mut equal, mut events, mut skipped_total) = (0, 0, 0);
    let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
    let mut states: std::collections::BTreeMap<String, usize> = Default::default();
    let mut failures = Vec::new();
    for (stream, answer) in streams.iter().zip(&answers) {
        events += stream.len();
        let (result, skipped) = ours(stream);
        skipped_total += skipped;
        if answer["skipped"].as_u64() != Some(skipped as u64) {
            failures.push(format!("skipped: ref {} ours {skipped}", answer["skipped"]));
            continue;
        }
        let Some(expected) = answer.get("ok") else {
            failures.push(format!("reference raised: {answer}"));
            continue;
        };
        if normalize_reports(&result) != normalize_reports(expected) {
            failures.push(format!(
                "state differs\n  stream: {}\n  ours: {result}\n  ref:  {expected}",
                Value::Array(stream.clone())
            ));
            continue;
        }
        equal += 1;
        for a in result["anomalies"].as_array().unwrap() {
            *kinds
                .entry(a["kind"].as_str().unwrap().to_owned())
                .or_default() += 1;
            if a["message"]
                .as_str()
                .unwrap()
                .starts_with("closed_locally_while_widened=True without")
            {
                *kinds
                    .entry("closed_locally_without_widening".into())
                    .or_default() += 1;
            }
        }
        if result["closed_locally_while_widened"] == json!(true) {
            *kinds
                .entry("(closed locally while widened)".into())
                .or_default() += 1;
        }
        if !result["widening"].is_null() {
            *kinds.entry("(widened)".into()).or_default() += 1;
        }
        if !result["terminal_outcome"].is_null() {
            *kinds.entry("(interview outcome)".into()).or_default() += 1;
        }
        *states.entry(result["state"].to_string()).or_default() += 1;
    }
    eprintln!(
        "decision-point: {STREAMS} streams, {events} events ({skipped_total} unparseable), {equal} equal states; anomalies {kinds:?}; final states {states:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {STREAMS} streams disagree:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(equal, STREAMS);
    for k in [
        "invalid_transition",
        "authority_policy_violation",
        "llm_policy_violation",
        "malformed_payload",
        "event_after_terminal",
        "origin_mismatch",
        "missing_summary",
        "closed_locally_without_widening",
        "(closed locally while widened)",
        "(widened)",
        "(interview outcome)",
    ] {
        assert!(
            kinds.get(k).copied().unwrap_or(0) >= 5,
            "too few {k}: {kinds:?}"
        );
    }
}
