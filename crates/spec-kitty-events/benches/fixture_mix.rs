//! `validate_event` over the fixture mix: every verdict fixture of the bundled set (all 68
//! payload types, envelopes and lane mappings aside), valid and invalid, both layers.
//!
//! The cases are written to `<target>/bench-data/fixture-mix.jsonl` (`{"event_type",
//! "value"}` per line) so that `benches/reference_fixture_mix.py` times the reference's
//! `validate_event` on exactly the same cases.
//!
//! ```sh
//! cargo bench -p spec-kitty-events --bench fixture_mix -- --warm-up-time 1 --measurement-time 3
//! /path/to/python crates/spec-kitty-events/benches/reference_fixture_mix.py <target>/bench-data
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use spec_kitty_events::conformance::fixtures::Manifest;
use spec_kitty_events::conformance::validate_event;
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn cases() -> Vec<(String, Value)> {
    let manifest = Manifest::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")).unwrap();
    manifest
        .fixtures
        .iter()
        .filter(|e| e.is_verdict() && e.event_type != "LaneMapping")
        .map(|e| (e.event_type.clone(), manifest.load_json(e).unwrap()))
        .collect()
}

fn bench(c: &mut Criterion) {
    let cases = cases();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    let dir = target.join("bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let lines: String = cases
        .iter()
        .map(|(t, v)| format!("{}\n", json!({"event_type": t, "value": v})))
        .collect();
    std::fs::write(dir.join("fixture-mix.jsonl"), lines).unwrap();
    let mut g = c.benchmark_group("validate_event");
    g.throughput(Throughput::Elements(cases.len() as u64));
    g.bench_function("fixture_mix", |b| {
        b.iter(|| {
            for (t, v) in &cases {
                black_box(validate_event(black_box(v), t).unwrap());
            }
        })
    });
    g.finish();
    eprintln!("{} cases written to {}", cases.len(), dir.display());
}

criterion_group!(benches, bench);
criterion_main!(benches);
