//! `reduce`: any of the ten reducers over envelopes from Python.
//!
//! The envelopes are read into trees while the interpreter is held (strings borrowed, not
//! copied); then the interpreter is released while every core validates the envelopes and
//! prepares them for the reducer, and the reducer folds them.

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use rayon::prelude::*;
use serde_json::{Map, Value};
use spec_kitty_events::Error;
use spec_kitty_events::contract::FieldError;
use spec_kitty_events::envelope::EventRef;
use spec_kitty_events::json::Json;
use spec_kitty_events::pipeline::read_and_prepare;
use spec_kitty_events::projection::{Prepared, Projection, prepare_ref, release, replay_all};
use spec_kitty_events::replay::{
    Mode, ProjectionVisitor, ReducerKind, ReplayOptions, with_projection,
};

use crate::convert::{self, Keep};
use crate::events::{
    event_tree, event_tree_read, invalid_event, is_reference_event, reducer_error,
    trusted_event_ref,
};
use crate::pyser;

/// The reducer called `name` (the command line's names).
pub fn reducer_kind(name: &str) -> PyResult<ReducerKind> {
    ReducerKind::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = ReducerKind::ALL.iter().map(|k| k.name()).collect();
        PyValueError::new_err(format!(
            "unknown reducer {}; known reducers: {}",
            spec_kitty_events::json::py::str_repr(name),
            names.join(", ")
        ))
    })
}

/// The options of a reducer call, checked as the reference's signatures check them:
/// `mode` for collaboration and glossary only, `roster` for collaboration only.
pub fn options(
    kind: ReducerKind,
    mode: Option<&str>,
    roster: Option<&Bound<'_, PyAny>>,
) -> PyResult<ReplayOptions> {
    let takes_mode = matches!(kind, ReducerKind::Collaboration | ReducerKind::Glossary);
    let mode = match mode {
        None => Mode::Default,
        Some(_) if !takes_mode => {
            return Err(PyTypeError::new_err(format!(
                "the {} reducer takes no mode",
                kind.name()
            )));
        }
        Some("strict") => Mode::Strict,
        Some("permissive") => Mode::Permissive,
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "mode must be 'strict' or 'permissive', not {}",
                spec_kitty_events::json::py::str_repr(other)
            )));
        }
    };
    let roster = match roster {
        None => None,
        Some(r) if r.is_none() => None,
        Some(_) if kind != ReducerKind::Collaboration => {
            return Err(PyTypeError::new_err(format!(
                "the {} reducer takes no roster",
                kind.name()
            )));
        }
        Some(r) => Some(roster_value(r)?),
    };
    Ok(ReplayOptions { mode, roster })
}

/// A roster: participant id → identity, each identity a dict or a model (the reference's
/// `ParticipantIdentity`).
fn roster_value(roster: &Bound<'_, PyAny>) -> PyResult<Value> {
    let Ok(d) = roster.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(format!(
            "roster must be a dict of participant id to identity, not {}",
            convert::type_name(roster)
        )));
    };
    let mut out = Map::new();
    for (k, v) in d.iter() {
        let Ok(k) = k.cast::<PyString>() else {
            return Err(PyTypeError::new_err("roster keys must be str"));
        };
        let keep = Keep::new();
        let identity = if v.is_instance_of::<PyDict>() {
            convert::to_json(&keep, &v)?
        } else {
            event_tree(&keep, &v)?
        };
        out.insert(k.to_str()?.to_owned(), identity.to_value());
    }
    Ok(Value::Object(out))
}

/// Maps a reducer's refusal to `ReducerError`, anything else to `ValueError`.
pub fn reducer_failure(py: Python<'_>, e: Error) -> PyErr {
    match e {
        Error::Replay { event_id, reason } => match reducer_error(py) {
            Ok(cls) => PyErr::from_type(cls.clone(), (reason, event_id)),
            Err(e) => e,
        },
        other => PyValueError::new_err(other.to_string()),
    }
}

/// Why one event could not be prepared: its index and its envelope errors.
type Rejection = (usize, Vec<FieldError>);

/// Envelopes read and sent to the preparing thread at a time.
const CHUNK: usize = 2048;

/// Validates and prepares one chunk of trees (the first being event `base`) on every core.
fn prepare_chunk<P: Projection>(
    base: usize,
    trees: &[(bool, Json<'_>)],
) -> Result<Vec<Prepared<P::Item>>, Rejection> {
    let results: Vec<Result<Option<Prepared<P::Item>>, Rejection>> = trees
        .par_iter()
        .enumerate()
        .with_min_len(256)
        .map(|(i, (trusted, t))| {
            // A reference `Event` was validated when it was made: the reference's
            // reducers take it as it is, and so do we.
            if *trusted && let Some(e) = trusted_event_ref(t) {
                return Ok(prepare_ref::<P>(&e));
            }
            match EventRef::from_json(t) {
                Ok(e) => Ok(prepare_ref::<P>(&e)),
                Err(errors) => Err((base + i, errors)),
            }
        })
        .collect();
    let mut items = Vec::with_capacity(results.len());
    for r in results {
        if let Some(item) = r? {
            items.push(item);
        }
    }
    Ok(items)
}

struct ReduceEvents<'e, 'py> {
    py: Python<'py>,
    events: &'e Bound<'py, PyAny>,
}

impl<'py> ProjectionVisitor for ReduceEvents<'_, 'py> {
    type Output = PyResult<Bound<'py, PyAny>>;

    /// Reads the envelopes into trees on this thread (which holds the interpreter) while
    /// another thread validates and prepares the chunks already read; then folds with the
    /// interpreter released.
    fn visit<P: Projection>(self, projection: P) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        let keep = Keep::new();
        let mut reader = convert::Reader::remembering(&keep);
        // A sized collection (a list) says how many events to make room for.
        let expected = self.events.len().unwrap_or(0);
        let (read, prepared) = read_and_prepare(
            CHUNK,
            Vec::with_capacity(expected),
            |push| -> PyResult<()> {
                for item in self.events.try_iter()? {
                    let item = item?;
                    let trusted = !item.is_instance_of::<PyDict>()
                        && !item.is_instance_of::<PyString>()
                        && is_reference_event(&item);
                    if !push((trusted, event_tree_read(&mut reader, &item)?)) {
                        break; // The preparing thread stopped at a rejected event.
                    }
                }
                Ok(())
            },
            |base, chunk: Vec<(bool, Json<'_>)>, items: &mut Vec<Prepared<P::Item>>| {
                items.extend(prepare_chunk::<P>(base, &chunk)?);
                Ok(())
            },
            |join| py.detach(join),
        );
        let prepared =
            prepared.map_err(|_| PyRuntimeError::new_err("the preparing thread failed"))?;
        let items = match prepared {
            Err((index, errors)) => {
                return Err(invalid_event(
                    py,
                    &errors,
                    Some(&format!("event {index} is not a valid envelope")),
                ));
            }
            Ok(items) => items,
        };
        read?;
        drop(keep);
        let state = py
            .detach(move || replay_all(projection, items))
            .map_err(|e| reducer_failure(py, e))?;
        let out = pyser::to_py_paused(py, &state);
        release(state);
        out
    }
}

/// Reduces `events` with the reducer called `reducer` and returns the state as the
/// reference's `model_dump(mode="json")` renders it.
#[pyfunction]
#[pyo3(signature = (reducer, events, *, mode = None, roster = None))]
pub fn reduce<'py>(
    py: Python<'py>,
    reducer: &str,
    events: &Bound<'py, PyAny>,
    mode: Option<&str>,
    roster: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = reducer_kind(reducer)?;
    let opts = options(kind, mode, roster)?;
    with_projection(kind, &opts, ReduceEvents { py, events })
        .map_err(|e| PyValueError::new_err(e.to_string()))?
}
