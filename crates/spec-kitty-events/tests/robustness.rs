//! Robustness: no input makes the parsers or validators panic.
//!
//! Property-based fuzzing of every entry point that takes untrusted input: the envelope
//! parser, the timestamp parser, the lax scalar coercions, `validate_event` for every
//! registered type, and the status reducer over whatever envelopes survive parsing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use spec_kitty_events::conformance::{CONTRACTS, validate_event};
use spec_kitty_events::contract::scalar::{lax_bool, lax_float, lax_int, lax_uuid, str_as_int};
use spec_kitty_events::domain::status::reduce_status_events;
use spec_kitty_events::{Event, Timestamp};

/// Strings biased towards the shapes the parsers look at.
fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 _+.eE:TZz-]{0,32}",
        "[0-9A-Za-z]{26}",
        "[0-9a-fA-F-]{32,36}",
        Just("2026-01-01T10:00:00+02:00".to_owned()),
        Just("planned".to_owned()),
        Just("doing".to_owned()),
        Just("3.0.0".to_owned()),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[0-9]{19,40}".prop_map(|digits| serde_json::from_str(&digits).unwrap_or(Value::Null)),
        interesting_string().prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(interesting_string(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

const ENVELOPE_KEYS: [&str; 14] = [
    "event_id",
    "event_type",
    "aggregate_id",
    "payload",
    "timestamp",
    "build_id",
    "node_id",
    "lamport_clock",
    "causation_id",
    "project_uuid",
    "project_slug",
    "correlation_id",
    "schema_version",
    "data_tier",
];

/// Objects that look like envelopes: known keys with arbitrary values, often valid ones.
fn envelope_like() -> impl Strategy<Value = Value> {
    let base = json!({
        "event_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "event_type": "WPStatusChanged",
        "aggregate_id": "mission/WP01", "timestamp": "2026-01-01T00:00:00Z", "build_id": "b",
        "node_id": "n", "lamport_clock": 1, "project_uuid": "12345678-1234-5678-1234-567812345678",
        "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "schema_version": "3.0.0",
        "payload": {"mission_slug": "m", "wp_id": "WP01", "to_lane": "planned", "actor": "a",
                    "execution_mode": "worktree"}
    });
    prop::collection::vec((0..ENVELOPE_KEYS.len(), json_value()), 0..4).prop_map(move |edits| {
        let mut v = base.clone();
        for (k, val) in edits {
            v[ENVELOPE_KEYS[k]] = val;
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn scalar_coercions_never_panic(v in json_value(), s in any::<String>()) {
        let j = spec_kitty_events::json::Json::from_value(&v);
        let _ = lax_int(&j, false);
        let _ = lax_int(&j, true);
        let _ = lax_float(&j, false);
        let _ = lax_bool(&j, false);
        let _ = lax_uuid(&j);
        let _ = str_as_int(&s);
        let _ = Timestamp::from_value(&v);
        let _ = Timestamp::parse_str(&s);
    }

    #[test]
    fn envelope_parsing_never_panics_and_round_trips(v in prop_oneof![json_value(), envelope_like()]) {
        if let Ok(event) = Event::from_value(&v) {
            // What we accept serialises to a document we accept again, unchanged.
            let dumped = serde_json::to_value(&event).unwrap();
            prop_assert_eq!(Event::from_value(&dumped).unwrap(), event);
        }
    }

    #[test]
    fn validate_event_never_panics(v in prop_oneof![json_value(), envelope_like()], i in 0..64usize) {
        let contract = &CONTRACTS[i % CONTRACTS.len()];
        let r = validate_event(&v, contract.event_type).unwrap();
        prop_assert_eq!(r.valid, r.violations.is_empty());
    }

    #[test]
    fn status_reduction_never_panics(docs in prop::collection::vec(envelope_like(), 0..12)) {
        let events: Vec<Event> = docs.iter().filter_map(|d| Event::from_value(d).ok()).collect();
        let state = reduce_status_events(&events);
        prop_assert!(state.event_count as usize <= events.len());
    }
}
