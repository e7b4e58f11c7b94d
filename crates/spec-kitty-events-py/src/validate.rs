//! `validate_event` and its result types, attribute for attribute those of the reference's
//! `spec_kitty_events.conformance`.
//!
//! Results keep the library's values and build Python objects only when an attribute is
//! read: most callers look at `valid` and nothing else.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple};
use spec_kitty_events::conformance::validate::{
    FoundSchemaError, SchemaPathItem, Violation, validate_contract_found,
};
use spec_kitty_events::contract::FieldError;
use spec_kitty_events::json::{Json, py as pytext};

use crate::convert::{self, Keep, json_to_py, value_to_py};

/// The offending input of a model violation.
enum Input {
    /// A value from the document (converted when read).
    Tree(Option<Box<Json<'static>>>),
    /// A Python object (the envelope itself, for the cutover check).
    Object(Py<PyAny>),
}

/// A violation found by the model layer (or the cutover check).
#[pyclass(frozen, module = "spec_kitty_events_rs")]
pub struct ModelViolation {
    field: String,
    message: String,
    violation_type: String,
    input: Input,
}

/// A violation found by the JSON Schema layer.
#[pyclass(frozen, module = "spec_kitty_events_rs")]
pub struct SchemaViolation {
    /// Its detail is rendered when an attribute is read.
    error: FoundSchemaError,
}

/// The verdict of [`validate_event`].
#[pyclass(frozen, module = "spec_kitty_events_rs")]
pub struct ConformanceResult {
    /// Whether neither layer objected.
    #[pyo3(get)]
    valid: bool,
    /// Always `False`: the schema layer always runs.
    #[pyo3(get)]
    schema_check_skipped: bool,
    event_type: &'static str,
    cutover: Option<(Violation, Py<PyAny>)>,
    model: Vec<FieldError>,
    schema: Vec<FoundSchemaError>,
    model_tuple: PyOnceLock<Py<PyTuple>>,
    schema_tuple: PyOnceLock<Py<PyTuple>>,
}

fn repr_of(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(obj.repr()?.to_string())
}

fn eq_attrs(a: &[Bound<'_, PyAny>], b: &[Bound<'_, PyAny>]) -> PyResult<bool> {
    for (x, y) in a.iter().zip(b) {
        if !x.eq(y)? {
            return Ok(false);
        }
    }
    Ok(true)
}

impl ModelViolation {
    fn attrs<'py>(&self, py: Python<'py>) -> PyResult<[Bound<'py, PyAny>; 4]> {
        Ok([
            PyString::new(py, &self.field).into_any(),
            PyString::new(py, &self.message).into_any(),
            PyString::new(py, &self.violation_type).into_any(),
            self.input_value(py)?,
        ])
    }
}

#[pymethods]
impl ModelViolation {
    /// The field's location, its steps joined with `.` (`evidence.repos.0.repo`).
    #[getter]
    fn field(&self) -> &str {
        &self.field
    }

    /// A human-readable explanation.
    #[getter]
    fn message(&self) -> &str {
        &self.message
    }

    /// The pydantic error type (`missing`, `string_too_short`, `cutover_policy`, …).
    #[getter]
    fn violation_type(&self) -> &str {
        &self.violation_type
    }

    /// The offending input.
    #[getter]
    fn input_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.input {
            Input::Tree(Some(v)) => json_to_py(py, v),
            Input::Tree(None) => Ok(py.None().into_bound(py)),
            Input::Object(o) => Ok(o.bind(py).clone()),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let [f, m, t, i] = self.attrs(py)?;
        Ok(format!(
            "ModelViolation(field={}, message={}, violation_type={}, input_value={})",
            repr_of(&f)?,
            repr_of(&m)?,
            repr_of(&t)?,
            repr_of(&i)?
        ))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<ModelViolation>() else {
            return Ok(false);
        };
        eq_attrs(&self.attrs(py)?, &other.get().attrs(py)?)
    }
}

impl SchemaViolation {
    fn attrs<'py>(&self, py: Python<'py>) -> PyResult<[Bound<'py, PyAny>; 5]> {
        Ok([
            PyString::new(py, &self.error.json_path).into_any(),
            PyString::new(py, &self.error.message()).into_any(),
            PyString::new(py, self.error.keyword()).into_any(),
            self.validator_value(py)?,
            self.schema_path(py)?.into_any(),
        ])
    }
}

#[pymethods]
impl SchemaViolation {
    /// Where in the instance, as `jsonschema` writes it (`$`, `$.wp_id`, `$.items[0]`).
    #[getter]
    fn json_path(&self) -> &str {
        &self.error.json_path
    }

    /// A human-readable explanation.
    #[getter]
    fn message(&self) -> String {
        self.error.message()
    }

    /// The failing keyword (`required`, `enum`, `type`, …).
    #[getter]
    fn validator(&self) -> &str {
        self.error.keyword()
    }

    /// The keyword's value in the schema.
    #[getter]
    fn validator_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.error.keyword_value() {
            Some(v) => value_to_py(py, v),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// The keyword's location in the schema as evaluated (a tuple of keys and indices).
    #[getter]
    fn schema_path<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let path = self.error.schema_path();
        let mut steps: Vec<Bound<'py, PyAny>> = Vec::with_capacity(path.len());
        for step in &path {
            steps.push(match step {
                SchemaPathItem::Key(k) => PyString::new(py, k).into_any(),
                SchemaPathItem::Index(i) => i.into_pyobject(py)?.into_any(),
            });
        }
        PyTuple::new(py, steps)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let [j, m, v, vv, sp] = self.attrs(py)?;
        Ok(format!(
            "SchemaViolation(json_path={}, message={}, validator={}, validator_value={}, schema_path={})",
            repr_of(&j)?,
            repr_of(&m)?,
            repr_of(&v)?,
            repr_of(&vv)?,
            repr_of(&sp)?
        ))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<SchemaViolation>() else {
            return Ok(false);
        };
        eq_attrs(&self.attrs(py)?, &other.get().attrs(py)?)
    }
}

#[pymethods]
impl ConformanceResult {
    /// The requested event type.
    #[getter]
    fn event_type(&self) -> &'static str {
        self.event_type
    }

    /// The model layer's violations (the cutover check first).
    #[getter]
    fn model_violations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let t = self
            .model_tuple
            .get_or_try_init(py, || -> PyResult<Py<PyTuple>> {
                let mut items: Vec<Bound<'_, ModelViolation>> =
                    Vec::with_capacity(self.model.len() + 1);
                if let Some((v, original)) = &self.cutover {
                    items.push(Bound::new(
                        py,
                        ModelViolation {
                            field: v.path.clone(),
                            message: v.message.clone(),
                            violation_type: v.kind.clone(),
                            input: Input::Object(original.clone_ref(py)),
                        },
                    )?);
                }
                for e in &self.model {
                    items.push(Bound::new(
                        py,
                        ModelViolation {
                            field: e.path.to_string(),
                            message: e.message.clone(),
                            violation_type: e.kind.to_string(),
                            input: Input::Tree(e.input.clone()),
                        },
                    )?);
                }
                Ok(PyTuple::new(py, items)?.unbind())
            })?;
        Ok(t.bind(py).clone())
    }

    /// The schema layer's violations, sorted by `json_path`.
    #[getter]
    fn schema_violations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let t = self
            .schema_tuple
            .get_or_try_init(py, || -> PyResult<Py<PyTuple>> {
                let mut items: Vec<Bound<'_, SchemaViolation>> =
                    Vec::with_capacity(self.schema.len());
                for e in &self.schema {
                    items.push(Bound::new(py, SchemaViolation { error: e.clone() })?);
                }
                Ok(PyTuple::new(py, items)?.unbind())
            })?;
        Ok(t.bind(py).clone())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ConformanceResult(valid={}, model_violations={}, schema_violations={}, schema_check_skipped={}, event_type={})",
            if self.valid { "True" } else { "False" },
            repr_of(self.model_violations(py)?.as_any())?,
            repr_of(self.schema_violations(py)?.as_any())?,
            if self.schema_check_skipped {
                "True"
            } else {
                "False"
            },
            pytext::str_repr(self.event_type)
        ))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<ConformanceResult>() else {
            return Ok(false);
        };
        let o = other.get();
        Ok(self.valid == o.valid
            && self.schema_check_skipped == o.schema_check_skipped
            && self.event_type == o.event_type
            && self.model_violations(py)?.eq(o.model_violations(py)?)?
            && self.schema_violations(py)?.eq(o.schema_violations(py)?)?)
    }
}

/// The tree of a `validate_event` argument: a `dict`, or JSON text of an object.
fn payload_tree<'a, 'py>(keep: &'a Keep<'py>, payload: &Bound<'py, PyAny>) -> PyResult<Json<'a>> {
    if let Ok(d) = payload.cast::<PyDict>() {
        return convert::dict(keep, d, 0);
    }
    match convert::parse_text(keep, payload)? {
        Some(tree) if tree.is_object() => Ok(tree),
        Some(tree) => Err(PyTypeError::new_err(format!(
            "the payload must be a JSON object, not {}",
            tree.py_type_name()
        ))),
        None => Err(PyTypeError::new_err(format!(
            "the payload must be a dict or JSON text (str or bytes), not {}",
            convert::type_name(payload)
        ))),
    }
}

/// The reference's `ValueError` for an unknown event type.
pub fn unknown_event_type(event_type: &str) -> PyErr {
    PyValueError::new_err(format!(
        "Unknown event type: {}. Known types: {}",
        pytext::str_repr(event_type),
        pytext::str_list_repr(&spec_kitty_events::conformance::known_event_types())
    ))
}

/// Validates an event payload (or a full envelope of that type) against the contract of
/// `event_type`, both layers, as the reference's `validate_event` does.
#[pyfunction]
#[pyo3(signature = (payload, event_type, *, strict = false))]
pub fn validate_event(
    py: Python<'_>,
    payload: &Bound<'_, PyAny>,
    event_type: &Bound<'_, PyString>,
    strict: bool,
) -> PyResult<ConformanceResult> {
    // `strict` only matters to the reference when `jsonschema` is missing; here the schema
    // layer is always present.
    let _ = strict;
    let type_name = event_type.to_str()?;
    let Some(contract) = spec_kitty_events::conformance::registry::find(type_name) else {
        return Err(unknown_event_type(type_name));
    };
    let keep = Keep::new();
    let tree = payload_tree(&keep, payload)?;
    let result = validate_contract_found(&tree, contract);
    let valid = result.valid();
    let cutover = match result.cutover {
        // The reference reports the envelope itself as the cutover check's input.
        Some(v) => {
            let original = if payload.is_instance_of::<PyDict>() {
                payload.clone()
            } else {
                json_to_py(py, &tree)?
            };
            Some((v, original.unbind()))
        }
        None => None,
    };
    Ok(ConformanceResult {
        valid,
        schema_check_skipped: false,
        event_type: result.event_type,
        cutover,
        model: result.model_errors,
        schema: result.schema_errors,
        model_tuple: PyOnceLock::new(),
        schema_tuple: PyOnceLock::new(),
    })
}
