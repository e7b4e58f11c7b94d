//! `validate_event` and its result types, attribute for attribute those of the reference's
//! `spec_kitty_events.conformance`.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use spec_kitty_events::conformance::validate::{
    Layer, SchemaError, SchemaPathItem, Violation, validate_event_detailed,
};
use spec_kitty_events::json::Json;

use crate::convert::{self, Keep, value_to_py};

/// A violation found by the model layer (or the cutover check).
#[pyclass(frozen, get_all, module = "spec_kitty_events_rs")]
pub struct ModelViolation {
    /// The field's location, its steps joined with `.` (`evidence.repos.0.repo`).
    pub field: Py<PyString>,
    /// A human-readable explanation.
    pub message: Py<PyString>,
    /// The pydantic error type (`missing`, `string_too_short`, `cutover_policy`, …).
    pub violation_type: Py<PyString>,
    /// The offending input.
    pub input_value: Py<PyAny>,
}

/// A violation found by the JSON Schema layer.
#[pyclass(frozen, get_all, module = "spec_kitty_events_rs")]
pub struct SchemaViolation {
    /// Where in the instance, as `jsonschema` writes it (`$`, `$.wp_id`, `$.items[0]`).
    pub json_path: Py<PyString>,
    /// A human-readable explanation.
    pub message: Py<PyString>,
    /// The failing keyword (`required`, `enum`, `type`, …).
    pub validator: Py<PyString>,
    /// The keyword's value in the schema.
    pub validator_value: Py<PyAny>,
    /// The keyword's location in the schema as evaluated (a tuple of keys and indices).
    pub schema_path: Py<PyTuple>,
}

/// The verdict of [`validate_event`].
#[pyclass(frozen, get_all, module = "spec_kitty_events_rs")]
pub struct ConformanceResult {
    /// Whether neither layer objected.
    pub valid: bool,
    /// The model layer's violations (the cutover check first).
    pub model_violations: Py<PyTuple>,
    /// The schema layer's violations, sorted by `json_path`.
    pub schema_violations: Py<PyTuple>,
    /// Always `False`: the schema layer always runs.
    pub schema_check_skipped: bool,
    /// The requested event type.
    pub event_type: Py<PyString>,
}

fn repr_of(py: Python<'_>, v: &Py<impl Sized>) -> PyResult<String> {
    Ok(v.bind(py).as_any().repr()?.to_string())
}

fn eq_attrs(py: Python<'_>, a: &[&Py<PyAny>], b: &[&Py<PyAny>]) -> PyResult<bool> {
    for (x, y) in a.iter().zip(b) {
        if !x.bind(py).eq(y.bind(py))? {
            return Ok(false);
        }
    }
    Ok(true)
}

#[pymethods]
impl ModelViolation {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ModelViolation(field={}, message={}, violation_type={}, input_value={})",
            repr_of(py, &self.field)?,
            repr_of(py, &self.message)?,
            repr_of(py, &self.violation_type)?,
            repr_of(py, &self.input_value)?
        ))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<ModelViolation>() else {
            return Ok(false);
        };
        let o = other.get();
        eq_attrs(
            py,
            &[
                self.field.as_any(),
                self.message.as_any(),
                self.violation_type.as_any(),
                &self.input_value,
            ],
            &[
                o.field.as_any(),
                o.message.as_any(),
                o.violation_type.as_any(),
                &o.input_value,
            ],
        )
    }
}

#[pymethods]
impl SchemaViolation {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SchemaViolation(json_path={}, message={}, validator={}, validator_value={}, schema_path={})",
            repr_of(py, &self.json_path)?,
            repr_of(py, &self.message)?,
            repr_of(py, &self.validator)?,
            repr_of(py, &self.validator_value)?,
            repr_of(py, &self.schema_path)?
        ))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<SchemaViolation>() else {
            return Ok(false);
        };
        let o = other.get();
        eq_attrs(
            py,
            &[
                self.json_path.as_any(),
                self.message.as_any(),
                self.validator.as_any(),
                &self.validator_value,
                self.schema_path.as_any(),
            ],
            &[
                o.json_path.as_any(),
                o.message.as_any(),
                o.validator.as_any(),
                &o.validator_value,
                o.schema_path.as_any(),
            ],
        )
    }
}

#[pymethods]
impl ConformanceResult {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ConformanceResult(valid={}, model_violations={}, schema_violations={}, schema_check_skipped={}, event_type={})",
            if self.valid { "True" } else { "False" },
            repr_of(py, &self.model_violations)?,
            repr_of(py, &self.schema_violations)?,
            if self.schema_check_skipped {
                "True"
            } else {
                "False"
            },
            repr_of(py, &self.event_type)?
        ))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<ConformanceResult>() else {
            return Ok(false);
        };
        let o = other.get();
        Ok(self.valid == o.valid
            && self.schema_check_skipped == o.schema_check_skipped
            && eq_attrs(
                py,
                &[
                    self.model_violations.as_any(),
                    self.schema_violations.as_any(),
                    self.event_type.as_any(),
                ],
                &[
                    o.model_violations.as_any(),
                    o.schema_violations.as_any(),
                    o.event_type.as_any(),
                ],
            )?)
    }
}

fn model_violation(
    py: Python<'_>,
    v: &Violation,
    original: &Bound<'_, PyAny>,
) -> PyResult<ModelViolation> {
    // The reference reports the envelope itself as the cutover check's input.
    let input_value = if v.layer == Layer::Cutover {
        original.clone().unbind()
    } else {
        match &v.input {
            Some(input) => value_to_py(py, input)?.unbind(),
            None => py.None(),
        }
    };
    Ok(ModelViolation {
        field: PyString::new(py, &v.path).unbind(),
        message: PyString::new(py, &v.message).unbind(),
        violation_type: PyString::new(py, &v.kind).unbind(),
        input_value,
    })
}

fn schema_violation(py: Python<'_>, e: &SchemaError) -> PyResult<SchemaViolation> {
    let mut steps: Vec<Bound<'_, PyAny>> = Vec::with_capacity(e.schema_path.len());
    for step in &e.schema_path {
        steps.push(match step {
            SchemaPathItem::Key(k) => PyString::new(py, k).into_any(),
            SchemaPathItem::Index(i) => i.into_pyobject(py)?.into_any(),
        });
    }
    Ok(SchemaViolation {
        json_path: PyString::new(py, &e.json_path).unbind(),
        message: PyString::new(py, &e.message).unbind(),
        validator: PyString::new(py, &e.keyword).unbind(),
        validator_value: value_to_py(py, &e.keyword_value)?.unbind(),
        schema_path: PyTuple::new(py, steps)?.unbind(),
    })
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
    let keep = Keep::new();
    let type_name = keep.str(event_type)?;
    if spec_kitty_events::conformance::registry::find(type_name).is_none() {
        return Err(PyValueError::new_err(format!(
            "Unknown event type: {}. Known types: {}",
            spec_kitty_events::json::py::str_repr(type_name),
            spec_kitty_events::json::py::str_list_repr(
                &spec_kitty_events::conformance::known_event_types()
            )
        )));
    }
    let tree = payload_tree(&keep, payload)?;
    let result = validate_event_detailed(&tree, type_name)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let valid = result.valid();
    let model = if result.model_violations.is_empty() {
        PyTuple::empty(py)
    } else {
        // The document as a dict, for the cutover check's input.
        let original = if payload.is_instance_of::<PyDict>() {
            payload.clone()
        } else {
            convert::json_to_py(py, &tree)?
        };
        let mut items = Vec::with_capacity(result.model_violations.len());
        for v in &result.model_violations {
            items.push(Bound::new(py, model_violation(py, v, &original)?)?);
        }
        PyTuple::new(py, items)?
    };
    let schema = if result.schema_errors.is_empty() {
        PyTuple::empty(py)
    } else {
        let mut items = Vec::with_capacity(result.schema_errors.len());
        for e in &result.schema_errors {
            items.push(Bound::new(py, schema_violation(py, e)?)?);
        }
        PyTuple::new(py, items)?
    };
    Ok(ConformanceResult {
        valid,
        model_violations: model.unbind(),
        schema_violations: schema.unbind(),
        schema_check_skipped: false,
        event_type: event_type.clone().unbind(),
    })
}
