//! Fixture verdicts: the reference's own fixtures, and ours checked against the reference.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use spec_kitty_events::conformance::fixtures::{Manifest, judge};
use spec_kitty_events::conformance::{registry, run_fixtures};
use spec_kitty_events_testkit::{Oracle, reference_fixtures_dir};
use std::path::Path;

#[test]
fn reference_fixtures_get_the_expected_verdict() {
    let dir = reference_fixtures_dir();
    let report = run_fixtures(&dir).expect("reference manifest loads");
    let disagreements: Vec<_> = report
        .entries
        .iter()
        .filter(|e| !e.agrees && e.actual != "unsupported")
        .collect();
    assert!(
        disagreements.is_empty(),
        "disagreements with the reference fixtures: {disagreements:#?}"
    );
    // Every verdict fixture of an implemented type (and every lane mapping) is judged.
    let manifest = Manifest::load(&dir).unwrap();
    for entry in manifest.fixtures.iter().filter(|e| e.is_verdict()) {
        let implemented =
            entry.event_type == "LaneMapping" || registry::find(&entry.event_type).is_some();
        let outcome = report.entries.iter().find(|o| o.id == entry.id).unwrap();
        assert_eq!(outcome.actual != "unsupported", implemented, "{}", entry.id);
    }
    for core in ["Event", "WPStatusChanged", "LaneMapping"] {
        let n = report
            .entries
            .iter()
            .filter(|e| e.event_type == core && e.agrees)
            .count();
        let expected = manifest
            .fixtures
            .iter()
            .filter(|e| e.is_verdict() && e.event_type == core)
            .count();
        assert!(
            expected > 0 && n == expected,
            "{core}: {n}/{expected} agree"
        );
    }
    assert_eq!(
        report.unsupported, 0,
        "every event type of the reference is implemented"
    );
    assert_eq!(report.agreed, report.total);
    eprintln!(
        "reference fixtures: {} verdict fixtures, {} agreed, {} disagreed, {} unsupported",
        report.total, report.agreed, report.disagreed, report.unsupported
    );
}

/// The reference's verdict on a fixture under the rule its own test suite applies:
/// expected-valid fixtures need a clean model layer, expected-invalid ones any objection.
fn reference_verdict(
    oracle: &mut Oracle,
    event_type: &str,
    doc: &Value,
    expected_valid: bool,
) -> bool {
    if event_type == "LaneMapping" {
        // Lane mappings are plain lane names; the reference raises on an unknown one,
        // which the oracle reports as an error.
        let items = doc.as_array().unwrap();
        return items.iter().all(|m| {
            let answer = oracle
                .ask(
                    &json!({"op": "call", "func": "spec_kitty_events.status:canonical_to_sync_v1",
                             "args": [m["canonical"]]}),
                )
                .unwrap();
            answer.get("error").is_none() && answer["ok"] == m["expected_sync"]
        });
    }
    let r = oracle.validate(doc, event_type).unwrap();
    if expected_valid {
        r["model"].as_array().unwrap().is_empty()
    } else {
        r["valid"] == true
    }
}

#[test]
fn bundled_fixtures_carry_the_reference_verdict() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let manifest = Manifest::load(&dir).unwrap();
    let mut oracle = Oracle::start().unwrap();
    let mut checked = 0;
    for entry in manifest.fixtures.iter().filter(|e| e.is_verdict()) {
        let doc = manifest.load_json(entry).unwrap();
        let ours =
            judge(entry, &doc).unwrap_or_else(|| panic!("{}: type not implemented", entry.id));
        let theirs =
            reference_verdict(&mut oracle, &entry.event_type, &doc, entry.expected_valid());
        assert_eq!(
            theirs,
            entry.expected_valid(),
            "{}: the reference disagrees with the manifest",
            entry.id
        );
        assert_eq!(
            ours,
            entry.expected_valid(),
            "{}: we disagree with the manifest",
            entry.id
        );
        checked += 1;
    }
    let report = run_fixtures(&dir).unwrap();
    assert_eq!(report.agreed, report.total);
    assert_eq!(report.total, checked);
}

#[test]
fn bundled_fixtures_cover_every_registered_type_both_ways() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let manifest = Manifest::load(&dir).unwrap();
    for contract in registry::CONTRACTS {
        for valid in [true, false] {
            assert!(
                manifest.fixtures.iter().any(|e| e.is_verdict()
                    && e.event_type == contract.event_type
                    && e.expected_valid() == valid),
                "{} has no {} bundled fixture",
                contract.event_type,
                if valid { "valid" } else { "invalid" }
            );
        }
    }
}
