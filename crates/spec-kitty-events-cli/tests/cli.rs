//! End-to-end tests of the `spec-kitty-events` binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spec-kitty-events"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example() -> PathBuf {
    root().join("examples/mission-log.jsonl")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn envelope(id: &str, clock: u64, payload: Value) -> Value {
    json!({
        "event_id": id, "event_type": "WPStatusChanged", "aggregate_id": "mission/m/WP01",
        "timestamp": "2026-11-01T10:00:00Z", "build_id": "b", "node_id": "n", "lamport_clock": clock,
        "project_uuid": "12345678-1234-5678-1234-567812345678", "correlation_id": id,
        "schema_version": "3.0.0", "payload": payload
    })
}

fn transition(from: Option<&str>, to: &str) -> Value {
    json!({"mission_slug": "m", "wp_id": "WP01", "from_lane": from, "to_lane": to, "actor": "a", "execution_mode": "worktree"})
}

#[test]
fn validate_reports_every_line_and_keeps_going() {
    let good1 = envelope("01ARZ3NDEKTSV4RRFFQ69G5FA1", 1, transition(None, "planned"));
    let good2 = envelope(
        "01ARZ3NDEKTSV4RRFFQ69G5FA3",
        3,
        transition(Some("planned"), "claimed"),
    );
    let mut bad = envelope(
        "01ARZ3NDEKTSV4RRFFQ69G5FA2",
        2,
        transition(Some("planned"), "in_review"),
    );
    bad["lamport_clock"] = json!(-1);
    let input = format!("{good1}\n{{not json\n\n{bad}\n{good2}\n");
    let out = run_stdin(&["validate", "--format", "json"], &input);
    assert_eq!(out.status.code(), Some(1));
    let records = json_lines(&out);
    let lines: Vec<u64> = records
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines,
        [1, 2, 4, 5],
        "blank lines are skipped, numbering follows the file"
    );
    assert_eq!(records[0]["valid"], true);
    assert_eq!(records[0]["file"], "-");
    assert_eq!(records[0]["event_type"], "WPStatusChanged");
    assert_eq!(records[1]["valid"], false);
    assert_eq!(records[1]["violations"][0]["kind"], "json_syntax");
    assert_eq!(records[3]["valid"], true);
    let v = &records[2]["violations"];
    let got: Vec<(String, String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["layer"].as_str().unwrap().into(),
                x["path"].as_str().unwrap().into(),
                x["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        got.contains(&(
            "envelope".into(),
            "lamport_clock".into(),
            "greater_than_equal".into()
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&("model".into(), "payload.to_lane".into(), "enum".into())),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(l, p, _)| l == "schema" && p == "payload.to_lane"),
        "{got:?}"
    );
    for r in &records {
        for key in ["file", "line", "event_type", "valid", "violations"] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
    }
}

#[test]
fn validate_with_event_type_checks_payloads_and_matching_envelopes() {
    let payload = transition(None, "planned");
    let out = run_stdin(
        &[
            "validate",
            "--event-type",
            "WPStatusChanged",
            "--format",
            "json",
        ],
        &format!("[{payload}, {{\"wp_id\": \"\"}}]"),
    );
    assert_eq!(out.status.code(), Some(1));
    let records = json_lines(&out);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["valid"], true);
    assert_eq!(records[1]["line"], 2, "array elements are numbered from 1");
    let mut pre = envelope("01ARZ3NDEKTSV4RRFFQ69G5FA1", 1, payload);
    pre["schema_version"] = json!("2.0.0");
    let out = run_stdin(
        &[
            "validate",
            "--event-type",
            "WPStatusChanged",
            "--format",
            "json",
        ],
        &pre.to_string(),
    );
    let r = &json_lines(&out)[0];
    assert_eq!(r["valid"], false);
    assert_eq!(r["violations"][0]["layer"], "cutover");
    let out = run(&["validate", "--event-type", "NoSuchType", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("WPStatusChanged"),
        "known types are listed"
    );
}

#[test]
fn validate_names_missing_files() {
    let out = run(&["validate", "/no/such/file.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file.jsonl"));
}

#[test]
fn replay_status_prints_exactly_the_state() {
    let out = run(&[
        "replay",
        "--reducer",
        "status",
        "--format",
        "json",
        example().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the example holds one malformed record"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("mission-log.jsonl:14: rejected: event_id"),
        "{stderr}"
    );
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = state
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "wp_states",
            "anomalies",
            "event_count",
            "last_processed_event_id"
        ]
    );
    assert_eq!(state["wp_states"]["WP01"]["current_lane"], "done");
}

#[test]
fn replay_matches_the_reference_on_the_example() {
    let out = run(&[
        "replay",
        "--reducer",
        "status",
        "--format",
        "json",
        example().to_str().unwrap(),
    ]);
    let ours: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut oracle = spec_kitty_events_testkit::Oracle::start().unwrap();
    let text = std::fs::read_to_string(example()).unwrap();
    let events: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let theirs = oracle
        .ask(&json!({"op": "reduce", "func": "spec_kitty_events.status:reduce_status_events", "events": events}))
        .unwrap();
    assert_eq!(theirs["skipped"], 1);
    assert_eq!(
        spec_kitty_events_testkit::normalize_reports(&ours),
        spec_kitty_events_testkit::normalize_reports(&theirs["ok"])
    );
}

#[test]
fn conformance_json_report_on_bundled_fixtures() {
    let out = run(&["conformance", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["disagreed"], 0);
    assert_eq!(report["unsupported"], 0);
    assert_eq!(report["total"], report["agreed"]);
    let e = &report["entries"][0];
    for key in ["id", "event_type", "expected", "actual", "agrees"] {
        assert!(e.get(key).is_some(), "{key}");
    }
}

#[test]
fn conformance_on_the_reference_fixtures() {
    let dir = spec_kitty_events_testkit::reference_fixtures_dir();
    let out = run(&[
        "conformance",
        "--format",
        "json",
        "--fixtures",
        dir.to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["disagreed"], 0, "{report:#}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn schema_check_detects_drift_and_orphans() {
    let out = run(&["schema", "generate", "--check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "committed schemas are current: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert_eq!(
        run(&["schema", "generate", "--out", d]).status.code(),
        Some(0)
    );
    assert_eq!(
        run(&["schema", "generate", "--check", "--out", d])
            .status
            .code(),
        Some(0)
    );
    // Edit one committed schema: the check fails and names it.
    let lane = dir.path().join("lane.schema.json");
    let edited = std::fs::read_to_string(&lane)
        .unwrap()
        .replace("\"blocked\",", "");
    std::fs::write(&lane, edited).unwrap();
    let out = run(&["schema", "generate", "--check", "--out", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lane.schema.json"));
    // Regenerate, then add an orphan: the check fails again.
    run(&["schema", "generate", "--out", d]);
    std::fs::write(dir.path().join("feature_created_payload.schema.json"), "{}").unwrap();
    let out = run(&["schema", "generate", "--check", "--out", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("orphan"));
}

#[test]
fn schema_list_and_show() {
    let out = run(&["schema", "list"]);
    let names = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(names.lines().any(|l| l == "status_transition_payload"));
    let out = run(&["schema", "show", "lane"]);
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["$id"], "spec-kitty-events/lane");
    assert_eq!(run(&["schema", "show", "nope"]).status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["replay", "--reducer", "nope"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn closed_pipe_ends_quietly() {
    // Many records, a reader that stops after the first line.
    let line = envelope("01ARZ3NDEKTSV4RRFFQ69G5FA1", 1, transition(None, "planned")).to_string();
    let input: String = std::iter::repeat_n(format!("{line}\n"), 20_000).collect();
    let mut child = bin()
        .args(["validate", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut first = [0u8; 64];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let _ = writer.join();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        status.code() == Some(0) || status.code() == Some(1),
        "{status:?} {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bytes_that_are_not_utf8_spoil_only_their_line() {
    let good = envelope("01ARZ3NDEKTSV4RRFFQ69G5FA1", 1, transition(None, "planned")).to_string();
    let mut input = Vec::new();
    input.extend_from_slice(good.as_bytes());
    input.extend_from_slice(b"\n{\"event_id\": \"\xff\xfe\"}\n\x00\x01\x02\n");
    input.extend_from_slice(good.as_bytes());
    input.push(b'\n');
    let mut child = bin()
        .args(["validate", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let records = json_lines(&out);
    let verdicts: Vec<(u64, bool)> = records
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["valid"].as_bool().unwrap()))
        .collect();
    assert_eq!(verdicts, [(1, true), (2, false), (3, false), (4, true)]);
}

#[test]
fn pretty_printed_single_object_is_one_record() {
    let doc = serde_json::to_string_pretty(&envelope(
        "01ARZ3NDEKTSV4RRFFQ69G5FA1",
        1,
        transition(None, "planned"),
    ))
    .unwrap();
    let out = run_stdin(&["validate", "--format", "json"], &doc);
    assert_eq!(out.status.code(), Some(0));
    let records = json_lines(&out);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["valid"], true);
}
