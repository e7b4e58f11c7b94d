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

fn log_cmd(store: &str, args: &[&str]) -> Output {
    let mut all = vec!["log", "--store", store];
    all.extend_from_slice(args);
    run(&all)
}

/// The durable-log commands, identical on every backend.
fn exercise_log_commands(store: &str) {
    let example = example();
    let example = example.to_str().unwrap();
    // Fail-closed append: the example's bad records are refused, the rest stored.
    let out = log_cmd(store, &["append", "--format", "json", example]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rejected_lines: Vec<u64> = report["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(rejected_lines, [9, 14, 19]);
    assert_eq!(report["appended"], 15);
    assert_eq!(
        report["duplicates"], 1,
        "the redelivered line is a duplicate"
    );
    // Appending again changes nothing.
    let again: Value =
        serde_json::from_slice(&log_cmd(store, &["append", "--format", "json", example]).stdout)
            .unwrap();
    assert_eq!(
        (again["appended"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(16))
    );
    // A different event under a stored id is refused; the good line beside it is stored.
    let text = std::fs::read_to_string(example).unwrap();
    let mut first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    first["payload"]["actor"] = json!("someone-else");
    let fresh = envelope(
        "01ARZ3NDEKTSV4RRFFQ69G5FA9",
        99,
        transition(None, "planned"),
    );
    let mut child = bin()
        .args(["log", "--store", store, "append", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{first}\n{fresh}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["appended"], 1);
    assert_eq!(report["rejected"], 1);
    assert_eq!(report["rejections"][0]["line"], 1);
    assert!(
        report["rejections"][0]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("different content")
    );
    // Listing pages through positions; --after and --aggregate filter.
    let listed: Vec<Value> = json_lines(&log_cmd(store, &["list", "--format", "json"]));
    assert_eq!(listed.len(), 16);
    let positions: Vec<u64> = listed
        .iter()
        .map(|l| l["position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, (1..=16).collect::<Vec<_>>());
    let after: Vec<Value> = json_lines(&log_cmd(
        store,
        &["list", "--format", "json", "--after", "14"],
    ));
    assert_eq!(after.len(), 2);
    let wp01: Vec<Value> = json_lines(&log_cmd(
        store,
        &[
            "list",
            "--format",
            "json",
            "--aggregate",
            "mission/042-event-store/WP01",
        ],
    ));
    assert!(
        !wp01.is_empty()
            && wp01
                .iter()
                .all(|l| l["event"]["aggregate_id"] == "mission/042-event-store/WP01")
    );
    // What comes back equals what went in.
    let stored_first = &listed[0]["event"];
    let original: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let canonical =
        serde_json::to_value(spec_kitty_events::Event::from_value(&original).unwrap()).unwrap();
    assert_eq!(stored_first, &canonical);
    // Replay from the store equals replay of the same accepted events from a file.
    let stored_events: Vec<String> = listed.iter().map(|l| l["event"].to_string()).collect();
    let from_store: Value = serde_json::from_slice(
        &log_cmd(
            store,
            &["replay", "--reducer", "status", "--format", "json"],
        )
        .stdout,
    )
    .unwrap();
    let from_file = run_stdin(
        &["replay", "--reducer", "status", "--format", "json"],
        &stored_events.join("\n"),
    );
    assert_eq!(
        from_store,
        serde_json::from_slice::<Value>(&from_file.stdout).unwrap()
    );
    // Stats per node.
    let stats: Value =
        serde_json::from_slice(&log_cmd(store, &["stats", "--format", "json"]).stdout).unwrap();
    assert_eq!(stats["events"], 16);
    assert_eq!(stats["last_position"], 16);
    let mut per_node: std::collections::BTreeMap<String, (u64, u64)> =
        std::collections::BTreeMap::new();
    for l in &listed {
        let e = &l["event"];
        let entry = per_node
            .entry(e["node_id"].as_str().unwrap().to_owned())
            .or_default();
        entry.0 += 1;
        entry.1 = entry.1.max(e["lamport_clock"].as_u64().unwrap());
    }
    for (node, (count, max)) in per_node {
        assert_eq!(stats["nodes"][&node]["event_count"], count);
        assert_eq!(stats["nodes"][&node]["max_lamport_clock"], max);
    }
}

/// `log append` refuses each conflicting record alone (against the store or an earlier
/// record of the same input, in the same batch or not), reports every refusal in input
/// order with its file and line, and stores everything else.
fn exercise_conflicting_append(store: &str, dir: &Path) {
    let id = |k: usize| format!("01ARZ3NDEKTSV4RR{k:010}");
    let record = |k: usize, actor: &str| {
        let mut e = envelope(&id(k), k as u64 + 1, transition(None, "planned"));
        e["aggregate_id"] = json!(format!("mission/m/WP{k:05}"));
        e["payload"]["wp_id"] = json!(format!("WP{k:05}"));
        e["payload"]["actor"] = json!(actor);
        e
    };
    // Enough records for several batches; a conflict every 1,000 records (with an earlier
    // record of this input), an invalid record every 1,500, a duplicate every 2,000.
    let mut lines = Vec::new();
    let (mut conflicts, mut invalid) = (Vec::new(), Vec::new());
    for k in 0..20_000 {
        lines.push(record(k, "a").to_string());
        if k % 1_000 == 999 {
            lines.push(record(k - 600, "someone-else").to_string());
            conflicts.push((lines.len(), k - 600));
        }
        if k % 1_500 == 1_499 {
            lines.push("{not json".to_owned());
            invalid.push(lines.len());
        }
        if k % 2_000 == 1_999 {
            lines.push(record(k - 1_000, "a").to_string());
        }
    }
    let a = dir.join("a.jsonl");
    std::fs::write(&a, lines.join("\n") + "\n").unwrap();
    // A second file: a conflict with the first file's first record, and a new record.
    let b = dir.join("b.jsonl");
    std::fs::write(
        &b,
        format!("{}\n{}\n", record(0, "late"), record(20_000, "a")),
    )
    .unwrap();
    let out = log_cmd(
        store,
        &[
            "append",
            "--format",
            "json",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["appended"], 20_001);
    assert_eq!(report["duplicates"], 10);
    let mut want: Vec<(String, usize)> = conflicts
        .iter()
        .map(|&(line, _)| line)
        .chain(invalid.iter().copied())
        .map(|line| (a.display().to_string(), line))
        .collect();
    want.sort();
    want.push((b.display().to_string(), 1));
    let got: Vec<(String, usize)> = report["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_owned(),
                r["line"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(got, want, "every refusal, in input order");
    assert_eq!(report["rejected"], want.len());
    for r in report["rejections"].as_array().unwrap() {
        let reason = r["reasons"][0].as_str().unwrap();
        let line = r["line"].as_u64().unwrap() as usize;
        if let Some(&(_, k)) = conflicts.iter().find(|&&(l, _)| l == line) {
            assert!(
                reason.contains(&id(k))
                    && reason.contains("different content")
                    && reason.contains(&format!("at position {}", k + 1)),
                "{reason}"
            );
        }
    }
    // What is stored is the first of each id, in input order.
    let listed = json_lines(&log_cmd(store, &["list", "--format", "json"]));
    assert_eq!(listed.len(), 20_001);
    assert!(listed.iter().enumerate().all(|(i, l)| {
        l["position"] == i + 1
            && l["event"]["event_id"] == id(i)
            && l["event"]["payload"]["actor"] == "a"
    }));
}

/// Status envelopes `from..to` (work packages WP0000..), each at the clock `clock(k)`.
fn status_lines(from: usize, to: usize, clock: impl Fn(usize) -> u64) -> String {
    (from..to)
        .map(|k| {
            let id = format!("01ARZ3NDEKTSV4RR{k:010}");
            let mut e = envelope(&id, clock(k), transition(None, "planned"));
            e["aggregate_id"] = json!(format!("mission/m/WP{:04}", k % 50));
            e["payload"]["wp_id"] = json!(format!("WP{:04}", k % 50));
            e.to_string() + "\n"
        })
        .collect()
}

/// `log replay` keeps a checkpoint per replay and says what it did; `--format json` is
/// exactly the state of a full replay; `log checkpoints` lists and drops them.
fn exercise_checkpoints(store: &str, dir: &Path) {
    let append = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = log_cmd(store, &["append", path.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let replay = |extra: &[&str]| {
        let mut args = vec!["replay", "--reducer", "status"];
        args.extend_from_slice(extra);
        let out = log_cmd(store, &args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    let said = |out: &Output| String::from_utf8_lossy(&out.stderr).trim().to_owned();
    // The state of a full replay of everything stored, from a file of the stored events.
    let full_state = || {
        let listed = json_lines(&log_cmd(store, &["list", "--format", "json"]));
        let text: Vec<String> = listed.iter().map(|l| l["event"].to_string()).collect();
        let out = run_stdin(
            &["replay", "--reducer", "status", "--format", "json"],
            &text.join("\n"),
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    append("a.jsonl", &status_lines(0, 1200, |k| k as u64 / 10 + 1));
    assert_eq!(
        said(&replay(&[])),
        "full replay of 1,200 events: no checkpoint yet"
    );
    // Fewer new events than an eighth of the checkpoint's: folded, the checkpoint kept.
    append("b.jsonl", &status_lines(1200, 1300, |k| k as u64 / 10 + 1));
    let kept = "folded 100 new events onto the checkpoint at position 1,200 (now at position \
                1,300; the checkpoint is kept until more events are new)";
    assert_eq!(said(&replay(&[])), kept);
    assert_eq!(said(&replay(&[])), kept);
    // An eighth: folded and rewritten.
    append("b2.jsonl", &status_lines(1300, 1350, |k| k as u64 / 10 + 1));
    assert_eq!(
        said(&replay(&[])),
        "folded 150 new events onto the checkpoint at position 1,200 (now at position 1,350)"
    );
    assert_eq!(
        said(&replay(&[])),
        "no new events since the checkpoint at position 1,350"
    );
    append("c.jsonl", &status_lines(1350, 1360, |k| k as u64 / 10 + 1));
    let json = replay(&["--format", "json"]);
    assert!(json.stderr.is_empty(), "JSON output says nothing else");
    assert_eq!(String::from_utf8_lossy(&json.stdout).lines().count(), 1);
    let state: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(state, full_state());
    assert_eq!(state["event_count"], 1360);
    // Events far below the folded clocks: a full replay, which says why.
    append("late.jsonl", &status_lines(1360, 1362, |_| 2));
    assert_eq!(
        said(&replay(&[])),
        "full replay of 1,362 events: 2 events sorted before the checkpoint at position 1,350"
    );
    let state: Value = serde_json::from_slice(&replay(&["--format", "json"]).stdout).unwrap();
    assert_eq!(state, full_state());
    assert_eq!(
        said(&replay(&["--full"])),
        "full replay of 1,362 events: --full"
    );
    // One aggregate: a checkpoint of its own.
    let agg = replay(&["--aggregate", "mission/m/WP0007"]);
    assert_eq!(said(&agg), "full replay of 28 events: no checkpoint yet");
    let listed = json_lines(&log_cmd(store, &["checkpoints", "--format", "json"]));
    assert_eq!(listed.len(), 2);
    assert_eq!(
        (
            &listed[0]["reducer"],
            &listed[0]["aggregate"],
            &listed[0]["position"]
        ),
        (&json!("status"), &Value::Null, &json!(1362))
    );
    assert_eq!(listed[1]["aggregate"], "mission/m/WP0007");
    assert_eq!(listed[1]["position"], 1358);
    assert!(
        listed
            .iter()
            .all(|c| c["current"] == true && c["size"].as_u64().unwrap() > 0)
    );
    let human = log_cmd(store, &["checkpoints"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("REDUCER") && text.contains("1,362") && text.contains("2 checkpoint(s)"),
        "{text}"
    );
    let dropped = log_cmd(store, &["checkpoints", "--drop", "--reducer", "sync"]);
    assert_eq!(
        String::from_utf8_lossy(&dropped.stdout).trim(),
        "dropped 0 checkpoint(s)"
    );
    let dropped = log_cmd(store, &["checkpoints", "--drop"]);
    assert_eq!(
        String::from_utf8_lossy(&dropped.stdout).trim(),
        "dropped 2 checkpoint(s)"
    );
    assert!(json_lines(&log_cmd(store, &["checkpoints", "--format", "json"])).is_empty());
    assert_eq!(
        said(&replay(&[])),
        "full replay of 1,362 events: no checkpoint yet"
    );
}

#[test]
fn log_commands_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}/nested/events.db", dir.path().display());
    exercise_log_commands(&store);
    let conflicts = format!("sqlite:{}/conflicts.db", dir.path().display());
    exercise_conflicting_append(&conflicts, dir.path());
    let checkpoints = format!("sqlite:{}/checkpoints.db", dir.path().display());
    exercise_checkpoints(&checkpoints, dir.path());
}

#[test]
fn log_commands_on_postgres() {
    let server = spec_kitty_events_testkit::pg_server::TempPostgres::start();
    let url = server.create_database("cli_log");
    exercise_log_commands(&url);
    let dir = tempfile::tempdir().unwrap();
    let conflicts = server.create_database("cli_conflicts");
    exercise_conflicting_append(&conflicts, dir.path());
    let checkpoints = server.create_database("cli_checkpoints");
    exercise_checkpoints(&checkpoints, dir.path());
}

#[test]
fn log_uses_the_project_store_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .current_dir(dir.path())
        .env_remove("SPEC_KITTY_EVENTS_STORE")
        .args(["log", "append", example().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(dir.path().join(".spec-kitty/events.db").exists());
    let out = bin()
        .current_dir(dir.path())
        .env_remove("SPEC_KITTY_EVENTS_STORE")
        .args(["log", "stats"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("15 event(s)"));
    let out = run(&["log", "--store", "mysql://nope", "stats"]);
    assert_eq!(out.status.code(), Some(2));
}

fn glossary_event(id: &str, clock: u64, event_type: &str, payload: Value) -> Value {
    let mut e = envelope(id, clock, payload);
    e["event_type"] = json!(event_type);
    e
}

#[test]
fn replay_refusals_print_no_state_and_name_the_event() {
    // A term observed in a scope that was never activated: strict mode (the default)
    // refuses the log, permissive mode records an anomaly.
    let observed = glossary_event(
        "01ARZ3NDEKTSV4RRFFQ69G5FA1",
        1,
        "TermCandidateObserved",
        json!({"mission_id": "m", "scope_id": "team", "step_id": "s1", "term_surface": "lane", "confidence": 0.5, "actor": "a"}),
    );
    let out = run_stdin(
        &["replay", "--reducer", "glossary", "--format", "json"],
        &observed.to_string(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no state is printed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("01ARZ3NDEKTSV4RRFFQ69G5FA1") && err.contains("unactivated scope 'team'"),
        "{err}"
    );
    let out = run_stdin(
        &[
            "replay",
            "--reducer",
            "glossary",
            "--mode",
            "permissive",
            "--format",
            "json",
        ],
        &observed.to_string(),
    );
    assert_eq!(out.status.code(), Some(0));
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        state["anomalies"][0]["reason"],
        "References unactivated scope 'team'"
    );
}

#[test]
fn replay_collaboration_with_a_roster() {
    let heartbeat = glossary_event(
        "01ARZ3NDEKTSV4RRFFQ69G5FA1",
        1,
        "PresenceHeartbeat",
        json!({"participant_id": "p1", "mission_id": "m"}),
    );
    let out = run_stdin(
        &["replay", "--reducer", "collaboration", "--format", "json"],
        &heartbeat.to_string(),
    );
    assert_eq!(out.status.code(), Some(1), "p1 is not on the roster");
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("roster.json");
    std::fs::write(
        &roster,
        json!({"p1": {"participant_id": "p1", "participant_type": "human"}}).to_string(),
    )
    .unwrap();
    let out = run_stdin(
        &[
            "replay",
            "--reducer",
            "collaboration",
            "--roster",
            roster.to_str().unwrap(),
            "--format",
            "json",
        ],
        &heartbeat.to_string(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(state["presence"]["p1"], "2026-11-01T10:00:00Z");
}

#[test]
fn every_reducer_replays_the_example_log() {
    for reducer in [
        "status",
        "lifecycle",
        "collaboration",
        "glossary",
        "mission-next",
        "dossier",
        "mission-audit",
        "decision-point",
        "connector",
        "sync",
    ] {
        let out = run(&[
            "replay",
            "--reducer",
            reducer,
            "--format",
            "json",
            example().to_str().unwrap(),
        ]);
        assert!(
            serde_json::from_slice::<Value>(&out.stdout).is_ok(),
            "{reducer}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
