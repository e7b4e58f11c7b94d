//! PostgreSQL store throughput against a temporary local server (default durability
//! settings), in one run: appends of clean batches and of batches with 1 % conflicts,
//! beside a bare `INSERT … SELECT unnest` of the same rows into the same table (the
//! ceiling); full reads, catch-up pages and the raw scan, beside a bare `SELECT`.

use criterion::{Criterion, criterion_group, criterion_main};
use spec_kitty_events::EncodedEvent;
use spec_kitty_events::storage::clock_key;
use spec_kitty_events_postgres::{PostgresOptions, PostgresStore};
use spec_kitty_events_testkit::pg_server::TempPostgres;
use spec_kitty_events_testkit::store_bench::{
    Names, SIZES, bench_appends, bench_reads, fill_for_reads,
};
use std::hint::black_box;

/// A store in a schema of its own.
fn open(url: &str, schema: String) -> PostgresStore {
    PostgresStore::connect_with(
        url,
        PostgresOptions {
            schema: Some(schema),
            ..PostgresOptions::default()
        },
    )
    .expect("connect")
}

/// The ceiling's table: made by the store (same schema and indexes), written by one bare
/// `INSERT … SELECT unnest` per batch with positions counted here: no lock, no look-up.
struct Bare {
    client: postgres::Client,
    next: i64,
}

fn bare_table(url: &str, schema: String) -> Bare {
    drop(open(url, schema.clone()));
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("raw client");
    client
        .batch_execute(&format!("SET search_path TO \"{schema}\""))
        .expect("search_path");
    Bare { client, next: 0 }
}

fn bare_insert(bare: &mut Bare, batch: &[EncodedEvent]) -> usize {
    let positions: Vec<i64> = (1..=batch.len() as i64).map(|i| bare.next + i).collect();
    bare.next += batch.len() as i64;
    let ids: Vec<&str> = batch.iter().map(EncodedEvent::event_id).collect();
    let aggs: Vec<&str> = batch.iter().map(EncodedEvent::aggregate_id).collect();
    let nodes: Vec<&str> = batch.iter().map(EncodedEvent::node_id).collect();
    let clocks: Vec<i64> = batch.iter().map(|e| clock_key(e.lamport_clock())).collect();
    let bodies: Vec<&str> = batch.iter().map(EncodedEvent::body).collect();
    bare.client
        .execute(
            "INSERT INTO ske_events (position, event_id, aggregate_id, node_id, lamport_key, body)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[],
                                  $5::bigint[], $6::text[])",
            &[&positions, &ids, &aggs, &nodes, &clocks, &bodies],
        )
        .expect("insert");
    0
}

fn benches(c: &mut Criterion) {
    let server = TempPostgres::start();
    let url = server.create_database("bench");
    let names = Names::default();
    let mut g = c.benchmark_group("postgres");
    for size in SIZES {
        bench_appends(
            &mut g,
            size,
            || open(&url, names.next("append")),
            || bare_table(&url, names.next("bare")),
            bare_insert,
            "bare_unnest_insert",
        );
    }
    let mut store = open(&url, "read".into());
    fill_for_reads(&mut store);
    bench_reads(&mut g, &store);
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).expect("raw client");
    let select = raw
        .prepare("SELECT body FROM read.ske_events ORDER BY position")
        .expect("prepare");
    g.bench_function("bare_select_10k_ceiling", |b| {
        b.iter(|| {
            let rows = raw.query(&select, &[]).expect("query");
            black_box(
                rows.iter()
                    .map(|r| r.get::<_, &str>(0).len())
                    .sum::<usize>(),
            )
        })
    });
    g.finish();
    drop(server);
}

criterion_group!(postgres_benches, benches);
criterion_main!(postgres_benches);
