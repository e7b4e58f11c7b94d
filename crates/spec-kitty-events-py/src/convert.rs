//! Between Python objects and the library's values.
//!
//! Inbound, a Python value becomes a [`Json`] tree with the meaning `json.loads` would
//! give the same document: `bool` before `int`, integers of any size, floats, `str`
//! (subclasses such as string enums included), `list`/`tuple` as arrays, `dict` with `str`
//! keys as objects. The UTF-8 text of the (short) strings of a value is copied into one
//! bump arena of a [`Keep`], so the tree holds no Python object: it can be read on other
//! threads with the interpreter released, and dropping it needs no reference counting.
//! Long texts (a whole log given as `str`) are borrowed instead, the [`Keep`] holding
//! their objects alive for as long as the tree lives.
//! Exact `str` and `dict`, most of any envelope, are recognised by a type pointer compare;
//! every other value takes the general path.
//!
//! Outbound, library values ([`Json`] trees, `serde_json` values, anything `Serialize`)
//! become plain Python values: `dict`, `list`, `str`, `int`, `float`, `bool`, `None`.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;
use spec_kitty_events::json::{self, Json, MAX_DEPTH};
use std::borrow::Cow;
use std::cell::RefCell;
use typed_arena::Arena;

/// Strings longer than this are borrowed from their objects rather than copied.
const COPY_LIMIT: usize = 4096;

/// The text of the strings a tree holds (copied), and the Python objects whose text it
/// borrows (long strings, `bytes`), alive while the tree lives.
pub struct Keep<'py> {
    strs: Arena<Bound<'py, PyString>>,
    bytes: Arena<Bound<'py, PyBytes>>,
    text: bumpalo::Bump,
    /// The last `uuid.UUID` read and its text: a log's events mostly share one project.
    last_uuid: RefCell<Option<(Bound<'py, PyAny>, String)>>,
}

impl<'py> Keep<'py> {
    /// An empty keeper.
    pub fn new() -> Self {
        Keep {
            strs: Arena::with_capacity(0),
            bytes: Arena::with_capacity(0),
            text: bumpalo::Bump::with_capacity(512),
            last_uuid: RefCell::new(None),
        }
    }

    /// The canonical text of a `uuid.UUID` (`str(u)`), from its 128-bit value.
    pub fn uuid_text(&self, u: &Bound<'py, PyAny>) -> PyResult<String> {
        let value = u.getattr(pyo3::intern!(u.py(), "int"))?;
        if let Some((last, text)) = &*self.last_uuid.borrow()
            && (last.is(&value) || last.eq(&value)?)
        {
            return Ok(text.clone());
        }
        let n: u128 = value.extract()?;
        let h = format!("{n:032x}");
        let text = format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        );
        *self.last_uuid.borrow_mut() = Some((value, text.clone()));
        Ok(text)
    }

    /// The UTF-8 text of `s`, borrowed for as long as this keeper lives.
    pub fn str<'a>(&'a self, s: &Bound<'py, PyString>) -> PyResult<&'a str> {
        let held: &'a Bound<'py, PyString> = self.strs.alloc(s.clone());
        held.to_str()
    }

    /// The UTF-8 text of a `str` object (of any `str` subclass) for as long as this keeper
    /// lives: a copy in the arena, or for a long text the object's own buffer, the object
    /// kept alive.
    pub fn text_of<'a>(&'a self, s: &Bound<'py, PyString>) -> PyResult<&'a str> {
        let text = s.to_str()?;
        if text.len() <= COPY_LIMIT {
            return Ok(self.text.alloc_str(text));
        }
        self.str(s)
    }

    /// The bytes of `b`, borrowed for as long as this keeper lives.
    pub fn bytes<'a>(&'a self, b: &Bound<'py, PyBytes>) -> &'a [u8] {
        let held: &'a Bound<'py, PyBytes> = self.bytes.alloc(b.clone());
        held.as_bytes()
    }
}

fn too_deep() -> PyErr {
    PyValueError::new_err(format!(
        "value nested more than {MAX_DEPTH} levels deep (the limit of the JSON reader)"
    ))
}

/// Converts a Python value into a tree borrowing its strings from `keep`.
///
/// Raises `TypeError` for a value JSON cannot hold (a `set`, a `datetime`, a `dict` with a
/// non-`str` key, …) and `ValueError` for one nested more deeply than the JSON reader
/// accepts (which also stops self-referencing containers).
pub fn to_json<'a, 'py>(keep: &'a Keep<'py>, obj: &Bound<'py, PyAny>) -> PyResult<Json<'a>> {
    Reader::new(keep).value(obj, 0, 0)
}

/// Converts a `dict` into an object tree.
pub fn dict<'a, 'py>(
    keep: &'a Keep<'py>,
    d: &Bound<'py, PyDict>,
    depth: usize,
) -> PyResult<Json<'a>> {
    Reader::new(keep).dict(d, depth)
}

/// Container depths and positions within them whose last string a [`Reader`] remembers.
const RECENT_DEPTHS: usize = 4;
const RECENT_SLOTS: usize = 64;

/// Reads many values of one shape (a log's envelopes) into trees: a string equal to the
/// one read last at the same place (depth, position in its container) shares that one's
/// copy, so the keys of every envelope, and the values that repeat from event to event
/// (types, versions, nodes, lanes), are copied once.
pub struct Reader<'a, 'py> {
    keep: &'a Keep<'py>,
    remember: bool,
    recent: Vec<[Option<&'a str>; RECENT_SLOTS]>,
}

impl<'a, 'py> Reader<'a, 'py> {
    /// A reader of one value, copying into `keep`.
    pub fn new(keep: &'a Keep<'py>) -> Self {
        Reader {
            keep,
            remember: false,
            recent: Vec::new(),
        }
    }

    /// A reader of many values of one shape, copying into `keep` (see [`Reader`]).
    pub fn remembering(keep: &'a Keep<'py>) -> Self {
        Reader {
            keep,
            remember: true,
            recent: Vec::new(),
        }
    }

    /// The keeper the trees borrow from.
    pub fn keep(&self) -> &'a Keep<'py> {
        self.keep
    }

    /// The text of `s`, found at `slot` of a container at `depth`.
    fn text(&mut self, s: &Bound<'py, PyString>, depth: usize, slot: usize) -> PyResult<&'a str> {
        if !self.remember || depth >= RECENT_DEPTHS || slot >= RECENT_SLOTS {
            return self.keep.text_of(s);
        }
        let t = s.to_str()?;
        if let Some(Some(prev)) = self.recent.get(depth).map(|r| r[slot])
            && prev == t
        {
            return Ok(prev);
        }
        let copied = self.keep.text_of(s)?;
        while self.recent.len() <= depth {
            self.recent.push([None; RECENT_SLOTS]);
        }
        self.recent[depth][slot] = Some(copied);
        Ok(copied)
    }

    /// A value found at `slot` of a container at `depth` (the top level: 0, 0).
    pub fn value(
        &mut self,
        obj: &Bound<'py, PyAny>,
        depth: usize,
        slot: usize,
    ) -> PyResult<Json<'a>> {
        // The two commonest exact types first (a type pointer compare each); everything
        // else, subclasses included, in `general`.
        if let Ok(s) = obj.cast_exact::<PyString>() {
            return Ok(Json::Str(Cow::Borrowed(self.text(s, depth, slot)?)));
        }
        if let Ok(d) = obj.cast_exact::<PyDict>() {
            return self.dict(d, depth);
        }
        self.general(obj, depth, slot)
    }

    /// The items of a `list` or `tuple` at `depth`, as an array.
    fn array(
        &mut self,
        items: impl ExactSizeIterator<Item = Bound<'py, PyAny>>,
        depth: usize,
    ) -> PyResult<Json<'a>> {
        if depth >= MAX_DEPTH {
            return Err(too_deep());
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.enumerate() {
            out.push(self.value(&item, depth + 1, 2 * i + 1)?);
        }
        Ok(Json::Array(out))
    }

    /// Every other value: the built-in types and their subclasses (a `bool` before an
    /// `int`, of which it is one), tuples, and the values JSON cannot hold.
    fn general(
        &mut self,
        obj: &Bound<'py, PyAny>,
        depth: usize,
        slot: usize,
    ) -> PyResult<Json<'a>> {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Json::Str(Cow::Borrowed(self.text(s, depth, slot)?)));
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            return self.dict(d, depth);
        }
        if obj.is_none() {
            return Ok(Json::Null);
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return Ok(Json::Bool(b.is_true()));
        }
        if obj.cast::<PyInt>().is_ok() {
            return int(obj);
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            return Ok(Json::Float(f.value()));
        }
        if let Ok(l) = obj.cast::<PyList>() {
            return self.array(l.iter(), depth);
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            return self.array(t.iter(), depth);
        }
        Err(PyTypeError::new_err(format!(
            "a value of type {} has no JSON form (expected dict, list, tuple, str, int, float, bool or None)",
            type_name(obj)
        )))
    }

    /// Converts a `dict` at `depth` into an object tree.
    pub fn dict(&mut self, d: &Bound<'py, PyDict>, depth: usize) -> PyResult<Json<'a>> {
        if depth >= MAX_DEPTH {
            return Err(too_deep());
        }
        let mut entries = Vec::with_capacity(d.len());
        for (i, (k, v)) in d.iter().enumerate() {
            let k = match k.cast_into::<PyString>() {
                Ok(k) => k,
                Err(e) => {
                    return Err(PyTypeError::new_err(format!(
                        "dict keys must be str, not {}",
                        type_name(&e.into_inner())
                    )));
                }
            };
            let key = self.text(&k, depth, 2 * i)?;
            entries.push((Cow::Borrowed(key), self.value(&v, depth + 1, 2 * i + 1)?));
        }
        Ok(Json::Object(entries))
    }
}

/// Whether `obj` is of a type [`to_json`] reads (its contents aside).
pub fn is_plain(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyString>()
        || obj.is_none()
        || obj.is_instance_of::<PyDict>()
        || obj.is_instance_of::<PyInt>()
        || obj.is_instance_of::<PyFloat>()
        || obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>()
}

fn int(obj: &Bound<'_, PyAny>) -> PyResult<Json<'static>> {
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Json::Int(i));
    }
    // Beyond 64 bits: through the decimal digits (`str` of an int subclass may differ, so
    // format the value as a plain int).
    let digits = obj
        .py()
        .get_type::<PyInt>()
        .call_method1("__repr__", (obj,))?;
    let digits: String = digits.extract()?;
    Json::int_from_digits(&digits)
        .ok_or_else(|| PyValueError::new_err(format!("cannot read the integer {digits}")))
}

/// The name of a value's type, for messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// Parses JSON text (`str` or `bytes`) into a tree borrowing from `keep`, or `None` when
/// `obj` is neither. A syntax error raises `ValueError`.
pub fn parse_text<'a, 'py>(
    keep: &'a Keep<'py>,
    obj: &Bound<'py, PyAny>,
) -> PyResult<Option<Json<'a>>> {
    let parsed = if let Ok(s) = obj.cast::<PyString>() {
        json::parse(keep.str(s)?)
    } else if let Ok(b) = obj.cast::<PyBytes>() {
        json::parse_bytes(keep.bytes(b))
    } else {
        return Ok(None);
    };
    parsed
        .map(Some)
        .map_err(|e| PyValueError::new_err(format!("invalid JSON: {}", e.message)))
}

/// A tree as plain Python values.
pub fn json_to_py<'py>(py: Python<'py>, v: &Json<'_>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Json::Null => py.None().into_bound(py),
        Json::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Json::Int(i) => i.into_pyobject(py)?.into_any(),
        Json::BigInt(s) => py.get_type::<PyInt>().call1((s.as_ref(),))?,
        Json::Float(f) => PyFloat::new(py, *f).into_any(),
        Json::Str(s) => PyString::new(py, s).into_any(),
        Json::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Json::Object(entries) => {
            let d = PyDict::new(py);
            for (k, v) in entries {
                d.set_item(PyString::new(py, k), json_to_py(py, v)?)?;
            }
            d.into_any()
        }
    })
}

/// A `serde_json` value as plain Python values (numbers exactly: integers of any size,
/// floats as Python reads their text).
pub fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => number_to_py(py, n.as_str())?,
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, v) in m {
                d.set_item(PyString::new(py, k), value_to_py(py, v)?)?;
            }
            d.into_any()
        }
    })
}

/// A JSON number literal as a Python `int` or `float`.
pub fn number_to_py<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    if text.contains(['.', 'e', 'E']) {
        let f: f64 = text
            .parse()
            .map_err(|_| PyValueError::new_err(format!("bad number {text}")))?;
        return Ok(PyFloat::new(py, f).into_any());
    }
    match text.parse::<i64>() {
        Ok(i) => Ok(i.into_pyobject(py)?.into_any()),
        Err(_) => py.get_type::<PyInt>().call1((text,)),
    }
}
