//! Messages that show a payload value show it as Python 3.11 prints it: compared with the
//! reference's own `repr()`/`str()` and with the reference's reducers fed non-string values
//! (booleans, `None`, integers, floats such as `1.0` and `1e-05`, lists, dicts) where the
//! payload is read unvalidated.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod mission_support;

use mission_support::{Rng, assemble};
use serde_json::{Value, json};
use spec_kitty_events::domain::collaboration::reduce_collaboration_events;
use spec_kitty_events::envelope::Event;
use spec_kitty_events::error::Error;
use spec_kitty_events::json::{Json, py};
use spec_kitty_events::state_machine_merge;
use spec_kitty_events_testkit::{Oracle, normalize_reports};

/// Floats around every boundary of Python's repr, and random bit patterns.
fn floats(r: &mut Rng) -> Vec<f64> {
    let mut out = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.1,
        0.5,
        1.5,
        100.0,
        1e-5,
        1e-4,
        9.999e-5,
        1e15,
        1e16,
        1e17,
        9.999_999_999_999_998e15,
        1.234_567_890_123_456_7e16,
        5e-324,
        1.797_693_134_862_315_7e308,
        123_456_789.0,
        0.000_123,
        2.5e-7,
        3.0e20,
    ];
    for _ in 0..3000 {
        let f = match r.below(4) {
            0 => f64::from_bits(r.next_u64()),
            1 => (r.next_u64() % 1_000_000) as f64 / 10f64.powi(r.below(8) as i32),
            2 => 10f64.powi(r.below(40) as i32 - 20) * (1.0 + r.below(9) as f64),
            _ => (r.next_u64() as f64) * if r.chance(0.5) { -1.0 } else { 1.0 },
        };
        if f.is_finite() {
            out.push(f);
        }
    }
    out
}

const TEXTS: [&str; 12] = [
    "plain",
    "it's",
    "say \"hi\"",
    "both ' and \"",
    "tab\there",
    "line\nbreak",
    "back\\slash",
    "é ü ß 漢字",
    "emoji 😀",
    "zero\u{200b}width",
    "nbsp\u{a0}",
    "\u{7f}\u{1}",
];

/// A random JSON value of bounded depth.
fn value(r: &mut Rng, depth: usize) -> Value {
    match r.below(if depth == 0 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(r.chance(0.5)),
        2 => json!(r.next_u64() as i64 % 10_000 - 5_000),
        3 => serde_json::from_str(&format!("{}", floats(&mut Rng(r.next_u64()))[r.below(20)]))
            .unwrap_or(json!(1.5)),
        4 => json!(*r.pick(&TEXTS)),
        5 => serde_json::from_str("123456789012345678901234567890").unwrap(),
        6 => Value::Array((0..r.below(4)).map(|_| value(r, depth - 1)).collect()),
        _ => Value::Object(
            (0..r.below(4))
                .map(|i| (format!("{}{i}", r.pick(&TEXTS)), value(r, depth - 1)))
                .collect(),
        ),
    }
}

#[test]
fn repr_and_str_match_python() {
    let mut r = Rng(0xF10A7);
    let floats = floats(&mut r);
    let values: Vec<Value> = (0..1500).map(|_| value(&mut r, 3)).collect();
    let mut requests: Vec<Value> = floats
        .iter()
        .map(|f| json!({"op": "call", "func": "builtins:repr", "args": [f]}))
        .collect();
    for v in &values {
        requests.push(json!({"op": "call", "func": "builtins:repr", "args": [v]}));
        requests.push(json!({"op": "call", "func": "builtins:str", "args": [v]}));
    }
    let answers = Oracle::start().unwrap().ask_all(&requests).unwrap();
    for (f, answer) in floats.iter().zip(&answers) {
        assert_eq!(
            Some(py::float_repr(*f).as_str()),
            answer["ok"].as_str(),
            "{f:e}"
        );
    }
    for (v, pair) in values.iter().zip(answers[floats.len()..].chunks(2)) {
        let j = Json::from_value(v);
        assert_eq!(
            Some(py::repr(&j).as_str()),
            pair[0]["ok"].as_str(),
            "repr {v}"
        );
        assert_eq!(
            Some(py::str(&j).as_str()),
            pair[1]["ok"].as_str(),
            "str {v}"
        );
    }
    eprintln!(
        "{} floats and {} values rendered as Python does",
        floats.len(),
        values.len()
    );
}

/// Values that are not strings, fed where the reference reads the payload unvalidated.
fn odd_values() -> Vec<Value> {
    vec![
        json!(true),
        json!(false),
        Value::Null,
        json!(7),
        serde_json::from_str("1.0").unwrap(),
        serde_json::from_str("1e-05").unwrap(),
        serde_json::from_str("1e16").unwrap(),
        serde_json::from_str("123456789012345678901234567890").unwrap(),
        json!([1, "a"]),
        json!({"k": "v"}),
        json!("it's"),
    ]
}

const COLLAB: &str = "spec_kitty_events.collaboration:reduce_collaboration_events";

fn joined(pid: &str) -> (String, Value) {
    (
        "ParticipantJoined".into(),
        json!({"participant_id": pid, "mission_id": "m-1",
               "participant_identity": {"participant_id": pid, "participant_type": "human"}}),
    )
}

/// Collaboration sessions whose step, warning and participant ids are odd values.
fn sessions() -> Vec<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for v in odd_values() {
        out.push(vec![
            joined("p1"),
            (
                "PromptStepExecutionCompleted".into(),
                json!({"participant_id": "p1", "mission_id": "m-1", "step_id": v}),
            ),
        ]);
        out.push(vec![
            joined("p1"),
            (
                "PromptStepExecutionStarted".into(),
                json!({"participant_id": "p1", "mission_id": "m-1", "step_id": v}),
            ),
            (
                "PromptStepExecutionCompleted".into(),
                json!({"participant_id": "p1", "mission_id": "m-1", "step_id": true}),
            ),
        ]);
        out.push(vec![
            joined("p1"),
            (
                "WarningAcknowledged".into(),
                json!({"participant_id": "p1", "mission_id": "m-1", "warning_id": v,
                       "acknowledgement": "ack"}),
            ),
        ]);
        out.push(vec![
            joined("p1"),
            (
                "ConcurrentDriverWarning".into(),
                json!({"warning_id": "w1", "mission_id": "m-1", "participant_ids": ["p1", v]}),
            ),
        ]);
    }
    out
}

#[test]
fn collaboration_messages_show_values_as_python_does() {
    let mut r = Rng(0xC0DE);
    let streams: Vec<Vec<Value>> = sessions()
        .into_iter()
        .map(|steps| assemble(&mut r, steps, true))
        .collect();
    let mut requests = Vec::new();
    for s in &streams {
        for mode in ["strict", "permissive"] {
            requests.push(
                json!({"op": "reduce", "func": COLLAB, "events": s, "kwargs": {"mode": mode}}),
            );
        }
    }
    let answers = Oracle::start().unwrap().ask_all(&requests).unwrap();
    let (mut states, mut refusals) = (0, 0);
    for (s, pair) in streams.iter().zip(answers.chunks(2)) {
        let events: Vec<Event> = s.iter().map(|v| Event::from_value(v).unwrap()).collect();
        for (strict, answer) in [(true, &pair[0]), (false, &pair[1])] {
            let ctx = || format!("strict={strict} {}", serde_json::to_string(s).unwrap());
            match reduce_collaboration_events(&events, strict, None) {
                Ok(state) => {
                    let ours = serde_json::to_value(state).unwrap();
                    assert_eq!(ours, answer["ok"], "{}", ctx());
                    states += 1;
                }
                Err(Error::Replay { reason, .. }) => {
                    let theirs = answer["error"]["message"].as_str().unwrap_or_else(|| {
                        panic!("we refused ({reason}), they did not: {}", ctx())
                    });
                    // Texts the reference composes match exactly; pydantic reports by path
                    // and kind.
                    assert_eq!(
                        normalize_reports(&json!(reason)),
                        normalize_reports(&json!(theirs)),
                        "{}",
                        ctx()
                    );
                    refusals += 1;
                }
                Err(other) => panic!("{other}"),
            }
        }
    }
    eprintln!("collaboration with odd values: {states} states, {refusals} refusals");
    assert!(states > 10 && refusals > 10);
}

#[test]
fn merge_messages_show_values_as_python_does() {
    let mut requests = Vec::new();
    let mut cases = Vec::new();
    for v in odd_values() {
        let ev = |node: &str, state: &Value, id: &str| {
            json!({"event_id": id, "event_type": "T", "aggregate_id": "a",
                   "timestamp": "2026-01-01T00:00:00Z", "build_id": "b", "node_id": node,
                   "lamport_clock": 5, "project_uuid": "12345678-1234-5678-1234-567812345678",
                   "correlation_id": id, "payload": {"state": state}})
        };
        let events = vec![
            ev("a", &json!("done"), "01ARZ3NDEKTSV4RRFFQ69G5FA1"),
            ev("b", &v, "01ARZ3NDEKTSV4RRFFQ69G5FA2"),
        ];
        requests.push(
            json!({"op": "events_call", "func": "spec_kitty_events.merge:state_machine_merge",
                             "events": events, "args": [{"done": 2, "it's": 1}, "state"]}),
        );
        cases.push(events);
    }
    let answers = Oracle::start().unwrap().ask_all(&requests).unwrap();
    for (events, answer) in cases.iter().zip(&answers) {
        let events: Vec<Event> = events
            .iter()
            .map(|v| Event::from_value(v).unwrap())
            .collect();
        match state_machine_merge(&events, &[("done", 2), ("it's", 1)], "state") {
            Ok(r) => assert_eq!(
                Some(r.resolution_note.as_str()),
                answer["ok"]["resolution_note"].as_str()
            ),
            Err(e) => assert_eq!(
                Some(e.to_string().as_str()),
                answer["error"]["message"].as_str(),
                "{:?}",
                events[1].payload
            ),
        }
    }
}
