//! Writes the benchmark corpus: deterministic JSON Lines event logs that `scripts/bench`,
//! the criterion benches and the Python reference scripts all read.
//!
//! ```sh
//! cargo run --release -p spec-kitty-events --example gen_corpus -- --out target/bench-data
//! cargo run --release -p spec-kitty-events --example gen_corpus -- --out target/bench-data --big
//! cargo run --release -p spec-kitty-events --example gen_corpus -- --stdout 1m > big.jsonl
//! ```
//!
//! Files (see `benches/corpus/` for what each holds):
//!
//! - `status-10k.jsonl`, `status-100k.jsonl` (and `status-1m.jsonl` with `--big`):
//!   `WPStatusChanged` logs with concurrency, rollbacks, forced moves, duplicates,
//!   conflicts and ~1 % invalid records of every kind;
//! - `replay-<reducer>-100k.jsonl` for the nine other reducers: logs each reducer accepts
//!   whole, with redelivered duplicates;
//! - `envelopes-20k.jsonl`: envelopes of every event type for `validate`, mostly valid;
//! - `corpus.json`: lines and bytes of every file, and what the status logs hold.
//!
//! Options:
//!
//! - `--out DIR` (default `$CARGO_TARGET_DIR/bench-data` or `target/bench-data`);
//! - `--status-sizes 10k,100k` status log lengths in lines; `--big` adds `1m`;
//! - `--only status,replay,envelopes` to write some of the groups;
//! - `--stdout N` writes one status log of `N` lines to stdout and nothing else;
//! - `--pick-seeds [CANDIDATES]` prints, for each replay log, the seed of the longest of
//!   the first missions (default 300) that holds a redelivered duplicate and that the
//!   library's reducer accepts whole, repeated to a log too: the table
//!   `benches/corpus/replay.rs` keeps (check a new table with the reference, e.g. by
//!   running `scripts/bench`, before committing it);
//! - `--verify` replays every replay log with the library and reports what it found.

#[allow(missing_docs, clippy::unwrap_used)]
#[path = "../benches/corpus/mod.rs"]
mod corpus;
#[allow(missing_docs, clippy::unwrap_used)]
#[path = "../tests/decision_support/mod.rs"]
mod decision_support;
#[allow(missing_docs, clippy::unwrap_used)]
#[path = "../tests/mission_support/mod.rs"]
mod mission_support;
#[allow(missing_docs, clippy::unwrap_used)]
#[path = "../tests/reducer_streams/mod.rs"]
mod reducer_streams;

use serde_json::{Value, json};
use spec_kitty_events::Event;
use spec_kitty_events::replay::{ReducerKind, ReplayOptions, replay};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Envelopes in `envelopes-20k.jsonl`.
const ENVELOPES: usize = 20_000;

#[derive(Debug)]
struct Args {
    out: PathBuf,
    status_sizes: Vec<u64>,
    groups: Vec<String>,
    stdout: Option<u64>,
    pick_seeds: Option<u64>,
    verify: bool,
}

fn usage() -> &'static str {
    "usage: gen_corpus [--out DIR] [--status-sizes 10k,100k] [--big] [--only status,replay,envelopes]\n\
     \x20                 [--verify] | --stdout N | --pick-seeds [CANDIDATES]"
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        out: corpus::bench_data_dir(),
        status_sizes: vec![10_000, 100_000],
        groups: vec!["status".into(), "replay".into(), "envelopes".into()],
        stdout: None,
        pick_seeds: None,
        verify: false,
    };
    let mut it = std::env::args().skip(1).peekable();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--out" => args.out = PathBuf::from(value("--out")?),
            "--status-sizes" => {
                args.status_sizes = value("--status-sizes")?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| corpus::parse_size(s).ok_or(format!("bad size {s:?}")))
                    .collect::<Result<_, _>>()?;
            }
            "--big" => args.status_sizes.push(1_000_000),
            "--only" => {
                args.groups = value("--only")?.split(',').map(str::to_owned).collect();
                if let Some(g) = args
                    .groups
                    .iter()
                    .find(|g| !["status", "replay", "envelopes"].contains(&g.as_str()))
                {
                    return Err(format!("unknown group {g:?}"));
                }
            }
            "--stdout" => {
                let v = value("--stdout")?;
                args.stdout = Some(corpus::parse_size(&v).ok_or(format!("bad size {v:?}"))?);
            }
            "--pick-seeds" => {
                let n = match it.peek() {
                    Some(v) if !v.starts_with("--") => {
                        let v = it.next().unwrap_or_default();
                        v.parse()
                            .map_err(|_| format!("bad candidate count {v:?}"))?
                    }
                    _ => 300,
                };
                args.pick_seeds = Some(n);
            }
            "--verify" => args.verify = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    args.status_sizes.sort_unstable();
    args.status_sizes.dedup();
    Ok(args)
}

fn file_entry(path: &Path, lines: u64) -> Value {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    json!({"lines": lines, "bytes": bytes})
}

fn parse_all(docs: &[Value]) -> Vec<Event> {
    docs.iter()
        .filter_map(|d| Event::from_value(d).ok())
        .collect()
}

fn kind(name: &str) -> ReducerKind {
    ReducerKind::from_name(name).expect("every corpus reducer is a library reducer")
}

fn pick_seeds(candidates: u64) {
    let options = ReplayOptions::default();
    println!("pub const SEEDS: [(&str, u64); 9] = [");
    for (name, _) in corpus::replay::REDUCERS {
        let k = kind(name);
        // The longest mission with a redelivered duplicate that the reducer accepts, and
        // whose whole log it accepts too.
        let seed = corpus::replay::accepted_seeds(name, candidates, |docs| {
            let events = parse_all(docs);
            let redelivered = docs.iter().enumerate().any(|(i, d)| docs[..i].contains(d));
            redelivered && events.len() == docs.len() && replay(k, &events, &options).is_ok()
        })
        .into_iter()
        .find(|&s| {
            corpus::replay::mission(name, s).is_some_and(|docs| {
                let all = corpus::replay::repeat(&docs);
                replay(k, &parse_all(&all), &options).is_ok()
            })
        });
        match seed {
            Some(s) => println!("    ({name:?}, {s}),"),
            None => println!("    // {name}: no accepted mission among {candidates}"),
        }
    }
    println!("];");
}

fn write_status(dir: &Path, n: u64, manifest: &mut serde_json::Map<String, Value>) {
    let name = format!("status-{}.jsonl", corpus::size_label(n));
    let path = dir.join(&name);
    let start = Instant::now();
    let file = std::fs::File::create(&path).expect("create the status log");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let stats = corpus::status::write_status_log(n, &mut w).expect("write the status log");
    drop(w);
    let mut entry = file_entry(&path, stats.lines);
    entry["events"] = json!(stats.events);
    entry["duplicates"] = json!(stats.duplicates);
    entry["conflicts"] = json!(stats.conflicts);
    entry["invalid"] = json!(stats.invalid_total());
    entry["invalid_by_kind"] = json!(stats.invalid);
    eprintln!(
        "{name}: {} lines, {} MB, {} invalid, {} duplicates, {} conflicts ({:.1} s)",
        stats.lines,
        entry["bytes"].as_u64().unwrap_or(0) / 1_000_000,
        stats.invalid_total(),
        stats.duplicates,
        stats.conflicts,
        start.elapsed().as_secs_f64()
    );
    manifest.insert(name, entry);
}

fn write_replays(dir: &Path, verify: bool, manifest: &mut serde_json::Map<String, Value>) {
    let options = ReplayOptions::default();
    for (name, _) in corpus::replay::REDUCERS {
        let lines = corpus::replay::replay_lines(name).expect("every corpus reducer has a seed");
        let file = format!("replay-{name}-100k.jsonl");
        let path = dir.join(&file);
        corpus::write_lines(&path, lines.iter().map(String::as_str)).expect("write a replay log");
        let distinct: std::collections::HashSet<&String> = lines.iter().collect();
        let mut entry = file_entry(&path, lines.len() as u64);
        entry["duplicate_lines"] = json!(lines.len() - distinct.len());
        if verify {
            let docs: Vec<Value> = lines
                .iter()
                .map(|l| serde_json::from_str(l).expect("the generator writes JSON"))
                .collect();
            let events = parse_all(&docs);
            let verdict = match replay(kind(name), &events, &options) {
                Ok(_) => "accepted".to_owned(),
                Err(e) => format!("REFUSED: {e}"),
            };
            eprintln!("{file}: {} events parsed, {verdict}", events.len());
            entry["verified"] = json!(verdict);
        } else {
            eprintln!("{file}: {} lines", lines.len());
        }
        manifest.insert(file, entry);
    }
}

fn write_envelopes(dir: &Path, manifest: &mut serde_json::Map<String, Value>) {
    let fixtures = corpus::envelopes::fixture_payloads(corpus::envelopes::fixture_dir())
        .expect("read the bundled fixtures");
    let lines = corpus::envelopes::envelope_lines(ENVELOPES, &fixtures);
    let file = "envelopes-20k.jsonl".to_owned();
    let path = dir.join(&file);
    corpus::write_lines(&path, lines.iter().map(String::as_str)).expect("write the envelopes");
    let mut entry = file_entry(&path, lines.len() as u64);
    entry["event_types"] = json!(fixtures.len() - usize::from(fixtures.contains_key("Event")));
    eprintln!(
        "{file}: {} lines over {} event types",
        lines.len(),
        entry["event_types"]
    );
    manifest.insert(file, entry);
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("gen_corpus: {msg}");
            }
            eprintln!("{}", usage());
            return ExitCode::from(2);
        }
    };
    if let Some(n) = args.stdout {
        let stdout = std::io::stdout();
        let mut w = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
        return match corpus::status::write_status_log(n, &mut w).and_then(|_| w.flush()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("gen_corpus: {e}");
                ExitCode::from(2)
            }
        };
    }
    if let Some(n) = args.pick_seeds {
        pick_seeds(n);
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("gen_corpus: cannot create {}: {e}", args.out.display());
        return ExitCode::from(2);
    }
    let manifest_path = args.out.join("corpus.json");
    let mut manifest: serde_json::Map<String, Value> = std::fs::read_to_string(&manifest_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let wants = |g: &str| args.groups.iter().any(|x| x == g);
    if wants("status") {
        for &n in &args.status_sizes {
            write_status(&args.out, n, &mut manifest);
        }
    }
    if wants("replay") {
        write_replays(&args.out, args.verify, &mut manifest);
    }
    if wants("envelopes") {
        write_envelopes(&args.out, &mut manifest);
    }
    let text = serde_json::to_string_pretty(&Value::Object(manifest)).unwrap_or_default();
    if let Err(e) = std::fs::write(&manifest_path, text + "\n") {
        eprintln!("gen_corpus: cannot write {}: {e}", manifest_path.display());
        return ExitCode::from(2);
    }
    eprintln!("corpus written to {}", args.out.display());
    ExitCode::SUCCESS
}
