//! Reducer throughput on 100,000-event streams, one per reducer.
//!
//! Each stream repeats a realistic generated mission (from the differential tests'
//! generators) with fresh event ids and advancing Lamport clocks until it holds 100,000
//! events. The streams are written to `<target>/bench-data/replay-<reducer>-100k.jsonl` so
//! that `benches/reference_reducers.py` times the Python reference on the same events.
//!
//! ```sh
//! cargo bench -p spec-kitty-events --bench reducers -- --warm-up-time 1 --measurement-time 3
//! /path/to/python crates/spec-kitty-events/benches/reference_reducers.py <target>/bench-data
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, dead_code)]

#[path = "../tests/decision_support/mod.rs"]
mod decision_support;
#[path = "../tests/mission_support/mod.rs"]
mod mission_support;
#[path = "../tests/reducer_streams/mod.rs"]
mod reducer_streams;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mission_support::Rng;
use serde_json::{Value, json};
use spec_kitty_events::Event;
use spec_kitty_events::replay::{ReducerKind, ReplayOptions, replay};
use std::hint::black_box;
use std::path::PathBuf;

const EVENTS: usize = 100_000;
const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn ulid(n: u64) -> String {
    let mut s = String::from("01JE");
    let mut x = n;
    for _ in 0..22 {
        s.push(CROCKFORD[(x % 32) as usize] as char);
        x /= 32;
    }
    s
}

type Generator = fn(&mut Rng, bool) -> Vec<Value>;

/// The reducers with a stream generator.
fn generators() -> Vec<(ReducerKind, Generator)> {
    vec![
        (ReducerKind::Status, status_stream),
        (ReducerKind::Lifecycle, |r, _| {
            reducer_streams::lifecycle::stream(r)
        }),
        (ReducerKind::Collaboration, |r, _| {
            reducer_streams::collaboration::stream(r)
        }),
        (ReducerKind::Glossary, |r, _| {
            reducer_streams::glossary::stream(r)
        }),
        (ReducerKind::Connector, |r, _| {
            reducer_streams::connector_sync::stream(r)
        }),
        (ReducerKind::Sync, |r, _| {
            reducer_streams::connector_sync::stream(r)
        }),
        (
            ReducerKind::MissionNext,
            mission_support::mission_next_stream,
        ),
        (ReducerKind::Dossier, mission_support::dossier_stream),
        (ReducerKind::MissionAudit, mission_support::audit_stream),
        (
            ReducerKind::DecisionPoint,
            decision_support::decision_point_stream,
        ),
    ]
}

/// Work packages walking the lanes, with a concurrent review rollback.
fn status_stream(r: &mut Rng, _unique: bool) -> Vec<Value> {
    let evidence = json!({"repos": [{"repo": "events-rs", "branch": "main", "commit": "4e5f6a7"}],
                          "review": {"reviewer": "maria", "verdict": "approved"}});
    let lanes = [
        None,
        Some("planned"),
        Some("claimed"),
        Some("in_progress"),
        Some("for_review"),
        Some("approved"),
        Some("done"),
    ];
    let mut steps = Vec::new();
    for wp in 0..(2 + r.below(4)) {
        for w in lanes.windows(2) {
            let mut p = json!({"mission_slug": "m", "wp_id": format!("WP{wp:02}"), "from_lane": w[0], "to_lane": w[1],
                               "actor": "bench", "execution_mode": "worktree"});
            if matches!(w[1], Some("approved" | "done")) {
                p["evidence"] = evidence.clone();
            }
            steps.push(("WPStatusChanged".to_owned(), p));
        }
    }
    mission_support::assemble(r, steps, true)
}

fn parse(docs: &[Value]) -> Vec<Event> {
    docs.iter()
        .filter_map(|d| Event::from_value(d).ok())
        .collect()
}

/// The longest of the first generated missions that the reducer accepts whole.
fn chunk(kind: ReducerKind, generate: Generator) -> Vec<Value> {
    let options = ReplayOptions::default();
    (0..300u64)
        .map(|seed| {
            let mut r = Rng(seed.wrapping_mul(7919) + 17);
            generate(&mut r, true)
        })
        .filter(|docs| {
            let events = parse(docs);
            !events.is_empty()
                && events.len() == docs.len()
                && replay(kind, &events, &options).is_ok()
        })
        .max_by_key(Vec::len)
        .expect("some generated mission replays cleanly")
}

/// `EVENTS` events: the chunk repeated with fresh ids and clocks moved past the previous
/// repetition.
fn stream(chunk: &[Value]) -> Vec<Value> {
    let span = chunk
        .iter()
        .filter_map(|d| d["lamport_clock"].as_u64())
        .max()
        .unwrap_or(0)
        + 1;
    let mut out = Vec::with_capacity(EVENTS);
    let mut n = 0u64;
    'outer: for rep in 0.. {
        for d in chunk {
            if out.len() == EVENTS {
                break 'outer;
            }
            let mut e = d.clone();
            e["event_id"] = json!(ulid(n));
            n += 1;
            let clock = e["lamport_clock"].as_u64().unwrap_or(0);
            e["lamport_clock"] = json!(clock + rep * span);
            out.push(e);
        }
    }
    out
}

fn bench_data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    let dir = target.join("bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn reducers(c: &mut Criterion) {
    let dir = bench_data_dir();
    let mut group = c.benchmark_group("replay-100k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(EVENTS as u64));
    let options = ReplayOptions::default();
    for (kind, generate) in generators() {
        let docs = stream(&chunk(kind, generate));
        let text: String = docs.iter().map(|d| format!("{d}\n")).collect();
        std::fs::write(dir.join(format!("replay-{}-100k.jsonl", kind.name())), text).unwrap();
        let events = parse(&docs);
        assert_eq!(events.len(), EVENTS);
        replay(kind, &events, &options).expect("the bench stream replays");
        group.bench_function(kind.name(), |b| {
            b.iter(|| black_box(replay(kind, black_box(&events), &options).unwrap()))
        });
    }
    group.finish();
    eprintln!("bench inputs written to {}", dir.display());
}

criterion_group!(benches, reducers);
criterion_main!(benches);
