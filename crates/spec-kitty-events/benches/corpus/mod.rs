//! The deterministic benchmark corpus: the event logs that the criterion benches, the
//! `gen_corpus` example and `scripts/bench` all measure, generated from fixed seeds so
//! that every tool (and the Python reference) sees exactly the same bytes.
//!
//! - [`status`]: `WPStatusChanged` logs of any length (`status-<N>.jsonl`), streamed;
//! - [`replay`]: one 100,000-event log per reducer (`replay-<reducer>-100k.jsonl`);
//! - [`envelopes`]: envelopes of every registered event type (`envelopes-20k.jsonl`).
//!
//! The module is shared by `#[path]` inclusion; the including crate root must also
//! declare `mission_support`, `reducer_streams` and `decision_support` (the stream
//! generators of the differential tests, under `tests/`), which it builds on.

#![allow(dead_code)]

pub mod envelopes;
pub mod replay;
pub mod status;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Crockford base-32 digits, as ULIDs use them.
pub const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A file size label as used in corpus file names: `10k`, `100k`, `1m`, or the plain number.
pub fn size_label(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}m", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

/// Parses a size given as `10000`, `10k`, `1m` or `1M`.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let (digits, factor) = match s.strip_suffix('k') {
        Some(d) => (d, 1_000),
        None => match s.strip_suffix('m') {
            Some(d) => (d, 1_000_000),
            None => (s.as_str(), 1),
        },
    };
    digits
        .replace('_', "")
        .parse::<u64>()
        .ok()
        .map(|n| n * factor)
}

/// The directory the benches write their inputs to: `$CARGO_TARGET_DIR/bench-data`, or
/// `target/bench-data` at the workspace root.
pub fn bench_data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("bench-data")
}

/// Writes `lines` (each one JSON document, without its newline) to `path` as JSON Lines.
pub fn write_lines<'a>(path: &Path, lines: impl IntoIterator<Item = &'a str>) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    for line in lines {
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
    }
    w.flush()
}
