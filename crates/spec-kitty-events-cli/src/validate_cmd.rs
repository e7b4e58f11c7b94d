//! `spec-kitty-events validate`: check every record of JSON/JSONL inputs.

use anyhow::Result;
use serde::Serialize;
use serde_json::Value;

use spec_kitty_events::conformance::registry;
use spec_kitty_events::conformance::validate::{Layer, Violation, check_record};

use crate::input::{Source, paths_or_stdin};
use crate::output::{Format, Out};
use crate::progress;

/// The verdict on one record, as printed by `--format json`.
#[derive(Debug, Serialize)]
pub struct RecordResult {
    /// Input file (`-` for stdin).
    pub file: String,
    /// 1-based line (or array index).
    pub line: usize,
    /// The event type checked (`null` when unknown).
    pub event_type: Option<String>,
    /// Whether no check objected.
    pub valid: bool,
    /// Every objection.
    pub violations: Vec<Violation>,
}

/// Totals of a validation run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    /// Records seen.
    pub records: usize,
    /// Records without violations.
    pub valid: usize,
}

/// Runs `validate` and returns the totals.
pub fn run(
    files: &[String],
    event_type: Option<&str>,
    format: Format,
    out: &mut Out,
) -> Result<Totals> {
    if let Some(t) = event_type
        && registry::find(t).is_none()
    {
        anyhow::bail!(
            "unknown event type {t:?}; known types: {}",
            registry::known_event_types().join(", ")
        );
    }
    let mut totals = Totals::default();
    for path in paths_or_stdin(files) {
        let source = Source::open(&path)?;
        let bar = progress::for_bytes(source.len, "validating");
        let mut failure: Option<anyhow::Error> = None;
        let file = source.name.to_string();
        // Each record is checked and its output rendered on the worker threads; the sink
        // only writes, in input order.
        let work = |rec: spec_kitty_events::records::Record<'_>| -> (bool, String) {
            let result = match rec.value {
                Ok(v) => {
                    let (t, violations) = check_record(&v, event_type);
                    RecordResult {
                        file: file.clone(),
                        line: rec.line,
                        event_type: t,
                        valid: violations.is_empty(),
                        violations,
                    }
                }
                Err(msg) => RecordResult {
                    file: file.clone(),
                    line: rec.line,
                    event_type: event_type.map(str::to_owned),
                    valid: false,
                    violations: vec![Violation {
                        layer: Layer::Envelope,
                        path: String::new(),
                        kind: "json_syntax".into(),
                        message: msg,
                        input: None,
                    }],
                },
            };
            (result.valid, render(&result, format))
        };
        source.process(&|n| bar.set_position(n), &work, &mut |(valid, text): (
            bool,
            String,
        )| {
            totals.records += 1;
            totals.valid += usize::from(valid);
            if let Err(e) = out.out().write_all(text.as_bytes()) {
                failure = Some(e.into());
                return false;
            }
            true
        })?;
        bar.finish_and_clear();
        if let Some(e) = failure {
            return Err(e);
        }
    }
    if format == Format::Human {
        writeln!(
            out.err(),
            "{} record(s): {} valid, {} invalid",
            totals.records,
            totals.valid,
            totals.records - totals.valid
        )?;
    }
    Ok(totals)
}

/// The output of one record, newline included.
fn render(r: &RecordResult, format: Format) -> String {
    use std::fmt::Write as _;
    let mut w = String::new();
    match format {
        Format::Json => {
            w = serde_json::to_string(r).unwrap_or_default();
            w.push('\n');
        }
        Format::Human => {
            let t = r.event_type.as_deref().unwrap_or("?");
            if r.valid {
                let _ = writeln!(w, "{}:{}: ok {t}", r.file, r.line);
            } else {
                let _ = writeln!(w, "{}:{}: invalid {t}", r.file, r.line);
                for v in &r.violations {
                    let layer = serde_json::to_value(v.layer).ok();
                    let layer = layer.as_ref().and_then(Value::as_str).unwrap_or("?");
                    let path = if v.path.is_empty() {
                        "<record>"
                    } else {
                        &v.path
                    };
                    let _ = writeln!(w, "  [{layer}] {path}: {} ({})", v.message, v.kind);
                }
            }
        }
    }
    w
}
