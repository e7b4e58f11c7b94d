//! Reading records from JSON and JSONL files or stdin.
//!
//! A file whose content is one JSON array yields its elements (numbered from 1); a file
//! holding one JSON object yields that object; anything else is read as JSON Lines, one
//! record per non-blank line. A line that is not JSON becomes a record carrying the parse
//! error, so that every other line is still processed.

use anyhow::{Context, Result};
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};

/// One input record.
#[derive(Debug)]
pub struct Record {
    /// File name as given (`-` for stdin).
    pub file: String,
    /// 1-based line number (JSONL), or 1-based index in a JSON array.
    pub line: usize,
    /// The parsed value, or why it could not be parsed.
    pub value: Result<Value, String>,
}

/// A source of records.
pub struct Source {
    name: String,
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
            name: path.to_owned(),
            reader: Box::new(BufReader::with_capacity(1 << 16, f)),
            len,
        })
    }

    /// Reads every record, calling `sink` for each in order; `progress` receives the bytes
    /// consumed so far. Stops early when `sink` returns `false`.
    pub fn for_each(
        mut self,
        progress: &dyn Fn(u64),
        sink: &mut dyn FnMut(Record) -> bool,
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
        let mut line: Vec<u8> = Vec::new();
        let mut pending_object: Option<Vec<u8>> = None;
        loop {
            line.clear();
            // Bytes, not text: a line that is not UTF-8 is one bad record, not a bad file.
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
            let text = line.trim_ascii();
            if text.is_empty() {
                continue;
            }
            match serde_json::from_slice::<Value>(text) {
                Ok(v) => {
                    if !sink(Record {
                        file: self.name.clone(),
                        line: line_no,
                        value: Ok(v),
                    }) {
                        return Ok(());
                    }
                }
                Err(e) if line_no == 1 && first == b'{' && e.is_eof() => {
                    // A pretty-printed single JSON object: read the rest as one document.
                    let mut doc = std::mem::take(&mut line);
                    self.reader
                        .read_to_end(&mut doc)
                        .with_context(|| format!("cannot read {}", self.name))?;
                    pending_object = Some(doc);
                    break;
                }
                Err(e) => {
                    if !sink(Record {
                        file: self.name.clone(),
                        line: line_no,
                        value: Err(format!("invalid JSON: {e}")),
                    }) {
                        return Ok(());
                    }
                }
            }
        }
        if let Some(doc) = pending_object {
            let value =
                serde_json::from_slice::<Value>(&doc).map_err(|e| format!("invalid JSON: {e}"));
            sink(Record {
                file: self.name.clone(),
                line: 1,
                value,
            });
        }
        progress(consumed);
        Ok(())
    }

    fn read_document(mut self, sink: &mut dyn FnMut(Record) -> bool) -> Result<()> {
        let mut text = Vec::new();
        self.reader
            .read_to_end(&mut text)
            .with_context(|| format!("cannot read {}", self.name))?;
        match serde_json::from_slice::<Value>(&text) {
            Ok(Value::Array(items)) => {
                for (i, v) in items.into_iter().enumerate() {
                    if !sink(Record {
                        file: self.name.clone(),
                        line: i + 1,
                        value: Ok(v),
                    }) {
                        break;
                    }
                }
            }
            Ok(other) => {
                sink(Record {
                    file: self.name.clone(),
                    line: 1,
                    value: Ok(other),
                });
            }
            Err(e) => {
                sink(Record {
                    file: self.name.clone(),
                    line: e.line(),
                    value: Err(format!("invalid JSON: {e}")),
                });
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
