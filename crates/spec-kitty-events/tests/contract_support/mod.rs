//! What the payload-contract differential tests share: the cases generated for one event
//! type (valid payloads, mutated ones, some wrapped in an envelope), the comparison of each
//! case with the reference (verdict, model-layer violations, schema verdict), the
//! reference's verdict fixtures, and the structure of the committed schemas.

use serde_json::{Value, json};
use spec_kitty_events::conformance::fixtures::{FixtureEntry, Manifest};
use spec_kitty_events::conformance::{registry, validate_event};
use spec_kitty_events::schemas;
use spec_kitty_events_testkit::{
    Oracle, reference_fixtures_dir, reference_schemas_dir, sorted_pairs,
};
use std::collections::BTreeMap;

use crate::mission_support::Rng;

/// The generators of one family of payloads.
pub struct Generators {
    /// A valid payload of an event type.
    pub valid: fn(&mut Rng, &str) -> Value,
    /// Mutates a payload in place; returns the kind of mutation.
    pub mutate: fn(&mut Rng, &mut Value) -> &'static str,
}

/// `n` cases for one type: every fourth a valid payload, the others mutated, and about 8 %
/// of them wrapped in an envelope (with the current or a legacy schema version).
pub fn cases(
    r: &mut Rng,
    event_type: &str,
    n: usize,
    g: &Generators,
) -> Vec<(Value, &'static str)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut p = (g.valid)(r, event_type);
        let kind = if i % 4 == 0 {
            "valid"
        } else {
            (g.mutate)(r, &mut p)
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

/// Validates `per_type` generated cases of each type with us and with the reference and
/// asserts the same verdict, the same model-layer violations (paths and kinds) and the
/// same schema verdict (our committed schema against the reference's file) on every case,
/// with at least 50 valid and 50 invalid cases per type.
pub fn agree_with_reference(types: &[&'static str], seed: u64, per_type: usize, g: &Generators) {
    let mut oracle = Oracle::start().unwrap();
    let ref_dir = reference_schemas_dir();
    let mut r = Rng(seed);
    let mut totals: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for &event_type in types {
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
        let cases = cases(&mut r, event_type, per_type, g);
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

/// Checks every reference verdict fixture that `select` picks against our verdict;
/// returns how many were checked.
pub fn verdict_fixtures_agree(select: impl Fn(&FixtureEntry) -> bool) -> usize {
    let manifest = Manifest::load(reference_fixtures_dir()).unwrap();
    let mut checked = 0;
    for entry in manifest
        .fixtures
        .iter()
        .filter(|e| e.is_verdict() && select(e))
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
    checked
}

/// Asserts that each named committed schema, and the schema of each event type, is the
/// reference's, titles and descriptions aside.
pub fn schemas_have_reference_structure(names: &[&str], types: &[&str]) {
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
    let mut all: Vec<&str> = names.to_vec();
    all.extend(types.iter().map(|t| registry::find(t).unwrap().schema));
    for name in all {
        let ours = schemas::find(name).unwrap().committed_value();
        let text =
            std::fs::read_to_string(reference_schemas_dir().join(format!("{name}.schema.json")))
                .unwrap();
        let theirs: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(strip(&ours), strip(&theirs), "{name}");
    }
}
