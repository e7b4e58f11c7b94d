//! Deterministic generators shared by the mission-next, dossier and mission-audit tests:
//! a seeded RNG, valid payloads of every event type, mutations, and event envelopes with
//! every id and timestamp form the reference accepts.

#![allow(dead_code)]

use serde_json::{Map, Value, json};
use spec_kitty_events_testkit::json_paths::{at_mut, paths};

/// SplitMix64.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

pub const MISSION_NEXT_TYPES: [&str; 6] = [
    "MissionRunStarted",
    "NextStepIssued",
    "NextStepAutoCompleted",
    "DecisionInputRequested",
    "DecisionInputAnswered",
    "MissionRunCompleted",
];
pub const DOSSIER_TYPES: [&str; 4] = [
    "MissionDossierArtifactIndexed",
    "MissionDossierArtifactMissing",
    "MissionDossierSnapshotComputed",
    "MissionDossierParityDriftDetected",
];
pub const AUDIT_TYPES: [&str; 5] = [
    "MissionAuditRequested",
    "MissionAuditStarted",
    "MissionAuditDecisionRequested",
    "MissionAuditCompleted",
    "MissionAuditFailed",
];

/// Strings of varied shapes (all non-empty).
pub fn text(r: &mut Rng) -> Value {
    let pool = [
        "alpha",
        "run-001",
        "step/plan",
        "Ünïcødé ✓",
        " ",
        "it's",
        "say \"hi\"",
        "back\\slash",
        "line\nbreak",
        "x",
        "spec.md",
        "0",
        "tab\there",
        "日本語",
    ];
    Value::String((*r.pick(&pool)).to_owned())
}

fn opt(r: &mut Rng, m: &mut Map<String, Value>, key: &str, v: impl FnOnce(&mut Rng) -> Value) {
    let v = v(r);
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

/// A lax-valid integer >= `min`: a JSON int mostly, sometimes a numeric string, a float
/// with no fraction or a bool (model-valid, but the schema objects to the latter forms).
fn lax_int(r: &mut Rng, min: i64) -> Value {
    let n = min + r.below(5) as i64;
    match r.below(12) {
        0 => json!(n.to_string()),
        1 => json!(n as f64),
        2 if min <= 1 => json!(true),
        3 => json!(12345678901234567890u64),
        _ => json!(n),
    }
}

pub fn runtime_actor(r: &mut Rng) -> Value {
    let mut m = Map::new();
    m.insert("actor_id".into(), text(r));
    m.insert(
        "actor_type".into(),
        json!(r.pick(&["human", "llm", "service"])),
    );
    if r.chance(0.5) {
        m.insert("display_name".into(), json!(r.pick(&["", "Claude", "Ann"])));
    }
    opt(r, &mut m, "provider", |_| json!("anthropic"));
    opt(r, &mut m, "model", |_| json!("claude-opus-4-6"));
    opt(r, &mut m, "tool", |_| json!("cli"));
    Value::Object(m)
}

pub fn namespace(r: &mut Rng) -> Value {
    let mut m = Map::new();
    m.insert("project_uuid".into(), json!("proj-1"));
    m.insert("mission_slug".into(), json!("008-mission"));
    m.insert("target_branch".into(), json!("main"));
    m.insert("mission_type".into(), json!("software-dev"));
    m.insert("manifest_version".into(), json!("1"));
    opt(r, &mut m, "step_id", text);
    Value::Object(m)
}

pub fn artifact_identity(r: &mut Rng) -> Value {
    let mut m = Map::new();
    m.insert("mission_type".into(), json!("software-dev"));
    m.insert("path".into(), text(r));
    m.insert(
        "artifact_class".into(),
        json!(r.pick(&[
            "input", "workflow", "output", "evidence", "policy", "runtime"
        ])),
    );
    opt(r, &mut m, "run_id", text);
    opt(r, &mut m, "wp_id", |_| json!("WP01"));
    Value::Object(m)
}

pub fn content_hash(r: &mut Rng) -> Value {
    let mut m = Map::new();
    m.insert("hash".into(), json!("abc123"));
    m.insert(
        "algorithm".into(),
        json!(r.pick(&["sha256", "sha512", "md5"])),
    );
    let size = lax_int(r, 0);
    opt(r, &mut m, "size_bytes", |_| size);
    opt(r, &mut m, "encoding", |_| json!("utf-8"));
    Value::Object(m)
}

pub fn provenance(r: &mut Rng) -> Value {
    let mut m = Map::new();
    let ids: Vec<Value> = (0..r.below(3)).map(|_| text(r)).collect();
    opt(r, &mut m, "source_event_ids", |_| Value::Array(ids));
    opt(r, &mut m, "git_sha", |_| json!("abc123def"));
    opt(r, &mut m, "git_ref", |_| json!("refs/heads/main"));
    opt(r, &mut m, "actor_id", text);
    opt(r, &mut m, "actor_kind", |r| {
        json!(r.pick(&["human", "llm", "system"]))
    });
    opt(r, &mut m, "revised_at", |_| json!("2026-02-25T10:05:00Z"));
    Value::Object(m)
}

fn diagnostics(r: &mut Rng, m: &mut Map<String, Value>) {
    let d = if r.chance(0.5) {
        json!({})
    } else {
        json!({"reason": "x", "hint": "y"})
    };
    opt(r, m, "context_diagnostics", |_| d);
}

fn audit_common(r: &mut Rng) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("mission_id".into(), json!("mission-010"));
    m.insert("run_id".into(), json!("run-001"));
    m.insert("mission_slug".into(), json!("mission-010"));
    m.insert("mission_number".into(), lax_int(r, 1));
    m.insert("mission_type".into(), json!("software-dev"));
    m.insert("actor".into(), text(r));
    m
}

fn audit_artifact_ref(r: &mut Rng) -> Value {
    json!({
        "report_path": text(r),
        "content_hash": content_hash(r),
        "provenance": provenance(r),
    })
}

/// A valid payload of `event_type` (valid for the model layer; lax forms may be refused
/// by the schema).
pub fn valid_payload(r: &mut Rng, event_type: &str) -> Value {
    let mut m = Map::new();
    match event_type {
        "MissionRunStarted" | "MissionRunCompleted" => {
            m.insert("run_id".into(), text(r));
            m.insert("mission_type".into(), json!("software-dev"));
            m.insert("actor".into(), runtime_actor(r));
        }
        "NextStepIssued" => {
            m.insert("run_id".into(), text(r));
            m.insert("step_id".into(), text(r));
            m.insert("agent_id".into(), text(r));
            m.insert("actor".into(), runtime_actor(r));
        }
        "NextStepAutoCompleted" => {
            m.insert("run_id".into(), text(r));
            m.insert("step_id".into(), text(r));
            m.insert("agent_id".into(), text(r));
            m.insert("result".into(), json!(r.pick(&["success", "failed"])));
            m.insert("actor".into(), runtime_actor(r));
        }
        "DecisionInputRequested" => {
            m.insert("run_id".into(), text(r));
            m.insert("decision_id".into(), text(r));
            m.insert("step_id".into(), text(r));
            m.insert("question".into(), text(r));
            if r.chance(0.6) {
                let opts: Vec<Value> = (0..r.below(4)).map(|_| text(r)).collect();
                m.insert("options".into(), Value::Array(opts));
            }
            opt(r, &mut m, "input_key", text);
            m.insert("actor".into(), runtime_actor(r));
        }
        "DecisionInputAnswered" => {
            m.insert("run_id".into(), text(r));
            m.insert("decision_id".into(), text(r));
            m.insert("answer".into(), text(r));
            m.insert("actor".into(), runtime_actor(r));
        }
        "MissionDossierArtifactIndexed" => {
            m.insert("namespace".into(), namespace(r));
            m.insert("artifact_id".into(), artifact_identity(r));
            m.insert("content_ref".into(), content_hash(r));
            m.insert("indexed_at".into(), json!("2026-02-21T10:00:00Z"));
            let p = provenance(r);
            opt(r, &mut m, "provenance", |_| p);
            opt(r, &mut m, "step_id", text);
            let s = artifact_identity(r);
            opt(r, &mut m, "supersedes", |_| s);
            diagnostics(r, &mut m);
        }
        "MissionDossierArtifactMissing" => {
            m.insert("namespace".into(), namespace(r));
            m.insert("expected_identity".into(), artifact_identity(r));
            m.insert(
                "manifest_step".into(),
                json!(r.pick(&["required_always", "plan"])),
            );
            m.insert("checked_at".into(), json!("2026-02-21T10:00:00Z"));
            let p = provenance(r);
            opt(r, &mut m, "last_known_ref", |_| p);
            opt(r, &mut m, "remediation_hint", text);
            diagnostics(r, &mut m);
        }
        "MissionDossierSnapshotComputed" => {
            m.insert("namespace".into(), namespace(r));
            m.insert("snapshot_hash".into(), json!("deadbeef"));
            m.insert("artifact_count".into(), lax_int(r, 0));
            m.insert("anomaly_count".into(), lax_int(r, 0));
            m.insert("computed_at".into(), json!("2026-02-21T10:00:00Z"));
            opt(r, &mut m, "algorithm", |r| {
                json!(r.pick(&["sha256", "sha512", "md5"]))
            });
            diagnostics(r, &mut m);
        }
        "MissionDossierParityDriftDetected" => {
            m.insert("namespace".into(), namespace(r));
            m.insert("expected_hash".into(), json!("aaa"));
            m.insert("actual_hash".into(), json!("bbb"));
            m.insert(
                "drift_kind".into(),
                json!(r.pick(&[
                    "artifact_added",
                    "artifact_removed",
                    "artifact_mutated",
                    "anomaly_introduced",
                    "anomaly_resolved",
                    "manifest_version_changed"
                ])),
            );
            m.insert("detected_at".into(), json!("2026-02-21T10:00:00Z"));
            let ids: Vec<Value> = (0..r.below(3)).map(|_| artifact_identity(r)).collect();
            opt(r, &mut m, "artifact_ids_changed", |_| Value::Array(ids));
            opt(r, &mut m, "rebuild_hint", text);
            diagnostics(r, &mut m);
        }
        "MissionAuditRequested" => {
            m = audit_common(r);
            m.insert(
                "trigger_mode".into(),
                json!(r.pick(&["manual", "post_merge"])),
            );
            let scope: Vec<Value> = (0..1 + r.below(3)).map(|_| text(r)).collect();
            m.insert("audit_scope".into(), Value::Array(scope));
            m.insert(
                "enforcement_mode".into(),
                json!(r.pick(&["advisory", "blocking"])),
            );
        }
        "MissionAuditStarted" => {
            m = audit_common(r);
            m.insert("audit_scope_hash".into(), json!("sha256:abc"));
        }
        "MissionAuditDecisionRequested" => {
            m = audit_common(r);
            m.insert("decision_id".into(), text(r));
            m.insert("question".into(), json!(r.pick(&["", "Proceed?"])));
            m.insert("context_summary".into(), json!(r.pick(&["", "ctx"])));
            m.insert(
                "severity".into(),
                json!(r.pick(&["info", "warning", "error", "critical"])),
            );
        }
        "MissionAuditCompleted" => {
            m = audit_common(r);
            m.insert(
                "verdict".into(),
                json!(r.pick(&[
                    "pass",
                    "pass_with_warnings",
                    "fail",
                    "blocked_decision_required"
                ])),
            );
            m.insert(
                "severity".into(),
                json!(r.pick(&["info", "warning", "error", "critical"])),
            );
            m.insert("findings_count".into(), lax_int(r, 0));
            m.insert("artifact_ref".into(), audit_artifact_ref(r));
            m.insert("summary".into(), json!(r.pick(&["", "ok"])));
        }
        "MissionAuditFailed" => {
            m = audit_common(r);
            m.insert("error_code".into(), json!("TIMEOUT"));
            m.insert("error_message".into(), json!(r.pick(&["", "timed out"])));
            let a = audit_artifact_ref(r);
            opt(r, &mut m, "partial_artifact_ref", |_| a);
        }
        other => panic!("no generator for {other}"),
    }
    Value::Object(m)
}

fn odd_value(r: &mut Rng) -> Value {
    r.pick(&[
        json!(0),
        json!(1),
        json!(-1),
        json!(1.5),
        json!(2.0),
        json!(true),
        json!(false),
        Value::Null,
        json!("x"),
        json!(""),
        json!([]),
        json!({}),
        json!(["a"]),
        json!({"k": "v"}),
        json!("5"),
        json!(" 7 "),
        json!("1e3"),
        json!(100000000000000000000000000000u128),
        json!("human\n"),
        json!("HUMAN"),
    ])
    .clone()
}

const MUTATIONS: [&str; 8] = [
    "drop",
    "wrong_type",
    "empty_string",
    "extra_key",
    "bad_enum",
    "out_of_range",
    "double",
    "none",
];

/// Applies a random mutation; returns the kind applied.
pub fn mutate(r: &mut Rng, v: &mut Value) -> &'static str {
    let kind = *r.pick(&MUTATIONS);
    let all = paths(v);
    if all.is_empty() {
        return "none";
    }
    match kind {
        "drop" => {
            let keyed: Vec<&Vec<Value>> = all
                .iter()
                .filter(|p| p.last().is_some_and(Value::is_string))
                .collect();
            let p = (*r.pick(&keyed)).clone();
            let (last, parent) = p.split_last().expect("non-empty path");
            if let Some(Value::Object(m)) = at_mut(v, parent) {
                m.shift_remove(last.as_str().unwrap_or_default());
            }
        }
        "wrong_type" => {
            let p = r.pick(&all).clone();
            let x = odd_value(r);
            if let Some(slot) = at_mut(v, &p) {
                *slot = x;
            }
        }
        "empty_string" => {
            let strs: Vec<Vec<Value>> = all
                .iter()
                .filter(|p| at_mut(&mut v.clone(), p).is_some_and(|x| x.is_string()))
                .cloned()
                .collect();
            if strs.is_empty() {
                return "none";
            }
            let p = r.pick(&strs).clone();
            if let Some(slot) = at_mut(v, &p) {
                *slot = json!("");
            }
        }
        "extra_key" => {
            let mut objs: Vec<Vec<Value>> = vec![vec![]];
            objs.extend(
                all.iter()
                    .filter(|p| at_mut(&mut v.clone(), p).is_some_and(|x| x.is_object()))
                    .cloned(),
            );
            let p = r.pick(&objs).clone();
            let x = odd_value(r);
            if let Some(Value::Object(m)) = at_mut(v, &p) {
                m.insert("zz_extra".into(), x);
            }
        }
        "bad_enum" => {
            let enums = [
                "actor_type",
                "artifact_class",
                "algorithm",
                "actor_kind",
                "drift_kind",
                "trigger_mode",
                "enforcement_mode",
                "severity",
                "verdict",
            ];
            let hits: Vec<Vec<Value>> = all
                .iter()
                .filter(|p| {
                    p.last()
                        .and_then(Value::as_str)
                        .is_some_and(|k| enums.contains(&k))
                })
                .cloned()
                .collect();
            if hits.is_empty() {
                return "none";
            }
            let p = r.pick(&hits).clone();
            let bad = r
                .pick(&[
                    json!("INVALID"),
                    json!("Pass"),
                    json!(" human"),
                    json!("llm "),
                    json!("SHA256"),
                    json!(3),
                    json!("human\n"),
                ])
                .clone();
            if let Some(slot) = at_mut(v, &p) {
                *slot = bad;
            }
        }
        "out_of_range" => {
            let nums = [
                "mission_number",
                "findings_count",
                "size_bytes",
                "artifact_count",
                "anomaly_count",
            ];
            let hits: Vec<Vec<Value>> = all
                .iter()
                .filter(|p| {
                    p.last()
                        .and_then(Value::as_str)
                        .is_some_and(|k| nums.contains(&k))
                })
                .cloned()
                .collect();
            if hits.is_empty() {
                return "none";
            }
            let p = r.pick(&hits).clone();
            let bad = r
                .pick(&[
                    json!(-1),
                    json!(0),
                    json!(-100000000000000000000000i128),
                    json!("-1"),
                    json!(0.5),
                    json!(false),
                    json!("0"),
                    json!(1),
                ])
                .clone();
            if let Some(slot) = at_mut(v, &p) {
                *slot = bad;
            }
        }
        "double" => {
            mutate(r, v);
            mutate(r, v);
        }
        _ => {}
    }
    kind
}

const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A pool of event-id bases; [`render_id`] writes one in a random accepted form.
#[derive(Debug, Clone)]
pub enum IdBase {
    Ulid(String),
    Uuid(String),
}

pub fn id_base(r: &mut Rng) -> IdBase {
    if r.chance(0.6) {
        let mut s = String::from("01J");
        for _ in 0..23 {
            s.push(CROCKFORD[r.below(32)] as char);
        }
        IdBase::Ulid(s)
    } else {
        let hex = b"0123456789abcdef";
        IdBase::Uuid((0..32).map(|_| hex[r.below(16)] as char).collect())
    }
}

pub fn render_id(r: &mut Rng, b: &IdBase) -> String {
    match b {
        IdBase::Ulid(s) => match r.below(4) {
            0 => s.to_lowercase(),
            1 => s
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_lowercase()
                    } else {
                        c
                    }
                })
                .collect(),
            _ => s.clone(),
        },
        IdBase::Uuid(h) => {
            let hy = format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            );
            match r.below(4) {
                0 => h.clone(),
                1 => h.to_uppercase(),
                2 => hy.to_uppercase(),
                _ => hy,
            }
        }
    }
}

/// A timestamp `minute` minutes after a base time, in a random accepted form.
pub fn timestamp(r: &mut Rng, minute: u32) -> Value {
    let (h, m) = (10 + minute / 60, minute % 60);
    let base = format!("2026-02-17T{h:02}:{m:02}:00");
    match r.below(14) {
        0 => json!(format!("{base}+00:00")),
        1 => json!(format!("{base}+02:00")),
        2 => json!(format!("{base}-05:30")),
        3 => json!(base),
        4 => json!(format!("{base}.123456Z")),
        5 => json!(format!("{base}.5Z")),
        6 => json!(format!("{base}.1234567Z")),
        7 => json!(format!("{}Z", base.replace('T', " "))),
        8 => json!(format!("{base}+0200")),
        9 => json!("2026-02-17"),
        10 => json!(1_771_322_400u64 + u64::from(minute) * 60),
        11 => json!(format!("{base}z")),
        12 => json!(format!("{base}-00:00")),
        _ => json!(format!("{base}Z")),
    }
}

/// An event envelope.
pub fn envelope(
    r: &mut Rng,
    event_id: String,
    event_type: &str,
    payload: Value,
    clock: u64,
    minute: u32,
) -> Value {
    let clock_v = if r.chance(0.05) {
        json!(clock.to_string())
    } else {
        json!(clock)
    };
    json!({
        "event_id": event_id,
        "event_type": event_type,
        "aggregate_id": "mission/agg",
        "payload": payload,
        "timestamp": timestamp(r, minute),
        "build_id": "build-1",
        "node_id": r.pick(&["node-a", "node-b"]),
        "lamport_clock": clock_v,
        "causation_id": null,
        "project_uuid": "12345678-1234-5678-1234-567812345678",
        "project_slug": null,
        "correlation_id": "01KJD1WFEVRJZGCKQH5N344ZC5",
        "schema_version": "3.0.0",
        "data_tier": 0,
    })
}

/// Assembles a stream from `(event_type, payload)` steps given in causal order: clocks
/// roughly follow the order with ties (concurrency) and jumps, some events repeat
/// (exactly, or as a different event under the same id), and the result is shuffled.
pub fn assemble(r: &mut Rng, steps: Vec<(String, Value)>, unique_ids: bool) -> Vec<Value> {
    let mut out = Vec::new();
    let mut clock = r.below(3) as u64;
    let mut used: Vec<IdBase> = Vec::new();
    for (i, (t, p)) in steps.into_iter().enumerate() {
        if !r.chance(0.25) {
            clock += 1 + r.below(2) as u64;
        }
        let base = if !unique_ids && !used.is_empty() && r.chance(0.05) {
            r.pick(&used).clone()
        } else {
            id_base(r)
        };
        used.push(base.clone());
        let id = render_id(r, &base);
        let minute = (i as u32) + r.below(3) as u32;
        let mut ev = envelope(r, id, &t, p, clock, minute);
        if !unique_ids && r.chance(0.015) {
            // an envelope both sides must refuse and skip
            ev[*r.pick(&["event_id", "lamport_clock", "timestamp"])] = json!("not-valid");
        }
        if r.chance(0.12) {
            let mut dup = ev.clone();
            if !unique_ids && r.chance(0.5) {
                // same id in another rendering, possibly another clock
                dup["event_id"] = json!(render_id(r, &base));
                if r.chance(0.5) {
                    dup["lamport_clock"] = json!(clock + 1);
                }
            }
            out.push(dup);
        }
        out.push(ev);
    }
    if r.chance(0.9) {
        r.shuffle(&mut out);
    }
    out
}

/// Noise events of other families.
pub fn noise(r: &mut Rng) -> (String, Value) {
    match r.below(3) {
        0 => (
            "WPStatusChanged".into(),
            json!({"mission_slug": "m", "wp_id": "WP01", "to_lane": "claimed", "actor": "a", "execution_mode": "worktree"}),
        ),
        1 => ("NextStepPlanned".into(), json!({})),
        _ => ("GlossaryScopeActivated".into(), json!({"x": 1})),
    }
}

// ---- stream generators for the three reducers ----

fn set(p: &mut Value, key: &str, v: Value) {
    if let Some(m) = p.as_object_mut() {
        m.insert(key.to_owned(), v);
    }
}

/// Occasionally breaks a payload (invalid for its model, usually).
fn maybe_break(r: &mut Rng, p: &mut Value, rate: f64) {
    if r.chance(rate) {
        mutate(r, p);
    }
}

pub fn mission_next_stream(r: &mut Rng, unique_ids: bool) -> Vec<Value> {
    let mut steps: Vec<(String, Value)> = Vec::new();
    let run = |r: &mut Rng| json!(if r.chance(0.93) { "run-1" } else { "run-2" });
    if r.chance(0.9) {
        let mut p = valid_payload(r, "MissionRunStarted");
        set(&mut p, "run_id", run(r));
        maybe_break(r, &mut p, 0.08);
        steps.push(("MissionRunStarted".into(), p));
    }
    for _ in 0..r.below(12) {
        let t = *r.pick(&[
            "NextStepIssued",
            "NextStepIssued",
            "NextStepAutoCompleted",
            "NextStepAutoCompleted",
            "DecisionInputRequested",
            "DecisionInputAnswered",
            "MissionRunCompleted",
            "MissionRunStarted",
            "noise",
        ]);
        if t == "noise" {
            steps.push(noise(r));
            continue;
        }
        let mut p = valid_payload(r, t);
        set(&mut p, "run_id", run(r));
        if p.get("step_id").is_some() {
            set(&mut p, "step_id", json!(r.pick(&["s1", "s2", "s3"])));
        }
        if p.get("decision_id").is_some() {
            set(&mut p, "decision_id", json!(r.pick(&["d1", "d2", "d'3"])));
        }
        maybe_break(r, &mut p, 0.07);
        steps.push((t.to_owned(), p));
    }
    if r.chance(0.5) {
        let mut p = valid_payload(r, "MissionRunCompleted");
        set(&mut p, "run_id", json!("run-1"));
        steps.push(("MissionRunCompleted".into(), p));
    }
    assemble(r, steps, unique_ids)
}

pub fn dossier_stream(r: &mut Rng, unique_ids: bool) -> Vec<Value> {
    let mut steps: Vec<(String, Value)> = Vec::new();
    let mixed = r.chance(0.1);
    for i in 0..r.below(12) {
        let t = *r.pick(&[
            "MissionDossierArtifactIndexed",
            "MissionDossierArtifactIndexed",
            "MissionDossierArtifactIndexed",
            "MissionDossierArtifactMissing",
            "MissionDossierSnapshotComputed",
            "MissionDossierParityDriftDetected",
            "noise",
        ]);
        if t == "noise" {
            steps.push(noise(r));
            continue;
        }
        let mut p = valid_payload(r, t);
        let paths = ["spec.md", "plan.md", "tasks.md"];
        if let Some(a) = p.get_mut("artifact_id") {
            a["path"] = json!(r.pick(&paths));
        }
        if let Some(a) = p.get_mut("supersedes").filter(|a| a.is_object()) {
            a["path"] = json!(r.pick(&paths));
        }
        if mixed && i > 0 && r.chance(0.3) {
            let mut ns = namespace(r);
            ns[*r.pick(&["mission_slug", "manifest_version", "target_branch"])] = json!("other");
            set(&mut p, "namespace", ns);
        }
        if r.chance(0.05) {
            let bad = r
                .pick(&[
                    json!(null),
                    json!("ns"),
                    json!([1]),
                    json!({"project_uuid": "p"}),
                ])
                .clone();
            set(&mut p, "namespace", bad);
        }
        maybe_break(r, &mut p, 0.08);
        steps.push((t.to_owned(), p));
    }
    assemble(r, steps, unique_ids)
}

pub fn audit_stream(r: &mut Rng, unique_ids: bool) -> Vec<Value> {
    let mut steps: Vec<(String, Value)> = Vec::new();
    let invalid_rate = if r.chance(0.3) { 0.15 } else { 0.0 };
    let mut plan: Vec<&str> = Vec::new();
    if r.chance(0.85) {
        plan.push("MissionAuditRequested");
    }
    if r.chance(0.8) {
        plan.push("MissionAuditStarted");
    }
    plan.extend(std::iter::repeat_n(
        "MissionAuditDecisionRequested",
        r.below(4),
    ));
    match r.below(4) {
        0 => plan.push("MissionAuditCompleted"),
        1 => plan.push("MissionAuditFailed"),
        2 => {
            plan.push("MissionAuditCompleted");
            plan.push(*r.pick(&["MissionAuditFailed", "MissionAuditStarted"]));
        }
        _ => {}
    }
    plan.extend(std::iter::repeat_n("noise", r.below(3)));
    if r.chance(0.2) {
        plan.push("MissionAuditRequested");
    }
    for t in plan {
        if t == "noise" {
            steps.push(noise(r));
            continue;
        }
        let mut p = valid_payload(r, t);
        if p.get("decision_id").is_some() {
            set(&mut p, "decision_id", json!(r.pick(&["d1", "d2", "d'3"])));
        }
        if r.chance(0.3) {
            set(&mut p, "mission_id", json!("mission-other"));
        }
        maybe_break(r, &mut p, invalid_rate);
        steps.push((t.to_owned(), p));
    }
    assemble(r, steps, unique_ids)
}
