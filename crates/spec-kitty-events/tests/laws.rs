//! Algebraic laws, checked with proptest: the status reducer ignores input order and
//! redelivery; the CRDT merges are commutative, associative and idempotent; a Lamport
//! clock never goes back, across restarts too; the state-machine merge picks the same
//! winner whatever the input order.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use serde_json::{Value, json};
use spec_kitty_events::domain::status::reduce_status_events;
use spec_kitty_events::{
    Event, InMemoryClockStorage, LamportClock, merge_counter, merge_gset, state_machine_merge,
};

const LANES: [&str; 9] = [
    "planned",
    "claimed",
    "in_progress",
    "for_review",
    "approved",
    "done",
    "blocked",
    "canceled",
    "doing",
];
const TIMESTAMPS: [&str; 6] = [
    "2026-04-05T09:00:00Z",
    "2026-04-05T10:00:00+02:00",
    "2026-04-05T09:00:00",
    "2026-04-05T09:00:00.5-01:00",
    "2026-04-05T08:59:59.999999Z",
    "2026-04-05T09:00:00+00:00",
];

fn id(n: usize) -> String {
    format!("01ARZ3NDEKTSV4RRFFQ69G{n:04}")
}

fn envelope(n: usize, clock: u64, ts: &str, node: &str, payload: Value) -> Event {
    Event::from_value(&json!({
        "event_id": id(n), "event_type": "WPStatusChanged", "aggregate_id": "mission/WP",
        "timestamp": ts, "build_id": "b", "node_id": node, "lamport_clock": clock,
        "project_uuid": "12345678-1234-5678-1234-567812345678",
        "correlation_id": id(n), "payload": payload
    }))
    .unwrap()
}

/// Applies a seeded Fisher–Yates shuffle.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

/// One status event drawn from a small alphabet, so that transitions often apply and
/// clocks often collide.
#[derive(Debug, Clone)]
struct StatusSpec {
    wp: u8,
    clock: u64,
    ts: usize,
    from: Option<usize>,
    to: usize,
    force: bool,
    review_ref: bool,
    evidence: bool,
}

fn status_spec() -> impl Strategy<Value = StatusSpec> {
    (
        0u8..2,
        0u64..6,
        0..TIMESTAMPS.len(),
        proptest::option::weighted(0.8, 0..LANES.len()),
        0..LANES.len(),
        proptest::bool::weighted(0.15),
        proptest::bool::weighted(0.5),
        proptest::bool::weighted(0.7),
    )
        .prop_map(
            |(wp, clock, ts, from, to, force, review_ref, evidence)| StatusSpec {
                wp,
                clock,
                ts,
                from,
                to,
                force,
                review_ref,
                evidence,
            },
        )
}

fn status_event(n: usize, s: &StatusSpec) -> Event {
    let mut p = json!({
        "mission_slug": "m", "wp_id": format!("WP0{}", s.wp), "to_lane": LANES[s.to],
        "actor": "a", "execution_mode": "worktree", "force": s.force,
    });
    if let Some(f) = s.from {
        p["from_lane"] = json!(LANES[f]);
    }
    if s.force {
        p["reason"] = json!("forced");
    }
    if s.review_ref {
        p["review_ref"] = json!("PR#1");
    }
    if s.evidence {
        p["evidence"] = json!({"repos": [{"repo": "r", "branch": "b", "commit": "c"}],
                               "review": {"reviewer": "x", "verdict": "ok"}});
    }
    envelope(n, s.clock, TIMESTAMPS[s.ts], "n", p)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn status_reduction_ignores_order_and_redelivery(
        specs in proptest::collection::vec(status_spec(), 1..25),
        dups in proptest::collection::vec(any::<prop::sample::Index>(), 0..10),
        seed in any::<u64>(),
    ) {
        let events: Vec<Event> = specs.iter().enumerate().map(|(n, s)| status_event(n, s)).collect();
        let expected = serde_json::to_value(reduce_status_events(&events)).unwrap();
        let mut input = events.clone();
        input.extend(dups.iter().map(|i| events[i.index(events.len())].clone()));
        shuffle(&mut input, seed | 1);
        let got = serde_json::to_value(reduce_status_events(&input)).unwrap();
        prop_assert_eq!(got, expected);
    }
}

fn tag_events(sets: &[Vec<u8>], base: usize) -> Vec<Event> {
    sets.iter()
        .enumerate()
        .map(|(i, tags)| {
            let tags: Vec<String> = tags.iter().map(|t| format!("t{t}")).collect();
            envelope(base + i, 1, TIMESTAMPS[0], "n", json!({"tags": tags}))
        })
        .collect()
}

fn tag_sets() -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec(proptest::collection::vec(0u8..12, 0..5), 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn gset_merge_is_a_semilattice(a in tag_sets(), b in tag_sets(), c in tag_sets(), seed in any::<u64>()) {
        let (a, b, c) = (tag_events(&a, 0), tag_events(&b, 100), tag_events(&c, 200));
        let m = |xs: &[&[Event]]| merge_gset(&xs.concat()).unwrap();
        let union = |x: &std::collections::BTreeSet<String>, y: &std::collections::BTreeSet<String>| {
            x.union(y).cloned().collect::<std::collections::BTreeSet<_>>()
        };
        // Merge of merges equals merge of the concatenation.
        prop_assert_eq!(m(&[&a, &b]), union(&m(&[&a]), &m(&[&b])));
        // Commutative, associative, idempotent.
        prop_assert_eq!(m(&[&a, &b]), m(&[&b, &a]));
        prop_assert_eq!(union(&union(&m(&[&a]), &m(&[&b])), &m(&[&c])), union(&m(&[&a]), &union(&m(&[&b]), &m(&[&c]))));
        prop_assert_eq!(m(&[&a, &b, &c]), union(&m(&[&a, &b]), &m(&[&c])));
        prop_assert_eq!(m(&[&a, &a]), m(&[&a]));
        // Order-independent.
        let mut shuffled = [a.clone(), b.clone(), c.clone()].concat();
        shuffle(&mut shuffled, seed | 1);
        prop_assert_eq!(merge_gset(&shuffled).unwrap(), m(&[&a, &b, &c]));
    }

    #[test]
    fn counter_merge_counts_each_event_once(
        deltas in proptest::collection::vec(-1000i64..1000, 0..12),
        split in any::<prop::sample::Index>(),
        dups in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
        seed in any::<u64>(),
    ) {
        let events: Vec<Event> = deltas
            .iter()
            .enumerate()
            .map(|(i, d)| envelope(i, 1, TIMESTAMPS[0], "n", json!({"delta": d})))
            .collect();
        let total: i64 = deltas.iter().sum();
        prop_assert_eq!(merge_counter(&events).unwrap(), total);
        // Commutative and associative over disjoint parts.
        let k = if events.is_empty() { 0 } else { split.index(events.len() + 1) };
        let (a, b) = events.split_at(k);
        prop_assert_eq!(merge_counter(&[b, a].concat()).unwrap(), merge_counter(a).unwrap() + merge_counter(b).unwrap());
        // Idempotent under redelivery, order-independent.
        let mut input = events.clone();
        if !events.is_empty() {
            input.extend(dups.iter().map(|i| events[i.index(events.len())].clone()));
        }
        input.extend(events.iter().cloned());
        shuffle(&mut input, seed | 1);
        prop_assert_eq!(merge_counter(&input).unwrap(), total);
    }
}

#[derive(Debug, Clone)]
enum ClockOp {
    Tick,
    Update(u64),
    Restart,
}

fn clock_op() -> impl Strategy<Value = ClockOp> {
    prop_oneof![
        4 => Just(ClockOp::Tick),
        3 => (0u64..50).prop_map(ClockOp::Update),
        1 => (0u64..1_000_000).prop_map(ClockOp::Update),
        2 => Just(ClockOp::Restart),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn lamport_clock_is_monotone_across_restarts(ops in proptest::collection::vec(clock_op(), 1..60)) {
        let mut clock = LamportClock::new("node-a", InMemoryClockStorage::new()).unwrap();
        let mut last = clock.current();
        prop_assert_eq!(last, 0);
        for op in ops {
            match op {
                ClockOp::Tick => {
                    let v = clock.tick().unwrap();
                    prop_assert!(v > last);
                    prop_assert_eq!(v, last + 1);
                    last = v;
                }
                ClockOp::Update(remote) => {
                    let v = clock.update(remote).unwrap();
                    prop_assert!(v > last && v > remote);
                    prop_assert_eq!(v, last.max(remote) + 1);
                    last = v;
                }
                ClockOp::Restart => {
                    let storage = clock.into_storage();
                    clock = LamportClock::new("node-a", storage).unwrap();
                    prop_assert_eq!(clock.current(), last);
                }
            }
            prop_assert_eq!(clock.current(), last);
        }
    }
}

const STATES: [(&str, i64); 5] = [
    ("done", 5),
    ("for_review", 3),
    ("doing", 2),
    ("blocked", 2),
    ("planned", 1),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn state_machine_merge_winner_ignores_order(
        picks in proptest::collection::vec((0..STATES.len(), 0u8..6), 1..8),
        seed in any::<u64>(),
    ) {
        // Distinct node ids: (priority, node) is then a total order and the winner unique.
        let events: Vec<Event> = picks
            .iter()
            .enumerate()
            .map(|(i, (s, node))| {
                envelope(i, 7, TIMESTAMPS[0], &format!("node-{node}-{i}"), json!({"state": STATES[*s].0}))
            })
            .collect();
        let reference = state_machine_merge(&events, &STATES, "state").unwrap();
        let mut shuffled = events.clone();
        shuffle(&mut shuffled, seed | 1);
        let r = state_machine_merge(&shuffled, &STATES, "state").unwrap();
        prop_assert_eq!(&r.merged_event.event_id, &reference.merged_event.event_id);
        prop_assert_eq!(r.resolution_note, reference.resolution_note);
        // The winner has the highest priority present.
        let best = picks.iter().map(|(s, _)| STATES[*s].1).max().unwrap();
        let state = r.merged_event.payload.get("state");
        let won = STATES.iter().find(|(n, _)| Some(*n) == state.as_ref().and_then(|s| s.as_str())).unwrap().1;
        prop_assert_eq!(won, best);
    }
}
