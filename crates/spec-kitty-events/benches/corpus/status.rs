//! `WPStatusChanged` logs: missions whose work packages walk the lanes, written as JSON
//! Lines of exactly the requested length.
//!
//! What a log holds, all drawn from one seeded generator:
//!
//! - missions of 8 to 40 work packages; the packages of a mission move in rounds (every
//!   package takes its next step in each round), so their events interleave, and each
//!   round raises the Lamport clock by two (plus, now and then, one more);
//! - paths through the lanes: the happy path with evidence on `approved` and `done`,
//!   reviewer rollbacks (`for_review → in_progress` with a `review_ref`), approvals
//!   revoked from `approved`, blocked and unblocked packages, abandoned and re-planned
//!   ones (with a reason), cancellations, forced moves (`force` with a reason and a
//!   `from_lane` that does not match), terminal exits without force and stale claims (both
//!   anomalies);
//! - concurrent pairs at equal Lamport clocks: two agents claiming one package, and an
//!   approval racing a reviewer rollback;
//! - six nodes in different time zones (`Z`, `+00:00`, `+01:00`, `-05:00`, `+05:30`,
//!   `+09:00`, `-08:00`), with second, millisecond or microsecond precision; string and
//!   structured actors; ULID, lower-case ULID and UUID event ids;
//! - redelivered duplicates (the same line again, up to 200 lines later, ~1 %) and
//!   conflicts (an event id seen before, with other content and a later clock, ~0.1 %);
//! - about 1 % invalid records of every kind: lines that are not JSON, JSON that is not an
//!   object, envelope errors (bad ids, timestamps, clocks, UUIDs, data tiers, missing
//!   fields, a payload that is not an object, a malformed `schema_version`), cutover
//!   violations (`schema_version` other than `3.0.0`, which the envelope model accepts but
//!   validation refuses) and payload contract errors (unknown lanes, missing actors,
//!   forbidden keys, force without reason, approval without evidence, …).
//!
//! The first lines are always valid envelopes, so that readers that sniff the first line
//! (to tell a JSON document from JSON Lines) see a log.

use crate::mission_support::Rng;
use serde_json::{Value, json};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::io::{self, Write};

use super::CROCKFORD;

/// Seed of every status log.
pub const SEED: u64 = 0x5747_5354_4154_5553;

const PROJECT_UUID: &str = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f";

/// Nodes: id, build, time-zone offset (minutes east of UTC) and how it renders it.
const NODES: [(&str, &str, i64, &str); 7] = [
    ("claude-ber", "wt-ber-1", 60, "+01:00"),
    ("ci-eu-1", "ci-eu-1", 0, "Z"),
    ("ci-eu-2", "ci-eu-2", 0, "+00:00"),
    ("codex-nyc", "wt-nyc-7", -300, "-05:00"),
    ("gemini-blr", "wt-blr-3", 330, "+05:30"),
    ("cursor-tyo", "wt-tyo-2", 540, "+09:00"),
    ("ops-sf", "main-sf", -480, "-08:00"),
];

const FEATURES: [&str; 10] = [
    "event-store",
    "sync-daemon",
    "glossary-checks",
    "review-gates",
    "dossier-parity",
    "connector-auth",
    "mission-audit",
    "decision-points",
    "cli-progress",
    "status-board",
];

const FILES: [&str; 8] = [
    "src/lib.rs",
    "src/store/sqlite.rs",
    "src/replay.rs",
    "tests/replay.rs",
    "docs/architecture.md",
    "src/cli/main.rs",
    "src/domain/status.rs",
    "CHANGELOG.md",
];

/// Counts of what a generated log holds.
#[derive(Debug, Default, Clone)]
pub struct StatusStats {
    /// Lines written.
    pub lines: u64,
    /// Valid, distinct events (first deliveries).
    pub events: u64,
    /// Redelivered identical lines.
    pub duplicates: u64,
    /// Same event id, other content.
    pub conflicts: u64,
    /// Invalid records, by kind.
    pub invalid: BTreeMap<&'static str, u64>,
}

impl StatusStats {
    /// Invalid records of all kinds.
    pub fn invalid_total(&self) -> u64 {
        self.invalid.values().sum()
    }
}

/// One lane transition of a work package.
#[derive(Debug, Clone)]
struct Move {
    from: Option<&'static str>,
    to: &'static str,
    force: bool,
    reason: Option<&'static str>,
    review_ref: bool,
    /// Index into the mission's agents for this move's actor (claims by a second agent).
    second_agent: bool,
}

fn mv(from: Option<&'static str>, to: &'static str) -> Move {
    Move {
        from,
        to,
        force: false,
        reason: None,
        review_ref: false,
        second_agent: false,
    }
}

/// A step of a script: one move, or two concurrent ones (equal Lamport clocks).
type Step = Vec<Move>;

fn single(m: Move) -> Step {
    vec![m]
}

/// The lane path of one work package.
fn script(r: &mut Rng) -> Vec<Step> {
    let p = Some("planned");
    let c = Some("claimed");
    let ip = Some("in_progress");
    let fr = Some("for_review");
    let ap = Some("approved");
    let dn = Some("done");
    let rollback = |from: Option<&'static str>| Move {
        review_ref: true,
        ..mv(from, "in_progress")
    };
    let mut s: Vec<Step> = vec![single(mv(None, "planned"))];
    let roll = r.below(100);
    match roll {
        // Two agents claim the package at the same clock; the later in replay order wins.
        0..=4 => s.push(vec![
            mv(p, "claimed"),
            Move {
                second_agent: true,
                ..mv(p, "claimed")
            },
        ]),
        // Cancelled before work starts.
        5..=6 => {
            s.push(single(mv(p, "claimed")));
            s.push(single(Move {
                reason: Some("descoped in planning review"),
                ..mv(c, "canceled")
            }));
            return s;
        }
        // Backfilled from frontmatter: a forced jump with a mismatching from_lane.
        7..=9 => {
            s.push(single(Move {
                force: true,
                reason: Some("backfill from frontmatter"),
                ..mv(ip, "for_review")
            }));
            s.push(single(mv(fr, "approved")));
            s.push(single(mv(ap, "done")));
            return s;
        }
        _ => s.push(single(mv(p, "claimed"))),
    }
    s.push(single(mv(c, "in_progress")));
    match r.below(100) {
        // Blocked on a dependency, then unblocked.
        0..=3 => {
            s.push(single(mv(ip, "blocked")));
            s.push(single(mv(Some("blocked"), "in_progress")));
        }
        // Abandoned and re-planned (needs a reason), then picked up again.
        4..=5 => {
            s.push(single(Move {
                reason: Some("agent session expired"),
                ..mv(ip, "planned")
            }));
            s.push(single(mv(p, "claimed")));
            s.push(single(mv(c, "in_progress")));
        }
        _ => {}
    }
    s.push(single(mv(ip, "for_review")));
    match r.below(100) {
        // Reviewer sends it back.
        0..=9 => {
            s.push(single(rollback(fr)));
            s.push(single(mv(ip, "for_review")));
        }
        // An approval races a rollback at the same clock: the rollback is applied last.
        10..=15 => {
            s.push(vec![mv(fr, "approved"), rollback(fr)]);
            s.push(single(mv(ip, "for_review")));
        }
        _ => {}
    }
    s.push(single(mv(fr, "approved")));
    if r.chance(0.03) {
        // Approval revoked after a late finding.
        s.push(single(rollback(ap)));
        s.push(single(mv(ip, "for_review")));
        s.push(single(mv(fr, "approved")));
    }
    s.push(single(mv(ap, "done")));
    match r.below(100) {
        // Reopened without force: refused, an anomaly.
        0 => s.push(single(mv(dn, "in_progress"))),
        // Reopened with force.
        1 => s.push(single(Move {
            force: true,
            reason: Some("regression found after merge"),
            ..mv(dn, "in_progress")
        })),
        // A stale claim replayed by a lagging node: from_lane mismatch, an anomaly.
        2 => s.push(single(mv(p, "claimed"))),
        _ => {}
    }
    s
}

/// A deterministic ULID-shaped id (Crockford base 32, 26 characters).
pub fn ulid(r: &mut Rng) -> String {
    let mut s = String::with_capacity(26);
    s.push_str("01J");
    for _ in 0..23 {
        s.push(CROCKFORD[r.below(32)] as char);
    }
    s
}

fn hex(r: &mut Rng, n: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    (0..n).map(|_| HEX[r.below(16)] as char).collect()
}

/// An event id in one of the accepted renderings.
fn event_id(r: &mut Rng) -> String {
    match r.below(100) {
        0..=2 => ulid(r).to_ascii_lowercase(),
        3..=7 => {
            let h = hex(r, 32);
            format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        }
        _ => ulid(r),
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// 2026-01-05T08:00:00Z, in seconds since the epoch.
const BASE_EPOCH: i64 = 1_767_600_000;

/// Renders `utc_seconds` (+ `micros`) in the time zone of `node`, at a random precision.
fn timestamp(r: &mut Rng, utc_seconds: i64, micros: u32, node: usize) -> String {
    let (_, _, offset, suffix) = NODES[node];
    let local = utc_seconds + offset * 60;
    let (y, mo, d) = civil(local.div_euclid(86_400));
    let sod = local.rem_euclid(86_400);
    let (h, mi, s) = (sod / 3600, (sod / 60) % 60, sod % 60);
    let frac = match r.below(3) {
        0 => String::new(),
        1 => format!(".{:03}", micros / 1000),
        _ => format!(".{micros:06}"),
    };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{suffix}")
}

fn evidence(r: &mut Rng, slug: &str, wp: &str) -> Value {
    let files: Vec<&str> = (0..1 + r.below(2)).map(|_| *r.pick(&FILES)).collect();
    json!({
        "repos": [{
            "repo": "acme/spec-kitty",
            "branch": format!("{slug}-{wp}"),
            "commit": hex(r, 12),
            "files_touched": files,
        }],
        "verification": [{"command": "cargo test --workspace", "result": "passed"}],
        "review": {
            "reviewer": *r.pick(&["maria", "reviewer-bot", "kenji"]),
            "verdict": "approved",
            "reference": format!("PR#{}", 100 + r.below(9000)),
        },
    })
}

fn actor(r: &mut Rng, node: usize) -> Value {
    let name = NODES[node].0.split('-').next().unwrap_or("agent");
    if r.chance(0.15) {
        json!({"role": *r.pick(&["implementer", "reviewer"]), "profile": format!("{name}-profile"),
               "tool": format!("{name}-cli"), "model": "frontier-2026-01"})
    } else {
        json!(name)
    }
}

/// The generator's state while writing one log.
struct Writer<'w, W: Write> {
    r: Rng,
    out: &'w mut W,
    target: u64,
    stats: StatusStats,
    /// Lines to write later (redeliveries, conflicts), by the line number they are due at.
    pending: BinaryHeap<Reverse<(u64, u64, String)>>,
    pending_seq: u64,
}

impl<W: Write> Writer<'_, W> {
    fn full(&self) -> bool {
        self.stats.lines >= self.target
    }

    fn raw(&mut self, line: &str) -> io::Result<()> {
        if self.full() {
            return Ok(());
        }
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.stats.lines += 1;
        while let Some(Reverse((due, _, _))) = self.pending.peek() {
            if *due > self.stats.lines || self.full() {
                break;
            }
            let Some(Reverse((_, _, text))) = self.pending.pop() else {
                break;
            };
            self.out.write_all(text.as_bytes())?;
            self.out.write_all(b"\n")?;
            self.stats.lines += 1;
        }
        Ok(())
    }

    fn later(&mut self, delay: u64, line: String) {
        self.pending_seq += 1;
        self.pending
            .push(Reverse((self.stats.lines + delay, self.pending_seq, line)));
    }

    /// Writes a valid event, then maybe schedules its redelivery, a conflicting copy or an
    /// invalid record derived from it.
    fn event(&mut self, ev: &Value) -> io::Result<()> {
        let text = ev.to_string();
        self.raw(&text)?;
        self.stats.events += 1;
        if self.r.chance(0.01) {
            let delay = 1 + self.r.below(200) as u64;
            self.later(delay, text);
            self.stats.duplicates += 1;
        }
        if self.r.chance(0.001) {
            let mut c = ev.clone();
            if self.r.chance(0.3) {
                let id = c["event_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                c["event_id"] = json!(id);
            }
            c["payload"]["actor"] = json!("replayed-by-sync");
            let clock = c["lamport_clock"].as_u64().unwrap_or(0);
            c["lamport_clock"] = json!(clock + 1);
            let delay = 2_000 + self.r.below(6_000) as u64;
            self.later(delay, c.to_string());
            self.stats.conflicts += 1;
        }
        if self.stats.lines > 16 && self.r.chance(0.0101) {
            let (kind, line) = invalid(&mut self.r, ev);
            *self.stats.invalid.entry(kind).or_default() += 1;
            self.raw(&line)?;
        }
        Ok(())
    }
}

/// An invalid record derived from the valid event `ev`: its kind and its line.
fn invalid(r: &mut Rng, ev: &Value) -> (&'static str, String) {
    let mut e = ev.clone();
    e["event_id"] = json!(ulid(r));
    let text = e.to_string();
    let roll = r.below(100);
    let kind = match roll {
        0..=5 => {
            let cut = text.len() * (30 + r.below(60)) / 100;
            let cut = (0..=cut)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            return ("json_truncated", text[..cut].to_owned());
        }
        6..=8 => {
            let body = text.trim_end_matches('}');
            return ("json_trailing_comma", format!("{body},}}"));
        }
        9..=11 => return ("json_garbage", format!("{text} {text}")),
        12..=13 => return ("json_not_json", "event WPStatusChanged planned".to_owned()),
        14..=15 => return ("not_object_array", format!("[{text}]")),
        16 => return ("not_object_number", "42".to_owned()),
        17 => return ("not_object_string", "\"WPStatusChanged\"".to_owned()),
        18 => return ("not_object_null", "null".to_owned()),
        19..=23 => {
            let bad = r
                .pick(&[
                    "01JIIIIIIIIIIIIIIIIIIIIIII",
                    "01JUNKUNKUNKUNKUNKUNKUNKUL",
                    "not-an-event-id",
                    "01J8ZQ",
                ])
                .to_owned();
            e["event_id"] = json!(bad);
            "envelope_bad_event_id"
        }
        24..=28 => {
            let bad = *r.pick(&[
                "yesterday",
                "2026-02-30T10:00:00Z",
                "2026-01-05T25:61:00Z",
                "",
            ]);
            e["timestamp"] = json!(bad);
            "envelope_bad_timestamp"
        }
        29..=34 => {
            let key = *r.pick(&[
                "node_id",
                "build_id",
                "lamport_clock",
                "project_uuid",
                "correlation_id",
                "aggregate_id",
                "timestamp",
                "event_type",
            ]);
            if let Some(m) = e.as_object_mut() {
                m.shift_remove(key);
            }
            "envelope_missing_field"
        }
        35..=37 => {
            e["lamport_clock"] = r.pick(&[json!(-1), json!("soon"), json!(2.5)]).clone();
            "envelope_bad_clock"
        }
        38..=39 => {
            e["project_uuid"] = json!("not-a-project-uuid");
            "envelope_bad_project_uuid"
        }
        40..=41 => {
            e["payload"] = json!("planned -> claimed");
            "envelope_payload_not_object"
        }
        42 => {
            e["data_tier"] = json!(7);
            "envelope_bad_data_tier"
        }
        43..=44 => {
            e["schema_version"] = json!("3.0");
            "envelope_bad_schema_version"
        }
        45..=50 => {
            e["schema_version"] = json!(*r.pick(&["2.0.0", "3.0.1", "4.0.0"]));
            "cutover_schema_version"
        }
        51..=54 => {
            let agg = e["aggregate_id"]
                .as_str()
                .unwrap_or_default()
                .replacen("mission/", "feature/", 1);
            e["aggregate_id"] = json!(agg);
            "cutover_legacy_aggregate"
        }
        55..=61 => {
            e["payload"]["to_lane"] = json!(*r.pick(&["in_review", "Done", "doing-it"]));
            "payload_unknown_lane"
        }
        62..=66 => {
            if let Some(m) = e["payload"].as_object_mut() {
                m.shift_remove("actor");
            }
            "payload_missing_actor"
        }
        67..=72 => {
            e["payload"]["feature_slug"] = json!("legacy-feature");
            "payload_forbidden_key"
        }
        73..=77 => {
            e["payload"]["force"] = json!(true);
            e["payload"]["reason"] = json!("  ");
            "payload_force_without_reason"
        }
        78..=82 => {
            e["payload"]["to_lane"] = json!("approved");
            e["payload"]["evidence"] = Value::Null;
            "payload_missing_evidence"
        }
        83..=86 => {
            e["payload"]["execution_mode"] = json!("cloud");
            "payload_bad_execution_mode"
        }
        87..=90 => {
            e["payload"]["wp_id"] = r.pick(&[json!(""), json!(7)]).clone();
            "payload_bad_wp_id"
        }
        91..=94 => {
            e["payload"]["to_lane"] = json!("done");
            e["payload"]["evidence"] =
                json!({"repos": [], "review": {"reviewer": "x", "verdict": "ok"}});
            "payload_empty_evidence"
        }
        _ => {
            e["payload"]["actor"] = r.pick(&[json!(""), json!({}), json!(12)]).clone();
            "payload_bad_actor"
        }
    };
    (kind, e.to_string())
}

/// Writes a status log of exactly `lines` lines to `out`.
pub fn write_status_log(lines: u64, out: &mut impl Write) -> io::Result<StatusStats> {
    let mut w = Writer {
        r: Rng(SEED),
        out,
        target: lines,
        stats: StatusStats::default(),
        pending: BinaryHeap::new(),
        pending_seq: 0,
    };
    let mut clock_base = 0u64;
    let mut wp_counter = 0u64;
    let mut mission_no = 0u64;
    while !w.full() {
        let r = &mut w.r;
        let slug = format!("{:03}-{}", mission_no % 1000, r.pick(&FEATURES));
        let aggregate_mission = format!("mission/{slug}");
        let wps = 8 + r.below(33);
        let agents = (r.below(NODES.len()), r.below(NODES.len()));
        let mut scripts = Vec::with_capacity(wps);
        for _ in 0..wps {
            wp_counter += 1;
            let wp = format!("WP{wp_counter:06}");
            let correlation = ulid(r);
            scripts.push((wp, correlation, script(r), None::<String>));
        }
        let rounds = scripts.iter().map(|s| s.2.len()).max().unwrap_or(0);
        let start = BASE_EPOCH + mission_no as i64 * 47 * 60;
        for round in 0..rounds {
            for (i, (wp, correlation, steps, last_id)) in scripts.iter_mut().enumerate() {
                let Some(step) = steps.get(round) else {
                    continue;
                };
                let jitter = u64::from(step.len() == 1 && w.r.chance(0.15));
                let clock = clock_base + 2 * round as u64 + 1 + jitter;
                for m in step {
                    let r = &mut w.r;
                    let node = if m.second_agent { agents.1 } else { agents.0 };
                    let node = if r.chance(0.2) {
                        r.below(NODES.len())
                    } else {
                        node
                    };
                    let secs =
                        start + round as i64 * 180 + (i as i64 % 3) * 60 + r.below(60) as i64;
                    let micros = r.below(1_000_000) as u32;
                    let mut p = json!({
                        "mission_slug": slug, "wp_id": wp, "from_lane": m.from, "to_lane": m.to,
                        "actor": actor(r, node),
                    });
                    if m.force || r.chance(0.1) {
                        p["force"] = json!(m.force);
                    }
                    if let Some(reason) = m.reason {
                        p["reason"] = json!(reason);
                    }
                    p["execution_mode"] = json!(if r.chance(0.85) {
                        "worktree"
                    } else {
                        "direct_repo"
                    });
                    if m.review_ref {
                        p["review_ref"] = json!(format!("PR#{}", 100 + r.below(9000)));
                    }
                    if matches!(m.to, "approved" | "done") {
                        p["evidence"] = evidence(r, &slug, wp);
                    }
                    let id = event_id(r);
                    let (node_id, build_id, _, _) = NODES[node];
                    let ev = json!({
                        "event_id": id,
                        "event_type": "WPStatusChanged",
                        "aggregate_id": format!("{aggregate_mission}/{wp}"),
                        "payload": p,
                        "timestamp": timestamp(r, secs, micros, node),
                        "build_id": build_id,
                        "node_id": node_id,
                        "lamport_clock": clock,
                        "causation_id": last_id.clone(),
                        "project_uuid": PROJECT_UUID,
                        "project_slug": if r.chance(0.35) { json!("spec-kitty") } else { Value::Null },
                        "correlation_id": correlation.clone(),
                        "schema_version": "3.0.0",
                        "data_tier": if r.chance(0.9) { 0 } else { 1 },
                    });
                    *last_id = Some(id);
                    w.event(&ev)?;
                    if w.full() {
                        break;
                    }
                }
            }
        }
        clock_base += 2 * rounds as u64 + 2;
        mission_no += 1;
    }
    w.out.flush()?;
    Ok(w.stats)
}

/// A status log of exactly `lines` lines, in memory (one string per line).
pub fn status_lines(lines: u64) -> Vec<String> {
    let mut buf = Vec::with_capacity(lines as usize * 700);
    write_status_log(lines, &mut buf).expect("writing to memory cannot fail");
    String::from_utf8(buf)
        .expect("the generator writes UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}
