//! Golden tests: every reducer output the reference ships for the mission-audit and dossier
//! areas, reproduced from its replay stream; and every replay stream of the mission-next,
//! dossier and mission-audit areas reduced as the live reference reduces it (the manifest
//! lists `dossier/replay/canonical_output_snapshot.json`, which the package does not ship,
//! so that output is compared with the live reference).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use spec_kitty_events::conformance::fixtures::{Manifest, REDUCER_OUTPUT, REPLAY_STREAM};
use spec_kitty_events::envelope::Event;
use spec_kitty_events::replay::{ReducerKind, ReplayOptions, replay};
use spec_kitty_events_testkit::{Oracle, reference_fixtures_dir};

fn reducer_for(path: &str) -> Option<(ReducerKind, &'static str)> {
    if path.starts_with("mission_audit/") {
        Some((
            ReducerKind::MissionAudit,
            "spec_kitty_events.mission_audit:reduce_mission_audit_events",
        ))
    } else if path.starts_with("dossier/") {
        Some((
            ReducerKind::Dossier,
            "spec_kitty_events.dossier:reduce_mission_dossier",
        ))
    } else if path.starts_with("mission_next/") {
        Some((
            ReducerKind::MissionNext,
            "spec_kitty_events.mission_next:reduce_mission_next_events",
        ))
    } else {
        None
    }
}

fn reduce(kind: ReducerKind, raw: &[Value]) -> Value {
    let events: Vec<Event> = raw.iter().map(|v| Event::from_value(v).unwrap()).collect();
    replay(kind, &events, &ReplayOptions::default()).unwrap()
}

/// The replay stream an output fixture was produced from.
fn stream_of<'a>(manifest: &'a Manifest, output_id: &str, output_path: &str) -> &'a str {
    if let Some(e) = output_id
        .strip_suffix("-output")
        .and_then(|id| manifest.entry(id))
    {
        return e.id.as_str();
    }
    // `dossier/replay/canonical_output_snapshot.json`: "known-good reducer output from
    // dossier_happy_path.jsonl".
    assert_eq!(output_path, "dossier/replay/canonical_output_snapshot.json");
    "dossier-replay-happy-path"
}

#[test]
fn shipped_reducer_outputs_are_reproduced() {
    let manifest = Manifest::load(reference_fixtures_dir()).unwrap();
    let mut oracle = Oracle::start().unwrap();
    let (mut from_file, mut from_oracle) = (0, 0);
    for entry in manifest
        .fixtures
        .iter()
        .filter(|e| e.fixture_type.as_deref() == Some(REDUCER_OUTPUT))
    {
        let Some((kind, func)) = reducer_for(&entry.path) else {
            continue;
        };
        let stream_entry = manifest
            .entry(stream_of(&manifest, &entry.id, &entry.path))
            .unwrap();
        let raw = manifest.load_stream(stream_entry).unwrap();
        let ours = reduce(kind, &raw);
        let expected = if manifest.dir.join(&entry.path).exists() {
            from_file += 1;
            manifest.load_json(entry).unwrap()
        } else {
            from_oracle += 1;
            let answer = oracle
                .ask(&json!({"op": "reduce", "func": func, "events": raw}))
                .unwrap();
            assert_eq!(answer["skipped"], 0);
            answer["ok"].clone()
        };
        assert!(expected.is_object(), "{}: {expected}", entry.id);
        assert_eq!(ours, expected, "{}", entry.id);
    }
    assert_eq!((from_file, from_oracle), (3, 1));
}

#[test]
fn replay_streams_match_the_live_reference() {
    let manifest = Manifest::load(reference_fixtures_dir()).unwrap();
    let mut oracle = Oracle::start().unwrap();
    let mut checked = 0;
    for entry in manifest
        .fixtures
        .iter()
        .filter(|e| e.fixture_type.as_deref() == Some(REPLAY_STREAM))
    {
        let Some((kind, func)) = reducer_for(&entry.path) else {
            continue;
        };
        let raw = manifest.load_stream(entry).unwrap();
        let answer = oracle
            .ask(&json!({"op": "reduce", "func": func, "events": raw}))
            .unwrap();
        assert_eq!(answer["skipped"], 0, "{}", entry.id);
        assert_eq!(reduce(kind, &raw), answer["ok"], "{}", entry.id);
        checked += 1;
    }
    assert_eq!(
        checked, 6,
        "mission-next, dossier and mission-audit replay streams"
    );
}
