//! Deterministic generators for the decision-point tests: valid payloads of every event type
//! and origin surface, decision-point specific mutations, and whole decision-point streams.
//! Builds on the shared generators of `mission_support`.

#![allow(dead_code)]

use crate::mission_support::{Rng, assemble, mutate as base_mutate, noise, text, timestamp};
use serde_json::{Map, Value, json};

pub const DECISION_POINT_TYPES: [&str; 5] = [
    "DecisionPointOpened",
    "DecisionPointWidened",
    "DecisionPointDiscussing",
    "DecisionPointResolved",
    "DecisionPointOverridden",
];

fn opt(r: &mut Rng, m: &mut Map<String, Value>, key: &str, v: Value) {
    match r.below(3) {
        0 => {}
        1 => {
            m.insert(key.to_owned(), Value::Null);
        }
        _ => {
            m.insert(key.to_owned(), v);
        }
    }
}

fn ts(r: &mut Rng) -> Value {
    let minute = r.below(100) as u32;
    timestamp(r, minute)
}

/// A lax-valid boolean (the schema refuses the non-JSON-boolean forms).
fn lax_bool(r: &mut Rng, b: bool) -> Value {
    match r.below(12) {
        0 => json!(if b { "yes" } else { "off" }),
        1 => json!(u8::from(b)),
        _ => json!(b),
    }
}

fn strings(r: &mut Rng, min: usize) -> Value {
    let n = min + r.below(3);
    Value::Array((0..n).map(|_| text(r)).collect())
}

fn ids(r: &mut Rng, m: &mut Map<String, Value>) {
    m.insert(
        "decision_point_id".into(),
        json!(if r.chance(0.9) { "dp-1" } else { "dp-2" }),
    );
    for k in ["mission_id", "run_id", "mission_slug", "mission_type"] {
        m.insert(k.into(), text(r));
    }
}

fn actor(r: &mut Rng, m: &mut Map<String, Value>) {
    m.insert("actor_id".into(), text(r));
    m.insert(
        "actor_type".into(),
        json!(r.pick(&["human", "human", "llm", "service"])),
    );
}

pub fn participant(r: &mut Rng) -> Value {
    let mut m = Map::new();
    m.insert("participant_id".into(), text(r));
    m.insert(
        "participant_type".into(),
        json!(r.pick(&["human", "llm_context"])),
    );
    opt(r, &mut m, "display_name", json!("Ann"));
    opt(r, &mut m, "session_id", json!("sess-1"));
    if r.chance(0.5) {
        let mut x = Map::new();
        for k in ["slack_user_id", "slack_team_id", "teamspace_member_id"] {
            if r.chance(0.5) {
                x.insert(k.into(), text(r));
            }
        }
        if x.is_empty() {
            x.insert("slack_user_id".into(), json!("U1"));
        }
        m.insert("external_refs".into(), Value::Object(x));
    }
    if r.chance(0.1) {
        m.insert("ignored_extra".into(), json!(1));
    }
    Value::Object(m)
}

fn participants(r: &mut Rng) -> Value {
    let n = r.below(3);
    Value::Array((0..n).map(|_| participant(r)).collect())
}

/// An ADR-style payload; `origin` is `Some("adr")`, `None` (key absent) or another value.
pub fn adr_payload(r: &mut Rng, origin: Option<&str>) -> Value {
    let mut m = Map::new();
    if let Some(o) = origin {
        m.insert("origin_surface".into(), json!(o));
    }
    ids(r, &mut m);
    m.insert("phase".into(), json!(r.pick(&["P0", "P1", "P2"])));
    actor(r, &mut m);
    m.insert(
        "authority_role".into(),
        json!(r.pick(&["mission_owner", "mission_owner", "advisory", "informed"])),
    );
    let flag = r.chance(0.6);
    m.insert("mission_owner_authority_flag".into(), lax_bool(r, flag));
    m.insert(
        "mission_owner_authority_path".into(),
        json!(r.pick(&["", "charter/owner", "x"])),
    );
    m.insert("rationale".into(), text(r));
    m.insert("alternatives_considered".into(), strings(r, 1));
    m.insert("evidence_refs".into(), strings(r, 1));
    m.insert("state_entered_at".into(), ts(r));
    m.insert("recorded_at".into(), ts(r));
    Value::Object(m)
}

/// A policy-abiding ADR payload for an authority-requiring step (resolved, overridden).
pub fn owner_adr_payload(r: &mut Rng, origin: Option<&str>) -> Value {
    let mut p = adr_payload(r, origin);
    p["actor_type"] = json!("human");
    p["authority_role"] = json!("mission_owner");
    p["mission_owner_authority_flag"] = json!(true);
    p
}

fn interview_base(r: &mut Rng) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("origin_surface".into(), json!("planning_interview"));
    ids(r, &mut m);
    m
}

pub fn opened_interview(r: &mut Rng) -> Value {
    let mut m = interview_base(r);
    m.insert("phase".into(), json!(r.pick(&["P0", "P1"])));
    m.insert(
        "origin_flow".into(),
        json!(r.pick(&["charter", "specify", "plan"])),
    );
    m.insert("question".into(), text(r));
    m.insert("options".into(), strings(r, 0));
    m.insert("input_key".into(), text(r));
    m.insert("step_id".into(), text(r));
    actor(r, &mut m);
    m.insert("state_entered_at".into(), ts(r));
    m.insert("recorded_at".into(), ts(r));
    Value::Object(m)
}

pub fn widened(r: &mut Rng) -> Value {
    let mut m = interview_base(r);
    m.insert("channel".into(), json!("slack"));
    let mut t = Map::new();
    t.insert("teamspace_id".into(), text(r));
    opt(r, &mut t, "name", json!("Acme"));
    m.insert("teamspace_ref".into(), Value::Object(t));
    let mut c = Map::new();
    c.insert("channel_id".into(), json!("C1"));
    opt(r, &mut c, "name", json!("decisions"));
    m.insert("default_channel_ref".into(), Value::Object(c));
    let mut th = Map::new();
    opt(r, &mut th, "slack_team_id", json!("T1"));
    th.insert("channel_id".into(), json!("C1"));
    th.insert("thread_ts".into(), json!("1745395200.000100"));
    opt(r, &mut th, "url", json!("https://acme.slack.com/x"));
    m.insert("thread_ref".into(), Value::Object(th));
    if r.chance(0.8) {
        m.insert("invited_participants".into(), participants(r));
    }
    m.insert("widened_by".into(), text(r));
    m.insert("widened_at".into(), ts(r));
    m.insert("recorded_at".into(), ts(r));
    Value::Object(m)
}

pub fn discussing_interview(r: &mut Rng) -> Value {
    let mut m = interview_base(r);
    m.insert(
        "snapshot_kind".into(),
        json!(r.pick(&["participant_contribution", "digest", "owner_note"])),
    );
    if r.chance(0.7) {
        m.insert("contributions".into(), strings(r, 0));
    }
    actor(r, &mut m);
    m.insert("state_entered_at".into(), ts(r));
    m.insert("recorded_at".into(), ts(r));
    Value::Object(m)
}

pub fn summary(r: &mut Rng) -> Value {
    let mut m = Map::new();
    m.insert("text".into(), text(r));
    m.insert(
        "source".into(),
        json!(r.pick(&["slack_extraction", "manual", "mission_owner_override"])),
    );
    opt(
        r,
        &mut m,
        "extracted_at",
        json!("2026-04-23T10:04:30+00:00"),
    );
    opt(r, &mut m, "candidate_answer", json!("oauth2"));
    Value::Object(m)
}

/// An interview resolution that follows the outcome rules.
pub fn resolved_interview(r: &mut Rng, closed_locally: bool, with_summary: bool) -> Value {
    let mut m = interview_base(r);
    let outcome = *r.pick(&["resolved", "resolved", "deferred", "canceled"]);
    m.insert("terminal_outcome".into(), json!(outcome));
    if outcome == "resolved" {
        m.insert("final_answer".into(), text(r));
        if r.chance(0.5) {
            let b = r.chance(0.3);
            m.insert("other_answer".into(), lax_bool(r, b));
        }
        opt(r, &mut m, "rationale", json!("because"));
    } else {
        if r.chance(0.3) {
            m.insert("final_answer".into(), Value::Null);
        }
        if r.chance(0.3) {
            m.insert("other_answer".into(), json!(false));
        }
        m.insert("rationale".into(), text(r));
    }
    if with_summary {
        m.insert("summary".into(), summary(r));
    } else if r.chance(0.3) {
        m.insert("summary".into(), Value::Null);
    }
    if r.chance(0.6) {
        m.insert("actual_participants".into(), participants(r));
    }
    m.insert("resolved_by".into(), text(r));
    if closed_locally || r.chance(0.3) {
        m.insert("closed_locally_while_widened".into(), json!(closed_locally));
    }
    if r.chance(0.5) {
        let mut c = Map::new();
        c.insert("channel_id".into(), json!("C1"));
        c.insert("thread_ts".into(), json!("1745395200.000100"));
        c.insert("message_ts".into(), json!("1745395500.000200"));
        opt(r, &mut c, "url", json!("https://acme.slack.com/y"));
        m.insert("closure_message".into(), Value::Object(c));
    }
    m.insert("state_entered_at".into(), ts(r));
    m.insert("recorded_at".into(), ts(r));
    Value::Object(m)
}

fn adr_origin(r: &mut Rng) -> Option<&'static str> {
    if r.chance(0.25) { None } else { Some("adr") }
}

/// A model-valid payload of `event_type` (lax forms may be refused by the schema).
pub fn valid_payload(r: &mut Rng, event_type: &str) -> Value {
    let interview = r.chance(0.5);
    match event_type {
        "DecisionPointOpened" if interview => opened_interview(r),
        "DecisionPointDiscussing" if interview => discussing_interview(r),
        "DecisionPointResolved" if interview => {
            let c = r.chance(0.2);
            let s = r.chance(0.6);
            resolved_interview(r, c, s)
        }
        "DecisionPointOpened" | "DecisionPointDiscussing" | "DecisionPointResolved" => {
            let o = adr_origin(r);
            adr_payload(r, o)
        }
        "DecisionPointWidened" => widened(r),
        "DecisionPointOverridden" => {
            let o = *r.pick(&[None, Some("adr"), Some("planning_interview")]);
            let mut p = adr_payload(r, o);
            if o.is_none() && r.chance(0.3) {
                p["origin_surface"] = Value::Null;
            }
            p
        }
        other => panic!("no generator for {other}"),
    }
}

fn set(p: &mut Value, key: &str, v: Value) {
    if let Some(m) = p.as_object_mut() {
        m.insert(key.to_owned(), v);
    }
}

const ENUM_KEYS: [&str; 10] = [
    "actor_type",
    "authority_role",
    "origin_flow",
    "snapshot_kind",
    "terminal_outcome",
    "source",
    "channel",
    "participant_type",
    "origin_surface",
    "mission_owner_authority_flag",
];

fn bad_value_at_key(r: &mut Rng, v: &mut Value, keys: &[&str], bad: &[Value]) -> bool {
    let mut hits = Vec::new();
    collect_keys(v, keys, &mut Vec::new(), &mut hits);
    if hits.is_empty() {
        return false;
    }
    let path = r.pick(&hits).clone();
    let x = r.pick(bad).clone();
    let mut cur = &mut *v;
    for step in &path[..path.len() - 1] {
        cur = match step {
            Value::String(k) => &mut cur[k.as_str()],
            Value::Number(n) => &mut cur[n.as_u64().unwrap_or(0) as usize],
            _ => return false,
        };
    }
    if let (Some(Value::String(k)), Some(m)) = (path.last(), cur.as_object_mut()) {
        m.insert(k.clone(), x);
    }
    true
}

fn collect_keys(v: &Value, keys: &[&str], prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                prefix.push(json!(k));
                if keys.contains(&k.as_str()) {
                    out.push(prefix.clone());
                }
                collect_keys(x, keys, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                prefix.push(json!(i));
                collect_keys(x, keys, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

/// Applies a random mutation (the shared ones plus decision-point specific ones); returns
/// the kind applied.
pub fn mutate(r: &mut Rng, v: &mut Value) -> &'static str {
    match r.below(9) {
        0 => {
            let bad = [
                json!("INVALID"),
                json!("Human"),
                json!(" adr"),
                json!("planning-interview"),
                json!(3),
                json!(null),
                json!("resolved\n"),
                json!("slack "),
                json!("maybe"),
            ];
            if bad_value_at_key(r, v, &ENUM_KEYS, &bad) {
                "bad_enum"
            } else {
                "none"
            }
        }
        1 => {
            // broken discriminator
            let m = v.as_object_mut();
            let Some(m) = m else { return "none" };
            match r.below(6) {
                0 => {
                    m.shift_remove("origin_surface");
                }
                1 => {
                    m.insert("origin_surface".into(), Value::Null);
                }
                2 => {
                    m.insert("origin_surface".into(), json!("ADR"));
                }
                3 => {
                    m.insert("origin_surface".into(), json!(1));
                }
                4 => {
                    // the other surface, with the body unchanged
                    let other = if m.get("origin_surface") == Some(&json!("adr")) {
                        "planning_interview"
                    } else {
                        "adr"
                    };
                    m.insert("origin_surface".into(), json!(other));
                }
                _ => {
                    m.insert("origin_surface".into(), json!(["adr"]));
                }
            }
            "discriminator"
        }
        2 => {
            // outcome rules
            let m = v.as_object_mut();
            let Some(m) = m else { return "none" };
            match r.below(5) {
                0 => {
                    m.insert("terminal_outcome".into(), json!("resolved"));
                }
                1 => {
                    m.insert("terminal_outcome".into(), json!("deferred"));
                }
                2 => {
                    m.insert("final_answer".into(), json!(""));
                }
                3 => {
                    m.insert("other_answer".into(), json!(true));
                }
                _ => {
                    m.insert("rationale".into(), json!(""));
                }
            }
            "outcome"
        }
        3 => {
            // out of range: lengths
            let bad = [json!([]), json!(["a"]), json!("ab"), json!({"0": "a"})];
            if bad_value_at_key(
                r,
                v,
                &[
                    "alternatives_considered",
                    "evidence_refs",
                    "options",
                    "contributions",
                    "invited_participants",
                    "actual_participants",
                    "external_refs",
                ],
                &bad,
            ) {
                "out_of_range"
            } else {
                "none"
            }
        }
        _ => base_mutate(r, v),
    }
}

// ---- streams ----

fn maybe_break(r: &mut Rng, p: &mut Value, rate: f64) {
    if r.chance(rate) {
        mutate(r, p);
        // A discriminator value with a line break is echoed raw inside pydantic's report,
        // which then no longer parses into paths and kinds; the contract test covers it.
        if p.get("origin_surface")
            .and_then(Value::as_str)
            .is_some_and(|s| s.contains('\n'))
        {
            set(p, "origin_surface", json!("resolved "));
        }
    }
}

/// A decision-point stream: an ADR or interview life cycle with widenings, discussions,
/// a resolution and overrides, and now and then a broken payload, a policy breach, an
/// origin switch, an illegal step or a noise event.
pub fn decision_point_stream(r: &mut Rng, unique_ids: bool) -> Vec<Value> {
    let interview = r.chance(0.55);
    let mut steps: Vec<(String, Value)> = Vec::new();
    let push = |steps: &mut Vec<(String, Value)>, t: &str, p: Value| {
        steps.push((t.to_owned(), p));
    };
    let opened = |r: &mut Rng| {
        if interview ^ r.chance(0.08) {
            opened_interview(r)
        } else if r.chance(0.65) {
            let o = adr_origin(r);
            owner_adr_payload(r, o)
        } else {
            let o = adr_origin(r);
            adr_payload(r, o)
        }
    };
    if r.chance(0.92) {
        let mut p = opened(r);
        maybe_break(r, &mut p, 0.06);
        push(&mut steps, "DecisionPointOpened", p);
    }
    if r.chance(0.05) {
        let p = opened(r);
        push(&mut steps, "DecisionPointOpened", p);
    }
    let mut widened_any = false;
    if r.chance(if interview { 0.6 } else { 0.1 }) {
        for _ in 0..1 + r.below(2) {
            let mut p = widened(r);
            maybe_break(r, &mut p, 0.06);
            push(&mut steps, "DecisionPointWidened", p);
            widened_any = true;
        }
    }
    for _ in 0..r.below(3) {
        let mut p = if interview ^ r.chance(0.08) {
            discussing_interview(r)
        } else if r.chance(0.5) {
            let o = adr_origin(r);
            owner_adr_payload(r, o)
        } else {
            let o = adr_origin(r);
            adr_payload(r, o)
        };
        maybe_break(r, &mut p, 0.06);
        push(&mut steps, "DecisionPointDiscussing", p);
    }
    if r.chance(0.1) {
        push(&mut steps, "DecisionPointWidened", widened(r));
    }
    if r.chance(0.8) {
        let mut p = if interview ^ r.chance(0.08) {
            let closed = r.chance(0.3);
            let with_summary = !widened_any || r.chance(0.7);
            resolved_interview(r, closed, with_summary)
        } else if r.chance(0.75) {
            let o = adr_origin(r);
            owner_adr_payload(r, o)
        } else {
            let o = adr_origin(r);
            adr_payload(r, o)
        };
        maybe_break(r, &mut p, 0.06);
        push(&mut steps, "DecisionPointResolved", p);
    }
    if r.chance(0.35) {
        let o = *r.pick(&[None, Some("adr"), Some("planning_interview")]);
        let mut p = if r.chance(0.7) {
            owner_adr_payload(r, o)
        } else {
            adr_payload(r, o)
        };
        maybe_break(r, &mut p, 0.06);
        push(&mut steps, "DecisionPointOverridden", p);
        if r.chance(0.3) {
            let t = *r.pick(&DECISION_POINT_TYPES);
            let p = valid_payload(r, t);
            push(&mut steps, t, p);
        }
    }
    if r.chance(0.15) {
        let t = *r.pick(&DECISION_POINT_TYPES);
        let p = valid_payload(r, t);
        let i = r.below(steps.len() + 1);
        steps.insert(i, (t.to_owned(), p));
    }
    for _ in 0..r.below(2) {
        let (t, p) = noise(r);
        let i = r.below(steps.len() + 1);
        steps.insert(i, (t, p));
    }
    if !steps.is_empty() && r.chance(0.03) {
        set(&mut steps[0].1, "zz", json!(1));
    }
    assemble(r, steps, unique_ids)
}
