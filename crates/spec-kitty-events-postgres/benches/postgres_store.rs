//! PostgreSQL store throughput against a temporary local server (default durability
//! settings): batched appends and full reads, plus a bare `INSERT … SELECT unnest` of
//! the same rows as the ceiling.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spec_kitty_events::{EventStore, ExpectedPosition};
use spec_kitty_events_postgres::PostgresStore;
use spec_kitty_events_testkit::pg_server::TempPostgres;
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
    let server = TempPostgres::start();
    let url = server.create_database("bench");
    let mut g = c.benchmark_group("postgres");
    g.throughput(Throughput::Elements(BATCH as u64));

    let mut store = PostgresStore::connect_with(
        &url,
        spec_kitty_events_postgres::PostgresOptions {
            schema: Some("append".into()),
            ..Default::default()
        },
    )
    .expect("connect");
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

    let mut raw = postgres::Client::connect(&url, postgres::NoTls).expect("raw client");
    raw.batch_execute(
        "CREATE TABLE raw_events (position bigserial PRIMARY KEY, event_id text NOT NULL UNIQUE,
                                  aggregate_id text NOT NULL, node_id text NOT NULL,
                                  lamport_key bigint NOT NULL, body text NOT NULL)",
    )
    .expect("schema");
    let insert = raw
        .prepare(
            "INSERT INTO raw_events (event_id, aggregate_id, node_id, lamport_key, body)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])",
        )
        .expect("prepare");
    let mut raw_next = 0u128;
    g.bench_function("raw_unnest_insert_500_ceiling", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let events = batch(raw_next);
                raw_next += BATCH as u128;
                let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
                let aggs: Vec<&str> = events.iter().map(|e| e.aggregate_id.as_str()).collect();
                let nodes: Vec<&str> = events.iter().map(|e| e.node_id.as_str()).collect();
                let clocks: Vec<i64> = events.iter().map(|e| e.lamport_clock as i64).collect();
                let bodies: Vec<String> = events
                    .iter()
                    .map(|e| serde_json::to_string(e).expect("json"))
                    .collect();
                let t = Instant::now();
                raw.execute(&insert, &[&ids, &aggs, &nodes, &clocks, &bodies])
                    .expect("insert");
                total += t.elapsed();
            }
            total
        })
    });

    let mut read_store = PostgresStore::connect_with(
        &url,
        spec_kitty_events_postgres::PostgresOptions {
            schema: Some("read".into()),
            ..Default::default()
        },
    )
    .expect("connect");
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
    g.finish();
    drop(server);
}

criterion_group!(postgres_benches, benches);
criterion_main!(postgres_benches);
