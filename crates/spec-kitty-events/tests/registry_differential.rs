//! Every registered event type against the reference, seeded by the reference's own
//! valid fixtures: each valid payload is mutated systematically (every field dropped, every
//! value replaced by values of other types, empty strings, unknown keys at every level) and
//! our verdict, model-layer violations and schema verdict are compared with the
//! reference's `validate_event` on the same document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use spec_kitty_events::conformance::fixtures::Manifest;
use spec_kitty_events::conformance::validate::compiled_schema;
use spec_kitty_events::conformance::{registry, validate_event};
use spec_kitty_events_testkit::json_paths::{at_mut, paths};
use spec_kitty_events_testkit::{
    Oracle, reference_fixtures_dir, reference_schemas_dir, sorted_pairs,
};

fn contract_schema(event_type: &str) -> &'static str {
    registry::find(event_type).unwrap().schema
}
use std::collections::BTreeMap;

/// Values that stand in for a field's value.
fn replacements() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(""),
        json!("  "),
        json!("x"),
        json!("2026-01-01T00:00:00Z"),
        json!([]),
        json!(["x"]),
        json!({}),
        json!({"k": 1}),
    ]
}

/// The systematic mutations of one valid payload.
fn mutations(base: &Value) -> Vec<Value> {
    let mut out = vec![base.clone()];
    let all = paths(base);
    for path in &all {
        let (last, parent) = path.split_last().unwrap();
        // Drop the field (or the array item).
        let mut dropped = base.clone();
        match (at_mut(&mut dropped, parent), last) {
            (Some(Value::Object(m)), Value::String(k)) => {
                m.shift_remove(k);
            }
            (Some(Value::Array(items)), Value::Number(i)) => {
                items.remove(i.as_u64().unwrap() as usize);
            }
            _ => {}
        }
        out.push(dropped);
        for r in replacements() {
            let mut changed = base.clone();
            if let Some(slot) = at_mut(&mut changed, path)
                && *slot != r
            {
                *slot = r;
                out.push(changed);
            }
        }
    }
    // An unknown key on every object.
    let mut objects = vec![Vec::new()];
    objects.extend(
        all.iter()
            .filter(|p| {
                let mut b = base.clone();
                at_mut(&mut b, p).is_some_and(|x| x.is_object())
            })
            .cloned(),
    );
    for path in objects {
        let mut extra = base.clone();
        if let Some(Value::Object(m)) = at_mut(&mut extra, &path) {
            m.insert("zz_unknown".into(), json!(1));
            out.push(extra);
        }
    }
    out
}

#[test]
fn every_registered_type_agrees_with_the_reference_on_mutated_fixtures() {
    // Seeds: the reference's valid fixtures, and ours (whose verdicts the reference
    // confirms in `conformance_fixtures`), so that every registered type is exercised.
    let manifest = Manifest::load(reference_fixtures_dir()).unwrap();
    let bundled =
        Manifest::load(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")).unwrap();
    let mut bases: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let seeds = manifest
        .fixtures
        .iter()
        .map(|e| (&manifest, e))
        .chain(bundled.fixtures.iter().map(|e| (&bundled, e)));
    for (manifest, entry) in seeds.filter(|(_, e)| e.is_verdict() && e.expected_valid()) {
        let Some(contract) = registry::find(&entry.event_type) else {
            continue;
        };
        if contract.event_type == "Event" {
            continue;
        }
        let doc = manifest.load_json(entry).unwrap();
        let payload = match doc.get("payload") {
            Some(p)
                if doc.get("event_type").and_then(Value::as_str) == Some(contract.event_type) =>
            {
                p.clone()
            }
            _ => doc,
        };
        bases.entry(contract.event_type).or_default().push(payload);
    }
    let mut oracle = Oracle::start().unwrap();
    let mut reference_schemas: BTreeMap<&str, jsonschema::Validator> = BTreeMap::new();
    let mut schema_file_disagreements: Vec<String> = Vec::new();
    let mut per_type: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (event_type, docs) in &bases {
        let cases: Vec<Value> = docs.iter().flat_map(mutations).collect();
        let requests: Vec<Value> = cases
            .iter()
            .map(|c| json!({"op": "validate", "event_type": event_type, "value": c}))
            .collect();
        let answers = oracle.ask_all(&requests).unwrap();
        for (case, answer) in cases.iter().zip(&answers) {
            let ours = validate_event(case, event_type).unwrap();
            let mut our_model: Vec<(String, String)> = ours
                .model_violations()
                .map(|v| (v.path.clone(), v.kind.clone()))
                .collect();
            our_model.sort();
            let schema_agrees = ours.schema_violations().next().is_none()
                == answer["schema"].as_array().unwrap().is_empty();
            // The reference's own schema file, evaluated with the same `jsonschema` crate,
            // gives our committed schema's verdict too.
            let schema_name = contract_schema(event_type);
            let reference_schema = reference_schemas.entry(schema_name).or_insert_with(|| {
                let path = reference_schemas_dir().join(format!("{schema_name}.schema.json"));
                let doc: Value =
                    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
                jsonschema::draft202012::new(&doc).unwrap()
            });
            if reference_schema.is_valid(case)
                != compiled_schema(schema_name).unwrap().is_valid(case)
            {
                schema_file_disagreements.push(format!("{event_type}: {case}"));
            }
            let entry = per_type.entry(event_type).or_default();
            entry.0 += 1;
            entry.1 += usize::from(!ours.valid);
            if answer["valid"] != json!(ours.valid)
                || our_model != sorted_pairs(&answer["model"])
                || !schema_agrees
            {
                failures.push(format!(
                    "{event_type}: {case}\n  ours: valid={} model={our_model:?} schema={:?}\n  theirs: {answer}",
                    ours.valid,
                    ours.schema_violations().map(|v| &v.path).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        schema_file_disagreements.is_empty(),
        "our schema and the reference's schema file disagree on {} payloads, first: {:?}",
        schema_file_disagreements.len(),
        schema_file_disagreements.first()
    );
    for (t, (n, invalid)) in &per_type {
        eprintln!("{t:40} {n:5} cases, {invalid:5} invalid");
    }
    let total: usize = per_type.values().map(|x| x.0).sum();
    eprintln!(
        "{} types, {total} cases, {} disagreements",
        per_type.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements, first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Every registered payload type was exercised.
    for c in registry::CONTRACTS
        .iter()
        .filter(|c| c.event_type != "Event")
    {
        assert!(
            per_type.get(c.event_type).is_some_and(|x| x.0 >= 20),
            "{} barely exercised",
            c.event_type
        );
    }
}
