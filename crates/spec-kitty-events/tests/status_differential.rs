//! Differential test of the status reducer against the reference.
//!
//! Generated `WPStatusChanged` streams (1–30 events) with concurrent clocks, duplicate ids
//! (same and different content, ids in differently-cased forms), forced moves, rollbacks
//! with and without `review_ref`, the `doing` alias, evidence present and absent, terminal
//! exits, malformed payloads of every kind, timestamps of every form with mixed offsets
//! (naive and aware mixed, so the reference's isoformat string ordering decides ties), and
//! a few other event types mixed in. Both sides parse every envelope with the Event
//! model, drop what it rejects, reduce the rest; the results must be equal after
//! `normalize_reports` (embedded pydantic reports compared by paths and kinds).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod status_streams;

use common::*;
use serde_json::{Value, json};
use spec_kitty_events::Event;
use spec_kitty_events::domain::status::reduce_status_events;
use spec_kitty_events_testkit::{Oracle, normalize_reports};
use status_streams::stream;

const STREAMS: usize = 10_000;

#[test]
fn status_reduction_agrees_with_reference() {
    let mut rng = Rng::new(0x5747_5553_0000_0002);
    let streams: Vec<Vec<Value>> = (0..STREAMS).map(|_| stream(&mut rng)).collect();
    let requests: Vec<Value> = streams
        .iter()
        .map(|s| {
            json!({"op": "reduce", "func": "spec_kitty_events.status:reduce_status_events", "events": s})
        })
        .collect();
    let mut oracle = Oracle::start().expect("oracle");
    let answers = oracle.ask_all(&requests).expect("oracle answers");

    let (mut events_total, mut skipped_total, mut anomalies, mut states, mut with_anomaly) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut mismatches = Vec::new();
    for (s, answer) in streams.iter().zip(&answers) {
        events_total += s.len();
        let parsed: Vec<Event> = s.iter().filter_map(|v| Event::from_value(v).ok()).collect();
        let skipped = s.len() - parsed.len();
        skipped_total += skipped;
        let ours = reduce_status_events(&parsed);
        let got = normalize_reports(&serde_json::to_value(&ours).unwrap());
        let Some(want) = answer.get("ok") else {
            mismatches.push(format!(
                "reference raised on {}: {answer}",
                Value::Array(s.clone())
            ));
            continue;
        };
        let want = normalize_reports(want);
        anomalies += ours.anomalies.len();
        states += ours.wp_states.len();
        with_anomaly += usize::from(!ours.anomalies.is_empty());
        let same_order =
            serde_json::to_string(&got).unwrap() == serde_json::to_string(&want).unwrap();
        if got != want || !same_order || answer["skipped"] != json!(skipped) {
            mismatches.push(format!(
                "stream {}\n ours (skipped {skipped}) {got}\n ref  (skipped {}) {want}",
                Value::Array(s.clone()),
                answer["skipped"]
            ));
        }
    }
    eprintln!(
        "status streams: {STREAMS}, events {events_total} (skipped as bad envelopes {skipped_total}); \
         wp states {states}, anomalies {anomalies}, streams with anomalies {with_anomaly}; mismatches {}",
        mismatches.len()
    );
    let show = if std::env::var_os("SKE_SHOW_ALL").is_some() {
        usize::MAX
    } else {
        10
    };
    for m in mismatches.iter().take(show) {
        eprintln!("{m}\n");
    }
    assert!(mismatches.is_empty(), "{} mismatches", mismatches.len());
    assert!(events_total >= 50_000 && anomalies >= 10_000 && states >= 10_000);
}
