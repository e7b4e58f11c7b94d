//! Reading records from JSON and JSONL files or stdin.
//!
//! A file whose content is one JSON array yields its elements (numbered from 1); a file
//! holding one JSON object yields that object; anything else is read as JSON Lines, one
//! record per non-blank line. A line that is not JSON (or not UTF-8) becomes a record
//! carrying the parse error, so that every other line is still processed.
//!
//! Lines are read sequentially and parsed and checked in parallel batches; results come
//! back in input order.

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

/// Records handed to the workers at a time.
const BATCH: usize = 4096;

/// One input record.
#[derive(Debug)]
pub struct Record {
    /// File name as given (`-` for stdin).
    pub file: Arc<str>,
    /// 1-based line number (JSONL), or 1-based index in a JSON array.
    pub line: usize,
    /// The parsed value, or why it could not be parsed.
    pub value: Result<Value, String>,
}

/// A record as read: raw line bytes still to parse, or an already parsed value.
enum Raw {
    Line(Vec<u8>),
    Parsed(Result<Value, String>),
}

impl Raw {
    fn parse(self) -> Result<Value, String> {
        match self {
            Raw::Line(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| format!("invalid JSON: {e}"))
            }
            Raw::Parsed(v) => v,
        }
    }
}

/// A source of records.
pub struct Source {
    name: Arc<str>,
    reader: Box<dyn BufRead>,
    /// Byte length when known (for progress).
    pub len: Option<u64>,
}

impl Source {
    /// Opens `path` (`-` is stdin).
    pub fn open(path: &str) -> Result<Self> {
        if path == "-" {
            return Ok(Source {
                name: "-".into(),
                reader: Box::new(BufReader::new(std::io::stdin())),
                len: None,
            });
        }
        let f = File::open(path).with_context(|| format!("cannot open {path}"))?;
        let len = f.metadata().ok().map(|m| m.len());
        Ok(Source {
            name: path.into(),
            reader: Box::new(BufReader::with_capacity(1 << 16, f)),
            len,
        })
    }

    /// Reads every record, applies `work` to each (in parallel batches) and hands the
    /// results to `sink` in input order; `progress` receives the bytes consumed so far.
    /// Stops early when `sink` returns `false`.
    pub fn process<R: Send>(
        self,
        progress: &dyn Fn(u64),
        work: &(dyn Fn(Record) -> R + Sync),
        sink: &mut dyn FnMut(R) -> bool,
    ) -> Result<()> {
        let name = Arc::clone(&self.name);
        let mut batch: Vec<(usize, Raw)> = Vec::with_capacity(BATCH);
        let mut stopped = false;
        let mut flush = |batch: &mut Vec<(usize, Raw)>| -> bool {
            let results: Vec<R> = std::mem::take(batch)
                .into_par_iter()
                .map(|(line, raw)| {
                    work(Record {
                        file: Arc::clone(&name),
                        line,
                        value: raw.parse(),
                    })
                })
                .collect();
            results.into_iter().all(&mut *sink)
        };
        self.read_raw(progress, &mut |line, raw| {
            batch.push((line, raw));
            if batch.len() >= BATCH && !flush(&mut batch) {
                stopped = true;
                return false;
            }
            true
        })?;
        if !stopped && !batch.is_empty() {
            flush(&mut batch);
        }
        Ok(())
    }

    fn read_raw(
        mut self,
        progress: &dyn Fn(u64),
        sink: &mut dyn FnMut(usize, Raw) -> bool,
    ) -> Result<()> {
        // Peek at the first non-blank byte to tell a JSON document from JSON Lines.
        let first = loop {
            let buf = self
                .reader
                .fill_buf()
                .with_context(|| format!("cannot read {}", self.name))?;
            if buf.is_empty() {
                return Ok(());
            }
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(i) => {
                    let b = buf[i];
                    self.reader.consume(i);
                    break b;
                }
                None => {
                    let n = buf.len();
                    self.reader.consume(n);
                }
            }
        };
        if first == b'[' {
            return self.read_document(sink);
        }
        let mut line_no = 0usize;
        let mut consumed = 0u64;
        loop {
            // Bytes, not text: a line that is not UTF-8 is one bad record, not a bad file.
            let mut line: Vec<u8> = Vec::new();
            let n = self
                .reader
                .read_until(b'\n', &mut line)
                .with_context(|| format!("cannot read {}", self.name))?;
            if n == 0 {
                break;
            }
            consumed += n as u64;
            line_no += 1;
            if line_no.is_multiple_of(4096) {
                progress(consumed);
            }
            if line.trim_ascii().is_empty() {
                continue;
            }
            if line_no == 1 && first == b'{' {
                // Either the first JSON line or a pretty-printed single object.
                match serde_json::from_slice::<Value>(line.trim_ascii()) {
                    Err(e) if e.is_eof() => {
                        self.reader
                            .read_to_end(&mut line)
                            .with_context(|| format!("cannot read {}", self.name))?;
                        let value = serde_json::from_slice::<Value>(&line)
                            .map_err(|e| format!("invalid JSON: {e}"));
                        sink(1, Raw::Parsed(value));
                        break;
                    }
                    parsed => {
                        if !sink(
                            1,
                            Raw::Parsed(parsed.map_err(|e| format!("invalid JSON: {e}"))),
                        ) {
                            return Ok(());
                        }
                        continue;
                    }
                }
            }
            if !sink(line_no, Raw::Line(line)) {
                return Ok(());
            }
        }
        progress(consumed);
        Ok(())
    }

    fn read_document(mut self, sink: &mut dyn FnMut(usize, Raw) -> bool) -> Result<()> {
        let mut text = Vec::new();
        self.reader
            .read_to_end(&mut text)
            .with_context(|| format!("cannot read {}", self.name))?;
        match serde_json::from_slice::<Value>(&text) {
            Ok(Value::Array(items)) => {
                for (i, v) in items.into_iter().enumerate() {
                    if !sink(i + 1, Raw::Parsed(Ok(v))) {
                        break;
                    }
                }
            }
            Ok(other) => {
                sink(1, Raw::Parsed(Ok(other)));
            }
            Err(e) => {
                sink(e.line(), Raw::Parsed(Err(format!("invalid JSON: {e}"))));
            }
        }
        Ok(())
    }
}

/// The input paths, with stdin when none are given.
pub fn paths_or_stdin(files: &[String]) -> Vec<String> {
    if files.is_empty() {
        vec!["-".to_owned()]
    } else {
        files.to_vec()
    }
}
