//! `spec-kitty-events replay`: reduce an event log into a projection.
//!
//! Records go straight from the input to the reducer's prepared form: each line is parsed
//! into a borrowed tree, its envelope validated, its payload validated once by the
//! reducer's `prepare` (on every core), and only what the fold needs is kept.

use anyhow::{Context, Result};
use serde_json::Value;

use spec_kitty_events::Error;
use spec_kitty_events::projection::{
    Prepared, Projection, payload_member, prepare_lazy, replay_all,
};
use spec_kitty_events::records::{self, Record};
use spec_kitty_events::replay::{
    ProjectionVisitor, ReducerKind, ReplayOptions, to_json, with_projection,
};

use crate::input::{Source, paths_or_stdin};
use crate::output::{Format, Out};
use crate::progress;

/// One record, prepared: the reducer's item (`None` when it ignores the event type), or
/// the problems (`field`, `message`) that rejected it.
type RecordOutcome<I> = std::result::Result<Option<Prepared<I>>, Vec<(String, String)>>;

fn prepare_record<P: Projection>(rec: Record<'_>) -> (usize, RecordOutcome<P::Item>) {
    let outcome = match &rec.value {
        Err(message) => Err(vec![("<record>".to_owned(), message.clone())]),
        Ok(v) => prepare_lazy::<P>(v, rec.lazy).map_err(|errors| {
            errors
                .iter()
                .map(|fe| {
                    let field = if fe.path.is_root() {
                        "<record>".to_owned()
                    } else {
                        fe.path.to_string()
                    };
                    (field, format!("{} ({})", fe.message, fe.kind))
                })
                .collect()
        }),
    };
    (rec.line, outcome)
}

/// The outcome of reading and reducing a log.
pub struct Reduced {
    /// The state was printed, or the reducer refused the log.
    pub state: Result<(), Error>,
    /// Valid envelopes read.
    pub events: usize,
    /// Records rejected.
    pub rejected: usize,
}

/// Reduces prepared events and prints the state: JSON straight from the typed state,
/// human output through its JSON value. A refusal of the reducer is returned, not printed.
pub fn reduce_and_print<P: Projection>(
    kind: ReducerKind,
    projection: P,
    items: Vec<Prepared<P::Item>>,
    format: Format,
    out: &mut Out,
) -> Result<Result<(), Error>> {
    let state = match replay_all(projection, items) {
        Ok(state) => state,
        Err(e) => return Ok(Err(e)),
    };
    print_state(kind, state, format, out)?;
    Ok(Ok(()))
}

/// Prints a reduced state: JSON straight from the typed state, human output through its
/// JSON value.
pub fn print_state<S: serde::Serialize>(
    kind: ReducerKind,
    state: S,
    format: Format,
    out: &mut Out,
) -> Result<()> {
    match format {
        Format::Json => {
            // A buffer of its own: the serializer's many small writes stay inline instead
            // of each going through `dyn Write`.
            use std::io::Write as _;
            let mut w = std::io::BufWriter::with_capacity(1 << 18, out.out());
            serde_json::to_writer(&mut w, &state)?;
            writeln!(w)?;
            w.flush()?;
            // The command ends once the state is printed: freeing a large state entry by
            // entry (150,000 work packages, a million allocations) would cost more than
            // the exit that returns its memory whole.
            std::mem::forget(state);
        }
        Format::Human => print_human(kind, &to_json(state)?, out)?,
    }
    Ok(())
}

struct FileReplay<'a> {
    kind: ReducerKind,
    files: &'a [String],
    format: Format,
    out: &'a mut Out,
}

impl ProjectionVisitor for FileReplay<'_> {
    type Output = Result<Reduced>;

    fn visit<P: Projection>(self, projection: P) -> Result<Reduced> {
        let mut items: Vec<Prepared<P::Item>> = Vec::new();
        let (mut events, mut rejected) = (0usize, 0usize);
        for path in paths_or_stdin(self.files) {
            let source = Source::open(&path)?;
            items.reserve(source.len.map_or(0, records::capacity_for));
            let bar = progress::for_bytes(source.len, "reading");
            let name = std::sync::Arc::clone(&source.name);
            let out = &mut *self.out;
            // Payloads are parsed only for the events the reducer reads.
            source.process_lazy(
                payload_member::<P>(),
                &|n| bar.set_position(n),
                &prepare_record::<P>,
                &mut |(line, outcome)| {
                    match outcome {
                        Ok(item) => {
                            events += 1;
                            items.extend(item);
                        }
                        Err(problems) => {
                            rejected += 1;
                            let w = out.err();
                            for (field, msg) in problems {
                                let _ = writeln!(w, "{name}:{line}: rejected: {field}: {msg}");
                            }
                        }
                    }
                    true
                },
            )?;
            bar.finish_and_clear();
        }
        let state = reduce_and_print(self.kind, projection, items, self.format, self.out)?;
        Ok(Reduced {
            state,
            events,
            rejected,
        })
    }
}

/// Reads every record of `files` as an envelope and reduces the valid ones with `kind`.
/// Records that are not valid envelopes are reported on stderr with file, line and field,
/// and skipped.
pub fn reduce_files(
    kind: ReducerKind,
    files: &[String],
    options: &ReplayOptions,
    format: Format,
    out: &mut Out,
) -> Result<Reduced> {
    with_projection(
        kind,
        options,
        FileReplay {
            kind,
            files,
            format,
            out,
        },
    )?
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

/// Reports a reduction: the totals, or the reducer's refusal.
pub fn report(
    kind: ReducerKind,
    reduced: Reduced,
    format: Format,
    out: &mut Out,
) -> Result<Outcome> {
    let Reduced {
        state,
        events,
        rejected,
    } = reduced;
    match state {
        Ok(()) => {
            if format == Format::Human || rejected > 0 {
                writeln!(
                    out.err(),
                    "{events} event(s) replayed, {rejected} record(s) rejected"
                )?;
            }
            Ok(Outcome::Printed { rejected })
        }
        Err(e) => refusal(kind, e, out),
    }
}

/// A reduction that failed: the reducer's refusal of the log is reported (and is an
/// outcome); any other error is returned.
pub fn refusal(kind: ReducerKind, error: Error, out: &mut Out) -> Result<Outcome> {
    match error {
        Error::Replay { event_id, reason } => {
            writeln!(
                out.err(),
                "error: {} reducer refused event {event_id}: {reason}",
                kind.name()
            )?;
            Ok(Outcome::Refused)
        }
        e => Err(e.into()),
    }
}

fn print_human(kind: ReducerKind, state: &Value, out: &mut Out) -> Result<()> {
    let w = out.out();
    match kind {
        ReducerKind::Status => {
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
        _ => {
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
