//! Throughput benchmarks: envelope parsing and validation, `validate_event` on
//! `WPStatusChanged` envelopes, and status reduction of a 100,000-event stream.
//!
//! The inputs are generated deterministically and written as JSON Lines to
//! `<target>/bench-data/` (`envelopes-10k.jsonl`, `status-100k.jsonl`) so that
//! `benches/reference_bench.py` can time the Python reference on exactly the same data.
//!
//! ```sh
//! cargo bench -p spec-kitty-events --bench throughput -- --warm-up-time 1 --measurement-time 3
//! /path/to/python crates/spec-kitty-events/benches/reference_bench.py <target>/bench-data
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use spec_kitty_events::Event;
use spec_kitty_events::conformance::validate_event;
use spec_kitty_events::domain::status::reduce_status_events;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;

const LANES: [&str; 5] = [
    "planned",
    "claimed",
    "in_progress",
    "for_review",
    "approved",
];
const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A deterministic 26-character Crockford id for `n`.
fn ulid(n: u64) -> String {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (n >> 7);
    let mut s = String::from("01JD");
    for i in 0..22 {
        s.push(CROCKFORD[((x >> ((i % 12) * 5)) & 31) as usize] as char);
        if i % 12 == 11 {
            x = x.rotate_left(17) ^ n;
        }
    }
    s
}

/// `n` status events over `n / 8` work packages: every WP walks planned → … → done, with
/// concurrent pairs (equal clocks), reviewer rollbacks, mixed UTC offsets, malformed
/// payloads (anomalies) and redelivered duplicates.
fn status_log(n: u64) -> String {
    let wps = (n / 8).max(1);
    let evidence = json!({"repos": [{"repo": "events-rs", "branch": "main", "commit": "4e5f6a7"}],
                          "review": {"reviewer": "maria", "verdict": "approved"}});
    let mut out = String::with_capacity(n as usize * 600);
    let mut written = 0;
    let mut i = 0u64;
    while written < n {
        let wp = i % wps;
        let step = (i / wps) as usize;
        let (from, to) = if step == 0 {
            (None, "planned")
        } else if step < LANES.len() {
            (Some(LANES[step - 1]), LANES[step])
        } else if step == LANES.len() {
            (Some("approved"), "done")
        } else {
            (Some("done"), "in_progress") // terminal exit without force: an anomaly
        };
        let mut payload = json!({"mission_slug": "m-bench", "wp_id": format!("WP{wp:06}"),
                                 "from_lane": from, "to_lane": to, "actor": "bench",
                                 "execution_mode": "worktree"});
        if matches!(to, "approved" | "done") {
            payload["evidence"] = evidence.clone();
        }
        if i.is_multiple_of(997) {
            payload["to_lane"] = json!("in_review");
        }
        if i.is_multiple_of(89) && from == Some("for_review") {
            payload["to_lane"] = json!("in_progress");
            payload["review_ref"] = json!("PR#7");
        }
        let clock = step as u64 * 2 + 1 + u64::from(i.is_multiple_of(13));
        let event = json!({
            "event_id": ulid(i), "event_type": "WPStatusChanged",
            "aggregate_id": format!("mission/m-bench/WP{wp:06}"),
            "timestamp": format!("2026-11-{:02}T{:02}:{:02}:{:02}.{:03}+0{}:00",
                                 1 + step % 28, i % 24, i % 60, (i / 60) % 60, i % 1000, i % 3),
            "build_id": "bench", "node_id": format!("node-{}", i % 5), "lamport_clock": clock,
            "project_uuid": "12345678-1234-5678-1234-567812345678", "correlation_id": ulid(wp + (1 << 40)),
            "schema_version": "3.0.0", "payload": payload
        });
        let line = serde_json::to_string(&event).unwrap();
        let _ = writeln!(out, "{line}");
        written += 1;
        if i.is_multiple_of(101) && written < n {
            let _ = writeln!(out, "{line}");
            written += 1;
        }
        i += 1;
    }
    out
}

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            // <target>/release/deps/throughput-<hash>
            std::env::current_exe()
                .ok()
                .and_then(|p| p.ancestors().nth(3).map(PathBuf::from))
        })
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("bench-data")
}

struct Inputs {
    envelopes_text: String,
    envelopes: Vec<Value>,
    status_events: Vec<Event>,
}

fn inputs() -> Inputs {
    let dir = data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let envelopes_text = status_log(10_000);
    let status_text = status_log(100_000);
    std::fs::write(dir.join("envelopes-10k.jsonl"), &envelopes_text).unwrap();
    std::fs::write(dir.join("status-100k.jsonl"), &status_text).unwrap();
    eprintln!("bench inputs written to {}", dir.display());
    let envelopes = envelopes_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let status_events: Vec<Event> = status_text
        .lines()
        .filter_map(|l| Event::parse(l).ok())
        .collect();
    assert_eq!(status_events.len(), 100_000);
    Inputs {
        envelopes_text,
        envelopes,
        status_events,
    }
}

fn benches(c: &mut Criterion) {
    let inputs = inputs();
    let mut g = c.benchmark_group("envelope");
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("parse_jsonl_to_event_10k", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for line in black_box(&inputs.envelopes_text).lines() {
                ok += usize::from(Event::parse(line).is_ok());
            }
            assert_eq!(ok, 10_000);
        });
    });
    g.finish();

    let mut g = c.benchmark_group("validate_event");
    g.throughput(Throughput::Elements(10_000));
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
    g.throughput(Throughput::Elements(100_000));
    g.sample_size(10);
    g.bench_function("reduce_100k", |b| {
        b.iter(|| black_box(reduce_status_events(black_box(&inputs.status_events))));
    });
    g.finish();
}

criterion_group!(throughput, benches);
criterion_main!(throughput);
