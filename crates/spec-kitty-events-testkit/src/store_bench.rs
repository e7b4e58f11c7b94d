//! What the store benchmarks share, so that every backend is measured on the same work:
//! batches of realistic events, the same batches with about 1 % conflicts, and a timing
//! loop that keeps every measured append on a store of bounded size.
//!
//! A [`Rotating`] target (a store, or a bare table for a ceiling) is replaced by a fresh
//! one, outside the timed section, once it holds [`ROTATE_AFTER`] events: whichever
//! backend or variant is faster, each measured batch lands in a store of 0 to 100,000
//! events, as in the bulk load of a fresh log.
//!
//! ```
//! use spec_kitty_events::{EventStore, ExpectedPosition, InMemoryEventStore};
//! use spec_kitty_events_testkit::store_bench::{CONFLICTS_PER_BATCH, Rotating, conflicts_in};
//! let mut bench = Rotating::new(InMemoryEventStore::new, |s, batch| {
//!     conflicts_in(&s.append_encoded(batch, ExpectedPosition::Any).unwrap())
//! });
//! bench.time(3, 100, true);
//! assert_eq!(bench.conflicts(), 3 * CONFLICTS_PER_BATCH * 100 / 1000);
//! bench.check_conflicts();
//! ```

use crate::store_suite::{altered, realistic_event};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Throughput};
use serde_json::json;
use spec_kitty_events::{AppendOutcome, EncodedEvent, EventStore, ExpectedPosition};
use std::cell::Cell;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Batch sizes of the append benches: 1,000 and `log append`'s 8,192.
pub const SIZES: [usize; 2] = [1000, 8192];

/// Conflicting events per 1,000 in a conflicting batch (1 %).
pub const CONFLICTS_PER_BATCH: usize = 10;

/// Events a [`Rotating`] target holds before it is replaced by a fresh one.
pub const ROTATE_AFTER: usize = 100_000;

/// Events in the read benchmarks' store.
pub const READ_N: usize = 10_000;

/// The `n`-th event of the feeds: realistic (about 600 bytes), over 50 aggregates.
pub fn nth_event(n: u128) -> spec_kitty_events::Event {
    realistic_event(n, &format!("mission/WP{:02}", n % 50), "node-1", n as u64)
}

/// Batches of new events, encoded beforehand (the benches time the store, not the encoder).
#[derive(Debug, Default)]
pub struct Feed {
    next: u128,
}

impl Feed {
    /// `size` events with fresh ids. With `conflicts`, one event in a hundred is instead a
    /// different event under the id of an event of the previous batch (which must have been
    /// stored in the same target): the batch keeps its size.
    pub fn batch(&mut self, size: usize, conflicts: bool) -> Vec<EncodedEvent> {
        let start = self.next;
        self.next += size as u128;
        (0..size as u128)
            .map(|i| {
                let n = start + i;
                let event = if conflicts && i % 100 == 99 && start >= size as u128 {
                    // The neighbour's slot in the previous batch: always a stored event.
                    altered(&nth_event(n - size as u128 - 1), |v| {
                        v["payload"]["actor"] = json!("someone-else");
                    })
                } else {
                    nth_event(n)
                };
                EncodedEvent::new(&event).expect("encode")
            })
            .collect()
    }
}

/// How many outcomes are conflicts.
pub fn conflicts_in(outcomes: &[AppendOutcome]) -> usize {
    outcomes.iter().filter(|o| o.is_conflict()).count()
}

/// Appends `batch` with [`ExpectedPosition::Any`] and returns its conflicts (panics on an
/// error): the store side of the append benches.
pub fn append_counting<S: EventStore + ?Sized>(store: &mut S, batch: &[EncodedEvent]) -> usize {
    conflicts_in(
        &store
            .append_encoded(batch, ExpectedPosition::Any)
            .expect("append"),
    )
}

/// A target of timed batch inserts (`insert` returns how many events were conflicts),
/// replaced by `open()` once it holds [`ROTATE_AFTER`] events.
pub struct Rotating<T, O, I> {
    open: O,
    insert: I,
    target: Option<T>,
    feed: Feed,
    held: usize,
    conflicts: usize,
    conflicts_expected: usize,
}

impl<T, O: FnMut() -> T, I: FnMut(&mut T, &[EncodedEvent]) -> usize> Rotating<T, O, I> {
    /// A target opened by `open`, written by `insert`.
    pub fn new(open: O, insert: I) -> Self {
        Rotating {
            open,
            insert,
            target: None,
            feed: Feed::default(),
            held: 0,
            conflicts: 0,
            conflicts_expected: 0,
        }
    }

    /// Inserts `iters` batches of `size` events (with 1 % conflicts if asked) and returns
    /// the time spent inside `insert` alone. A fresh target of a conflicting run first gets
    /// one clean batch, untimed, for the conflicts to refer to.
    pub fn time(&mut self, iters: u64, size: usize, conflicts: bool) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            if self.target.is_none() || self.held >= ROTATE_AFTER {
                self.target = None;
                self.target = Some((self.open)());
                self.held = 0;
                if conflicts {
                    let seed = self.feed.batch(size, false);
                    let target = self.target.as_mut().expect("opened");
                    (self.insert)(target, &seed);
                    self.held += size;
                }
            }
            let batch = self.feed.batch(size, conflicts);
            let target = self.target.as_mut().expect("opened");
            let t = Instant::now();
            self.conflicts += (self.insert)(target, &batch);
            total += t.elapsed();
            self.held += size;
            if conflicts {
                self.conflicts_expected += size / 100;
            }
        }
        total
    }

    /// Conflicts reported so far.
    pub fn conflicts(&self) -> usize {
        self.conflicts
    }

    /// Panics unless every timed conflicting batch reported one conflict per hundred events
    /// and every clean one none (the benches check what they measured).
    pub fn check_conflicts(&self) {
        assert_eq!(
            self.conflicts, self.conflicts_expected,
            "conflicts reported by the timed batches"
        );
    }
}

/// Fills `store` with [`READ_N`] feed events, for the read benches.
pub fn fill_for_reads<S: EventStore + ?Sized>(store: &mut S) {
    let mut feed = Feed::default();
    for _ in 0..READ_N / 1000 {
        append_counting(store, &feed.batch(1000, false));
    }
}

/// Pages through `store` with `read_after` (pages of 1,000) and returns the events read.
pub fn read_all_pages<S: EventStore + ?Sized>(store: &S) -> usize {
    let (mut after, mut n) = (0, 0);
    loop {
        let page = store.read_after(after, 1000).expect("page");
        let Some(last) = page.last() else { break n };
        after = last.position;
        n += page.len();
    }
}

/// Scans `store` without decoding and returns the bytes of the bodies handed out.
pub fn scan_bytes<S: EventStore + ?Sized>(store: &S) -> usize {
    let mut bytes = 0;
    store
        .scan(0, None, &mut |_, body| {
            bytes += body.len();
            Ok(std::ops::ControlFlow::Continue(()))
        })
        .expect("scan");
    bytes
}

/// A name generator: `prefix_1`, `prefix_2`, … (shared by several openers).
#[derive(Debug, Default)]
pub struct Names(Cell<usize>);

impl Names {
    /// The next name.
    pub fn next(&self, prefix: &str) -> String {
        self.0.set(self.0.get() + 1);
        format!("{prefix}_{}", self.0.get())
    }
}

/// The three append benches of one batch size, in one run: `append_clean_<size>`,
/// `append_1pct_conflicts_<size>` (stores opened by `open_store`) and
/// `<ceiling>_<size>_ceiling` (the same rows through `bare_insert` into targets opened by
/// `open_bare`). Each checks afterwards that it saw exactly the conflicts it should.
pub fn bench_appends<S, T>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    size: usize,
    mut open_store: impl FnMut() -> S,
    open_bare: impl FnMut() -> T,
    bare_insert: impl FnMut(&mut T, &[EncodedEvent]) -> usize,
    ceiling: &str,
) where
    S: EventStore,
{
    g.throughput(Throughput::Elements(size as u64));
    for (name, conflicts) in [("append_clean", false), ("append_1pct_conflicts", true)] {
        let mut bench = Rotating::new(&mut open_store, |s: &mut S, b: &[EncodedEvent]| {
            append_counting(s, b)
        });
        g.bench_function(format!("{name}_{size}"), |b| {
            b.iter_custom(|iters| bench.time(iters, size, conflicts))
        });
        bench.check_conflicts();
    }
    let mut bench = Rotating::new(open_bare, bare_insert);
    g.bench_function(format!("{ceiling}_{size}_ceiling"), |b| {
        b.iter_custom(|iters| bench.time(iters, size, false))
    });
}

/// The read benches on a store filled by [`fill_for_reads`]: `load_all_10k` (decoded, in
/// read order), `read_after_10k_pages_1000` (decoded catch-up pages) and `scan_10k_raw`
/// (the stored text, not decoded).
pub fn bench_reads<S: EventStore + ?Sized>(g: &mut BenchmarkGroup<'_, WallTime>, store: &S) {
    g.throughput(Throughput::Elements(READ_N as u64));
    g.bench_function("load_all_10k", |b| {
        b.iter(|| black_box(store.load_all_events().expect("read")).len())
    });
    g.bench_function("read_after_10k_pages_1000", |b| {
        b.iter(|| assert_eq!(read_all_pages(store), READ_N))
    });
    g.bench_function("scan_10k_raw", |b| b.iter(|| black_box(scan_bytes(store))));
}
