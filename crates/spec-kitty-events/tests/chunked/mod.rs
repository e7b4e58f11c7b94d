//! What the chunked-replay tests share (the projector tests here, the store tests of the
//! SQLite and PostgreSQL crates): every reducer variant with its generator and its
//! reference function, chunk boundaries, and the comparison with the reference.
//!
//! The including crate declares `common`, `status_streams`, `mission_support`,
//! `decision_support` and `reducer_streams` at its root.

#![allow(dead_code)]

use serde_json::{Value, json};
use spec_kitty_events::error::Error;
use spec_kitty_events::replay::{Mode, ReducerKind, ReplayOptions};
use spec_kitty_events_testkit::normalize_reports;

use crate::mission_support::Rng;

/// One reducer run: the reducer, its options, and the reference call that must agree.
pub struct Variant {
    pub kind: ReducerKind,
    pub options: ReplayOptions,
    pub func: &'static str,
    pub kwargs: Value,
    pub label: &'static str,
}

fn variant(
    kind: ReducerKind,
    mode: Mode,
    roster: Option<Value>,
    func: &'static str,
    label: &'static str,
) -> Variant {
    let mut kwargs = json!({});
    if mode == Mode::Permissive {
        kwargs["mode"] = json!("permissive");
    }
    if mode == Mode::Strict {
        kwargs["mode"] = json!("strict");
    }
    if let Some(r) = &roster {
        kwargs["roster"] = r.clone();
    }
    Variant {
        kind,
        options: ReplayOptions { mode, roster },
        func,
        kwargs,
        label,
    }
}

/// Every reducer, and the modes and roster of those that take them.
pub fn variants() -> Vec<Variant> {
    let roster = json!({"p3": crate::reducer_streams::collaboration::identity("p3")});
    vec![
        variant(
            ReducerKind::Status,
            Mode::Default,
            None,
            "spec_kitty_events.status:reduce_status_events",
            "status",
        ),
        variant(
            ReducerKind::Lifecycle,
            Mode::Default,
            None,
            "spec_kitty_events.lifecycle:reduce_lifecycle_events",
            "lifecycle",
        ),
        variant(
            ReducerKind::Collaboration,
            Mode::Strict,
            None,
            "spec_kitty_events.collaboration:reduce_collaboration_events",
            "collaboration strict",
        ),
        variant(
            ReducerKind::Collaboration,
            Mode::Permissive,
            Some(roster),
            "spec_kitty_events.collaboration:reduce_collaboration_events",
            "collaboration permissive + roster",
        ),
        variant(
            ReducerKind::Glossary,
            Mode::Default,
            None,
            "spec_kitty_events.glossary:reduce_glossary_events",
            "glossary",
        ),
        variant(
            ReducerKind::Glossary,
            Mode::Permissive,
            None,
            "spec_kitty_events.glossary:reduce_glossary_events",
            "glossary permissive",
        ),
        variant(
            ReducerKind::MissionNext,
            Mode::Default,
            None,
            "spec_kitty_events.mission_next:reduce_mission_next_events",
            "mission-next",
        ),
        variant(
            ReducerKind::Dossier,
            Mode::Default,
            None,
            "spec_kitty_events.dossier:reduce_mission_dossier",
            "dossier",
        ),
        variant(
            ReducerKind::MissionAudit,
            Mode::Default,
            None,
            "spec_kitty_events.mission_audit:reduce_mission_audit_events",
            "mission-audit",
        ),
        variant(
            ReducerKind::DecisionPoint,
            Mode::Default,
            None,
            "spec_kitty_events.decisionpoint:reduce_decision_point_events",
            "decision-point",
        ),
        variant(
            ReducerKind::Connector,
            Mode::Default,
            None,
            "spec_kitty_events.connector:reduce_connector_events",
            "connector",
        ),
        variant(
            ReducerKind::Sync,
            Mode::Default,
            None,
            "spec_kitty_events.sync:reduce_sync_events",
            "sync",
        ),
    ]
}

/// A generated raw stream for `kind` (the generators of the reducers' differential tests:
/// duplicates, out-of-order delivery, concurrent clocks, malformed payloads). With
/// `in_order` the stream is delivered sorted by Lamport clock (stable), as a log written
/// by nodes in step would be; otherwise as generated.
pub fn stream(kind: ReducerKind, seed: u64, in_order: bool) -> Vec<Value> {
    use crate::reducer_streams as rs;
    let mut r = Rng(seed);
    let mut s = match kind {
        ReducerKind::Status => crate::status_streams::stream(&mut crate::common::Rng::new(seed)),
        ReducerKind::Lifecycle => rs::lifecycle::stream(&mut r),
        ReducerKind::Collaboration => rs::collaboration::stream(&mut r),
        ReducerKind::Glossary => rs::glossary::stream(&mut r),
        ReducerKind::MissionNext => crate::mission_support::mission_next_stream(&mut r, false),
        ReducerKind::Dossier => crate::mission_support::dossier_stream(&mut r, false),
        ReducerKind::MissionAudit => crate::mission_support::audit_stream(&mut r, false),
        ReducerKind::DecisionPoint => crate::decision_support::decision_point_stream(&mut r, false),
        ReducerKind::Connector | ReducerKind::Sync => rs::connector_sync::stream(&mut r),
    };
    if in_order {
        s.sort_by_key(|v| v["lamport_clock"].as_u64().unwrap_or(0));
    }
    s
}

/// Chunk boundaries of a stream of `len`: 1 to 6 chunks, some empty.
pub fn chunk_ends(r: &mut Rng, len: usize) -> Vec<usize> {
    let chunks = 1 + r.below(6);
    let mut ends: Vec<usize> = (1..chunks).map(|_| r.below(len + 1)).collect();
    ends.push(len);
    ends.sort_unstable();
    ends
}

/// The reference request reducing `raw` with `v`.
pub fn request(v: &Variant, raw: &[Value]) -> Value {
    json!({"op": "reduce", "func": v.func, "events": raw, "kwargs": v.kwargs})
}

/// Sorts the unordered sets the reference keeps in its states and normalises embedded
/// validation reports (both sides go through this).
pub fn canonical(state: &Value) -> Value {
    let mut state = state.clone();
    for key in ["active_drivers", "seen_delivery_pairs"] {
        if let Some(Value::Array(a)) = state.get_mut(key) {
            a.sort_by_key(|v| v.to_string());
        }
    }
    if let Some(Value::Object(m)) = state.get_mut("participants_by_focus") {
        for v in m.values_mut() {
            if let Value::Array(a) = v {
                a.sort_by_key(|v| v.to_string());
            }
        }
    }
    normalize_reports(&state)
}

/// Whether our outcome (a state, or a refusal) is the reference's answer.
pub fn agrees(ours: &Result<Value, Error>, answer: &Value) -> Result<(), String> {
    match (ours, answer.get("ok"), answer.get("error")) {
        (Ok(state), Some(theirs), None) => {
            if canonical(state) == canonical(theirs) {
                Ok(())
            } else {
                Err(format!("state differs\n  ours: {state}\n  ref:  {theirs}"))
            }
        }
        (Err(Error::Replay { reason, .. }), None, Some(err)) => {
            let theirs = err["message"].as_str().unwrap_or_default();
            if normalize_reports(&json!(reason)) == normalize_reports(&json!(theirs)) {
                Ok(())
            } else {
                Err(format!(
                    "refusal differs\n  ours: {reason}\n  ref:  {theirs}"
                ))
            }
        }
        _ => Err(format!(
            "outcome differs\n  ours: {ours:?}\n  ref:  {answer}"
        )),
    }
}

/// What [`store_chunks`] checked.
#[derive(Debug, Default)]
pub struct StoreSummary {
    pub replays: usize,
    pub states: usize,
    pub refusals: usize,
    pub folded: usize,
    pub full: usize,
}

/// For every variant, `streams` generated streams, each appended chunk by chunk to a fresh
/// store from `fresh`, with a checkpointed replay (`replay_store_json`) after every chunk:
/// each must equal the full replay of the stored events and the reference's reduction of
/// them. Panics with the first disagreements.
/// One checkpointed replay: ours, the full replay of what is stored, the stored events.
type Run = (Result<Value, Error>, Result<Value, Error>, Vec<Value>);

pub fn store_chunks<S, F>(mut fresh: F, streams: usize, seed: u64) -> StoreSummary
where
    S: spec_kitty_events::EventStore + spec_kitty_events::CheckpointStore + Send,
    F: FnMut() -> S,
{
    use spec_kitty_events::checkpoint::{Replayed, replay_store_json};
    use spec_kitty_events::{Event, ExpectedPosition};
    let mut oracle = spec_kitty_events_testkit::Oracle::start().unwrap();
    let mut total = StoreSummary::default();
    for (vi, v) in variants().iter().enumerate() {
        let mut r = Rng(seed ^ (vi as u64) << 32);
        let mut runs: Vec<Run> = Vec::new();
        for i in 0..streams {
            let raw = stream(v.kind, r.next_u64(), i % 2 == 0);
            let ends = chunk_ends(&mut r, raw.len());
            let mut store = fresh();
            let mut start = 0;
            for &end in &ends {
                let chunk: Vec<Event> = raw[start..end]
                    .iter()
                    .filter_map(|e| Event::from_value(e).ok())
                    .collect();
                store.append(&chunk, ExpectedPosition::Any).unwrap();
                start = end;
                let ours = replay_store_json(&mut store, v.kind, &v.options, None, false).unwrap();
                match ours.replayed {
                    Replayed::Folded { .. } => total.folded += 1,
                    Replayed::Full { .. } => total.full += 1,
                }
                let stored: Vec<Event> = store
                    .read_after(0, usize::MAX)
                    .unwrap()
                    .into_iter()
                    .map(|s| s.event)
                    .collect();
                assert_eq!(ours.position, stored.len() as u64);
                let whole = spec_kitty_events::replay::replay(v.kind, &stored, &v.options);
                let json: Vec<Value> = stored
                    .iter()
                    .map(|e| serde_json::to_value(e).unwrap())
                    .collect();
                runs.push((ours.state, whole, json));
            }
        }
        let requests: Vec<Value> = runs.iter().map(|(_, _, s)| request(v, s)).collect();
        let mut answers = Vec::with_capacity(requests.len());
        for chunk in requests.chunks(8) {
            answers.extend(oracle.ask_all(chunk).unwrap());
        }
        let mut failures = Vec::new();
        for ((ours, whole, stored), answer) in runs.iter().zip(&answers) {
            let same = match (ours, whole) {
                (Ok(a), Ok(b)) => a == b,
                (Err(a), Err(b)) => a.to_string() == b.to_string(),
                _ => false,
            };
            if !same {
                failures.push(format!(
                    "{}: checkpointed {ours:?} != full {whole:?}",
                    v.label
                ));
                continue;
            }
            match agrees(ours, answer) {
                Ok(()) if ours.is_ok() => total.states += 1,
                Ok(()) => total.refusals += 1,
                Err(e) => failures.push(format!(
                    "{}: {e}\n  stored {}",
                    v.label,
                    Value::Array(stored.clone())
                )),
            }
            total.replays += 1;
        }
        assert!(
            failures.is_empty(),
            "{} disagreements:\n{}",
            failures.len(),
            failures[..failures.len().min(3)].join("\n")
        );
    }
    assert!(total.folded > total.full / 2 && total.full > 0, "{total:?}");
    total
}
