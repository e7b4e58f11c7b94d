//! The log machinery against the reference: merges, CRDTs, topological sort, conflict
//! detection; plus the storage and clock contracts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use spec_kitty_events::{
    ClockStorage, ErrorEntry, ErrorLog, ErrorStorage, Event, EventStore, ExpectedPosition,
    InMemoryClockStorage, InMemoryErrorStorage, InMemoryEventStore, LamportClock, is_concurrent,
    merge_counter, merge_gset, state_machine_merge, topological_sort, total_order_key,
};
use spec_kitty_events_testkit::Oracle;

/// SplitMix64: small, seeded, reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn id(n: usize) -> String {
    format!("01ARZ3NDEKTSV4RRFFQ69G{n:04}")
}

fn envelope(
    n: usize,
    clock: u64,
    aggregate: &str,
    node: &str,
    causation: Option<String>,
    payload: Value,
) -> Value {
    json!({
        "event_id": id(n), "event_type": "T", "aggregate_id": aggregate,
        "timestamp": "2026-01-01T00:00:00Z", "build_id": "b", "node_id": node, "lamport_clock": clock,
        "causation_id": causation, "project_uuid": "12345678-1234-5678-1234-567812345678",
        "correlation_id": id(n), "payload": payload
    })
}

fn parse(docs: &[Value]) -> Vec<Event> {
    docs.iter().map(|d| Event::from_value(d).unwrap()).collect()
}

#[test]
fn state_machine_merge_matches_the_reference() {
    let mut rng = Rng(11);
    let mut oracle = Oracle::start().unwrap();
    let states = ["planned", "doing", "for_review", "done", "blocked"];
    let nodes = ["alice", "bob", "carol", "bob"];
    let mut cases = 0;
    for _ in 0..600 {
        let n = 1 + rng.below(4);
        let key = rng.pick(&["state", "state", "status", "phase"]);
        let mut docs = Vec::new();
        for i in 0..n {
            let clock = if rng.below(12) == 0 { 2 } else { 1 };
            let agg = if rng.below(12) == 0 { "b" } else { "a" };
            let mut payload = serde_json::Map::new();
            match rng.below(10) {
                0 => {}
                1 => {
                    payload.insert("status".into(), json!(rng.pick(&states)));
                }
                2 => {
                    payload.insert(key.into(), json!(7));
                }
                _ => {
                    payload.insert(key.into(), json!(rng.pick(&states)));
                }
            }
            docs.push(envelope(
                i + 1,
                clock,
                agg,
                rng.pick(&nodes),
                None,
                Value::Object(payload),
            ));
        }
        let mut priority: Vec<(&str, i64)> = Vec::new();
        for s in states {
            if rng.below(6) != 0 {
                priority.push((s, rng.below(4) as i64));
            }
        }
        let map: serde_json::Map<String, Value> = priority
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        let events = parse(&docs);
        let ours = state_machine_merge(&events, &priority, key);
        let theirs = oracle
            .ask(
                &json!({"op": "events_call", "func": "spec_kitty_events.merge:state_machine_merge",
                         "events": docs, "args": [map, key]}),
            )
            .unwrap();
        match ours {
            Ok(r) => {
                let t = &theirs["ok"];
                assert_eq!(
                    t["merged_event"],
                    json!(r.merged_event.event_id),
                    "{docs:?}"
                );
                assert_eq!(t["resolution_note"], json!(r.resolution_note));
                assert_eq!(t["requires_manual_review"], json!(false));
                let ids: Vec<&str> = r
                    .conflicting_events
                    .iter()
                    .map(|e| e.event_id.as_str())
                    .collect();
                assert_eq!(t["conflicting_events"], json!(ids));
            }
            Err(e) => {
                assert_eq!(theirs["error"]["type"], "ValidationError", "{docs:?} {e}");
                assert_eq!(theirs["error"]["message"], json!(e.to_string()));
            }
        }
        cases += 1;
    }
    assert_eq!(cases, 600);
}

#[test]
fn topological_sort_matches_the_reference() {
    let mut rng = Rng(23);
    let mut oracle = Oracle::start().unwrap();
    let (mut sorted, mut cyclic) = (0, 0);
    for _ in 0..600 {
        let n = 1 + rng.below(8);
        let mut docs = Vec::new();
        for i in 1..=n {
            let parent = match rng.below(6) {
                0 => None,
                1 => Some(id(900 + rng.below(3))), // outside the input
                2 if rng.below(3) == 0 => Some(id(1 + rng.below(n))), // may form a cycle
                _ if i > 1 => Some(id(1 + rng.below(i - 1))),
                _ => None,
            };
            // Occasionally repeat an id, which the reference also counts as unsortable.
            let me = if i > 1 && rng.below(25) == 0 {
                rng.below(i - 1) + 1
            } else {
                i
            };
            docs.push(envelope(me, 1, "a", "n", parent, json!({})));
        }
        // Shuffle the input order.
        for i in (1..docs.len()).rev() {
            let j = rng.below(i + 1);
            docs.swap(i, j);
        }
        let events = parse(&docs);
        let theirs = oracle
            .ask(&json!({"op": "events_call", "func": "spec_kitty_events.topology:topological_sort", "events": docs}))
            .unwrap();
        match topological_sort(&events) {
            Ok(order) => {
                let ids: Vec<&str> = order.iter().map(|e| e.event_id.as_str()).collect();
                assert_eq!(theirs["ok"], json!(ids));
                sorted += 1;
            }
            Err(e) => {
                assert_eq!(theirs["error"]["type"], "CyclicDependencyError");
                assert_eq!(theirs["error"]["message"], json!(e.to_string()));
                cyclic += 1;
            }
        }
    }
    assert!(
        sorted > 100 && cyclic > 20,
        "both outcomes exercised: {sorted} sorted, {cyclic} refused"
    );
}

#[test]
fn crdt_merges_match_the_reference() {
    let mut rng = Rng(5);
    let mut oracle = Oracle::start().unwrap();
    let tags = ["bug", "urgent", "resolved", "ux", "perf"];
    for _ in 0..400 {
        let n = rng.below(6);
        let mut docs: Vec<Value> = Vec::new();
        for i in 0..n {
            let mut payload = serde_json::Map::new();
            if rng.below(5) != 0 {
                let k = rng.below(4);
                payload.insert(
                    "tags".into(),
                    json!((0..k).map(|_| rng.pick(&tags)).collect::<Vec<_>>()),
                );
            }
            if rng.below(5) != 0 {
                payload.insert("delta".into(), json!(rng.below(21) as i64 - 10));
            }
            // Duplicates of an earlier event (same id, same content) must count once.
            let doc = if i > 0 && rng.below(4) == 0 {
                docs[rng.below(i)].clone()
            } else {
                envelope(i + 1, 1, "a", "n", None, Value::Object(payload))
            };
            docs.push(doc);
        }
        let events = parse(&docs);
        let gset = oracle
            .ask(&json!({"op": "events_call", "func": "spec_kitty_events.crdt:merge_gset", "events": docs}))
            .unwrap();
        let ours: Vec<String> = merge_gset(&events).unwrap().into_iter().collect();
        assert_eq!(gset["ok"], json!(ours));
        let counter = oracle
            .ask(&json!({"op": "events_call", "func": "spec_kitty_events.crdt:merge_counter", "events": docs}))
            .unwrap();
        assert_eq!(counter["ok"], json!(merge_counter(&events).unwrap()));
    }
}

#[test]
fn conflict_detection_matches_the_reference() {
    let mut rng = Rng(9);
    let mut oracle = Oracle::start().unwrap();
    for _ in 0..300 {
        let a = envelope(
            1 + rng.below(2),
            1 + rng.below(2) as u64,
            rng.pick(&["x", "y"]),
            rng.pick(&["n1", "n2"]),
            None,
            json!({}),
        );
        let b = envelope(
            1 + rng.below(2),
            1 + rng.below(2) as u64,
            rng.pick(&["x", "y"]),
            rng.pick(&["n1", "n2"]),
            None,
            json!({}),
        );
        let events = parse(&[a.clone(), b.clone()]);
        let theirs = oracle
            .ask(
                &json!({"op": "events_call", "func": "spec_kitty_events.conflict:is_concurrent",
                         "events": [a, b], "spread": true}),
            )
            .unwrap();
        assert_eq!(theirs["ok"], json!(is_concurrent(&events[0], &events[1])));
        let key = oracle
            .ask(
                &json!({"op": "events_call", "func": "spec_kitty_events.conflict:total_order_key",
                         "events": [a], "spread": true}),
            )
            .unwrap();
        let (clock, node) = total_order_key(&events[0]);
        assert_eq!(key["ok"], json!([clock, node]));
    }
}

#[test]
fn store_semantics_in_memory() {
    let docs: Vec<Value> = (1..=6)
        .map(|i| {
            envelope(
                i,
                (7 - i) as u64 / 2,
                if i % 2 == 0 { "a" } else { "b" },
                if i % 3 == 0 { "z" } else { "m" },
                None,
                json!({"i": i}),
            )
        })
        .collect();
    let events = parse(&docs);
    let mut store = InMemoryEventStore::new();
    let out = store.append(&events, ExpectedPosition::Any).unwrap();
    assert_eq!(out.len(), 6);
    // Re-appending is a no-op; a different event under an existing id is refused, the
    // event beside it stored.
    let again = store.append(&events[..2], ExpectedPosition::Any).unwrap();
    assert!(
        again
            .iter()
            .all(|o| matches!(o, spec_kitty_events::AppendOutcome::Duplicate(_)))
    );
    let changed = Event::from_value(&envelope(1, 3, "b", "m", None, json!({"i": 99}))).unwrap();
    assert_eq!(changed.event_id, events[0].event_id);
    let fresh = Event::from_value(&envelope(7, 9, "a", "m", None, json!({}))).unwrap();
    assert_eq!(
        store
            .append(&[fresh.clone(), changed], ExpectedPosition::Any)
            .unwrap(),
        [
            spec_kitty_events::AppendOutcome::Appended(7),
            spec_kitty_events::AppendOutcome::Conflict(1)
        ]
    );
    assert_eq!(
        store.load_all_events().unwrap().len(),
        7,
        "nothing of the conflicting event landed"
    );
    // Reads come back in (lamport_clock, node_id) order.
    let all = store.load_all_events().unwrap();
    let keys: Vec<(u64, &str)> = all
        .iter()
        .map(|e| (e.lamport_clock, e.node_id.as_str()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(
        store
            .load_events("a")
            .unwrap()
            .iter()
            .all(|e| e.aggregate_id == "a")
    );
    // Optimistic concurrency names the expected and the actual position.
    let last_a = store.last_position(Some("a")).unwrap();
    let err = store
        .append(std::slice::from_ref(&fresh), ExpectedPosition::At(1))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected last position Some(1)") && err.contains(&format!("{last_a:?}")),
        "{err}"
    );
    store
        .append(
            std::slice::from_ref(&fresh),
            ExpectedPosition::At(last_a.unwrap()),
        )
        .unwrap();
    // Catch-up reads page by position.
    let page = store.read_after(2, 3).unwrap();
    assert_eq!(
        page.iter().map(|s| s.position).collect::<Vec<_>>(),
        [3, 4, 5]
    );
    assert_eq!(store.read_after(7, 10).unwrap().len(), 0);
}

#[test]
fn clocks_resume_and_error_logs_keep_their_limit() {
    let mut clock = LamportClock::new("n", InMemoryClockStorage::new()).unwrap();
    let mut last = 0;
    for step in 0..200u64 {
        let v = if step % 3 == 0 {
            clock.update(step * 2).unwrap()
        } else {
            clock.tick().unwrap()
        };
        assert!(v > last);
        last = v;
        if step % 17 == 0 {
            let storage = clock.into_storage();
            assert_eq!(storage.load("n").unwrap(), last);
            clock = LamportClock::new("n", storage).unwrap();
            assert_eq!(clock.current(), last);
        }
    }
    let mut log = ErrorLog::new(InMemoryErrorStorage::default());
    for i in 0..130 {
        let e = ErrorEntry::from_value(&json!({"timestamp": "2026-01-01T00:00:00Z",
            "action_attempted": format!("step {i}"), "error_message": "boom"}))
        .unwrap();
        log.log_error(&e).unwrap();
    }
    let storage = log.into_storage();
    let recent = storage.load_recent(1000).unwrap();
    assert_eq!(recent.len(), 100, "default retention");
    assert_eq!(recent[0].action_attempted, "step 129");
    assert_eq!(recent[99].action_attempted, "step 30");
    assert!(storage.load_recent(0).is_err());
}
