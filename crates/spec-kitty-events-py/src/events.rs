//! Envelopes from Python: dicts, JSON texts and the reference's own `Event` models; the
//! errors raised for invalid ones; `parse_event`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};
use spec_kitty_events::contract::{FieldError, PathItem, render_report};
use spec_kitty_events::envelope::EventRef;
use spec_kitty_events::json::Json;
use std::borrow::Cow;

use crate::convert::{self, Keep, json_to_py};

static EVENT_VALIDATION_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static REDUCER_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static REFERENCE_EVENT: PyOnceLock<Option<Py<PyType>>> = PyOnceLock::new();
static UUID: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `spec_kitty_events_rs.EventValidationError`.
pub fn event_validation_error(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    EVENT_VALIDATION_ERROR.import(py, "spec_kitty_events_rs._errors", "EventValidationError")
}

/// `spec_kitty_events_rs.ReducerError`.
pub fn reducer_error(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    REDUCER_ERROR.import(py, "spec_kitty_events_rs._errors", "ReducerError")
}

/// The location of a field error as pydantic writes it: a tuple of keys and indices.
pub fn loc_tuple<'py>(py: Python<'py>, e: &FieldError) -> PyResult<Bound<'py, PyTuple>> {
    let mut steps: Vec<Bound<'py, PyAny>> = Vec::with_capacity(e.path.0.len());
    for step in &e.path.0 {
        steps.push(match step {
            PathItem::Key(k) => PyString::new(py, k).into_any(),
            PathItem::Index(i) => i.into_pyobject(py)?.into_any(),
        });
    }
    PyTuple::new(py, steps)
}

/// The `errors()` list of an [`EventValidationError`](event_validation_error): one dict
/// per problem with `loc`, `type`, `msg` and, when known, `input`.
pub fn error_dicts<'py>(py: Python<'py>, errors: &[FieldError]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for e in errors {
        let d = PyDict::new(py);
        d.set_item(pyo3::intern!(py, "loc"), loc_tuple(py, e)?)?;
        d.set_item(pyo3::intern!(py, "type"), e.kind.as_ref())?;
        d.set_item(pyo3::intern!(py, "msg"), &e.message)?;
        if let Some(input) = &e.input {
            d.set_item(pyo3::intern!(py, "input"), json_to_py(py, input)?)?;
        }
        list.append(d)?;
    }
    Ok(list)
}

/// An `EventValidationError` for `errors`, its message the validation report (prefixed
/// with `context` when given).
pub fn invalid_event(py: Python<'_>, errors: &[FieldError], context: Option<&str>) -> PyErr {
    let report = render_report("Event", errors);
    let message = match context {
        Some(c) => format!("{c}: {report}"),
        None => report,
    };
    match (event_validation_error(py), error_dicts(py, errors)) {
        (Ok(cls), Ok(list)) => PyErr::from_type(cls.clone(), (message, list.unbind())),
        (Err(e), _) | (_, Err(e)) => e,
    }
}

fn is_instance(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    cell: &'static PyOnceLock<Py<PyType>>,
    module: &str,
    name: &str,
) -> PyResult<bool> {
    obj.is_instance(cell.import(py, module, name)?)
}

/// Whether `obj` is an instance of the reference's own `spec_kitty_events.Event` (exactly
/// that class): pydantic validated it when it was made, as the reference's reducers
/// assume.
pub fn is_reference_event(obj: &Bound<'_, PyAny>) -> bool {
    let py = obj.py();
    let cls = REFERENCE_EVENT.get_or_init(py, || {
        py.import("spec_kitty_events.models")
            .and_then(|m| m.getattr("Event"))
            .and_then(|c| c.cast_into::<PyType>().map_err(Into::into))
            .map(Bound::unbind)
            .ok()
    });
    cls.as_ref().is_some_and(|c| obj.get_type().is(c.bind(py)))
}

/// The envelope of a tree made from a reference `Event` (see [`is_reference_event`]),
/// read without validating it again; `None` when a field is not as pydantic leaves it
/// (then the caller validates).
pub fn trusted_event_ref<'b>(tree: &'b Json<'_>) -> Option<EventRef<'b>> {
    let s = |v: &'b Json<'_>| v.as_str().map(Cow::Borrowed);
    let opt = |v: &'b Json<'_>| match v {
        Json::Null => Some(None),
        Json::Str(x) => Some(Some(Cow::Borrowed(x.as_ref()))),
        _ => None,
    };
    // One pass over the fields (a lookup per field would scan them all each time).
    let mut f: [Option<&'b Json<'_>>; 14] = [None; 14];
    for (k, v) in tree.as_object()? {
        let i = match k.as_ref() {
            "event_id" => 0,
            "event_type" => 1,
            "aggregate_id" => 2,
            "payload" => 3,
            "timestamp" => 4,
            "build_id" => 5,
            "node_id" => 6,
            "lamport_clock" => 7,
            "causation_id" => 8,
            "project_uuid" => 9,
            "project_slug" => 10,
            "correlation_id" => 11,
            "schema_version" => 12,
            "data_tier" => 13,
            _ => continue,
        };
        f[i] = Some(v);
    }
    let payload = f[3].filter(|p| p.is_object())?;
    Some(EventRef {
        event_id: s(f[0]?)?,
        event_type: s(f[1]?)?,
        aggregate_id: s(f[2]?)?,
        payload,
        timestamp: spec_kitty_events::Timestamp::parse_str(f[4]?.as_str()?).ok()?,
        build_id: s(f[5]?)?,
        node_id: s(f[6]?)?,
        lamport_clock: f[7]?.as_u64()?,
        causation_id: opt(f[8]?)?,
        project_uuid: f[9]?.as_str()?.parse().ok()?,
        project_slug: opt(f[10]?)?,
        correlation_id: s(f[11]?)?,
        schema_version: s(f[12]?)?,
        data_tier: u8::try_from(f[13]?.as_u64()?).ok()?,
    })
}

/// The tree of one envelope given as a `dict`, as JSON text (`str` or `bytes`), or as a
/// model object (the reference's `Event`, or anything with `model_dump`).
pub fn event_tree<'a, 'py>(keep: &'a Keep<'py>, obj: &Bound<'py, PyAny>) -> PyResult<Json<'a>> {
    if let Ok(d) = obj.cast::<PyDict>() {
        return convert::dict(keep, d, 0);
    }
    if let Some(tree) = convert::parse_text(keep, obj)? {
        return Ok(tree);
    }
    if let Some(tree) = model_fields(keep, obj)? {
        return Ok(tree);
    }
    if obj.hasattr(pyo3::intern!(obj.py(), "model_dump"))? {
        return model_dump(keep, obj);
    }
    Err(PyTypeError::new_err(format!(
        "an event must be a dict, JSON text (str or bytes) or a model with model_dump, not {}",
        convert::type_name(obj)
    )))
}

/// [`event_tree`] through `reader` (which shares the repeated strings of many envelopes).
pub fn event_tree_read<'a, 'py>(
    reader: &mut convert::Reader<'a, 'py>,
    obj: &Bound<'py, PyAny>,
) -> PyResult<Json<'a>> {
    match obj.cast::<PyDict>() {
        Ok(d) => reader.dict(d, 0),
        Err(_) => event_tree(reader.keep(), obj),
    }
}

/// `obj.model_dump(mode="json")`, as a tree.
fn model_dump<'a, 'py>(keep: &'a Keep<'py>, obj: &Bound<'py, PyAny>) -> PyResult<Json<'a>> {
    let py = obj.py();
    let kwargs = PyDict::new(py);
    kwargs.set_item("mode", "json")?;
    let dumped = obj.call_method(pyo3::intern!(py, "model_dump"), (), Some(&kwargs))?;
    match dumped.cast::<PyDict>() {
        Ok(d) => convert::dict(keep, d, 0),
        Err(_) => Err(PyTypeError::new_err(format!(
            "model_dump() returned {}, not a dict",
            convert::type_name(&dumped)
        ))),
    }
}

/// The fields of a pydantic model read straight from its `__dict__` (much faster than
/// `model_dump`): `datetime` values through `isoformat()`, `UUID`s through their text.
/// `None` when `obj` is no such model or holds a value this cannot read (then
/// `model_dump` is the way).
fn model_fields<'a, 'py>(
    keep: &'a Keep<'py>,
    obj: &Bound<'py, PyAny>,
) -> PyResult<Option<Json<'a>>> {
    let py = obj.py();
    if !obj.hasattr(pyo3::intern!(py, "__pydantic_fields_set__"))? {
        return Ok(None);
    }
    let Ok(fields) = obj.getattr(pyo3::intern!(py, "__dict__")) else {
        return Ok(None);
    };
    let Ok(fields) = fields.cast_into::<PyDict>() else {
        return Ok(None);
    };
    let mut entries = Vec::with_capacity(fields.len());
    for (k, v) in fields.iter() {
        let Ok(k) = k.cast_into::<PyString>() else {
            return Ok(None);
        };
        let key = Cow::Borrowed(keep.text_of(&k)?);
        let value = if convert::is_plain(&v) {
            match convert::to_json(keep, &v) {
                Ok(j) => j,
                Err(_) => return Ok(None),
            }
        } else if is_instance(py, &v, &DATETIME, "datetime", "datetime")? {
            let text: String = v.call_method0(pyo3::intern!(py, "isoformat"))?.extract()?;
            Json::Str(Cow::Owned(text))
        } else if is_instance(py, &v, &UUID, "uuid", "UUID")? {
            Json::Str(Cow::Owned(keep.uuid_text(&v)?))
        } else {
            return Ok(None);
        };
        entries.push((key, value));
    }
    Ok(Some(Json::Object(entries)))
}

/// The envelope as the reference's `model_dump(mode="json")` renders it.
pub fn event_dict<'py>(py: Python<'py>, e: &EventRef<'_>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let opt = |v: &Option<Cow<'_, str>>| -> Bound<'py, PyAny> {
        match v {
            Some(s) => PyString::new(py, s).into_any(),
            None => py.None().into_bound(py),
        }
    };
    d.set_item(pyo3::intern!(py, "event_id"), e.event_id.as_ref())?;
    d.set_item(pyo3::intern!(py, "event_type"), e.event_type.as_ref())?;
    d.set_item(pyo3::intern!(py, "aggregate_id"), e.aggregate_id.as_ref())?;
    d.set_item(pyo3::intern!(py, "payload"), json_to_py(py, e.payload)?)?;
    d.set_item(pyo3::intern!(py, "timestamp"), e.timestamp.to_json_string())?;
    d.set_item(pyo3::intern!(py, "build_id"), e.build_id.as_ref())?;
    d.set_item(pyo3::intern!(py, "node_id"), e.node_id.as_ref())?;
    d.set_item(pyo3::intern!(py, "lamport_clock"), e.lamport_clock)?;
    d.set_item(pyo3::intern!(py, "causation_id"), opt(&e.causation_id))?;
    d.set_item(
        pyo3::intern!(py, "project_uuid"),
        e.project_uuid.hyphenated().to_string(),
    )?;
    d.set_item(pyo3::intern!(py, "project_slug"), opt(&e.project_slug))?;
    d.set_item(
        pyo3::intern!(py, "correlation_id"),
        e.correlation_id.as_ref(),
    )?;
    d.set_item(
        pyo3::intern!(py, "schema_version"),
        e.schema_version.as_ref(),
    )?;
    d.set_item(pyo3::intern!(py, "data_tier"), e.data_tier)?;
    Ok(d)
}

/// Validates one envelope and returns it as the reference's
/// `Event.model_validate(obj).model_dump(mode="json")` renders it.
#[pyfunction]
pub fn parse_event<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let keep = Keep::new();
    let tree = event_tree(&keep, obj)?;
    match EventRef::from_json(&tree) {
        Ok(e) => event_dict(py, &e),
        Err(errors) => Err(invalid_event(py, &errors, None)),
    }
}
