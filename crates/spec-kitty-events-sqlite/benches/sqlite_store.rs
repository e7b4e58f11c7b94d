//! SQLite store throughput: batched appends, full reads, and a plain rusqlite insert
//! loop on the same machine as the ceiling.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spec_kitty_events::{EventStore, ExpectedPosition};
use spec_kitty_events_sqlite::SqliteStore;
use spec_kitty_events_testkit::store_suite::realistic_event;
use std::hint::black_box;
use std::time::{Duration, Instant};

const BATCH: usize = 500;
const READ_N: usize = 10_000;

fn batch(start: u128) -> Vec<spec_kitty_events::Event> {
    (0..BATCH as u128)
        .map(|i| {
            let n = start + i;
            realistic_event(n, &format!("mission/WP{:02}", n % 50), "node-1", n as u64)
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = c.benchmark_group("sqlite");
    g.throughput(Throughput::Elements(BATCH as u64));

    let mut store = SqliteStore::open(dir.path().join("append.db")).expect("open");
    let mut next = 0u128;
    g.bench_function("append_batch_500", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let events = batch(next);
                next += BATCH as u128;
                let t = Instant::now();
                black_box(
                    store
                        .append(&events, ExpectedPosition::Any)
                        .expect("append"),
                );
                total += t.elapsed();
            }
            total
        })
    });

    // The ceiling: the same rows (pre-serialised) through a bare prepared INSERT in one
    // transaction per batch, same journal and sync settings, no checks.
    let conn = rusqlite::Connection::open(dir.path().join("raw.db")).expect("open raw");
    conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("sync");
    conn.execute_batch(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE,
                              aggregate_id TEXT NOT NULL, node_id TEXT NOT NULL,
                              lamport_key INTEGER NOT NULL, body TEXT NOT NULL);",
    )
    .expect("schema");
    let mut conn = conn;
    let mut raw_next = 0u128;
    g.bench_function("rusqlite_insert_500_ceiling", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let rows: Vec<(String, String, String, i64, String)> = batch(raw_next)
                    .iter()
                    .map(|e| {
                        (
                            e.event_id.clone(),
                            e.aggregate_id.clone(),
                            e.node_id.clone(),
                            e.lamport_clock as i64,
                            serde_json::to_string(e).expect("json"),
                        )
                    })
                    .collect();
                raw_next += BATCH as u128;
                let t = Instant::now();
                let tx = conn.transaction().expect("tx");
                {
                    let mut s = tx
                        .prepare_cached(
                            "INSERT INTO events (event_id, aggregate_id, node_id, lamport_key, body)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                        )
                        .expect("prepare");
                    for r in &rows {
                        s.execute(rusqlite::params![r.0, r.1, r.2, r.3, r.4])
                            .expect("insert");
                    }
                }
                tx.commit().expect("commit");
                total += t.elapsed();
            }
            total
        })
    });

    let mut read_store = SqliteStore::open(dir.path().join("read.db")).expect("open");
    for k in 0..(READ_N / BATCH) {
        read_store
            .append(&batch((k * BATCH) as u128), ExpectedPosition::Any)
            .expect("fill");
    }
    g.throughput(Throughput::Elements(READ_N as u64));
    g.bench_function("load_all_10k", |b| {
        b.iter(|| black_box(read_store.load_all_events().expect("read")).len())
    });
    g.bench_function("read_after_10k_pages_1000", |b| {
        b.iter(|| {
            let mut after = 0;
            let mut n = 0;
            loop {
                let page = read_store.read_after(after, 1000).expect("page");
                let Some(last) = page.last() else { break };
                after = last.position;
                n += page.len();
            }
            assert_eq!(n, READ_N);
        })
    });
    // Read ceilings: the bare SELECT of the bodies, and decoding them alone.
    let raw_read = rusqlite::Connection::open(dir.path().join("read.db")).expect("open");
    g.bench_function("rusqlite_select_10k_ceiling", |b| {
        b.iter(|| {
            let mut s = raw_read
                .prepare_cached("SELECT body FROM events ORDER BY lamport_key, node_id, position")
                .expect("prepare");
            let bodies: Vec<String> = s
                .query_map([], |r| r.get(0))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows");
            assert_eq!(black_box(bodies).len(), READ_N);
        })
    });
    let bodies: Vec<String> = read_store
        .load_all_events()
        .expect("read")
        .iter()
        .map(|e| serde_json::to_string(e).expect("json"))
        .collect();
    g.bench_function("decode_10k_events_only", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(serde_json::from_str::<spec_kitty_events::Event>(body).expect("decode"));
            }
        })
    });
    g.finish();
}

criterion_group!(sqlite, benches);
criterion_main!(sqlite);
