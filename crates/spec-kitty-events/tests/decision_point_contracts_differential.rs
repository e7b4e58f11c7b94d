//! Differential tests of the decision-point payload contracts against the reference:
//! verdicts, model-layer violations (discriminated-union paths included), schema agreement,
//! and the reference's decision-point verdict fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod decision_support;
mod mission_support;

use decision_support::{DECISION_POINT_TYPES, mutate, valid_payload};
use mission_support::Rng;
use serde_json::{Value, json};
use spec_kitty_events::conformance::fixtures::Manifest;
use spec_kitty_events::conformance::{registry, validate_event};
use spec_kitty_events::schemas;
use spec_kitty_events_testkit::{
    Oracle, reference_fixtures_dir, reference_schemas_dir, sorted_pairs,
};
use std::collections::BTreeMap;

const CASES_PER_TYPE: usize = 400;

/// Cases for one type: valid payloads of each origin surface, mutated payloads, and some
/// wrapped in an envelope (with a correct or a legacy schema version).
fn cases(r: &mut Rng, event_type: &str) -> Vec<(Value, &'static str)> {
    let mut out = Vec::with_capacity(CASES_PER_TYPE);
    for i in 0..CASES_PER_TYPE {
        let mut p = valid_payload(r, event_type);
        let kind = if i % 4 == 0 {
            "valid"
        } else {
            mutate(r, &mut p)
        };
        if r.chance(0.08) {
            let version = if r.chance(0.7) { "3.0.0" } else { "2.0.0" };
            p = json!({
                "event_id": "01KJD1WFEVRJZGCKQH5N344ZC6",
                "event_type": event_type,
                "aggregate_id": "a",
                "payload": p,
                "timestamp": "2026-02-25T10:00:00Z",
                "build_id": "b",
                "node_id": "n",
                "lamport_clock": 1,
                "correlation_id": "01KJD1WFEVRJZGCKQH5N344ZC5",
                "project_uuid": "12345678-1234-5678-1234-567812345678",
                "schema_version": version,
            });
        }
        out.push((p, kind));
    }
    out
}

#[test]
fn verdicts_violations_and_schemas_match_the_reference() {
    let mut oracle = Oracle::start().unwrap();
    let ref_dir = reference_schemas_dir();
    let mut r = Rng(0xDEC1_5105);
    let mut totals: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for event_type in DECISION_POINT_TYPES {
        let contract = registry::find(event_type).expect("registered");
        let ours_schema = jsonschema::draft202012::new(
            &schemas::find(contract.schema).unwrap().committed_value(),
        )
        .unwrap();
        let ref_text =
            std::fs::read_to_string(ref_dir.join(format!("{}.schema.json", contract.schema)))
                .unwrap();
        let ref_schema =
            jsonschema::draft202012::new(&serde_json::from_str::<Value>(&ref_text).unwrap())
                .unwrap();
        let cases = cases(&mut r, event_type);
        let requests: Vec<Value> = cases
            .iter()
            .map(|(v, _)| json!({"op": "validate", "event_type": event_type, "value": v}))
            .collect();
        let answers = oracle.ask_all(&requests).unwrap();
        let entry = totals.entry(event_type).or_default();
        for ((value, kind), answer) in cases.iter().zip(&answers) {
            entry.0 += 1;
            *kinds.entry(kind).or_default() += 1;
            assert!(answer.get("error").is_none(), "oracle error {answer}");
            let ours = validate_event(value, event_type).unwrap();
            if answer["valid"].as_bool() != Some(ours.valid) {
                failures.push(format!(
                    "{event_type} [{kind}] verdict: ref {} ours {} on {value}\n  ours: {:?}\n  ref: {answer}",
                    answer["valid"], ours.valid, ours.violations
                ));
                continue;
            }
            if !ours.valid {
                entry.1 += 1;
            }
            let mut our_model: Vec<(String, String)> = ours
                .model_violations()
                .map(|v| (v.path.clone(), v.kind.clone()))
                .collect();
            our_model.sort();
            if our_model != sorted_pairs(&answer["model"]) {
                failures.push(format!(
                    "{event_type} [{kind}] model violations differ on {value}\n  ours: {our_model:?}\n  ref: {:?}",
                    sorted_pairs(&answer["model"])
                ));
                continue;
            }
            let payload = if value.get("event_type").is_some() && value["payload"].is_object() {
                &value["payload"]
            } else {
                value
            };
            let (a, b) = (ours_schema.is_valid(payload), ref_schema.is_valid(payload));
            if a != b {
                failures.push(format!(
                    "{event_type} [{kind}] schema: ours {a} ref {b} on {payload}"
                ));
                continue;
            }
            entry.2 += 1;
        }
    }
    eprintln!("mutation kinds: {kinds:?}");
    for (t, (n, invalid, agreed)) in &totals {
        eprintln!("{t}: {n} cases, {invalid} invalid, {agreed} agreed");
        assert!(*n >= 250, "{t}: only {n} cases");
        assert!(*invalid >= 50 && n - invalid >= 50, "{t}: unbalanced cases");
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn reference_verdict_fixtures_of_these_types() {
    let manifest = Manifest::load(reference_fixtures_dir()).unwrap();
    let mut checked = 0;
    for entry in manifest
        .fixtures
        .iter()
        .filter(|e| e.is_verdict() && e.path.starts_with("decisionpoint/"))
    {
        let doc = manifest.load_json(entry).unwrap();
        let result = validate_event(&doc, &entry.event_type).unwrap();
        assert_eq!(
            result.valid,
            entry.expected_valid(),
            "{}: {:?}",
            entry.id,
            result.violations
        );
        checked += 1;
    }
    assert_eq!(checked, 29, "decisionpoint verdict fixtures");
}

#[test]
fn committed_schemas_have_the_reference_structure() {
    // Titles and descriptions aside, each committed schema is the reference's.
    fn strip(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(k, _)| *k != "title" && *k != "description")
                    .map(|(k, x)| (k.clone(), strip(x)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    let mut all = vec![
        "closure_message_ref",
        "default_channel_ref",
        "summary_block",
        "teamspace_ref",
        "thread_ref",
    ];
    for t in DECISION_POINT_TYPES {
        all.push(registry::find(t).unwrap().schema);
    }
    for name in all {
        let ours = schemas::find(name).unwrap().committed_value();
        let text =
            std::fs::read_to_string(reference_schemas_dir().join(format!("{name}.schema.json")))
                .unwrap();
        let theirs: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(strip(&ours), strip(&theirs), "{name}");
    }
}
