//! Whole logs: `validate_jsonl` and `replay_jsonl`, read and processed on every core
//! with the interpreter released.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use spec_kitty_events::Error;
use spec_kitty_events::conformance::registry;
use spec_kitty_events::conformance::validate::{Layer, Violation, check_record};
use spec_kitty_events::json::LazyMember;
use spec_kitty_events::projection::{
    Prepared, Projection, payload_member, prepare_lazy, release, replay_all,
};
use spec_kitty_events::records::{self, Record};
use spec_kitty_events::replay::{ProjectionVisitor, with_projection};
use std::io;
use std::path::PathBuf;

use crate::convert::Keep;
use crate::pyser;
use crate::reduce::{options, reducer_failure, reducer_kind};

/// Where records come from.
enum Input<'a> {
    /// A file.
    Path(PathBuf),
    /// Text or bytes held by the caller.
    Bytes(&'a [u8]),
}

impl Input<'_> {
    /// The name records are reported under: the path as given, or `-`.
    fn name(&self) -> String {
        match self {
            Input::Path(p) => p.to_string_lossy().into_owned(),
            Input::Bytes(_) => "-".to_owned(),
        }
    }

    /// Its length in bytes, when known.
    fn len(&self) -> Option<u64> {
        match self {
            Input::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Bytes(b) => u64::try_from(b.len()).ok(),
        }
    }

    /// Runs `records::process` over the source.
    fn process<T: Send>(
        &self,
        work: &(dyn Fn(Record<'_>) -> T + Sync),
        sink: &mut dyn FnMut(T) -> bool,
    ) -> io::Result<()> {
        match self {
            Input::Path(p) => records::process(std::fs::File::open(p)?, &|_| {}, work, sink),
            Input::Bytes(b) => records::process(*b, &|_| {}, work, sink),
        }
    }

    /// Runs `records::process_lazy` over the source.
    fn process_lazy<T: Send>(
        &self,
        lazy: LazyMember<'_>,
        work: &(dyn Fn(Record<'_>) -> T + Sync),
        sink: &mut dyn FnMut(T) -> bool,
    ) -> io::Result<()> {
        match self {
            Input::Path(p) => {
                records::process_lazy(std::fs::File::open(p)?, lazy, &|_| {}, work, sink)
            }
            Input::Bytes(b) => records::process_lazy(*b, lazy, &|_| {}, work, sink),
        }
    }
}

/// A source argument: `str` (JSON Lines or JSON text), `bytes`, or a path (`os.PathLike`).
fn input<'a, 'py>(keep: &'a Keep<'py>, source: &Bound<'py, PyAny>) -> PyResult<Input<'a>> {
    if let Ok(s) = source.cast::<PyString>() {
        return Ok(Input::Bytes(keep.str(s)?.as_bytes()));
    }
    if let Ok(b) = source.cast::<PyBytes>() {
        return Ok(Input::Bytes(keep.bytes(b)));
    }
    let py = source.py();
    let os = py.import("os")?;
    if source.is_instance(&os.getattr("PathLike")?)? {
        let path: PathBuf = os.call_method1("fspath", (source,))?.extract()?;
        return Ok(Input::Path(path));
    }
    Err(PyTypeError::new_err(format!(
        "source must be a path (os.PathLike), bytes or str, not {}",
        crate::convert::type_name(source)
    )))
}

/// A read failure as the `OSError` Python raises for it (`FileNotFoundError`, …), naming
/// the source.
fn io_error(name: &str, e: io::Error) -> PyErr {
    PyErr::from(io::Error::new(e.kind(), format!("cannot read {name}: {e}")))
}

/// One record's verdict, as `validate --format json` prints it.
struct Checked {
    line: usize,
    event_type: Option<String>,
    violations: Vec<Violation>,
}

fn syntax_violation(message: String) -> Violation {
    Violation {
        layer: Layer::Envelope,
        path: String::new(),
        kind: "json_syntax".into(),
        message,
        input: None,
    }
}

fn layer_name(layer: Layer) -> &'static str {
    match layer {
        Layer::Envelope => "envelope",
        Layer::Cutover => "cutover",
        Layer::Model => "model",
        Layer::Schema => "schema",
    }
}

fn violations_list<'py>(py: Python<'py>, violations: &[Violation]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for v in violations {
        let d = PyDict::new(py);
        d.set_item(pyo3::intern!(py, "layer"), layer_name(v.layer))?;
        d.set_item(pyo3::intern!(py, "path"), &v.path)?;
        d.set_item(pyo3::intern!(py, "kind"), &v.kind)?;
        d.set_item(pyo3::intern!(py, "message"), &v.message)?;
        list.append(d)?;
    }
    Ok(list)
}

fn record_dict<'py>(
    py: Python<'py>,
    file: &Bound<'py, PyString>,
    line: usize,
    event_type: Option<&str>,
    violations: &[Violation],
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(pyo3::intern!(py, "file"), file)?;
    d.set_item(pyo3::intern!(py, "line"), line)?;
    d.set_item(pyo3::intern!(py, "event_type"), event_type)?;
    d.set_item(pyo3::intern!(py, "valid"), violations.is_empty())?;
    d.set_item(
        pyo3::intern!(py, "violations"),
        violations_list(py, violations)?,
    )?;
    Ok(d)
}

/// Checks every record of a log as `spec-kitty-events validate --format json` does and
/// returns its per-record results, in input order.
#[pyfunction]
#[pyo3(signature = (source, *, event_type = None))]
pub fn validate_jsonl<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    event_type: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    if let Some(t) = event_type
        && registry::find(t).is_none()
    {
        return Err(PyValueError::new_err(format!(
            "Unknown event type: {}. Known types: {}",
            spec_kitty_events::json::py::str_repr(t),
            spec_kitty_events::json::py::str_list_repr(&registry::known_event_types())
        )));
    }
    let keep = Keep::new();
    let input = input(&keep, source)?;
    let name = input.name();
    let checked = py
        .detach(|| {
            let mut out: Vec<Checked> = Vec::new();
            let work = |rec: Record<'_>| match rec.value {
                Ok(v) => {
                    let (t, violations) = check_record(&v, event_type);
                    Checked {
                        line: rec.line,
                        event_type: t,
                        violations,
                    }
                }
                Err(msg) => Checked {
                    line: rec.line,
                    event_type: event_type.map(str::to_owned),
                    violations: vec![syntax_violation(msg)],
                },
            };
            input
                .process(&work, &mut |c| {
                    out.push(c);
                    true
                })
                .map(|()| out)
        })
        .map_err(|e| io_error(&name, e))?;
    let _pause = pyser::GcPause::new(py)?;
    let file = PyString::new(py, &name);
    let list = PyList::empty(py);
    for c in &checked {
        list.append(record_dict(
            py,
            &file,
            c.line,
            c.event_type.as_deref(),
            &c.violations,
        )?)?;
    }
    Ok(list)
}

/// One record on its way to the reducer: prepared (or ignored by it), or rejected with
/// its envelope problems.
type Outcome<I> = (usize, Result<Option<Prepared<I>>, Vec<Violation>>);

fn prepare_record<P: Projection>(rec: Record<'_>) -> Outcome<P::Item> {
    let outcome = match &rec.value {
        Err(message) => Err(vec![syntax_violation(message.clone())]),
        Ok(v) => prepare_lazy::<P>(v, rec.lazy).map_err(|errors| {
            errors
                .iter()
                .map(|fe| Violation::from_field_error(Layer::Envelope, fe))
                .collect()
        }),
    };
    (rec.line, outcome)
}

/// What a replay read: the state (or the reducer's refusal), the valid envelopes, the
/// rejected records.
type Replayed<S> = (Result<S, Error>, usize, Vec<(usize, Vec<Violation>)>);

struct ReplayInput<'a, 'py> {
    py: Python<'py>,
    input: &'a Input<'a>,
    name: &'a str,
}

impl<'py> ProjectionVisitor for ReplayInput<'_, 'py> {
    type Output = PyResult<Bound<'py, PyDict>>;

    fn visit<P: Projection>(self, projection: P) -> PyResult<Bound<'py, PyDict>> {
        let py = self.py;
        let input = self.input;
        let replayed = py
            .detach(move || -> io::Result<Replayed<P::State>> {
                let mut items: Vec<Prepared<P::Item>> =
                    Vec::with_capacity(input.len().map_or(0, records::capacity_for));
                let mut events = 0usize;
                let mut rejected = Vec::new();
                // As the command line reads logs: a payload is parsed only for the
                // event types the reducer reads.
                input.process_lazy(
                    payload_member::<P>(),
                    &prepare_record::<P>,
                    &mut |(line, outcome)| {
                        match outcome {
                            Ok(item) => {
                                events += 1;
                                items.extend(item);
                            }
                            Err(problems) => rejected.push((line, problems)),
                        }
                        true
                    },
                )?;
                Ok((replay_all(projection, items), events, rejected))
            })
            .map_err(|e| io_error(self.name, e))?;
        let (state, events, rejected) = replayed;
        let state = state.map_err(|e| reducer_failure(py, e))?;
        let _pause = pyser::GcPause::new(py)?;
        let out = PyDict::new(py);
        let state_py = pyser::to_py(py, &state);
        release(state);
        out.set_item(pyo3::intern!(py, "state"), state_py?)?;
        out.set_item(pyo3::intern!(py, "events"), events)?;
        let file = PyString::new(py, self.name);
        let list = PyList::empty(py);
        for (line, problems) in &rejected {
            let d = PyDict::new(py);
            d.set_item(pyo3::intern!(py, "file"), &file)?;
            d.set_item(pyo3::intern!(py, "line"), *line)?;
            d.set_item(
                pyo3::intern!(py, "violations"),
                violations_list(py, problems)?,
            )?;
            list.append(d)?;
        }
        out.set_item(pyo3::intern!(py, "rejected"), list)?;
        Ok(out)
    }
}

/// Reads every record of a log as an envelope and reduces the valid ones with the reducer
/// called `reducer`; returns `{"state", "events", "rejected"}`.
#[pyfunction]
#[pyo3(signature = (reducer, source, *, mode = None, roster = None))]
pub fn replay_jsonl<'py>(
    py: Python<'py>,
    reducer: &str,
    source: &Bound<'py, PyAny>,
    mode: Option<&str>,
    roster: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let kind = reducer_kind(reducer)?;
    let opts = options(kind, mode, roster)?;
    let keep = Keep::new();
    let input = input(&keep, source)?;
    let name = input.name();
    with_projection(
        kind,
        &opts,
        ReplayInput {
            py,
            input: &input,
            name: &name,
        },
    )
    .map_err(|e| PyValueError::new_err(e.to_string()))?
}
