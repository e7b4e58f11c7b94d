//! One 100,000-event log per reducer (`replay-<reducer>-100k.jsonl`).
//!
//! Each log repeats one generated mission (from the differential tests' generators, seeded
//! from the table [`SEEDS`]) with fresh event ids and Lamport clocks moved past the
//! previous repetition. Within a repetition the mission keeps its shape: exact
//! redeliveries stay identical lines, an id that the mission reuses (with other content)
//! is reused again, and payload fields that point at other events of the mission
//! (glossary clarifications, semantic checks) point at the same repetition's events.
//!
//! The seeds are fixed so that the logs do not depend on the library under test: each
//! names a mission that the reducer accepts whole, as the reference does (glossary,
//! mission audit, dossier and collaboration refuse some inputs), and whose repeated log it
//! accepts whole too. `gen_corpus --pick-seeds` recomputes the table with the library's
//! reducers, for when the generators change.

use crate::mission_support::{self, Rng};
use crate::{decision_support, reducer_streams};
use serde_json::{Value, json};
use spec_kitty_events::normalize_event_id;
use std::collections::HashMap;

use super::CROCKFORD;

/// Events per log.
pub const EVENTS: usize = 100_000;

/// A generator of one mission (`unique_ids` as the generators take it).
pub type Generator = fn(&mut Rng, bool) -> Vec<Value>;

/// The reducers with a replay log, by command-line name, and their mission generator.
pub const REDUCERS: [(&str, Generator); 9] = [
    ("lifecycle", |r, _| reducer_streams::lifecycle::stream(r)),
    ("collaboration", |r, _| {
        reducer_streams::collaboration::stream(r)
    }),
    ("glossary", |r, _| reducer_streams::glossary::stream(r)),
    ("mission-next", mission_support::mission_next_stream),
    ("dossier", mission_support::dossier_stream),
    ("mission-audit", mission_support::audit_stream),
    ("decision-point", decision_support::decision_point_stream),
    ("connector", |r, _| {
        reducer_streams::connector_sync::stream(r)
    }),
    ("sync", |r, _| reducer_streams::connector_sync::stream(r)),
];

/// The mission seed of each reducer's log (see the module docs and [`accepted_seeds`]).
pub const SEEDS: [(&str, u64); 9] = [
    ("lifecycle", 200),
    ("collaboration", 128),
    ("glossary", 215),
    ("mission-next", 88),
    ("dossier", 164),
    ("mission-audit", 0),
    ("decision-point", 65),
    ("connector", 283),
    ("sync", 283),
];

/// The RNG of mission number `seed`.
pub fn mission_rng(seed: u64) -> Rng {
    Rng(seed.wrapping_mul(7919) + 17)
}

/// The generator of `reducer`.
pub fn generator(reducer: &str) -> Option<Generator> {
    REDUCERS
        .iter()
        .find(|(n, _)| *n == reducer)
        .map(|(_, g)| *g)
}

/// The mission of `reducer` from mission seed `seed`.
pub fn mission(reducer: &str, seed: u64) -> Option<Vec<Value>> {
    let generate = generator(reducer)?;
    Some(generate(&mut mission_rng(seed), true))
}

/// The seed from [`SEEDS`].
pub fn seed(reducer: &str) -> Option<u64> {
    SEEDS.iter().find(|(n, _)| *n == reducer).map(|(_, s)| *s)
}

/// The seeds of the first `candidates` missions of `reducer` that `accepts` (given the
/// mission's documents) approves, longest mission first (ties: lower seed first).
pub fn accepted_seeds(
    reducer: &str,
    candidates: u64,
    accepts: impl Fn(&[Value]) -> bool,
) -> Vec<u64> {
    let Some(generate) = generator(reducer) else {
        return Vec::new();
    };
    let mut found: Vec<(usize, u64)> = (0..candidates)
        .filter_map(|seed| {
            let docs = generate(&mut mission_rng(seed), true);
            (!docs.is_empty() && accepts(&docs)).then_some((docs.len(), seed))
        })
        .collect();
    found.sort_by_key(|&(len, seed)| (std::cmp::Reverse(len), seed));
    found.into_iter().map(|(_, s)| s).collect()
}

/// A fresh id numbered `n`, rendered like `like` (a ULID, a bare or hyphenated UUID, in
/// the same letter case), so that the logs keep the id forms of the generators.
fn fresh_id(n: u64, like: &str) -> String {
    let mut ulid = String::from("01JF");
    let mut x = n;
    for _ in 0..22 {
        ulid.push(CROCKFORD[(x % 32) as usize] as char);
        x /= 32;
    }
    let hexed = format!("{:032x}", u128::from(n) | (0xbe9c_u128 << 112));
    let with_case = |s: String, like: &str| -> String {
        s.chars()
            .zip(like.chars().chain(std::iter::repeat('A')))
            .map(|(c, l)| {
                if l.is_ascii_lowercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect()
    };
    match like.len() {
        36 => with_case(
            format!(
                "{}-{}-{}-{}-{}",
                &hexed[..8],
                &hexed[8..12],
                &hexed[12..16],
                &hexed[16..20],
                &hexed[20..]
            ),
            like,
        ),
        32 => with_case(hexed, like),
        _ => with_case(ulid, like),
    }
}

/// A Lamport clock as written (a number or a digit string).
fn clock_of(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Replaces, in `v`, every string naming one of the mission's events by that event's id
/// in this repetition.
fn remap_refs(v: &mut Value, ids: &HashMap<String, u64>, base: u64) {
    match v {
        Value::String(s) => {
            if let Some(k) = normalize_event_id(s).ok().and_then(|n| ids.get(n.as_ref())) {
                *s = fresh_id(base + k, s);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| remap_refs(x, ids, base)),
        Value::Object(m) => m.values_mut().for_each(|x| remap_refs(x, ids, base)),
        _ => {}
    }
}

/// `EVENTS` events: `mission` repeated with fresh ids and clocks moved past the previous
/// repetition.
pub fn repeat(mission: &[Value]) -> Vec<Value> {
    let mut ids: HashMap<String, u64> = HashMap::new();
    for d in mission {
        if let Some(n) = d["event_id"]
            .as_str()
            .and_then(|s| normalize_event_id(s).ok())
        {
            let next = ids.len() as u64;
            ids.entry(n.into_owned()).or_insert(next);
        }
    }
    let per_rep = ids.len().max(1) as u64;
    let span = mission
        .iter()
        .filter_map(|d| clock_of(&d["lamport_clock"]))
        .max()
        .unwrap_or(0)
        + 1;
    let mut out = Vec::with_capacity(EVENTS);
    'outer: for rep in 0u64.. {
        let base = rep * per_rep;
        for d in mission {
            if out.len() == EVENTS {
                break 'outer;
            }
            let mut e = d.clone();
            if let Some(id) = e["event_id"].as_str().map(str::to_owned)
                && let Some(k) = normalize_event_id(&id)
                    .ok()
                    .and_then(|n| ids.get(n.as_ref()))
            {
                e["event_id"] = json!(fresh_id(base + k, &id));
            }
            if let Some(p) = e.get_mut("payload") {
                remap_refs(p, &ids, base);
            }
            if let Some(clock) = clock_of(&e["lamport_clock"]) {
                let moved = clock + rep * span;
                e["lamport_clock"] = if e["lamport_clock"].is_string() {
                    json!(moved.to_string())
                } else {
                    json!(moved)
                };
            }
            out.push(e);
        }
    }
    out
}

/// The replay log of `reducer`, one JSON text per event.
pub fn replay_lines(reducer: &str) -> Option<Vec<String>> {
    let docs = mission(reducer, seed(reducer)?)?;
    Some(repeat(&docs).iter().map(Value::to_string).collect())
}
