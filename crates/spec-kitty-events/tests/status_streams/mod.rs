//! Generated `WPStatusChanged` streams (1–30 events): concurrent clocks, duplicate ids
//! (same and different content, ids in differently-cased forms), forced moves, rollbacks,
//! malformed payloads, timestamps of every form with mixed offsets, a few other event
//! types. Shared by the status differential test and the chunked-replay tests.

#![allow(dead_code)]

use crate::common::*;
use serde_json::{Value, json};

const LANES: [&str; 8] = [
    "planned",
    "claimed",
    "in_progress",
    "for_review",
    "approved",
    "done",
    "blocked",
    "canceled",
];

/// The lanes a move from `from` is usually allowed to enter (a bias, not a rule).
fn plausible_next(from: Option<&str>) -> &'static [&'static str] {
    match from {
        None => &["planned"],
        Some("planned") => &["claimed", "blocked", "canceled"],
        Some("claimed") => &["in_progress", "doing", "blocked"],
        Some("in_progress") => &["for_review", "approved", "planned", "blocked"],
        Some("for_review") => &["approved", "done", "in_progress", "planned"],
        Some("approved") => &["done", "in_progress", "planned"],
        Some("blocked") => &["in_progress", "canceled"],
        _ => &["in_progress", "planned", "for_review"],
    }
}

/// A timestamp for a status event: mostly well-formed, with offsets mixed so that equal
/// clocks are ordered by isoformat text.
fn status_timestamp(rng: &mut Rng) -> Value {
    if rng.chance(70) {
        let h = rng.range(8, 12);
        let m = *rng.pick(&[0, 0, 30]);
        let frac = *rng.pick(&["", "", ".5", ".000001", ".1234567"]);
        let off = *rng.pick(&[
            "Z", "+00:00", "-00:00", "+02:00", "+0200", "-05:00", "", "", "z",
        ]);
        json!(format!("2026-04-05T{h:02}:{m:02}:00{frac}{off}"))
    } else {
        good_timestamp(rng)
    }
}

fn actor(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!({"profile": "reviewer", "actor_id": "u1"}),
        1 => json!({"display_name": ""}),
        _ => json!(*rng.pick(&["ci-bot", "alice", "bob"])),
    }
}

/// A payload corrupted in one of the ways the contract rejects.
fn bad_payload(rng: &mut Rng, mut p: Value) -> Value {
    match rng.below(16) {
        0 => {
            p.as_object_mut().unwrap().remove("wp_id");
        }
        1 => p["wp_id"] = json!(""),
        2 => p["to_lane"] = json!(*rng.pick(&["in_review", "DONE", "", "Doing"])),
        3 => {
            p["actor"] =
                json!(*rng.pick(&[json!(""), json!("  "), json!({}), json!(5), Value::Null]))
        }
        4 => p["unexpected"] = json!(1),
        5 => {
            p["force"] = json!(true);
            p.as_object_mut().unwrap().remove("reason");
        }
        6 => {
            p["to_lane"] = json!(*rng.pick(&["approved", "done"]));
            p.as_object_mut().unwrap().remove("evidence");
        }
        7 => p["execution_mode"] = json!("cloud"),
        8 => p["evidence"] = json!({"repos": [], "review": {"reviewer": "r", "verdict": "ok"}}),
        9 => p["evidence"] = json!({"repos": [{"repo": "r", "branch": "", "commit": "c"}]}),
        10 => p["force"] = json!(*rng.pick(&[json!("maybe"), json!(2), json!([])])),
        11 => p["wp_id"] = json!(7),
        12 => p["from_lane"] = json!(*rng.pick(&["nowhere", "5"])),
        13 => p["mission_slug"] = json!(""),
        14 => p["review_ref"] = json!(5),
        _ => {
            p.as_object_mut().unwrap().remove("execution_mode");
        }
    }
    p
}

/// One payload moving `wp` from what the generator believes its lane is.
fn payload(rng: &mut Rng, wp: &str, believed: Option<&str>) -> Value {
    let from = if rng.chance(80) {
        believed.map(str::to_owned)
    } else {
        rng.chance(50).then(|| (*rng.pick(&LANES)).to_owned())
    };
    let to = if rng.chance(75) {
        *rng.pick(plausible_next(from.as_deref()))
    } else {
        *rng.pick(&LANES)
    };
    let mut p = json!({
        "mission_slug": "mission-001",
        "wp_id": wp,
        "to_lane": to,
        "actor": actor(rng),
        "execution_mode": *rng.pick(&["worktree", "direct_repo"]),
    });
    match from.as_deref() {
        Some("in_progress") if rng.chance(25) => p["from_lane"] = json!("doing"),
        Some(f) => p["from_lane"] = json!(f),
        None if rng.chance(30) => p["from_lane"] = Value::Null,
        None => {}
    }
    if matches!(to, "approved" | "done") && rng.chance(85) || rng.chance(5) {
        p["evidence"] = evidence();
        if rng.chance(30) {
            p["evidence"]["verification"] = json!([{"command": "cargo test", "result": "pass"}]);
            p["evidence"]["repos"][0]["files_touched"] = json!(["a.rs"]);
        }
    }
    if matches!(from.as_deref(), Some("for_review" | "approved")) && rng.chance(60) {
        p["review_ref"] = json!(*rng.pick(&["PR#12", " ", "review-1"]));
    }
    if rng.chance(12) {
        p["force"] = json!(*rng.pick(&[json!(true), json!("yes"), json!(1), json!("on")]));
        if rng.chance(85) {
            p["reason"] = json!(*rng.pick(&["backfill", "  ", "manual fix"]));
        }
    } else if rng.chance(5) {
        p["force"] = json!(*rng.pick(&[json!(false), json!("off"), json!(0)]));
    }
    if from.as_deref() == Some("in_progress") && to == "planned" && rng.chance(60) {
        p["reason"] = json!("rework");
    }
    if rng.chance(8) {
        p = bad_payload(rng, p);
    }
    p
}

pub fn stream(rng: &mut Rng) -> Vec<Value> {
    let len = if rng.chance(60) {
        rng.range(1, 10)
    } else {
        rng.range(11, 30)
    } as usize;
    let wps: &[&str] = if rng.chance(50) {
        &["WP01"]
    } else {
        &["WP01", "WP02", "WP03"]
    };
    let mixed_types = rng.chance(5);
    let mut believed: std::collections::HashMap<&str, Option<String>> = Default::default();
    let mut clock = rng.range(0, 3);
    let mut out: Vec<Value> = Vec::with_capacity(len);
    while out.len() < len {
        // Duplicates of earlier events: identical, or the same id with other content.
        if !out.is_empty() && rng.chance(10) {
            let mut dup = rng.pick(&out).clone();
            match rng.below(4) {
                0 => {}
                1 => dup["lamport_clock"] = json!(rng.range(0, 12)),
                2 => dup["timestamp"] = status_timestamp(rng),
                _ => {
                    let wp = *rng.pick(wps);
                    dup["payload"] = payload(rng, wp, None);
                }
            }
            // The same id in another accepted spelling.
            if let Some(id) = dup["event_id"].as_str()
                && rng.chance(50)
            {
                let flipped = if rng.chance(50) {
                    id.to_ascii_lowercase()
                } else {
                    id.to_ascii_uppercase()
                };
                dup["event_id"] = json!(flipped);
            }
            out.push(dup);
            continue;
        }
        if rng.chance(60) {
            clock += rng.range(0, 1); // equal clocks are frequent: concurrent groups
        } else if rng.chance(10) {
            clock = (clock - rng.range(1, 3)).max(0); // arrivals out of order
        } else {
            clock += 1;
        }
        let wp = *rng.pick(wps);
        let b = believed.entry(wp).or_default().clone();
        let p = payload(rng, wp, b.as_deref());
        if let Some(to) = p["to_lane"].as_str() {
            let lane = if to == "doing" { "in_progress" } else { to };
            if LANES.contains(&lane) && rng.chance(85) {
                believed.insert(wp, Some(lane.to_owned()));
            }
        }
        let event_type = if mixed_types && rng.chance(30) {
            *rng.pick(&["MissionCreated", "TagAdded", "WPStatusChangedX"])
        } else {
            "WPStatusChanged"
        };
        let mut env = json!({
            "event_id": valid_id(rng),
            "event_type": event_type,
            "aggregate_id": format!("mission-001/{wp}"),
            "payload": p,
            "timestamp": status_timestamp(rng),
            "build_id": "build-1",
            "node_id": *rng.pick(&["node-a", "node-b"]),
            "lamport_clock": clock,
            "project_uuid": "12345678-1234-5678-1234-567812345678",
            "correlation_id": valid_id(rng),
            "schema_version": "3.0.0",
        });
        if rng.chance(3) {
            // An envelope both sides skip.
            env["event_id"] = any_id(rng);
            env["timestamp"] = any_timestamp(rng);
        }
        if rng.chance(3) {
            env["lamport_clock"] =
                json!(*rng.pick(&[json!("4"), json!(3.0), json!(" 2 "), json!(-1), json!(2.5)]));
        }
        out.push(env);
    }
    out
}
