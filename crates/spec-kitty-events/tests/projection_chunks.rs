//! Projectors fed in chunks, checkpointed and restored between chunks, against a full
//! replay and against the reference: generated streams of every reducer (the generators
//! of the differential tests, with late and duplicate events), split into random chunks;
//! after every chunk the projector's state must equal the full replay of everything fed
//! so far and the reference's reduction of the same events. A proptest law: any chunking
//! of any log, with any window, gives the state of the whole log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod chunked;
mod common;
mod decision_support;
mod mission_support;
mod reducer_streams;
mod status_streams;

use chunked::{Variant, agrees, chunk_ends, request, stream, variants};
use mission_support::Rng;
use proptest::prelude::*;
use serde_json::Value;
use spec_kitty_events::checkpoint::{decode, encode};
use spec_kitty_events::envelope::Event;
use spec_kitty_events::error::Error;
use spec_kitty_events::projection::{Feed, Projection, Projector, prepare};
use spec_kitty_events::replay::{ProjectionVisitor, ReducerKind, replay, to_json, with_projection};
use spec_kitty_events_testkit::Oracle;

const STREAMS: usize = 150;
const WINDOWS: [u64; 4] = [0, 1, 3, 64];

fn parse(raw: &[Value]) -> Vec<Event> {
    raw.iter()
        .filter_map(|v| Event::from_value(v).ok())
        .collect()
}

/// What feeding one stream chunk by chunk gave.
#[derive(Default)]
struct Fed {
    /// Per chunk: the end of the raw prefix, and the projector's state after it.
    states: Vec<(usize, Result<Value, Error>)>,
    folds: usize,
    rebuilds: usize,
    late_events: u64,
    checkpoint_bytes: usize,
}

/// Feeds `raw` chunk by chunk into a projector (deduplicating across chunks, or relying
/// on unique ids), rebuilding from scratch on [`Feed::Rebuild`], and passes it through a
/// checkpoint (encode, decode) after every chunk.
struct FeedChunks<'a> {
    raw: &'a [Value],
    ends: &'a [usize],
    window: u64,
    unique: bool,
}

impl ProjectionVisitor for FeedChunks<'_> {
    type Output = Fed;
    fn visit<P: Projection>(self, empty: P) -> Fed {
        let fresh = || {
            let p = if self.unique {
                Projector::for_unique_ids(empty.clone())
            } else {
                Projector::new(empty.clone())
            };
            p.with_window(self.window)
        };
        let mut projector = fresh();
        let mut fed = Fed::default();
        let mut start = 0;
        for &end in self.ends {
            let chunk = parse(&self.raw[start..end]);
            match projector.feed(prepare::<P>(&chunk)).unwrap() {
                Feed::Folded => fed.folds += 1,
                Feed::Rebuild { late } => {
                    assert!(late > 0);
                    fed.rebuilds += 1;
                    fed.late_events += late;
                    projector = fresh();
                    let all = parse(&self.raw[..end]);
                    assert_eq!(
                        projector.feed_all(prepare::<P>(&all)).unwrap(),
                        Feed::Folded
                    );
                }
            }
            let bytes = encode(&projector).unwrap();
            fed.checkpoint_bytes += bytes.len();
            projector = decode::<P>(&bytes).unwrap();
            fed.states.push((end, projector.state().and_then(to_json)));
            start = end;
        }
        fed
    }
}

fn feed_chunks(v: &Variant, raw: &[Value], ends: &[usize], window: u64, unique: bool) -> Fed {
    with_projection(
        v.kind,
        &v.options,
        FeedChunks {
            raw,
            ends,
            window,
            unique,
        },
    )
    .unwrap()
}

fn same(a: &Result<Value, Error>, b: &Result<Value, Error>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x == y,
        (Err(x), Err(y)) => x.to_string() == y.to_string(),
        _ => false,
    }
}

fn full(v: &Variant, raw: &[Value]) -> Result<Value, Error> {
    replay(v.kind, &parse(raw), &v.options)
}

#[test]
fn chunked_checkpointed_replays_equal_full_replays_and_the_reference() {
    let mut oracle = Oracle::start().unwrap();
    let mut total = (0usize, 0usize, 0usize, 0u64, 0usize, 0usize);
    for (vi, v) in variants().iter().enumerate() {
        let mut r = Rng(0xC4EC_4901 + vi as u64);
        let mut cases = Vec::new();
        for i in 0..STREAMS {
            let raw = stream(v.kind, r.next_u64(), i % 2 == 0);
            let ends = chunk_ends(&mut r, raw.len());
            let window = *r.pick(&WINDOWS);
            let fed = feed_chunks(v, &raw, &ends, window, false);
            cases.push((raw, fed));
        }
        let requests: Vec<Value> = cases
            .iter()
            .flat_map(|(raw, fed)| fed.states.iter().map(|(end, _)| request(v, &raw[..*end])))
            .collect();
        let mut answers = Vec::with_capacity(requests.len());
        for chunk in requests.chunks(8) {
            answers.extend(oracle.ask_all(chunk).unwrap());
        }
        let mut answers = answers.into_iter();
        let (mut states, mut refusals, mut failures) = (0, 0, Vec::new());
        for (raw, fed) in &cases {
            total.1 += fed.folds;
            total.2 += fed.rebuilds;
            total.3 += fed.late_events;
            total.4 += fed.checkpoint_bytes;
            for (end, ours) in &fed.states {
                let answer = answers.next().unwrap();
                let whole = full(v, &raw[..*end]);
                if !same(ours, &whole) {
                    failures.push(format!(
                        "{}: chunked {ours:?} != full {whole:?}\n  stream {}",
                        v.label,
                        Value::Array(raw.clone())
                    ));
                    continue;
                }
                match agrees(ours, &answer) {
                    Ok(()) if ours.is_ok() => states += 1,
                    Ok(()) => refusals += 1,
                    Err(e) => failures.push(format!(
                        "{}: {e}\n  prefix {}",
                        v.label,
                        Value::Array(raw[..*end].to_vec())
                    )),
                }
            }
        }
        eprintln!(
            "{}: {STREAMS} streams, {} chunk replays: {states} equal states, {refusals} equal refusals",
            v.label,
            states + refusals
        );
        assert!(
            failures.is_empty(),
            "{} disagreements:\n{}",
            failures.len(),
            failures[..failures.len().min(3)].join("\n")
        );
        assert!(states > 0);
        total.0 += states + refusals;
        total.5 += refusals;
    }
    let (replays, folds, rebuilds, late, bytes, refusals) = total;
    eprintln!(
        "all reducers: {replays} chunk replays agree with the full replay and the reference \
         ({refusals} refusals); {folds} chunks folded, {rebuilds} rebuilt ({late} late events); \
         {bytes} checkpoint bytes"
    );
    assert!(
        folds > rebuilds && rebuilds > 100,
        "both paths are exercised"
    );
}

/// Keeps the first event of each id, as a store does (it refuses a second event with an
/// id it holds).
fn first_of_each_id(raw: &[Value]) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    raw.iter()
        .filter(|v| match Event::from_value(v) {
            Ok(e) => seen.insert(e.event_id),
            Err(_) => true,
        })
        .cloned()
        .collect()
}

fn kind_strategy() -> impl Strategy<Value = usize> {
    0..variants().len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Any chunking of any log, fed into a projector (with any window, deduplicating or
    /// relying on unique ids, checkpointed between chunks), gives the state of the whole
    /// log, and after every chunk the state of the log so far.
    #[test]
    fn any_chunking_gives_the_state_of_the_whole_log(
        vi in kind_strategy(),
        seed in any::<u64>(),
        in_order in any::<bool>(),
        unique in any::<bool>(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        window in prop_oneof![Just(0u64), Just(1), 0u64..8, Just(64)],
    ) {
        let v = &variants()[vi];
        let mut raw = stream(v.kind, seed, in_order);
        if unique {
            raw = first_of_each_id(&raw);
        }
        let mut ends: Vec<usize> = cuts.iter().map(|c| c.index(raw.len() + 1)).collect();
        ends.push(raw.len());
        ends.sort_unstable();
        let fed = feed_chunks(v, &raw, &ends, window, unique);
        for (end, ours) in &fed.states {
            let whole = full(v, &raw[..*end]);
            prop_assert!(same(ours, &whole), "{}: prefix {end}: {ours:?} != {whole:?}", v.label);
        }
    }
}

#[test]
fn every_reducer_is_covered() {
    let kinds: std::collections::HashSet<ReducerKind> = variants().iter().map(|v| v.kind).collect();
    assert_eq!(kinds.len(), ReducerKind::ALL.len());
}

#[test]
fn chunks_appended_to_the_in_memory_store_replay_as_the_reference() {
    let summary = chunked::store_chunks(spec_kitty_events::InMemoryEventStore::new, 60, 0x5708E);
    eprintln!("in-memory store: {summary:?}");
}

/// A valid `WPStatusChanged` envelope numbered `n` (its id), on aggregate `m/WP<wp>`.
fn status_event(
    n: usize,
    wp: usize,
    wp_id: &str,
    clock: usize,
    (from, to): (Option<&str>, &str),
    actor: &str,
) -> Value {
    serde_json::json!({
        "event_id": format!("01ARZ3NDEKTSV4RRFF{n:08}"), "event_type": "WPStatusChanged",
        "aggregate_id": format!("m/WP{wp:05}"), "timestamp": "2026-04-05T12:00:00Z",
        "build_id": "b", "node_id": "n", "lamport_clock": clock,
        "project_uuid": "12345678-1234-5678-1234-567812345678",
        "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "payload": {"mission_slug": "m", "wp_id": wp_id, "from_lane": from, "to_lane": to,
                    "actor": actor, "execution_mode": "worktree"}})
}

/// A status log of many work packages (its checkpoint holds several segments of them),
/// one transition each then a second for every third, split in two: the decoded
/// checkpoint with the second half folded on equals the full replay, order of the work
/// packages included, and a checkpoint round trip changes nothing.
#[test]
fn a_checkpoint_of_many_work_packages_folds_as_a_full_replay() {
    const WPS: usize = 7_000;
    let event = |n: usize, wp: usize, clock: usize, from: Option<&str>, to: &str| {
        let wp_id = format!("WP{:05}", (wp * 7919) % WPS);
        status_event(n, wp, &wp_id, clock, (from, to), "a")
    };
    let mut raw: Vec<Value> = (0..WPS)
        .map(|i| event(i, i, i + 1, None, "planned"))
        .collect();
    raw.extend(
        (0..WPS)
            .step_by(3)
            .map(|i| event(WPS + i, i, WPS + i + 1, Some("planned"), "claimed")),
    );
    let all = parse(&raw);
    assert_eq!(all.len(), raw.len(), "every generated event is valid");
    type P = spec_kitty_events::domain::status::StatusProjection;
    let whole = {
        let mut p = Projector::for_unique_ids(P::default()).with_window(64);
        p.feed(prepare::<P>(&all)).unwrap();
        p.state().and_then(to_json).unwrap()
    };
    assert_eq!(
        whole,
        replay(ReducerKind::Status, &all, &Default::default()).unwrap()
    );
    let half = WPS + WPS / 6;
    let mut first = Projector::for_unique_ids(P::default()).with_window(64);
    first.feed(prepare::<P>(&all[..half])).unwrap();
    let bytes = encode(&first).unwrap();
    let mut restored = decode::<P>(&bytes).unwrap();
    assert_eq!(
        restored.state().and_then(to_json).unwrap(),
        first.state().and_then(to_json).unwrap()
    );
    assert_eq!(
        encode(&restored).unwrap(),
        bytes,
        "a round trip is the identity"
    );
    assert_eq!(
        restored.feed(prepare::<P>(&all[half..])).unwrap(),
        Feed::Folded
    );
    let folded = restored.state().and_then(to_json).unwrap();
    assert_eq!(folded, whole);
    let order = |v: &Value| {
        v["wp_states"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&folded), order(&whole));
    assert_eq!(order(&whole).len(), WPS);
}

/// Feeds a log's prepared events one at a time, in replay order, into a fresh projector
/// (each feed a batch of one: never split), then takes its state.
struct OneByOne<'a>(&'a [Event]);

impl ProjectionVisitor for OneByOne<'_> {
    type Output = Result<Value, Error>;
    fn visit<P: Projection>(self, empty: P) -> Result<Value, Error> {
        let mut items = prepare::<P>(self.0);
        spec_kitty_events::projection::sort_and_dedup(&mut items);
        let mut projector = Projector::new(empty);
        for item in items {
            assert_eq!(projector.feed(vec![item]).unwrap(), Feed::Folded);
        }
        projector.state().and_then(to_json)
    }
}

/// A whole replay folds its log several thousand events at a time, each batch rounded up
/// to a whole Lamport clock: over logs of many batches (generated streams laid one after
/// the other on the clock, with a refused stream last where the reducer refuses any), the
/// state or refusal equals folding the same events one at a time.
#[test]
fn folding_in_batches_equals_folding_event_by_event() {
    const EVENTS: usize = 3 * 4096 + 500;
    let (mut compared, mut refused) = (0, 0);
    let variants = variants();
    for v in &variants {
        let mut raw: Vec<Value> = Vec::new();
        let mut refusing: Option<Vec<Value>> = None;
        let (mut seed, mut offset) = (0x0BA7_C400u64, 0u64);
        while raw.len() < EVENTS && seed < 0x0BA7_C400 + 5_000 {
            seed += 1;
            let mut s = stream(v.kind, seed, false);
            for e in &mut s {
                if let Some(c) = e["lamport_clock"].as_u64() {
                    e["lamport_clock"] = (c + offset).into();
                }
            }
            offset += 1_000_000;
            if full(v, &s).is_ok() {
                raw.extend(s);
            } else if refusing.is_none() {
                refusing = Some(s);
            }
        }
        if let Some(mut s) = refusing {
            for e in &mut s {
                if let Some(c) = e["lamport_clock"].as_u64() {
                    e["lamport_clock"] = (c + offset).into();
                }
            }
            raw.extend(s);
        }
        // Strict modes refuse most streams: their logs can stay within one batch.
        let long = raw.len() > 4096 + 1000;
        let events = parse(&raw);
        let batched = replay(v.kind, &events, &v.options);
        let one_by_one = with_projection(v.kind, &v.options, OneByOne(&events)).unwrap();
        assert!(
            same(&batched, &one_by_one),
            "{}: batched {batched:?} != one by one {one_by_one:?}",
            v.label
        );
        compared += usize::from(long);
        refused += usize::from(long && batched.is_err());
    }
    eprintln!(
        "{compared} logs of 5,000 to {EVENTS} events: batched folds equal event-by-event \
         folds ({refused} refused deep in the log)"
    );
    assert!(compared >= 8 && refused > 0 && refused < compared);
}

/// Concurrent status groups (three moves of one work package at one Lamport clock, each
/// checked against the lane the group started from) laid out so that a batch boundary
/// falls inside one: a fold that split the group would refuse its later members.
#[test]
fn a_batch_boundary_never_splits_a_lamport_group() {
    const WPS: usize = 1_100;
    let mut n = 0usize;
    let mut event = |wp: usize, clock: usize, from: Option<&str>, to: &str| {
        n += 1;
        status_event(
            n,
            wp,
            &format!("WP{wp:05}"),
            clock,
            (from, to),
            &format!("a{n}"),
        )
    };
    // Two lone events first, so that event 4,096 (a multiple of the group cycle of four)
    // is the second of a group.
    let mut raw = vec![
        event(WPS, 1, None, "planned"),
        event(WPS + 1, 2, None, "planned"),
    ];
    for wp in 0..WPS {
        let clock = 3 + 2 * wp;
        raw.push(event(wp, clock, None, "planned"));
        for _ in 0..3 {
            raw.push(event(wp, clock + 1, Some("planned"), "claimed"));
        }
    }
    assert!(raw.len() > 4096);
    let events = parse(&raw);
    assert_eq!(events.len(), raw.len());
    let batched = replay(ReducerKind::Status, &events, &Default::default()).unwrap();
    let one_by_one =
        with_projection(ReducerKind::Status, &Default::default(), OneByOne(&events)).unwrap();
    assert_eq!(
        batched["anomalies"],
        serde_json::json!([]),
        "every move is checked against its group's start"
    );
    assert!(
        batched == one_by_one.unwrap(),
        "batched and one-by-one folds differ"
    );
    assert_eq!(batched["wp_states"]["WP00999"]["current_lane"], "claimed");
}
