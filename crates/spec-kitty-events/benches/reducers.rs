//! Reducer throughput on 100,000-event logs, one per reducer: `replay()` on parsed events.
//!
//! The logs are the corpus's (`benches/corpus/`): `status-100k.jsonl` for status (its
//! valid envelopes), `replay-<reducer>-100k.jsonl` for the nine others (a generated mission
//! repeated with fresh ids and advancing clocks). They are written to
//! `<target>/bench-data/` (the same bytes `gen_corpus` writes) so that
//! `benches/reference_bench.py inprocess` times the Python reference on the same events.
//!
//! ```sh
//! cargo bench -p spec-kitty-events --bench reducers -- --warm-up-time 1 --measurement-time 3
//! /path/to/python crates/spec-kitty-events/benches/reference_bench.py inprocess <target>/bench-data
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, dead_code)]

#[path = "corpus/mod.rs"]
mod corpus;
#[path = "../tests/decision_support/mod.rs"]
mod decision_support;
#[path = "../tests/mission_support/mod.rs"]
mod mission_support;
#[path = "../tests/reducer_streams/mod.rs"]
mod reducer_streams;

/// The allocator the command line and the Python package ship with, so that these
/// figures are those of what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use spec_kitty_events::Event;
use spec_kitty_events::projection::{Projection, prepare, replay_all};
use spec_kitty_events::replay::{
    ProjectionVisitor, ReducerKind, ReplayOptions, replay, with_projection,
};
use std::hint::black_box;

fn parse(lines: &[String]) -> Vec<Event> {
    lines.iter().filter_map(|l| Event::parse(l).ok()).collect()
}

fn reducers(c: &mut Criterion) {
    let dir = corpus::bench_data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut group = c.benchmark_group("replay-100k");
    group.sample_size(10);
    let options = ReplayOptions::default();
    for kind in ReducerKind::ALL {
        let (file, lines) = if kind == ReducerKind::Status {
            (
                "status-100k.jsonl".to_owned(),
                corpus::status::status_lines(100_000),
            )
        } else {
            (
                format!("replay-{}-100k.jsonl", kind.name()),
                corpus::replay::replay_lines(kind.name()).expect("a corpus log per reducer"),
            )
        };
        corpus::write_lines(&dir.join(&file), lines.iter().map(String::as_str)).unwrap();
        let events = parse(&lines);
        replay(kind, &events, &options).expect("the corpus log replays");
        group.throughput(Throughput::Elements(events.len() as u64));
        group.bench_function(kind.name(), |b| {
            b.iter(|| black_box(replay(kind, black_box(&events), &options).unwrap()))
        });
        with_projection(
            kind,
            &options,
            Fold {
                group: &mut group,
                kind,
                events: &events,
            },
        )
        .unwrap();
    }
    group.finish();
    eprintln!("bench inputs written to {}", dir.display());
}

/// The fold alone: the events already prepared (parsed, payloads validated once into
/// what the reducer keeps), as a log read by `replay` is by the time it is sorted.
struct Fold<'a, 'g> {
    group: &'a mut criterion::BenchmarkGroup<'g, criterion::measurement::WallTime>,
    kind: ReducerKind,
    events: &'a [Event],
}

impl ProjectionVisitor for Fold<'_, '_> {
    type Output = ();
    fn visit<P: Projection>(self, projection: P) {
        let items = prepare::<P>(self.events);
        self.group
            .throughput(Throughput::Elements(self.events.len() as u64));
        self.group
            .bench_function(format!("{}/fold", self.kind.name()), |b| {
                b.iter_batched(
                    || (projection.clone(), items.clone()),
                    |(p, items)| black_box(replay_all(p, items).map(|_| ())),
                    BatchSize::LargeInput,
                )
            });
    }
}

criterion_group!(benches, reducers);
criterion_main!(benches);
