//! SQLite store throughput, in one run: appends of clean batches and of batches with 1 %
//! conflicts, beside a bare prepared `INSERT` loop into the same table (the ceiling);
//! full reads, catch-up pages and the raw scan, beside a bare `SELECT` and decoding alone.

use criterion::{Criterion, criterion_group, criterion_main};
use spec_kitty_events::storage::{clock_key, decode_stored};
use spec_kitty_events::{EncodedEvent, EventStore};
use spec_kitty_events_sqlite::{SqliteOptions, SqliteStore};
use spec_kitty_events_testkit::store_bench::{
    Names, SIZES, bench_appends, bench_reads, fill_for_reads, scan_bytes,
};
use std::hint::black_box;
use std::path::{Path, PathBuf};

/// A new database file in `dir`.
fn fresh_file(dir: &Path, names: &Names) -> PathBuf {
    dir.join(format!("{}.db", names.next("append")))
}

/// The ceiling's connection: a table made by the store (same schema, indexes, journal),
/// written with the store's sync and cache settings, by a bare prepared `INSERT`.
fn bare_connection(path: PathBuf) -> rusqlite::Connection {
    drop(SqliteStore::open(&path).expect("create the schema"));
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("sync");
    let defaults = SqliteOptions::default();
    conn.pragma_update(None, "cache_size", -i64::from(defaults.cache_kib))
        .expect("cache");
    conn.pragma_update(
        None,
        "wal_autocheckpoint",
        i64::from(defaults.wal_autocheckpoint_pages),
    )
    .expect("autocheckpoint");
    conn
}

fn bare_insert(conn: &mut rusqlite::Connection, batch: &[EncodedEvent]) -> usize {
    let tx = conn.transaction().expect("tx");
    {
        let mut s = tx
            .prepare_cached(
                "INSERT INTO events (event_id, aggregate_id, node_id, lamport_key, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .expect("prepare");
        for e in batch {
            s.execute(rusqlite::params![
                e.event_id(),
                e.aggregate_id(),
                e.node_id(),
                clock_key(e.lamport_clock()),
                e.body()
            ])
            .expect("insert");
        }
    }
    tx.commit().expect("commit");
    0
}

fn appends(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = Names::default();
    let mut g = c.benchmark_group("sqlite");
    for size in SIZES {
        bench_appends(
            &mut g,
            size,
            || SqliteStore::open(fresh_file(dir.path(), &names)).expect("open"),
            || bare_connection(fresh_file(dir.path(), &names)),
            bare_insert,
            "bare_insert",
        );
    }
    g.finish();
}

fn reads(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("read.db");
    let mut store = SqliteStore::open(&path).expect("open");
    fill_for_reads(&mut store);
    let mut g = c.benchmark_group("sqlite");
    bench_reads(&mut g, &store);
    // Read ceilings: the bare SELECT of the bodies, and decoding them alone.
    let raw = rusqlite::Connection::open(&path).expect("open");
    let stored_bytes = scan_bytes(&store);
    g.bench_function("bare_select_10k_ceiling", |b| {
        b.iter(|| {
            let mut s = raw
                .prepare_cached("SELECT body FROM events ORDER BY position")
                .expect("prepare");
            let mut rows = s.query([]).expect("query");
            let mut bytes = 0;
            while let Some(r) = rows.next().expect("row") {
                bytes += r.get_ref(0).expect("body").as_str().expect("text").len();
            }
            assert_eq!(bytes, stored_bytes);
            black_box(bytes)
        })
    });
    let mut bodies = Vec::new();
    store
        .scan(0, None, &mut |_, body| {
            bodies.push(body.to_owned());
            Ok(std::ops::ControlFlow::Continue(()))
        })
        .expect("scan");
    g.bench_function("decode_10k_events_only", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(decode_stored(body).expect("decode"));
            }
        })
    });
    g.finish();
}

criterion_group!(sqlite, appends, reads);
criterion_main!(sqlite);
