//! The ceiling for whole-process benchmarks: one bare pass over a JSON Lines file that
//! parses every line and does nothing else.
//!
//! ```sh
//! cargo run --release -p spec-kitty-events-cli --example json_pass -- FILE
//! cargo run --release -p spec-kitty-events-cli --example json_pass -- --ignored-any FILE
//! ```
//!
//! Single-threaded, streamed: a `BufReader` hands over one line at a time and
//! `serde_json` (the workspace's, with the same features the CLI is built with:
//! `preserve_order`, `arbitrary_precision`) parses it into a `serde_json::Value` that is
//! dropped at once. `--ignored-any` parses into `serde::de::IgnoredAny` instead: a
//! syntax-checking scan that builds nothing, the floor below any parse. The allocator is
//! the CLI's (mimalloc), so that the ceiling and the CLI differ in the work they do, not in
//! how they allocate.
//!
//! Prints `lines`, `parsed` and `failed` (lines that are not JSON) as one JSON object.
//! Blank lines are skipped, as the CLI skips them. Exit code 2 on a usage or I/O error.

use serde::de::IgnoredAny;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What each line is parsed into.
#[derive(Clone, Copy)]
enum Target {
    /// A full `serde_json::Value`.
    Value,
    /// Nothing: syntax only.
    IgnoredAny,
}

/// Line counts of one pass.
#[derive(Default)]
struct Counts {
    lines: u64,
    parsed: u64,
    failed: u64,
}

fn pass(path: &str, target: Target) -> std::io::Result<Counts> {
    let file = std::fs::File::open(path)?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line: Vec<u8> = Vec::with_capacity(4096);
    let mut counts = Counts::default();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        counts.lines += 1;
        let ok = match target {
            Target::Value => serde_json::from_slice::<Value>(text)
                .map(std::hint::black_box)
                .is_ok(),
            Target::IgnoredAny => serde_json::from_slice::<IgnoredAny>(text).is_ok(),
        };
        if ok {
            counts.parsed += 1;
        } else {
            counts.failed += 1;
        }
    }
    Ok(counts)
}

fn main() -> ExitCode {
    let mut target = Target::Value;
    let mut files = Vec::new();
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--ignored-any" => target = Target::IgnoredAny,
            "--value" => target = Target::Value,
            _ if a.starts_with("--") => {
                eprintln!("usage: json_pass [--ignored-any] FILE...");
                return ExitCode::from(2);
            }
            _ => files.push(a),
        }
    }
    if files.is_empty() {
        eprintln!("usage: json_pass [--ignored-any] FILE...");
        return ExitCode::from(2);
    }
    let mut total = Counts::default();
    for f in &files {
        match pass(f, target) {
            Ok(c) => {
                total.lines += c.lines;
                total.parsed += c.parsed;
                total.failed += c.failed;
            }
            Err(e) => {
                eprintln!("json_pass: {f}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    println!(
        "{{\"lines\": {}, \"parsed\": {}, \"failed\": {}}}",
        total.lines, total.parsed, total.failed
    );
    ExitCode::SUCCESS
}
