//! Throughput benchmarks on the corpus status logs (`benches/corpus/status.rs`): envelope
//! parsing and validation of `status-10k.jsonl`, and status reduction of the events of
//! `status-100k.jsonl`.
//!
//! The logs are generated deterministically and written to `<target>/bench-data/` (the
//! same bytes `gen_corpus` writes) so that `benches/reference_bench.py inprocess` times the
//! Python reference on exactly the same data.
//!
//! ```sh
//! cargo bench -p spec-kitty-events --bench throughput -- --warm-up-time 1 --measurement-time 3
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

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use spec_kitty_events::Event;
use spec_kitty_events::conformance::validate_event;
use spec_kitty_events::domain::status::reduce_status_events;
use spec_kitty_events::envelope::EventRef;
use std::hint::black_box;

struct Inputs {
    /// The lines of `status-10k.jsonl`.
    small: Vec<String>,
    /// How many of them are valid envelopes.
    small_events: usize,
    /// Its `WPStatusChanged` envelopes with an object payload, as JSON values.
    envelopes: Vec<Value>,
    /// The valid events of `status-100k.jsonl`.
    status_events: Vec<Event>,
}

fn inputs() -> Inputs {
    let dir = corpus::bench_data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let small = corpus::status::status_lines(10_000);
    let large = corpus::status::status_lines(100_000);
    corpus::write_lines(
        &dir.join("status-10k.jsonl"),
        small.iter().map(String::as_str),
    )
    .unwrap();
    corpus::write_lines(
        &dir.join("status-100k.jsonl"),
        large.iter().map(String::as_str),
    )
    .unwrap();
    eprintln!("bench inputs written to {}", dir.display());
    let values: Vec<Value> = small
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let small_events = values
        .iter()
        .filter(|v| Event::from_value(v).is_ok())
        .count();
    let envelopes = values
        .into_iter()
        .filter(|v| v["event_type"] == "WPStatusChanged" && v["payload"].is_object())
        .collect();
    let status_events = large.iter().filter_map(|l| Event::parse(l).ok()).collect();
    Inputs {
        small,
        small_events,
        envelopes,
        status_events,
    }
}

fn benches(c: &mut Criterion) {
    let inputs = inputs();
    let mut g = c.benchmark_group("envelope");
    g.throughput(Throughput::Elements(inputs.small.len() as u64));
    g.bench_function("parse_jsonl_to_event_10k", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for line in black_box(&inputs.small) {
                ok += usize::from(Event::parse(line).is_ok());
            }
            assert_eq!(ok, inputs.small_events);
        });
    });
    g.bench_function("lean_jsonl_to_envelope_10k", |b| {
        // What `replay` does with each line: the borrowed tree with the payload left as
        // checked text, and the envelope validated; every core.
        let text = inputs.small.join("\n");
        b.iter(|| {
            let mut ok = 0usize;
            spec_kitty_events::records::process_lazy(
                black_box(text.as_bytes()),
                spec_kitty_events::json::LazyMember::new("payload"),
                &|_| {},
                &|rec| {
                    rec.value
                        .ok()
                        .is_some_and(|v| EventRef::from_json(&v).is_ok())
                },
                &mut |valid| {
                    ok += usize::from(valid);
                    true
                },
            )
            .unwrap();
            assert_eq!(ok, inputs.small_events);
        });
    });
    g.finish();

    let mut g = c.benchmark_group("validate_event");
    g.throughput(Throughput::Elements(inputs.envelopes.len() as u64));
    g.bench_function("wp_status_changed_envelopes_10k", |b| {
        b.iter(|| {
            let mut valid = 0usize;
            for v in black_box(&inputs.envelopes) {
                valid += usize::from(validate_event(v, "WPStatusChanged").unwrap().valid);
            }
            black_box(valid)
        });
    });
    g.finish();

    let mut g = c.benchmark_group("status");
    g.throughput(Throughput::Elements(inputs.status_events.len() as u64));
    g.sample_size(10);
    g.bench_function("reduce_100k", |b| {
        b.iter(|| black_box(reduce_status_events(black_box(&inputs.status_events))));
    });
    g.finish();
}

criterion_group!(throughput, benches);
criterion_main!(throughput);
