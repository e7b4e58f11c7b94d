//! `spec-kitty-events validate`: check every record of JSON/JSONL inputs.

use anyhow::Result;
use serde::Serialize;
use serde_json::Value;

use spec_kitty_events::EVENT_MODEL;
use spec_kitty_events::conformance::registry;
use spec_kitty_events::conformance::validate::{
    Layer, Violation, cutover_violation, is_envelope_of, model_violations, schema_violations,
};

use crate::input::{Record, Source, paths_or_stdin};
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

/// Checks one value. With `event_type`, the value is a payload of that type or an envelope
/// of it (then the envelope model and the cutover policy are checked too); without, the
/// value is an envelope whose payload is checked against its own type's contract when the
/// type is known.
pub fn check(value: &Value, event_type: Option<&str>) -> (Option<String>, Vec<Violation>) {
    let mut out = Vec::new();
    let envelope_checks = |out: &mut Vec<Violation>| {
        if let Err(errors) = EVENT_MODEL.validate(value) {
            out.extend(
                errors
                    .iter()
                    .map(|e| Violation::from_field_error(Layer::Envelope, e)),
            );
        }
        out.extend(cutover_violation(value));
    };
    match event_type {
        Some(t) => {
            let Some(contract) = registry::find(t) else {
                return (Some(t.to_owned()), out);
            };
            if t == "Event" {
                envelope_checks(&mut out);
                out.extend(schema_violations(contract.schema, value));
            } else if is_envelope_of(value, t) {
                envelope_checks(&mut out);
                let payload = &value["payload"];
                out.extend(
                    model_violations(contract, payload, Layer::Model)
                        .into_iter()
                        .map(|v| v.prefixed("payload")),
                );
                out.extend(
                    schema_violations(contract.schema, payload)
                        .into_iter()
                        .map(|v| v.prefixed("payload")),
                );
            } else {
                out.extend(model_violations(contract, value, Layer::Model));
                out.extend(schema_violations(contract.schema, value));
            }
            (Some(t.to_owned()), out)
        }
        None => {
            envelope_checks(&mut out);
            let t = value
                .get("event_type")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let (Some(t), Some(payload)) = (&t, value.get("payload"))
                && let Some(contract) = registry::find(t).filter(|c| c.event_type != "Event")
                && payload.is_object()
            {
                out.extend(
                    model_violations(contract, payload, Layer::Model)
                        .into_iter()
                        .map(|v| v.prefixed("payload")),
                );
                out.extend(
                    schema_violations(contract.schema, payload)
                        .into_iter()
                        .map(|v| v.prefixed("payload")),
                );
            }
            (t, out)
        }
    }
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
        let work = |rec: Record| -> RecordResult {
            match rec.value {
                Ok(v) => {
                    let (t, violations) = check(&v, event_type);
                    RecordResult {
                        file: rec.file.to_string(),
                        line: rec.line,
                        event_type: t,
                        valid: violations.is_empty(),
                        violations,
                    }
                }
                Err(msg) => RecordResult {
                    file: rec.file.to_string(),
                    line: rec.line,
                    event_type: event_type.map(str::to_owned),
                    valid: false,
                    violations: vec![Violation {
                        layer: Layer::Envelope,
                        path: String::new(),
                        kind: "json_syntax".into(),
                        message: msg,
                    }],
                },
            }
        };
        source.process(
            &|n| bar.set_position(n),
            &work,
            &mut |result: RecordResult| {
                totals.records += 1;
                totals.valid += usize::from(result.valid);
                if let Err(e) = print(&result, format, out) {
                    failure = Some(e);
                    return false;
                }
                true
            },
        )?;
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

fn print(r: &RecordResult, format: Format, out: &mut Out) -> Result<()> {
    let w = out.out();
    match format {
        Format::Json => {
            serde_json::to_writer(&mut *w, r)?;
            writeln!(w)?;
        }
        Format::Human => {
            let t = r.event_type.as_deref().unwrap_or("?");
            if r.valid {
                writeln!(w, "{}:{}: ok {t}", r.file, r.line)?;
            } else {
                writeln!(w, "{}:{}: invalid {t}", r.file, r.line)?;
                for v in &r.violations {
                    let layer = serde_json::to_value(v.layer).ok();
                    let layer = layer.as_ref().and_then(Value::as_str).unwrap_or("?");
                    let path = if v.path.is_empty() {
                        "<record>"
                    } else {
                        &v.path
                    };
                    writeln!(w, "  [{layer}] {path}: {} ({})", v.message, v.kind)?;
                }
            }
        }
    }
    Ok(())
}
