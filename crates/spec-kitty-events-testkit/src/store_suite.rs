//! One conformance suite for every implementation of the storage traits
//! ([`EventStore`], [`CheckpointStore`], [`ClockStorage`], [`ErrorStorage`]): in-memory,
//! SQLite and PostgreSQL run exactly the same checks through a [`Backend`].
//!
//! [`run`] panics with the name of the failing check. Durable backends additionally go
//! through the restart checks (close, reopen, everything still there, clocks resume).

use serde_json::{Value, json};
use spec_kitty_events::checkpoint::{FullReason, Replayed, replay_store_json};
use spec_kitty_events::replay::{Mode, ReducerKind, ReplayOptions, replay};
use spec_kitty_events::storage::{DEFAULT_MAX_ERROR_ENTRIES, NodeStats};
use spec_kitty_events::{
    AppendOutcome, Checkpoint, CheckpointKey, CheckpointStore, ClockStorage, EncodedEvent, Error,
    ErrorEntry, ErrorStorage, Event, EventStore, ExpectedPosition,
};
use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;

/// Opens stores of one implementation for the suite.
///
/// A *location* is what a durable store lives in (a file, a database schema). `fresh_*`
/// opens an empty new location; `reopen_*` closes a store and opens its location again,
/// as a restarted process would (a non-durable backend hands the store back unchanged);
/// `second_*` opens an independent second handle on the same location, as another
/// process would (`None` when the implementation cannot share a location).
pub trait Backend {
    /// The event store type (it keeps the checkpoints of replays too).
    type Events: EventStore + CheckpointStore + Send;
    /// The clock storage type.
    type Clocks: ClockStorage;
    /// The error storage type.
    type Errors: ErrorStorage;
    /// Whether data survives [`Backend::reopen_events`] and friends across processes.
    fn durable(&self) -> bool;
    /// An empty event store at a new location.
    fn fresh_events(&mut self) -> Self::Events;
    /// Empty clock storage at a new location.
    fn fresh_clocks(&mut self) -> Self::Clocks;
    /// Empty error storage at a new location keeping at most `max_entries` entries.
    fn fresh_errors(&mut self, max_entries: usize) -> Self::Errors;
    /// Closes and reopens an event store.
    fn reopen_events(&mut self, store: Self::Events) -> Self::Events;
    /// Closes and reopens clock storage.
    fn reopen_clocks(&mut self, store: Self::Clocks) -> Self::Clocks;
    /// Closes and reopens error storage (same retention limit).
    fn reopen_errors(&mut self, store: Self::Errors) -> Self::Errors;
    /// A second handle on the location of `store`.
    fn second_events(&mut self, store: &Self::Events) -> Option<Self::Events>;
    /// A second handle on the location of `store`.
    fn second_clocks(&mut self, store: &Self::Clocks) -> Option<Self::Clocks>;
}

/// A hyphenated lower-case UUID built from `n` (a valid, normalised event id).
pub fn event_id(n: u128) -> String {
    uuid::Uuid::from_u128(n).hyphenated().to_string()
}

/// A minimal valid event, built through `Event`'s serde form (no validation, for speed).
pub fn event(n: u128, aggregate_id: &str, node_id: &str, lamport_clock: u64) -> Event {
    from_json(json!({
        "event_id": event_id(n), "event_type": "TestEvent", "aggregate_id": aggregate_id,
        "payload": {"n": n.to_string()}, "timestamp": "2026-04-05T12:00:00Z",
        "build_id": "build-1", "node_id": node_id, "lamport_clock": lamport_clock,
        "causation_id": null, "project_uuid": uuid::Uuid::from_u128(7),
        "project_slug": null, "correlation_id": event_id(1 << 100),
        "schema_version": "3.0.0", "data_tier": 0
    }))
}

/// An event with a payload shaped like a real status change (about 600 bytes of JSON),
/// for benchmarks.
pub fn realistic_event(n: u128, aggregate_id: &str, node_id: &str, lamport_clock: u64) -> Event {
    altered(&event(n, aggregate_id, node_id, lamport_clock), |v| {
        v["payload"] = json!({
            "mission_slug": "mission-001", "wp_id": format!("WP{:02}", n % 100),
            "from_lane": "planned", "to_lane": "claimed", "actor": "claude-agent",
            "force": false, "reason": null, "execution_mode": "worktree",
            "review_ref": null, "evidence": null,
            "policy_metadata": {"orchestrator_id": "orch-1", "owner": "team-a",
                                 "scope": ["src", "tests"], "limits": {"minutes": 30}}
        });
        v["project_slug"] = json!("spec-kitty");
        v["causation_id"] = json!(event_id(n.wrapping_sub(1)));
    })
}

fn from_json(v: Value) -> Event {
    serde_json::from_value(v).expect("a test event in Event's serde form")
}

/// A copy of `e` changed through its serde form by `change` (the event id stays unless
/// `change` sets another).
pub fn altered(e: &Event, change: impl FnOnce(&mut Value)) -> Event {
    let mut v = serde_json::to_value(e).expect("an event serialises");
    change(&mut v);
    from_json(v)
}

/// The body every store keeps for `e`.
pub fn body_of(e: &Event) -> String {
    must(EncodedEvent::new(e), "encode").body().to_owned()
}

fn ids(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.event_id.clone()).collect()
}

fn must<T>(r: spec_kitty_events::Result<T>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: unexpected error: {e}"),
    }
}

fn append<S: EventStore>(
    s: &mut S,
    events: &[Event],
    expected: ExpectedPosition,
) -> spec_kitty_events::Result<Vec<AppendOutcome>> {
    EventStore::append(s, events, expected)
}

fn assert_log<S: EventStore>(s: &S, want: &[Event], what: &str) {
    let got = must(s.read_after(0, usize::MAX), what);
    let positions: Vec<u64> = got.iter().map(|e| e.position).collect();
    let expected_positions: Vec<u64> = (1..=want.len() as u64).collect();
    assert_eq!(positions, expected_positions, "{what}: positions");
    let events: Vec<Event> = got.into_iter().map(|e| e.event).collect();
    assert_eq!(ids(&events), ids(want), "{what}: log order");
    assert_eq!(events, want, "{what}: log content");
}

/// Runs every check against `backend`. Panics on the first failure, naming the check.
pub fn run<B: Backend>(backend: &mut B) {
    empty_store(backend);
    append_and_positions(backend);
    idempotent_reappend(backend);
    conflicts_are_per_event_outcomes(backend);
    conflicts_refuse_batches_with_an_expectation(backend);
    encoded_appends(backend);
    optimistic_concurrency(backend);
    read_order_and_ties(backend);
    paging(backend);
    scanning(backend);
    round_trip_fidelity(backend);
    stats(backend);
    restart_and_second_handle(backend);
    clocks(backend);
    clock_overflow(backend);
    error_storage(backend);
    checkpoints(backend);
    checkpointed_replays(backend);
}

fn empty_store<B: Backend>(b: &mut B) {
    let s = b.fresh_events();
    assert!(must(s.load_all_events(), "empty").is_empty());
    assert!(must(s.load_events("a"), "empty").is_empty());
    assert!(must(s.read_after(0, 10), "empty").is_empty());
    assert_eq!(must(s.last_position(None), "empty"), None);
    assert_eq!(must(s.last_position(Some("a")), "empty"), None);
    assert!(must(s.stats(), "empty").is_empty());
    let mut s = s;
    assert_eq!(
        must(append(&mut s, &[], ExpectedPosition::Any), "empty batch"),
        vec![]
    );
    assert_eq!(must(s.last_position(None), "empty batch"), None);
}

fn append_and_positions<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    let e1 = event(1, "agg-a", "n1", 1);
    assert_eq!(
        must(
            append(&mut s, std::slice::from_ref(&e1), ExpectedPosition::Any),
            "single"
        ),
        vec![AppendOutcome::Appended(1)]
    );
    let batch = vec![
        event(2, "agg-b", "n1", 2),
        event(3, "agg-a", "n2", 1),
        event(4, "agg-b", "n2", 2),
    ];
    assert_eq!(
        must(append(&mut s, &batch, ExpectedPosition::Any), "batch"),
        vec![
            AppendOutcome::Appended(2),
            AppendOutcome::Appended(3),
            AppendOutcome::Appended(4)
        ]
    );
    must(s.save_event(&event(5, "agg-c", "n1", 3)), "save_event");
    assert_eq!(must(s.last_position(None), "last"), Some(5));
    assert_eq!(must(s.last_position(Some("agg-a")), "last a"), Some(3));
    assert_eq!(must(s.last_position(Some("agg-b")), "last b"), Some(4));
    assert_eq!(must(s.last_position(Some("agg-c")), "last c"), Some(5));
    assert_eq!(must(s.last_position(Some("nope")), "last none"), None);
    let mut all = vec![e1];
    all.extend(batch);
    all.push(event(5, "agg-c", "n1", 3));
    assert_log(&s, &all, "append_and_positions");
    assert_eq!(
        ids(&must(s.load_events("agg-a"), "by aggregate")),
        vec![event_id(1), event_id(3)]
    );
}

fn idempotent_reappend<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    let e1 = event(1, "a", "n", 1);
    let e2 = event(2, "a", "n", 2);
    must(
        append(&mut s, &[e1.clone(), e2.clone()], ExpectedPosition::Any),
        "first",
    );
    assert_eq!(
        must(
            append(&mut s, std::slice::from_ref(&e1), ExpectedPosition::Any),
            "again"
        ),
        vec![AppendOutcome::Duplicate(1)],
        "identical re-append is a no-op reporting the stored position"
    );
    let e3 = event(3, "a", "n", 3);
    assert_eq!(
        must(
            append(
                &mut s,
                &[e2.clone(), e3.clone(), e3.clone()],
                ExpectedPosition::Any
            ),
            "mixed"
        ),
        vec![
            AppendOutcome::Duplicate(2),
            AppendOutcome::Appended(3),
            AppendOutcome::Duplicate(3)
        ],
        "mixed batch with an in-batch repetition"
    );
    must(s.save_event(&e1), "save_event duplicate");
    assert_log(&s, &[e1, e2, e3], "idempotent_reappend");
}

fn is_id_conflict(r: &spec_kitty_events::Result<Vec<AppendOutcome>>, id: &str) -> bool {
    matches!(r, Err(Error::EventIdConflict { event_id }) if event_id == id)
}

/// A different event under the id of `e` (another payload).
fn conflicting(e: &Event) -> Event {
    altered(e, |v| v["payload"]["n"] = json!("changed"))
}

fn conflicts_are_per_event_outcomes<B: Backend>(b: &mut B) {
    use AppendOutcome::{Appended, Conflict, Duplicate};
    let mut s = b.fresh_events();
    let e1 = event(1, "a", "n", 1);
    must(
        append(&mut s, std::slice::from_ref(&e1), ExpectedPosition::Any),
        "seed",
    );
    // Same id, different content: refused, reported with the holder's position.
    let changed = conflicting(&e1);
    assert_eq!(
        must(
            append(
                &mut s,
                std::slice::from_ref(&changed),
                ExpectedPosition::Any
            ),
            "conflict"
        ),
        vec![Conflict(1)]
    );
    let other_clock = altered(&e1, |v| v["lamport_clock"] = json!(9));
    assert_eq!(
        must(
            append(&mut s, &[other_clock], ExpectedPosition::Any),
            "clock change"
        ),
        vec![Conflict(1)],
        "a changed clock is a conflict too"
    );
    // One batch mixing new, duplicate and conflicting events, with a repetition and a
    // conflict inside the batch: outcomes in input order, as if appended one by one.
    let (e2, e3) = (event(2, "a", "n", 2), event(3, "b", "m", 3));
    let twin3 = altered(&e3, |v| v["build_id"] = json!("other"));
    let batch = [
        e2.clone(),
        e1.clone(),
        changed.clone(),
        e3.clone(),
        e2.clone(),
        twin3.clone(),
        changed.clone(),
    ];
    assert_eq!(
        must(append(&mut s, &batch, ExpectedPosition::Any), "mixed batch"),
        vec![
            Appended(2),
            Duplicate(1),
            Conflict(1),
            Appended(3),
            Duplicate(2),
            Conflict(3),
            Conflict(1)
        ]
    );
    // Nothing of a conflicting event is stored, nothing is overwritten.
    assert_log(&s, &[e1.clone(), e2.clone(), e3.clone()], "after conflicts");
    assert_eq!(must(s.last_position(Some("b")), "last b"), Some(3));
    // The loser of an in-batch conflict conflicts with the stored winner later on.
    assert_eq!(
        must(
            append(&mut s, &[twin3], ExpectedPosition::Any),
            "twin later"
        ),
        vec![Conflict(3)]
    );
    // A batch made only of conflicts stores nothing; positions continue densely.
    assert_eq!(
        must(
            append(
                &mut s,
                &[changed.clone(), changed.clone()],
                ExpectedPosition::Any
            ),
            "only conflicts"
        ),
        vec![Conflict(1), Conflict(1)]
    );
    let e4 = event(4, "a", "n", 4);
    assert_eq!(
        must(
            append(
                &mut s,
                &[changed.clone(), e4.clone()],
                ExpectedPosition::Any
            ),
            "after"
        ),
        vec![Conflict(1), Appended(4)],
        "no position is taken by a conflict"
    );
    assert!(
        matches!(s.save_event(&changed), Err(Error::EventIdConflict { ref event_id }) if *event_id == e1.event_id),
        "save_event refuses a conflict"
    );
    assert_log(&s, &[e1, e2, e3, e4], "after refused conflicts");
}

fn conflicts_refuse_batches_with_an_expectation<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    let e1 = event(1, "x", "n", 1);
    must(
        append(
            &mut s,
            std::slice::from_ref(&e1),
            ExpectedPosition::NoEvents,
        ),
        "seed",
    );
    // All or nothing: the new event before the conflict is not stored either.
    let r = append(
        &mut s,
        &[
            event(2, "x", "n", 2),
            conflicting(&e1),
            event(3, "x", "n", 3),
        ],
        ExpectedPosition::At(1),
    );
    assert!(is_id_conflict(&r, &e1.event_id), "stored conflict: {r:?}");
    // A conflict inside the batch refuses it too, naming the first conflicting id.
    let twin = altered(&event(5, "y", "n", 5), |v| v["build_id"] = json!("other"));
    let r = append(
        &mut s,
        &[event(4, "y", "n", 4), event(5, "y", "n", 5), twin],
        ExpectedPosition::NoEvents,
    );
    assert!(is_id_conflict(&r, &event_id(5)), "in-batch conflict: {r:?}");
    assert_log(
        &s,
        std::slice::from_ref(&e1),
        "nothing of the refused batches",
    );
    assert_eq!(must(s.last_position(Some("y")), "y untouched"), None);
    // Duplicates are accepted under an expectation (a retried command).
    assert_eq!(
        must(
            append(
                &mut s,
                &[e1.clone(), event(2, "x", "n", 2)],
                ExpectedPosition::At(1)
            ),
            "duplicate and new"
        ),
        vec![AppendOutcome::Duplicate(1), AppendOutcome::Appended(2)]
    );
}

fn encoded_appends<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    let events: Vec<Event> = (0..5)
        .map(|i| event(500 + i, "enc", "n", i as u64))
        .collect();
    let encoded: Vec<EncodedEvent> = events
        .iter()
        .map(|e| must(EncodedEvent::new(e), "encode"))
        .collect();
    assert_eq!(
        must(
            s.append_encoded(&encoded[..3], ExpectedPosition::NoEvents),
            "append_encoded"
        ),
        (1..=3).map(AppendOutcome::Appended).collect::<Vec<_>>()
    );
    assert_eq!(
        must(
            append(&mut s, &events[2..], ExpectedPosition::At(3)),
            "append"
        ),
        vec![
            AppendOutcome::Duplicate(3),
            AppendOutcome::Appended(4),
            AppendOutcome::Appended(5)
        ],
        "append and append_encoded are one operation"
    );
    assert_log(&s, &events, "encoded appends");
}

fn optimistic_concurrency<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    must(
        append(&mut s, &[event(1, "x", "n", 1)], ExpectedPosition::NoEvents),
        "NoEvents on new aggregate",
    );
    must(
        append(&mut s, &[event(2, "y", "n", 1)], ExpectedPosition::NoEvents),
        "NoEvents on another new aggregate",
    );
    let r = append(&mut s, &[event(3, "x", "n", 2)], ExpectedPosition::NoEvents);
    assert!(
        matches!(&r, Err(Error::ConcurrencyConflict { aggregate_id, expected: None, actual: Some(1) }) if aggregate_id == "x"),
        "NoEvents on existing aggregate: {r:?}"
    );
    let r = append(
        &mut s,
        &[event(3, "x", "n", 2), event(4, "x", "n", 3)],
        ExpectedPosition::At(2),
    );
    assert!(
        matches!(
            &r,
            Err(Error::ConcurrencyConflict {
                expected: Some(2),
                actual: Some(1),
                ..
            })
        ),
        "stale expectation: {r:?}"
    );
    let r = append(&mut s, &[event(3, "z", "n", 2)], ExpectedPosition::At(1));
    assert!(
        matches!(
            &r,
            Err(Error::ConcurrencyConflict {
                expected: Some(1),
                actual: None,
                ..
            })
        ),
        "At on an empty aggregate: {r:?}"
    );
    assert_eq!(
        must(
            append(
                &mut s,
                &[event(3, "x", "n", 2), event(4, "x", "n", 3)],
                ExpectedPosition::At(1)
            ),
            "matching expectation"
        ),
        vec![AppendOutcome::Appended(3), AppendOutcome::Appended(4)]
    );
    assert_eq!(must(s.last_position(Some("x")), "last x"), Some(4));
    let r = append(
        &mut s,
        &[event(5, "x", "n", 4), event(6, "y", "n", 2)],
        ExpectedPosition::At(4),
    );
    assert!(
        matches!(r, Err(Error::InvalidArgument(_))),
        "expectation over two aggregates: {r:?}"
    );
    let r = append(&mut s, &[event(5, "x", "n", 4)], ExpectedPosition::At(3));
    assert!(matches!(r, Err(Error::ConcurrencyConflict { .. })));
    assert_eq!(must(s.last_position(None), "last"), Some(4));
    assert_eq!(
        must(
            append(&mut s, &[event(5, "x", "n", 4)], ExpectedPosition::At(4)),
            "At(last)"
        ),
        vec![AppendOutcome::Appended(5)]
    );
}

fn read_order_and_ties<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    // Byte order of node ids: "A" < "B" < "a" < "a b" < "ä".
    let spec: &[(u128, &str, &str, u64)] = &[
        (10, "g1", "a", 5),
        (11, "g2", "B", 5),
        (12, "g1", "ä", 2),
        (13, "g2", "a b", 5),
        (14, "g1", "A", 5),
        (15, "g1", "a", 5), // tie with 10: append order
        (16, "g2", "a", 0),
        (17, "g1", "a", u64::MAX),
        (18, "g2", "a", 1 << 63),
        (19, "g1", "a", (1 << 63) - 1),
        (20, "g1", "a", 5), // another tie, appended later in its own batch
    ];
    let events: Vec<Event> = spec
        .iter()
        .map(|&(n, g, node, c)| event(n, g, node, c))
        .collect();
    must(
        append(&mut s, &events[..6], ExpectedPosition::Any),
        "batch 1",
    );
    must(
        append(&mut s, &events[6..10], ExpectedPosition::Any),
        "batch 2",
    );
    must(
        append(&mut s, &events[10..], ExpectedPosition::Any),
        "batch 3",
    );
    let order: Vec<u128> = vec![16, 12, 14, 11, 10, 15, 20, 13, 19, 18, 17];
    let want: Vec<String> = order.iter().map(|&n| event_id(n)).collect();
    assert_eq!(
        ids(&must(s.load_all_events(), "load_all")),
        want,
        "(lamport_clock, node_id) order with ties in append order"
    );
    let g1: Vec<String> = order
        .iter()
        .filter(|&&n| spec.iter().any(|&(m, g, _, _)| m == n && g == "g1"))
        .map(|&n| event_id(n))
        .collect();
    assert_eq!(ids(&must(s.load_events("g1"), "by aggregate")), g1);
    // A reopened or second handle reads the same order.
    let all = must(s.load_all_events(), "load_all");
    let mut reference = events.clone();
    spec_kitty_events::storage::sort_for_read(&mut reference);
    assert_eq!(all, reference, "same as the core's sort_for_read");
}

fn paging<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    let events: Vec<Event> = (0..25u128)
        .map(|i| event(100 + i, &format!("p{}", i % 3), "n", 25 - i as u64))
        .collect();
    for chunk in events.chunks(4) {
        must(
            append(&mut s, chunk, ExpectedPosition::Any),
            "paging append",
        );
    }
    let mut after = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = must(s.read_after(after, 7), "page");
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 7);
        pages += 1;
        for st in page {
            assert!(st.position > after, "positions increase");
            after = st.position;
            seen.push(st);
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(
        seen.iter().map(|e| e.position).collect::<Vec<_>>(),
        (1..=25).collect::<Vec<u64>>()
    );
    assert_eq!(
        seen.into_iter().map(|e| e.event).collect::<Vec<_>>(),
        events,
        "catch-up returns append order"
    );
    assert!(must(s.read_after(25, 10), "past end").is_empty());
    assert!(must(s.read_after(u64::MAX, 10), "far past end").is_empty());
    assert!(must(s.read_after(3, 0), "limit 0").is_empty());
    let tail = must(s.read_after(20, 100), "tail");
    assert_eq!(tail.len(), 5);
    assert_eq!(tail[0].position, 21);
    assert_eq!(tail[0].event, events[20]);
}

/// Every row `scan` hands out, with its position.
pub fn scan_all<S: EventStore + ?Sized>(
    s: &S,
    after: u64,
    aggregate_id: Option<&str>,
) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    must(
        s.scan(after, aggregate_id, &mut |p, body| {
            out.push((p, body.to_owned()));
            Ok(ControlFlow::Continue(()))
        }),
        "scan",
    );
    out
}

fn scanning<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    assert!(scan_all(&s, 0, None).is_empty(), "empty store");
    // More rows than a backend fetches at a time (PostgreSQL: 4,096), over three
    // aggregates, appended in batches that also carry a duplicate and a conflict.
    let events: Vec<Event> = (0..5_345u128)
        .map(|i| event(1_000 + i, &format!("s{}", i % 3), "n", (i % 17) as u64))
        .collect();
    for chunk in events.chunks(400) {
        let mut batch = chunk.to_vec();
        batch.push(chunk[0].clone());
        batch.push(conflicting(&chunk[1]));
        must(append(&mut s, &batch, ExpectedPosition::Any), "scan fill");
    }
    let want: Vec<(u64, String)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (i as u64 + 1, body_of(e)))
        .collect();
    assert_eq!(
        scan_all(&s, 0, None),
        want,
        "every row in position order, the stored text exactly"
    );
    assert_eq!(scan_all(&s, 4_000, None), want[4_000..], "after a position");
    assert!(scan_all(&s, 5_345, None).is_empty(), "after the last");
    assert!(
        scan_all(&s, u64::MAX, None).is_empty(),
        "far after the last"
    );
    let s1: Vec<(u64, String)> = want
        .iter()
        .filter(|(p, _)| (p - 1) % 3 == 1)
        .cloned()
        .collect();
    assert_eq!(scan_all(&s, 0, Some("s1")), s1, "one aggregate");
    assert_eq!(
        scan_all(&s, 1_500, Some("s1")),
        s1.iter()
            .filter(|(p, _)| *p > 1_500)
            .cloned()
            .collect::<Vec<_>>(),
        "one aggregate after a position"
    );
    assert!(
        scan_all(&s, 0, Some("nope")).is_empty(),
        "unknown aggregate"
    );
    // The visitor stops the scan.
    let mut calls = 0u64;
    must(
        s.scan(0, None, &mut |p, _| {
            calls += 1;
            Ok(if p == 4_500 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        }),
        "break",
    );
    assert_eq!(calls, 4_500, "nothing is visited after a break");
    // An error from the visitor ends the scan with that error.
    let mut calls = 0;
    let r = s.scan(10, None, &mut |p, _| {
        calls += 1;
        if p == 13 {
            Err(Error::InvalidArgument("stop here".into()))
        } else {
            Ok(ControlFlow::Continue(()))
        }
    });
    assert!(
        matches!(&r, Err(Error::InvalidArgument(m)) if m == "stop here"),
        "{r:?}"
    );
    assert_eq!(calls, 3);
    // The store works as before after interrupted scans, and the decoding reads agree
    // with the scan.
    assert_eq!(must(s.last_position(None), "after scans"), Some(5_345));
    assert_eq!(
        must(s.read_after(5_340, 3), "read_after")
            .iter()
            .map(|e| (e.position, body_of(&e.event)))
            .collect::<Vec<_>>(),
        want[5_340..5_343]
    );
    assert_log(&s, &events, "scanned store");
    let mut sorted = events.clone();
    spec_kitty_events::storage::sort_for_read(&mut sorted);
    assert_eq!(must(s.load_all_events(), "load_all"), sorted);
    let mut want_s1: Vec<Event> = events
        .iter()
        .filter(|e| e.aggregate_id == "s1")
        .cloned()
        .collect();
    spec_kitty_events::storage::sort_for_read(&mut want_s1);
    assert_eq!(must(s.load_events("s1"), "load s1"), want_s1);
}

/// Events parsed from JSON with awkward content: the store must give back exactly them,
/// serialising byte for byte the same.
pub fn awkward_events() -> Vec<Event> {
    let docs = [
        json!({
            "event_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "event_type": "WPStatusChanged",
            "aggregate_id": "mission/WP01", "timestamp": "2026-04-05T12:00:00.123456+02:00",
            "build_id": "b", "node_id": "n", "lamport_clock": 3,
            "project_uuid": "12345678123456781234567812345678", "project_slug": "proj",
            "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAW",
            "causation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAX", "data_tier": 3,
            "payload": {"zeta": 1, "alpha": {"nested": [1, 2.5, "x", null, true]},
                        "big": 123456789012345678901234567890u128,
                        "float": 1.5e300, "tenth": 0.1, "neg": -0.0,
                        "text": "quotes \" backslash \\ newline \n tab \t nul \u{0} é 😀",
                        "empty": {}, "list": []}
        }),
        json!({
            "event_id": "11111111-2222-3333-4444-555555555555", "event_type": "X",
            "aggregate_id": "ä/ü", "timestamp": "2026-01-01T00:00:00",
            "build_id": "b", "node_id": "nöde", "lamport_clock": 0,
            "project_uuid": "12345678-1234-5678-1234-567812345678",
            "correlation_id": "11111111-2222-3333-4444-555555555555",
            "schema_version": "2.9.1"
        }),
        json!({
            "event_id": "01ARZ3NDEKTSV4RRFFQ69G5FAZ", "event_type": "Y",
            "aggregate_id": "a", "timestamp": "2026-01-01T00:00:00.5-05:30",
            "build_id": "b", "node_id": "n", "lamport_clock": u64::MAX,
            "project_uuid": "12345678-1234-5678-1234-567812345678",
            "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAZ",
            "payload": {"b": 1, "a": 2, "c": {"y": 1, "x": 2}}
        }),
    ];
    docs.iter()
        .map(|d| Event::from_value(d).expect("valid awkward event"))
        .collect()
}

fn round_trip_fidelity<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    let events = awkward_events();
    must(append(&mut s, &events, ExpectedPosition::Any), "awkward");
    let back: Vec<Event> = must(s.read_after(0, 10), "read")
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(back, events, "what comes back equals what went in");
    for (a, b) in back.iter().zip(&events) {
        assert_eq!(
            serde_json::to_string(a).expect("json"),
            serde_json::to_string(b).expect("json"),
            "canonical JSON is preserved byte for byte"
        );
    }
    assert_eq!(
        scan_all(&s, 0, None),
        events
            .iter()
            .enumerate()
            .map(|(i, e)| (i as u64 + 1, serde_json::to_string(e).expect("json")))
            .collect::<Vec<_>>(),
        "scan hands out the canonical JSON as stored"
    );
    // Re-appending the parsed copies is a no-op.
    let again: Vec<AppendOutcome> = must(append(&mut s, &back, ExpectedPosition::Any), "again");
    assert_eq!(
        again,
        vec![
            AppendOutcome::Duplicate(1),
            AppendOutcome::Duplicate(2),
            AppendOutcome::Duplicate(3)
        ]
    );
}

fn stats<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    let events = vec![
        event(1, "a", "n1", 1),
        event(2, "a", "n1", 2),
        event(3, "b", "n1", 4),
        event(4, "b", "n2", 7),
        event(5, "a", "n3", u64::MAX),
    ];
    must(
        append(&mut s, &events, ExpectedPosition::Any),
        "stats append",
    );
    let got = must(s.stats(), "stats");
    let want: BTreeMap<String, NodeStats> = [("n1", 3, 4), ("n2", 1, 7), ("n3", 1, u64::MAX)]
        .into_iter()
        .map(|(n, c, m)| {
            (
                n.to_string(),
                NodeStats {
                    event_count: c,
                    max_lamport_clock: m,
                },
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        got,
        spec_kitty_events::storage::stats_of(&events),
        "same as the core's stats_of"
    );
}

fn restart_and_second_handle<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    let first: Vec<Event> = (0..10)
        .map(|i| event(200 + i, "r", "n", i as u64))
        .collect();
    must(
        append(&mut s, &first, ExpectedPosition::Any),
        "before restart",
    );
    let mut s = b.reopen_events(s);
    assert_log(&s, &first, "after reopen");
    assert_eq!(must(s.last_position(Some("r")), "last"), Some(10));
    assert_eq!(
        must(append(&mut s, &first[3..4], ExpectedPosition::Any), "dup"),
        vec![AppendOutcome::Duplicate(4)],
        "duplicates are recognised after a restart"
    );
    let changed = altered(&first[3], |v| v["node_id"] = json!("other"));
    assert_eq!(
        must(
            append(&mut s, &[changed], ExpectedPosition::Any),
            "conflict"
        ),
        vec![AppendOutcome::Conflict(4)],
        "conflicts are recognised after a restart"
    );
    assert_eq!(
        must(
            append(
                &mut s,
                &[event(300, "r", "n", 10)],
                ExpectedPosition::At(10)
            ),
            "continue"
        ),
        vec![AppendOutcome::Appended(11)],
        "positions continue after a restart"
    );
    if let Some(mut other) = b.second_events(&s) {
        assert_eq!(must(other.last_position(None), "second"), Some(11));
        let r = append(
            &mut other,
            &[event(301, "r", "n", 11)],
            ExpectedPosition::At(10),
        );
        assert!(
            matches!(
                r,
                Err(Error::ConcurrencyConflict {
                    actual: Some(11),
                    ..
                })
            ),
            "second handle sees the first's append: {r:?}"
        );
        must(
            append(
                &mut other,
                &[event(301, "r", "n", 11)],
                ExpectedPosition::At(11),
            ),
            "second handle appends",
        );
        assert_eq!(must(s.last_position(Some("r")), "first sees"), Some(12));
        assert_eq!(must(s.read_after(11, 5), "first reads").len(), 1);
    } else {
        assert!(!b.durable(), "a durable backend must offer second handles");
    }
}

fn clocks<B: Backend>(b: &mut B) {
    let mut c = b.fresh_clocks();
    assert_eq!(must(c.load("n"), "load unknown"), 0);
    assert_eq!(must(c.tick("n"), "tick"), 1);
    assert_eq!(must(c.tick("n"), "tick"), 2);
    assert_eq!(must(c.tick("m"), "tick other"), 1);
    assert_eq!(must(c.load("n"), "load"), 2);
    must(c.save("n", 10), "save");
    assert_eq!(must(c.tick("n"), "tick after save"), 11);
    assert_eq!(must(c.update("n", 5), "update lower"), 12);
    assert_eq!(must(c.update("n", 100), "update higher"), 101);
    assert_eq!(must(c.update("fresh", 7), "update unknown"), 8);
    must(c.save("n", 3), "save lower");
    assert_eq!(must(c.load("n"), "save overwrites"), 3);
    must(c.save("n", 101), "save");
    let mut c = b.reopen_clocks(c);
    assert_eq!(must(c.load("n"), "resume"), 101);
    assert_eq!(must(c.tick("n"), "tick after restart"), 102);
    assert_eq!(must(c.load("m"), "resume m"), 1);
    assert_eq!(must(c.load("fresh"), "resume fresh"), 8);
    let mut clock = must(
        spec_kitty_events::LamportClock::new("n", c),
        "LamportClock resumes",
    );
    assert_eq!(clock.current(), 102);
    assert_eq!(must(clock.tick(), "clock tick"), 103);
    let c = clock.into_storage();
    if let Some(mut other) = b.second_clocks(&c) {
        let mut c = c;
        let mut seen = HashSet::new();
        for i in 0..50 {
            let v = if i % 3 == 0 {
                must(other.tick("shared"), "tick b")
            } else {
                must(c.tick("shared"), "tick a")
            };
            assert!(seen.insert(v), "value {v} handed out twice");
        }
        assert_eq!(seen.len(), 50);
        assert_eq!(seen.iter().max(), Some(&50));
        assert_eq!(must(other.update("shared", 10), "update b"), 51);
        assert_eq!(must(c.load("shared"), "a sees"), 51);
    } else {
        assert!(!b.durable(), "a durable backend must offer second handles");
    }
}

fn clock_overflow<B: Backend>(b: &mut B) {
    let mut c = b.fresh_clocks();
    must(c.save("n", u64::MAX - 1), "save near max");
    assert_eq!(must(c.load("n"), "load near max"), u64::MAX - 1);
    assert_eq!(must(c.tick("n"), "tick to max"), u64::MAX);
    assert!(c.tick("n").is_err(), "tick past u64::MAX is refused");
    assert!(c.update("n", 3).is_err(), "update past u64::MAX is refused");
    assert!(
        c.update("m", u64::MAX).is_err(),
        "update to remote u64::MAX + 1 is refused"
    );
    assert_eq!(must(c.load("n"), "unchanged"), u64::MAX);
    assert_eq!(must(c.load("m"), "untouched"), 0);
    must(c.save("z", 1 << 63), "save 2^63");
    assert_eq!(must(c.tick("z"), "tick across 2^63"), (1 << 63) + 1);
    must(c.save("y", (1 << 63) - 1), "save 2^63-1");
    assert_eq!(must(c.tick("y"), "tick to 2^63"), 1 << 63);
    assert_eq!(
        must(c.update("x", (1 << 63) + 5), "update high"),
        (1 << 63) + 6
    );
}

fn entry(i: usize) -> ErrorEntry {
    ErrorEntry::from_value(&json!({
        "timestamp": format!("2026-01-01T00:00:{:02}.000001+01:00", i % 60),
        "action_attempted": format!("action {i}"),
        "error_message": format!("failed {i} — ünïcode"),
        "resolution": if i.is_multiple_of(2) { "" } else { "retried" },
        "agent": format!("agent-{}", i % 3),
    }))
    .expect("valid entry")
}

fn actions(v: &[ErrorEntry]) -> Vec<String> {
    v.iter().map(|e| e.action_attempted.clone()).collect()
}

fn error_storage<B: Backend>(b: &mut B) {
    let mut s = b.fresh_errors(3);
    assert!(must(s.load_recent(1), "empty").is_empty());
    assert!(
        matches!(s.load_recent(0), Err(Error::InvalidArgument(_))),
        "limit 0 is refused"
    );
    for i in 0..5 {
        must(ErrorStorage::append(&mut s, &entry(i)), "append entry");
    }
    let recent = must(s.load_recent(10), "recent");
    assert_eq!(actions(&recent), ["action 4", "action 3", "action 2"]);
    assert_eq!(recent[0], entry(4), "entries come back equal");
    assert_eq!(
        actions(&must(s.load_recent(2), "recent 2")),
        ["action 4", "action 3"]
    );
    let mut s = b.reopen_errors(s);
    assert_eq!(
        actions(&must(s.load_recent(10), "after reopen")),
        ["action 4", "action 3", "action 2"]
    );
    must(
        ErrorStorage::append(&mut s, &entry(5)),
        "append after reopen",
    );
    assert_eq!(
        actions(&must(s.load_recent(10), "retention after reopen")),
        ["action 5", "action 4", "action 3"]
    );

    let mut s = b.fresh_errors(DEFAULT_MAX_ERROR_ENTRIES);
    for i in 0..DEFAULT_MAX_ERROR_ENTRIES + 5 {
        must(ErrorStorage::append(&mut s, &entry(i)), "append many");
    }
    let all = must(s.load_recent(usize::MAX), "all");
    assert_eq!(all.len(), DEFAULT_MAX_ERROR_ENTRIES);
    let want: Vec<ErrorEntry> = (5..DEFAULT_MAX_ERROR_ENTRIES + 5)
        .rev()
        .map(entry)
        .collect();
    assert_eq!(all, want, "newest first, oldest evicted");

    let mut s = b.fresh_errors(1);
    must(ErrorStorage::append(&mut s, &entry(1)), "append");
    must(ErrorStorage::append(&mut s, &entry(2)), "append");
    assert_eq!(actions(&must(s.load_recent(5), "limit 1")), ["action 2"]);
}

fn key(reducer: &str, mode: &str, roster: &str, aggregate: Option<&str>) -> CheckpointKey {
    CheckpointKey {
        reducer: reducer.to_owned(),
        mode: mode.to_owned(),
        roster: roster.to_owned(),
        aggregate: aggregate.map(str::to_owned),
    }
}

fn checkpoint(k: &CheckpointKey, position: u64, version: &str, state: Vec<u8>) -> Checkpoint {
    Checkpoint {
        key: k.clone(),
        position,
        version: version.to_owned(),
        state,
        written_at: 1_700_000_000_000 + position,
    }
}

fn checkpoints<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    let k = key("status", "default", "", None);
    assert_eq!(must(s.load_checkpoint(&k), "load none"), None);
    assert!(must(s.list_checkpoints(), "list none").is_empty());
    // Every byte value survives, and so does a state of several megabytes.
    let bytes: Vec<u8> = (0..=255u8).cycle().take(3 << 20).collect();
    let c10 = checkpoint(&k, 10, "v1", bytes.clone());
    assert!(must(s.save_checkpoint(&c10), "save"), "a first save stores");
    assert_eq!(must(s.load_checkpoint(&k), "load"), Some(c10.clone()));
    // An older replay never overwrites a newer checkpoint of the same version.
    assert!(!must(
        s.save_checkpoint(&checkpoint(&k, 7, "v1", vec![7])),
        "older"
    ));
    assert_eq!(must(s.load_checkpoint(&k), "still 10"), Some(c10.clone()));
    // The same position replaces it (a --full rewrite), a later one too.
    let c10b = checkpoint(&k, 10, "v1", vec![1, 0, 1]);
    assert!(must(s.save_checkpoint(&c10b), "same position"));
    assert_eq!(must(s.load_checkpoint(&k), "rewritten"), Some(c10b));
    let c12 = checkpoint(&k, 12, "v1", vec![12]);
    assert!(must(s.save_checkpoint(&c12), "later"));
    // Another version's checkpoint is replaced whatever its position.
    let c3 = checkpoint(&k, 3, "v2", vec![3]);
    assert!(must(s.save_checkpoint(&c3), "other version"));
    assert_eq!(must(s.load_checkpoint(&k), "v2"), Some(c3.clone()));
    // Keys differing in any part are independent; "=*"-like aggregate ids are not the
    // whole log.
    let others = [
        key("status", "strict", "", None),
        key("status", "default", "ab", None),
        key("status", "default", "", Some("m/WP01")),
        key("status", "default", "", Some("*")),
        key("status", "default", "", Some("")),
        key("sync", "default", "", None),
    ];
    for (i, o) in others.iter().enumerate() {
        assert!(must(
            s.save_checkpoint(&checkpoint(o, i as u64, "v1", vec![i as u8])),
            "other key"
        ));
    }
    assert_eq!(must(s.load_checkpoint(&k), "untouched"), Some(c3.clone()));
    for (i, o) in others.iter().enumerate() {
        let got = must(s.load_checkpoint(o), "other key load");
        assert_eq!(got.map(|c| c.state), Some(vec![i as u8]), "{o:?}");
    }
    let listed = must(s.list_checkpoints(), "list");
    let keys: Vec<CheckpointKey> = listed.iter().map(|i| i.key.clone()).collect();
    let mut want: Vec<CheckpointKey> = others.to_vec();
    want.push(k.clone());
    want.sort_by_key(|k| {
        (
            k.reducer.clone(),
            k.mode.clone(),
            k.roster.clone(),
            k.scope(),
        )
    });
    assert_eq!(keys, want, "listed in key order");
    let info = listed.iter().find(|i| i.key == k).expect("listed");
    assert_eq!(*info, c3.info(), "position, version, size and time");
    // Durable checkpoints survive a restart and are seen by a second handle.
    let mut s = b.reopen_events(s);
    if b.durable() {
        assert_eq!(
            must(s.load_checkpoint(&k), "after reopen"),
            Some(c3.clone())
        );
    }
    if let Some(mut other) = b.second_events(&s) {
        assert!(!must(
            other.save_checkpoint(&checkpoint(&k, 2, "v2", vec![2])),
            "older"
        ));
        assert!(must(
            other.save_checkpoint(&checkpoint(&k, 4, "v2", vec![4])),
            "newer"
        ));
        let seen = must(s.load_checkpoint(&k), "first sees the second's save");
        assert_eq!(seen.map(|c| c.position), Some(4));
    }
    assert_eq!(must(s.drop_checkpoints(Some("sync")), "drop sync"), 1);
    assert_eq!(must(s.list_checkpoints(), "after drop").len(), others.len());
    assert_eq!(
        must(s.drop_checkpoints(None), "drop all"),
        others.len() as u64
    );
    assert!(must(s.list_checkpoints(), "empty").is_empty());
    assert_eq!(must(s.load_checkpoint(&k), "dropped"), None);
}

/// A `WPStatusChanged` event moving `wp` from `from` to `to` at `clock`.
pub fn status_event(n: u128, wp: &str, clock: u64, from: Option<&str>, to: &str) -> Event {
    let mut payload = json!({"mission_slug": "m", "wp_id": wp, "from_lane": from,
                             "to_lane": to, "actor": "agent", "execution_mode": "worktree"});
    if matches!(to, "approved" | "done") {
        payload["evidence"] = json!({"repos": [{"repo": "r", "branch": "b", "commit": "c"}],
                                     "review": {"reviewer": "x", "verdict": "approved",
                                                "reference": "PR#1"}});
    }
    altered(&event(n, &format!("m/{wp}"), "node", clock), |v| {
        v["event_type"] = json!("WPStatusChanged");
        v["payload"] = payload;
    })
}

const STATUS_PATH: [&str; 4] = ["planned", "claimed", "in_progress", "for_review"];

/// Status events of `wps` work packages walking the first lanes, one step per clock from
/// `first_clock`: `steps` events in all, numbered from `n`.
pub fn status_walk(n: u128, wps: usize, steps: usize, first_clock: u64) -> Vec<Event> {
    (0..steps)
        .map(|i| {
            let (wp, step) = (i % wps, i / wps);
            let to = STATUS_PATH[step % STATUS_PATH.len()];
            let from =
                (step % STATUS_PATH.len() > 0).then(|| STATUS_PATH[step % STATUS_PATH.len() - 1]);
            status_event(
                n + i as u128,
                &format!("WP{wp:03}"),
                first_clock + step as u64,
                from,
                to,
            )
        })
        .collect()
}

fn replay_stored<S: EventStore + ?Sized>(s: &S, options: &ReplayOptions) -> Value {
    let all: Vec<Event> = must(s.read_after(0, usize::MAX), "read all")
        .into_iter()
        .map(|e| e.event)
        .collect();
    must(replay(ReducerKind::Status, &all, options), "full replay")
}

fn checkpointed_replays<B: Backend>(b: &mut B) {
    let mut s = b.fresh_events();
    let opts = ReplayOptions::default();
    let run = |s: &mut B::Events, full: bool| {
        must(
            replay_store_json(s, ReducerKind::Status, &opts, None, full),
            "replay",
        )
    };
    let empty = run(&mut s, false);
    assert_eq!(
        empty.replayed,
        Replayed::Full {
            events: 0,
            reason: FullReason::NoCheckpoint
        }
    );
    assert_eq!(empty.position, 0);
    must(
        append(&mut s, &status_walk(1000, 5, 20, 1), ExpectedPosition::Any),
        "append",
    );
    let first = run(&mut s, false);
    assert_eq!(
        first.replayed,
        Replayed::Folded {
            checkpoint: 0,
            events: 20
        }
    );
    assert_eq!((first.position, first.saved), (20, true));
    assert_eq!(must(first.state, "state"), replay_stored(&s, &opts));
    // Nothing new: nothing written.
    let again = run(&mut s, false);
    assert_eq!(
        (again.replayed, again.saved),
        (
            Replayed::Folded {
                checkpoint: 20,
                events: 0
            },
            false
        )
    );
    // New events after the folded clocks fold.
    // (clocks 100 and on: the first walk's clocks 1 to 4 leave the window and are folded)
    must(
        append(&mut s, &status_walk(2000, 5, 5, 100), ExpectedPosition::Any),
        "append",
    );
    let folded = run(&mut s, false);
    assert_eq!(
        folded.replayed,
        Replayed::Folded {
            checkpoint: 20,
            events: 5
        }
    );
    assert_eq!(must(folded.state, "state"), replay_stored(&s, &opts));
    // A late event (below the folded clocks) forces a full replay, with the same result.
    must(
        append(
            &mut s,
            &[status_event(3000, "WP900", 2, None, "planned")],
            ExpectedPosition::Any,
        ),
        "late",
    );
    let late = run(&mut s, false);
    assert_eq!(
        late.replayed,
        Replayed::Full {
            events: 26,
            reason: FullReason::Late {
                late: 1,
                checkpoint: 25
            }
        }
    );
    assert_eq!(must(late.state, "state"), replay_stored(&s, &opts));
    // After a restart the checkpoint is still used; --full ignores and rewrites it.
    let mut s = b.reopen_events(s);
    let full = run(&mut s, true);
    assert_eq!(
        full.replayed,
        Replayed::Full {
            events: 26,
            reason: FullReason::Requested
        }
    );
    assert!(full.saved);
    must(
        append(&mut s, &status_walk(4000, 2, 2, 170), ExpectedPosition::Any),
        "append",
    );
    let after = run(&mut s, false);
    assert_eq!(
        after.replayed,
        Replayed::Folded {
            checkpoint: 26,
            events: 2
        }
    );
    assert_eq!(must(after.state, "state"), replay_stored(&s, &opts));
    // A checkpoint of another version is ignored (and replaced).
    let k = spec_kitty_events::checkpoint::checkpoint_key(ReducerKind::Status, &opts, None);
    let mut stale = must(s.load_checkpoint(&k), "load").expect("saved");
    stale.version = "0.0.0+checkpoint.0".into();
    assert!(must(s.save_checkpoint(&stale), "stale"));
    let other = run(&mut s, false);
    assert_eq!(
        other.replayed,
        Replayed::Full {
            events: 28,
            reason: FullReason::OtherVersion("0.0.0+checkpoint.0".into())
        }
    );
    // An undecodable checkpoint is ignored too.
    let mut broken = must(s.load_checkpoint(&k), "load").expect("saved");
    broken.state.truncate(broken.state.len() / 2);
    assert!(must(s.save_checkpoint(&broken), "broken"));
    let r = run(&mut s, false);
    assert!(
        matches!(
            r.replayed,
            Replayed::Full {
                reason: FullReason::Unreadable(_),
                ..
            }
        ),
        "{:?}",
        r.replayed
    );
    assert_eq!(must(r.state, "state"), replay_stored(&s, &opts));
    // One aggregate, another mode: their own checkpoints.
    let agg = must(
        replay_store_json(&mut s, ReducerKind::Status, &opts, Some("m/WP001"), false),
        "agg",
    );
    assert_eq!(
        agg.replayed,
        Replayed::Full {
            events: 6,
            reason: FullReason::NoCheckpoint
        }
    );
    assert_eq!(agg.position, 28);
    let wp001: Vec<Event> = must(s.load_events("m/WP001"), "load");
    assert_eq!(
        must(agg.state, "agg state"),
        must(replay(ReducerKind::Status, &wp001, &opts), "agg full")
    );
    let strict = ReplayOptions {
        mode: Mode::Strict,
        roster: None,
    };
    let st = must(
        replay_store_json(&mut s, ReducerKind::Status, &strict, None, false),
        "strict",
    );
    assert!(matches!(
        st.replayed,
        Replayed::Full {
            reason: FullReason::NoCheckpoint,
            ..
        }
    ));
    assert_eq!(must(s.list_checkpoints(), "list").len(), 3);
}

/// The in-memory implementations as a [`Backend`] (not durable).
#[derive(Debug, Default)]
pub struct InMemoryBackend;

impl Backend for InMemoryBackend {
    type Events = spec_kitty_events::InMemoryEventStore;
    type Clocks = spec_kitty_events::InMemoryClockStorage;
    type Errors = spec_kitty_events::InMemoryErrorStorage;
    fn durable(&self) -> bool {
        false
    }
    fn fresh_events(&mut self) -> Self::Events {
        Self::Events::new()
    }
    fn fresh_clocks(&mut self) -> Self::Clocks {
        Self::Clocks::new()
    }
    fn fresh_errors(&mut self, max_entries: usize) -> Self::Errors {
        Self::Errors::new(max_entries)
    }
    fn reopen_events(&mut self, store: Self::Events) -> Self::Events {
        store
    }
    fn reopen_clocks(&mut self, store: Self::Clocks) -> Self::Clocks {
        store
    }
    fn reopen_errors(&mut self, store: Self::Errors) -> Self::Errors {
        store
    }
    fn second_events(&mut self, _: &Self::Events) -> Option<Self::Events> {
        None
    }
    fn second_clocks(&mut self, _: &Self::Clocks) -> Option<Self::Clocks> {
        None
    }
}

/// How to open a durable store that keeps events, clocks and error entries behind one
/// handle (SQLite, PostgreSQL); [`DurableBackend`] makes a [`Backend`] of it.
pub trait Locations {
    /// The store.
    type Store: EventStore + CheckpointStore + ClockStorage + ErrorStorage + Send;
    /// Where a store lives (a file, a database schema).
    type Location;
    /// A new, empty location.
    fn fresh_location(&mut self) -> Self::Location;
    /// Opens the store at `location`, keeping at most `error_retention` error entries.
    fn open(&mut self, location: &Self::Location, error_retention: usize) -> Self::Store;
    /// The location of an open store and its error retention.
    fn location_of(&self, store: &Self::Store) -> (Self::Location, usize);
}

/// The [`Backend`] of durable [`Locations`]: reopening closes the store and opens its
/// location again, as a restarted process would; a second handle is one more open of the
/// same location, as another process would have.
#[derive(Debug)]
pub struct DurableBackend<L>(pub L);

impl<L: Locations> DurableBackend<L> {
    fn fresh(&mut self, error_retention: usize) -> L::Store {
        let location = self.0.fresh_location();
        self.0.open(&location, error_retention)
    }
    fn reopen(&mut self, store: L::Store) -> L::Store {
        let (location, keep) = self.0.location_of(&store);
        drop(store);
        self.0.open(&location, keep)
    }
    fn second(&mut self, store: &L::Store) -> L::Store {
        let (location, keep) = self.0.location_of(store);
        self.0.open(&location, keep)
    }
}

impl<L: Locations> Backend for DurableBackend<L> {
    type Events = L::Store;
    type Clocks = L::Store;
    type Errors = L::Store;
    fn durable(&self) -> bool {
        true
    }
    fn fresh_events(&mut self) -> L::Store {
        self.fresh(DEFAULT_MAX_ERROR_ENTRIES)
    }
    fn fresh_clocks(&mut self) -> L::Store {
        self.fresh(DEFAULT_MAX_ERROR_ENTRIES)
    }
    fn fresh_errors(&mut self, max_entries: usize) -> L::Store {
        self.fresh(max_entries)
    }
    fn reopen_events(&mut self, store: L::Store) -> L::Store {
        self.reopen(store)
    }
    fn reopen_clocks(&mut self, store: L::Store) -> L::Store {
        self.reopen(store)
    }
    fn reopen_errors(&mut self, store: L::Store) -> L::Store {
        self.reopen(store)
    }
    fn second_events(&mut self, store: &L::Store) -> Option<L::Store> {
        Some(self.second(store))
    }
    fn second_clocks(&mut self, store: &L::Store) -> Option<L::Store> {
        Some(self.second(store))
    }
}
