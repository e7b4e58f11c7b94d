//! `spec-kitty-events replay`: reduce an event log into a projection.

use anyhow::{Context, Result};
use serde_json::Value;

use spec_kitty_events::replay::{ReducerKind, ReplayOptions, replay};
use spec_kitty_events::{Error, Event};

use crate::input::{Record, Source, paths_or_stdin};
use crate::output::{Format, Out};
use crate::progress;
use std::sync::Arc;

/// Reads every record of `files` as an envelope. Records that are not valid envelopes are
/// reported on stderr with file, line and field, and skipped; returns the events and the
/// number of rejected records.
pub fn read_events(files: &[String], out: &mut Out) -> Result<(Vec<Event>, usize)> {
    let mut events = Vec::new();
    let mut rejected = 0usize;
    for path in paths_or_stdin(files) {
        let source = Source::open(&path)?;
        let bar = progress::for_bytes(source.len, "reading");
        type Parsed = (Arc<str>, usize, Result<Event, Vec<(String, String)>>);
        let work = |rec: Record| -> Parsed {
            let outcome = rec
                .value
                .map_err(|m| vec![("<record>".to_owned(), m)])
                .and_then(|v| {
                    Event::from_json(v).map_err(|e| match e {
                        Error::Validation { errors, .. } => errors
                            .iter()
                            .map(|fe| {
                                let field = if fe.path.is_root() {
                                    "<record>".to_owned()
                                } else {
                                    fe.path.to_string()
                                };
                                (field, format!("{} ({})", fe.message, fe.kind))
                            })
                            .collect(),
                        other => vec![("<record>".to_owned(), other.to_string())],
                    })
                });
            (rec.file, rec.line, outcome)
        };
        source.process(&|n| bar.set_position(n), &work, &mut |(
            file,
            line,
            outcome,
        ): Parsed| {
            match outcome {
                Ok(e) => events.push(e),
                Err(problems) => {
                    rejected += 1;
                    let w = out.err();
                    for (field, msg) in problems {
                        let _ = writeln!(w, "{file}:{line}: rejected: {field}: {msg}");
                    }
                }
            }
            true
        })?;
        bar.finish_and_clear();
    }
    Ok((events, rejected))
}

/// Parses `--mode`.
pub fn parse_mode(mode: Option<&str>) -> spec_kitty_events::replay::Mode {
    use spec_kitty_events::replay::Mode;
    match mode {
        Some("strict") => Mode::Strict,
        Some("permissive") => Mode::Permissive,
        _ => Mode::Default,
    }
}

/// Loads a roster file.
pub fn load_roster(path: Option<&str>) -> Result<Option<Value>> {
    path.map(|p| {
        let text = std::fs::read_to_string(p).with_context(|| format!("cannot read roster {p}"))?;
        serde_json::from_str(&text).with_context(|| format!("roster {p} is not JSON"))
    })
    .transpose()
}

/// Outcome of a replay run.
pub enum Outcome {
    /// State printed; `rejected` records were skipped.
    Printed { rejected: usize },
    /// The reducer refused the log; nothing printed.
    Refused,
}

/// Replays already-loaded events and prints the state.
pub fn replay_and_print(
    kind: ReducerKind,
    events: &[Event],
    options: &ReplayOptions,
    format: Format,
    rejected: usize,
    out: &mut Out,
) -> Result<Outcome> {
    match replay(kind, events, options) {
        Ok(state) => {
            print_state(kind, &state, format, out)?;
            if format == Format::Human || rejected > 0 {
                writeln!(
                    out.err(),
                    "{} event(s) replayed, {rejected} record(s) rejected",
                    events.len()
                )?;
            }
            Ok(Outcome::Printed { rejected })
        }
        Err(Error::Replay { event_id, reason }) => {
            writeln!(
                out.err(),
                "error: {} reducer refused event {event_id}: {reason}",
                kind.name()
            )?;
            Ok(Outcome::Refused)
        }
        Err(e) => Err(e.into()),
    }
}

fn print_state(kind: ReducerKind, state: &Value, format: Format, out: &mut Out) -> Result<()> {
    let w = out.out();
    match format {
        Format::Json => {
            serde_json::to_writer(&mut *w, state)?;
            writeln!(w)?;
        }
        Format::Human if kind == ReducerKind::Status => {
            writeln!(
                w,
                "{:<20} {:<12} {:<28} LAST TRANSITION",
                "WORK PACKAGE", "LANE", "LAST EVENT"
            )?;
            if let Some(states) = state.get("wp_states").and_then(Value::as_object) {
                for (wp, s) in states {
                    let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                    writeln!(
                        w,
                        "{wp:<20} {:<12} {:<28} {}",
                        field("current_lane"),
                        field("last_event_id"),
                        field("last_transition_at")
                    )?;
                }
            }
            if let Some(anomalies) = state.get("anomalies").and_then(Value::as_array)
                && !anomalies.is_empty()
            {
                writeln!(
                    w,
                    "\n{} anomal{}:",
                    anomalies.len(),
                    if anomalies.len() == 1 { "y" } else { "ies" }
                )?;
                for a in anomalies {
                    let field = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                    let reason = field("reason");
                    let first = reason.lines().next().unwrap_or("");
                    writeln!(w, "  {} {}: {first}", field("event_id"), field("wp_id"))?;
                }
            }
            writeln!(
                w,
                "\nevents: {}",
                state.get("event_count").unwrap_or(&Value::Null)
            )?;
        }
        Format::Human => {
            if let Some(obj) = state.as_object() {
                for (k, v) in obj {
                    match v {
                        Value::Array(a) => writeln!(w, "{k}: {} item(s)", a.len())?,
                        Value::Object(o) => writeln!(
                            w,
                            "{k}: {} entr{}",
                            o.len(),
                            if o.len() == 1 { "y" } else { "ies" }
                        )?,
                        other => writeln!(w, "{k}: {other}")?,
                    }
                }
            }
        }
    }
    Ok(())
}
