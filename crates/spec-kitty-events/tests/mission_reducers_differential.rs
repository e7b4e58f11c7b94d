//! Differential tests of the mission-next, dossier and mission-audit reducers against the
//! reference: thousands of generated streams (concurrent clocks, duplicates, out-of-order
//! delivery, anomalies, every id and timestamp form) reduced by both sides.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod mission_support;

use mission_support::{Rng, audit_stream, dossier_stream, mission_next_stream};
use serde_json::{Value, json};
use spec_kitty_events::envelope::Event;
use spec_kitty_events::replay::{ReducerKind, ReplayOptions, replay};
use spec_kitty_events_testkit::{Oracle, normalize_reports};

const STREAMS: usize = 2_000;

fn ours(kind: ReducerKind, raw: &[Value]) -> (Result<Value, String>, usize) {
    let mut events = Vec::new();
    let mut skipped = 0;
    for v in raw {
        match Event::from_value(v) {
            Ok(e) => events.push(e),
            Err(_) => skipped += 1,
        }
    }
    let out = replay(kind, &events, &ReplayOptions::default()).map_err(|e| match e {
        spec_kitty_events::error::Error::Replay { reason, .. } => reason,
        other => panic!("unexpected error {other}"),
    });
    (out, skipped)
}

/// Asks in small batches: stream requests and reduced states are large, and the test
/// kit's `ask_all` writes up to 256 requests before reading, which can fill both pipes.
pub fn ask_batched(oracle: &mut Oracle, requests: &[Value]) -> Vec<Value> {
    let mut out = Vec::with_capacity(requests.len());
    for chunk in requests.chunks(8) {
        out.extend(oracle.ask_all(chunk).unwrap());
    }
    out
}

fn run(
    kind: ReducerKind,
    func: &str,
    error_type: &str,
    generate: fn(&mut Rng, bool) -> Vec<Value>,
    seed: u64,
) {
    let mut oracle = Oracle::start().unwrap();
    let mut r = Rng(seed);
    let streams: Vec<Vec<Value>> = (0..STREAMS).map(|_| generate(&mut r, false)).collect();
    let requests: Vec<Value> = streams
        .iter()
        .map(|s| json!({"op": "reduce", "func": func, "events": s}))
        .collect();
    let answers = ask_batched(&mut oracle, &requests);
    let (mut ok, mut raised, mut events, mut skipped_total, mut with_anomalies) = (0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    for (stream, answer) in streams.iter().zip(&answers) {
        events += stream.len();
        let (result, skipped) = ours(kind, stream);
        skipped_total += skipped;
        if answer["skipped"].as_u64() != Some(skipped as u64) {
            failures.push(format!("skipped: ref {} ours {skipped}", answer["skipped"]));
            continue;
        }
        match (&result, answer.get("ok"), answer.get("error")) {
            (Ok(v), Some(expected), None) => {
                if v != expected {
                    failures.push(format!(
                        "state differs\n  stream: {}\n  ours: {v}\n  ref:  {expected}",
                        Value::Array(stream.clone())
                    ));
                } else {
                    ok += 1;
                    let anomalies = v["anomalies"].as_array().map_or(0, Vec::len);
                    with_anomalies += usize::from(anomalies > 0);
                }
            }
            (Err(reason), None, Some(err)) => {
                assert_eq!(err["type"], error_type, "{err}");
                let theirs = err["message"].as_str().unwrap_or_default();
                if normalize_reports(&json!(reason)) != normalize_reports(&json!(theirs)) {
                    failures.push(format!(
                        "error text differs\n  ours: {reason}\n  ref:  {theirs}"
                    ));
                } else {
                    raised += 1;
                }
            }
            _ => failures.push(format!(
                "outcome differs\n  stream: {}\n  ours: {result:?}\n  ref: {answer}",
                Value::Array(stream.clone())
            )),
        }
    }
    eprintln!(
        "{}: {STREAMS} streams, {events} events ({skipped_total} unparseable), {ok} equal states ({with_anomalies} with anomalies), {raised} equal refusals",
        kind.name()
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
    assert_eq!(ok + raised, STREAMS);
    assert!(ok > STREAMS / 2, "too few streams reduce without error");
}

#[test]
fn mission_next_reducer_matches_reference() {
    run(
        ReducerKind::MissionNext,
        "spec_kitty_events.mission_next:reduce_mission_next_events",
        "",
        mission_next_stream,
        0xA11CE,
    );
}

#[test]
fn dossier_reducer_matches_reference() {
    run(
        ReducerKind::Dossier,
        "spec_kitty_events.dossier:reduce_mission_dossier",
        "NamespaceMixedStreamError",
        dossier_stream,
        0x0D05_51E7,
    );
}

#[test]
fn mission_audit_reducer_matches_reference() {
    run(
        ReducerKind::MissionAudit,
        "spec_kitty_events.mission_audit:reduce_mission_audit_events",
        "ValidationError",
        audit_stream,
        0xA0D17,
    );
}
