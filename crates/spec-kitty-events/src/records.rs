//! Reading the records of a log: JSON Lines, one JSON array, or one JSON object.
//!
//! A source whose first non-blank byte is `[` is one JSON array whose elements are the
//! records (numbered from 1); a source holding one (possibly pretty-printed) JSON object
//! is that one record; anything else is JSON Lines, one record per non-blank line
//! (numbered by line). A line that is not JSON, or not UTF-8, becomes a record carrying
//! the syntax error, so every other line is still processed.
//!
//! [`process`] streams JSON Lines in blocks of a few megabytes (the source is never held
//! whole), parses the lines of a block on every core and hands the results back in input
//! order. Records are parsed into borrowed [`Json`] trees: nothing is copied that the
//! caller's `work` does not keep.
//!
//! ```
//! use spec_kitty_events::records::process;
//! let text = b"{\"a\": 1}\n\nnot json\n[2]\n";
//! let mut seen = Vec::new();
//! process(&text[..], &|_| {}, &|r| (r.line, r.value.map(|v| v.to_json_string())), &mut |res| {
//!     seen.push(res);
//!     true
//! }).unwrap();
//! assert_eq!(seen[0], (1, Ok("{\"a\":1}".to_owned())));
//! assert_eq!(seen[1].0, 3);
//! assert_eq!(seen[1].1.as_ref().unwrap_err(), "invalid JSON: expected ident at line 1 column 2");
//! assert_eq!(seen[2], (4, Ok("[2]".to_owned())));
//! ```

use rayon::prelude::*;
use std::io::{self, Read};

use crate::json::{self, Json};

/// Bytes of JSON Lines read and parsed at a time.
const BLOCK: usize = 4 << 20;

/// Room to reserve for the records of a source of `bytes` bytes, so that collecting them
/// does not grow a vector by doubling (each growth a copy of everything collected into
/// fresh pages): one per 256 bytes, fewer than any envelope takes. Capacity that is never
/// written costs address space, not memory.
///
/// ```
/// assert_eq!(spec_kitty_events::records::capacity_for(70_000_000), 273_437);
/// ```
pub fn capacity_for(bytes: u64) -> usize {
    usize::try_from(bytes / 256).unwrap_or(usize::MAX)
}

/// One record of a source.
#[derive(Debug)]
pub struct Record<'a> {
    /// 1-based line number (JSON Lines), or 1-based index in a JSON array.
    pub line: usize,
    /// The parsed record, or why it is not JSON (`invalid JSON: …`).
    pub value: Result<Json<'a>, String>,
    /// With [`process_lazy`], the unparsed text of the lazy member (see
    /// [`json::parse_lazy_with`]) when it was left as text; `value` then holds an empty
    /// object in its place.
    pub lazy: Option<&'a str>,
}

fn syntax(e: json::ParseError) -> String {
    format!("invalid JSON: {}", e.message)
}

/// Reads every record of `reader`, applies `work` to each (in parallel) and hands the
/// results to `sink` in input order; `progress` receives the number of bytes consumed so
/// far. Stops early when `sink` returns `false`. Only reading can fail.
pub fn process<R: Read, T: Send>(
    reader: R,
    progress: &(dyn Fn(u64) + Sync),
    work: &(dyn Fn(Record<'_>) -> T + Sync),
    sink: &mut dyn FnMut(T) -> bool,
) -> io::Result<()> {
    process_inner(reader, None, progress, work, sink)
}

/// [`process`], leaving one top-level member of each JSON Lines record unparsed (an
/// envelope's `payload`, for readers that look at most payloads only when they need to):
/// see [`json::LazyMember`]. Records of a JSON array or single-object document are parsed
/// whole.
pub fn process_lazy<R: Read, T: Send>(
    reader: R,
    lazy: json::LazyMember<'_>,
    progress: &(dyn Fn(u64) + Sync),
    work: &(dyn Fn(Record<'_>) -> T + Sync),
    sink: &mut dyn FnMut(T) -> bool,
) -> io::Result<()> {
    process_inner(reader, Some(lazy), progress, work, sink)
}

fn process_inner<R: Read, T: Send>(
    mut reader: R,
    lazy: Option<json::LazyMember<'_>>,
    progress: &(dyn Fn(u64) + Sync),
    work: &(dyn Fn(Record<'_>) -> T + Sync),
    sink: &mut dyn FnMut(T) -> bool,
) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + (64 << 10));
    // Find the first non-blank byte to tell a JSON document from JSON Lines.
    let first = loop {
        if let Some(i) = buf.iter().position(|b| !b.is_ascii_whitespace()) {
            break Some(buf[i]);
        }
        if fill(&mut reader, &mut buf, 64 << 10)? == 0 {
            break None;
        }
    };
    let Some(first) = first else {
        progress(buf.len() as u64);
        return Ok(());
    };
    if first == b'[' {
        reader.read_to_end(&mut buf)?;
        progress(buf.len() as u64);
        return document(&buf, work, sink);
    }
    if first == b'{' {
        // Either the first of many JSON lines or one pretty-printed object: a first line
        // that ends before its object does means the latter.
        let first_line = loop {
            if let Some(end) = buf.iter().position(|&b| b == b'\n') {
                break Some(end);
            }
            if fill(&mut reader, &mut buf, 64 << 10)? == 0 {
                break None;
            }
        };
        let line = &buf[..first_line.unwrap_or(buf.len())];
        let trimmed = line.trim_ascii();
        if let Err(e) = json::parse_bytes(trimmed)
            && e.offset >= trimmed.len()
            && first_line.is_some()
        {
            reader.read_to_end(&mut buf)?;
            progress(buf.len() as u64);
            let value = json::parse_bytes(&buf).map_err(syntax);
            sink(work(Record {
                line: 1,
                value,
                lazy: None,
            }));
            return Ok(());
        }
    }
    let mut consumed = 0u64;
    let mut line_no = 0usize;
    let mut results: Vec<T> = Vec::new();
    loop {
        let want = BLOCK.saturating_sub(buf.len()).max(64 << 10);
        let n = fill(&mut reader, &mut buf, want)?;
        let complete = if n == 0 {
            buf.len()
        } else {
            match buf.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => continue,
            }
        };
        if !lines(
            &buf[..complete],
            &mut line_no,
            lazy,
            work,
            sink,
            &mut results,
        ) {
            return Ok(());
        }
        consumed += complete as u64;
        progress(consumed);
        // Keep the unfinished last line; the buffer is reused.
        buf.drain(..complete);
        if n == 0 {
            return Ok(());
        }
    }
}

/// Appends up to `want` bytes; returns how many were read (0 at the end).
fn fill<R: Read>(reader: &mut R, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    reader.take(want as u64).read_to_end(buf)
}

/// The records of a block of whole lines, in order; `false` when the sink stopped.
/// `results` is scratch space, reused from block to block.
fn lines<T: Send>(
    block: &[u8],
    line_no: &mut usize,
    lazy: Option<json::LazyMember<'_>>,
    work: &(dyn Fn(Record<'_>) -> T + Sync),
    sink: &mut dyn FnMut(T) -> bool,
    results: &mut Vec<T>,
) -> bool {
    let mut spans: Vec<(usize, &[u8])> = Vec::with_capacity(block.len() / 256);
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', block).chain(
        // A last line without its newline.
        (block.last().is_some_and(|&b| b != b'\n')).then_some(block.len()),
    );
    for end in ends {
        *line_no += 1;
        let trimmed = block[start..end].trim_ascii();
        if !trimmed.is_empty() {
            spans.push((*line_no, trimmed));
        }
        start = end + 1;
    }
    spans
        .par_iter()
        .with_min_len(64)
        .map(|&(line, bytes)| match lazy {
            Some(key) => match json::parse_lazy_bytes(bytes, key) {
                Ok((value, raw)) => work(Record {
                    line,
                    value: Ok(value),
                    lazy: raw,
                }),
                Err(e) => work(Record {
                    line,
                    value: Err(syntax(e)),
                    lazy: None,
                }),
            },
            None => work(Record {
                line,
                value: json::parse_bytes(bytes).map_err(syntax),
                lazy: None,
            }),
        })
        .collect_into_vec(results);
    results.drain(..).all(sink)
}

/// The records of a whole JSON document: an array's elements, or the document itself.
fn document<T: Send>(
    text: &[u8],
    work: &(dyn Fn(Record<'_>) -> T + Sync),
    sink: &mut dyn FnMut(T) -> bool,
) -> io::Result<()> {
    match json::parse_bytes(text) {
        Ok(Json::Array(items)) => {
            let results: Vec<T> = items
                .into_par_iter()
                .enumerate()
                .with_min_len(64)
                .map(|(i, v)| {
                    work(Record {
                        line: i + 1,
                        value: Ok(v),
                        lazy: None,
                    })
                })
                .collect();
            for r in results {
                if !sink(r) {
                    break;
                }
            }
        }
        Ok(other) => {
            sink(work(Record {
                line: 1,
                value: Ok(other),
                lazy: None,
            }));
        }
        Err(e) => {
            let line = 1 + text[..e.offset.min(text.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            sink(work(Record {
                line,
                value: Err(syntax(e)),
                lazy: None,
            }));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &[u8]) -> Vec<(usize, Result<String, String>)> {
        let mut out = Vec::new();
        process(
            text,
            &|_| {},
            &|r| (r.line, r.value.map(|v| v.to_json_string())),
            &mut |x| {
                out.push(x);
                true
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn forms() {
        assert_eq!(
            collect(b" [ {\"a\":1}, 2 ]"),
            vec![(1, Ok("{\"a\":1}".into())), (2, Ok("2".into()))]
        );
        assert_eq!(
            collect(b"{\n  \"a\": [1,\n 2]\n}\n"),
            vec![(1, Ok("{\"a\":[1,2]}".into()))]
        );
        assert_eq!(
            collect(b"{\"a\":1}\r\n{\"b\":2}"),
            vec![(1, Ok("{\"a\":1}".into())), (2, Ok("{\"b\":2}".into()))]
        );
        assert_eq!(collect(b""), vec![]);
        assert_eq!(collect(b"  \n \n"), vec![]);
        let bad = collect(b"\n\xff\xfe\n{\"ok\":true}\n");
        assert_eq!(bad[0].0, 2);
        assert!(bad[0].1.is_err());
        assert_eq!(bad[1], (3, Ok("{\"ok\":true}".into())));
        let doc = collect(b"[1,\n2,\n}");
        assert_eq!(doc[0].0, 3);
    }

    #[test]
    fn long_inputs_keep_line_numbers_across_blocks() {
        let line = format!("{{\"pad\": \"{}\"}}\n", "x".repeat(1000));
        let n = (3 * BLOCK) / line.len() + 7;
        let mut text = line.repeat(n).into_bytes();
        text.extend_from_slice(b"oops\n");
        let got = collect(&text);
        assert_eq!(got.len(), n + 1);
        assert!(
            got.iter()
                .take(n)
                .enumerate()
                .all(|(i, r)| r.0 == i + 1 && r.1.is_ok())
        );
        assert_eq!(got[n].0, n + 1);
        assert!(got[n].1.is_err());
    }

    #[test]
    fn the_sink_can_stop() {
        let mut n = 0;
        process(&b"1\n2\n3\n"[..], &|_| {}, &|r| r.line, &mut |_| {
            n += 1;
            n < 2
        })
        .unwrap();
        assert_eq!(n, 2);
    }
}
