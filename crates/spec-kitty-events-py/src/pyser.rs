//! A serde serializer that builds Python values directly: a reduced state becomes the
//! same `dict` that `json.loads` of its JSON text would give, without the text.
//!
//! Maps become `dict`s, sequences `list`s, unit and `None` become `None`, unit variants
//! their name. `serde_json` numbers (the workspace enables arbitrary precision, so they
//! reach a serializer as their literal text) become `int` (any size) or `float`, as Python
//! reads the literal.

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyModule, PyString};
use rustc_hash::FxHashMap;
use serde::ser::{self, Serialize};
use std::cell::RefCell;
use std::fmt;
use std::hash::Hasher;

use crate::convert::number_to_py;

/// The name under which `serde_json` (arbitrary precision) serializes a number.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// A failure while building the value; carries the Python error when there is one.
#[derive(Debug)]
pub struct SerError(pub PyErr);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(PyValueError::new_err(msg.to_string()))
    }
}

impl From<PyErr> for SerError {
    fn from(e: PyErr) -> Self {
        SerError(e)
    }
}

/// Serializes `value` into a Python value.
///
/// Short strings that repeat (lane names, reviewers, repositories, a map key that is also
/// a field of its value…) are made once and shared while the value is built: a Python
/// `str` is immutable, so the result is the same value with fewer objects.
pub fn to_py<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let _scope = StrCacheScope::enter();
    value.serialize(PySer { py }).map_err(|e| e.0)
}

/// Strings up to this length go through the string cache.
const CACHED_LEN: usize = 32;
/// Slots of the string cache (a power of two).
const CACHE_SLOTS: usize = 4096;

/// One slot of the string cache: a string and a copy of its text (compared without
/// touching the Python object).
struct Slot {
    len: u8,
    text: [u8; CACHED_LEN],
    obj: Py<PyString>,
}

/// A direct-mapped cache of the strings made while one value is built. A slot keeps the
/// first string that lands in it: the strings that repeat in a state (lanes, names,
/// repositories, commands) repeat from its first entries on, and evicting would cost a
/// reference count update on a long-untouched object.
struct StrCache {
    slots: Vec<Option<Slot>>,
}

thread_local! {
    static STRINGS: RefCell<Option<StrCache>> = const { RefCell::new(None) };
}

/// The string cache of the current thread while alive (the outermost [`to_py`] makes and
/// drops it, with the interpreter held).
struct StrCacheScope {
    outermost: bool,
}

impl StrCacheScope {
    fn enter() -> Self {
        let outermost = STRINGS.with(|c| {
            let Ok(mut c) = c.try_borrow_mut() else {
                return false;
            };
            if c.is_some() {
                return false;
            }
            // The slots are made when the first string is.
            *c = Some(StrCache { slots: Vec::new() });
            true
        });
        StrCacheScope { outermost }
    }
}

impl Drop for StrCacheScope {
    fn drop(&mut self) {
        if self.outermost {
            let cache = STRINGS.with(|c| c.try_borrow_mut().ok().and_then(|mut c| c.take()));
            drop(cache);
        }
    }
}

/// `v` as a Python string, shared with an equal one made earlier in this [`to_py`] when
/// the cache holds it.
fn py_str<'py>(py: Python<'py>, v: &str) -> Bound<'py, PyString> {
    if v.len() > CACHED_LEN {
        return PyString::new(py, v);
    }
    STRINGS.with(|c| {
        let Ok(mut c) = c.try_borrow_mut() else {
            return PyString::new(py, v);
        };
        let Some(cache) = c.as_mut() else {
            return PyString::new(py, v);
        };
        if cache.slots.is_empty() {
            cache.slots = (0..CACHE_SLOTS).map(|_| None).collect();
        }
        let hash = {
            let mut h = rustc_hash::FxHasher::default();
            h.write(v.as_bytes());
            h.finish()
        };
        let slot = &mut cache.slots[(hash as usize) & (CACHE_SLOTS - 1)];
        match slot {
            Some(s) if s.text.get(..usize::from(s.len)) == Some(v.as_bytes()) => {
                s.obj.bind(py).clone()
            }
            Some(_) => PyString::new(py, v),
            None => {
                let obj = PyString::new(py, v);
                let mut text = [0u8; CACHED_LEN];
                text[..v.len()].copy_from_slice(v.as_bytes());
                *slot = Some(Slot {
                    // At most CACHED_LEN (32): fits.
                    len: v.len() as u8,
                    text,
                    obj: obj.clone().unbind(),
                });
                obj
            }
        }
    })
}

/// [`to_py`] with Python's cyclic garbage collector paused: building a large state makes
/// many containers, none of them cyclic, and each collection would walk every live
/// object of the program.
pub fn to_py_paused<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let _pause = GcPause::new(py)?;
    to_py(py, value)
}

/// Pauses the garbage collector while alive (if it was running).
pub struct GcPause<'py> {
    gc: Option<Bound<'py, PyModule>>,
}

impl<'py> GcPause<'py> {
    /// Pauses the collector.
    pub fn new(py: Python<'py>) -> PyResult<Self> {
        let gc = py.import("gc")?;
        if gc.call_method0("isenabled")?.is_truthy()? {
            gc.call_method0("disable")?;
            Ok(GcPause { gc: Some(gc) })
        } else {
            Ok(GcPause { gc: None })
        }
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if let Some(gc) = &self.gc {
            let _ = gc.call_method0("enable");
        }
    }
}

/// The serializer (see the module documentation).
#[derive(Clone, Copy)]
pub struct PySer<'py> {
    py: Python<'py>,
}

type R<'py> = Result<Bound<'py, PyAny>, SerError>;

impl<'py> PySer<'py> {
    fn int<I: IntoPyObject<'py>>(self, i: I) -> R<'py> {
        i.into_bound_py_any(self.py).map_err(SerError)
    }
}

thread_local! {
    static FIELD_NAMES: RefCell<FxHashMap<(usize, usize), Py<PyString>>> = RefCell::new(FxHashMap::default());
}

/// The Python string of a struct field name, made once: every dict of one struct type
/// shares its key objects.
fn field_name<'py>(py: Python<'py>, name: &'static str) -> Bound<'py, PyString> {
    let id = (name.as_ptr() as usize, name.len());
    FIELD_NAMES.with(|names| {
        names
            .borrow_mut()
            .entry(id)
            .or_insert_with(|| PyString::intern(py, name).unbind())
            .bind(py)
            .clone()
    })
}

/// A map key as JSON writes it: a string (a number key becomes its text).
fn map_key(key: Bound<'_, PyAny>) -> PyResult<Bound<'_, PyAny>> {
    if key.is_instance_of::<PyString>() {
        Ok(key)
    } else {
        Ok(key.str()?.into_any())
    }
}

/// A list being filled.
pub struct SeqSer<'py> {
    py: Python<'py>,
    list: Bound<'py, PyList>,
}

/// A dict being filled.
pub struct MapSer<'py> {
    py: Python<'py>,
    dict: Bound<'py, PyDict>,
    key: Option<Bound<'py, PyAny>>,
}

/// A struct: a dict, or a `serde_json` number's text.
pub enum StructSer<'py> {
    /// A plain struct.
    Map(MapSer<'py>),
    /// A number, waiting for its literal.
    Number(Python<'py>, Option<Bound<'py, PyAny>>),
}

/// A variant with content: `{name: content}`.
pub struct VariantSer<'py> {
    name: &'static str,
    inner: SeqOrMap<'py>,
}

/// The content of a [`VariantSer`].
pub enum SeqOrMap<'py> {
    /// A tuple variant.
    Seq(SeqSer<'py>),
    /// A struct variant.
    Map(MapSer<'py>),
}

impl<'py> ser::Serializer for PySer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    type SerializeSeq = SeqSer<'py>;
    type SerializeTuple = SeqSer<'py>;
    type SerializeTupleStruct = SeqSer<'py>;
    type SerializeTupleVariant = VariantSer<'py>;
    type SerializeMap = MapSer<'py>;
    type SerializeStruct = StructSer<'py>;
    type SerializeStructVariant = VariantSer<'py>;

    fn serialize_bool(self, v: bool) -> R<'py> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }
    fn serialize_i8(self, v: i8) -> R<'py> {
        self.int(v)
    }
    fn serialize_i16(self, v: i16) -> R<'py> {
        self.int(v)
    }
    fn serialize_i32(self, v: i32) -> R<'py> {
        self.int(v)
    }
    fn serialize_i64(self, v: i64) -> R<'py> {
        self.int(v)
    }
    fn serialize_i128(self, v: i128) -> R<'py> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> R<'py> {
        self.int(v)
    }
    fn serialize_u16(self, v: u16) -> R<'py> {
        self.int(v)
    }
    fn serialize_u32(self, v: u32) -> R<'py> {
        self.int(v)
    }
    fn serialize_u64(self, v: u64) -> R<'py> {
        self.int(v)
    }
    fn serialize_u128(self, v: u128) -> R<'py> {
        self.int(v)
    }
    fn serialize_f32(self, v: f32) -> R<'py> {
        Ok(PyFloat::new(self.py, f64::from(v)).into_any())
    }
    fn serialize_f64(self, v: f64) -> R<'py> {
        if v.is_finite() {
            Ok(PyFloat::new(self.py, v).into_any())
        } else {
            // JSON has no form for it: `null`, as pydantic renders it.
            Ok(self.py.None().into_bound(self.py))
        }
    }
    fn serialize_char(self, v: char) -> R<'py> {
        let mut buf = [0u8; 4];
        Ok(PyString::new(self.py, v.encode_utf8(&mut buf)).into_any())
    }
    fn serialize_str(self, v: &str) -> R<'py> {
        Ok(py_str(self.py, v).into_any())
    }
    fn serialize_bytes(self, v: &[u8]) -> R<'py> {
        let list = PyList::empty(self.py);
        for b in v {
            list.append(*b)?;
        }
        Ok(list.into_any())
    }
    fn serialize_none(self) -> R<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R<'py> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> R<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> R<'py> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _i: u32, variant: &'static str) -> R<'py> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> R<'py> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> R<'py> {
        let d = PyDict::new(self.py);
        d.set_item(variant, value.serialize(self)?)?;
        Ok(d.into_any())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqSer<'py>, SerError> {
        Ok(SeqSer {
            py: self.py,
            list: PyList::empty(self.py),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqSer<'py>, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqSer<'py>, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSer<'py>, SerError> {
        Ok(VariantSer {
            name: variant,
            inner: SeqOrMap::Seq(self.serialize_seq(Some(len))?),
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer<'py>, SerError> {
        Ok(MapSer {
            py: self.py,
            dict: PyDict::new(self.py),
            key: None,
        })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<StructSer<'py>, SerError> {
        if name == NUMBER_TOKEN {
            return Ok(StructSer::Number(self.py, None));
        }
        Ok(StructSer::Map(self.serialize_map(Some(len))?))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSer<'py>, SerError> {
        Ok(VariantSer {
            name: variant,
            inner: SeqOrMap::Map(self.serialize_map(Some(len))?),
        })
    }
}

impl<'py> ser::SerializeSeq for SeqSer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.list.append(value.serialize(PySer { py: self.py })?)?;
        Ok(())
    }
    fn end(self) -> R<'py> {
        Ok(self.list.into_any())
    }
}

impl<'py> ser::SerializeTuple for SeqSer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> R<'py> {
        ser::SerializeSeq::end(self)
    }
}

impl<'py> ser::SerializeTupleStruct for SeqSer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> R<'py> {
        ser::SerializeSeq::end(self)
    }
}

impl<'py> ser::SerializeMap for MapSer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.key = Some(map_key(key.serialize(PySer { py: self.py })?)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| <SerError as ser::Error>::custom("a map value without a key"))?;
        self.dict
            .set_item(key, value.serialize(PySer { py: self.py })?)?;
        Ok(())
    }
    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), SerError> {
        let ser = PySer { py: self.py };
        self.dict
            .set_item(map_key(key.serialize(ser)?)?, value.serialize(ser)?)?;
        Ok(())
    }
    fn end(self) -> R<'py> {
        Ok(self.dict.into_any())
    }
}

impl<'py> ser::SerializeStruct for StructSer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        match self {
            StructSer::Map(m) => {
                let v = value.serialize(PySer { py: m.py })?;
                m.dict.set_item(field_name(m.py, key), v)?;
            }
            StructSer::Number(py, slot) => {
                let text: String = value
                    .serialize(PySer { py: *py })?
                    .extract()
                    .map_err(SerError)?;
                *slot = Some(number_to_py(*py, &text)?);
            }
        }
        Ok(())
    }
    fn end(self) -> R<'py> {
        match self {
            StructSer::Map(m) => Ok(m.dict.into_any()),
            StructSer::Number(py, slot) => Ok(slot.unwrap_or_else(|| py.None().into_bound(py))),
        }
    }
}

impl<'py> VariantSer<'py> {
    fn finish(self) -> R<'py> {
        let (py, inner) = match self.inner {
            SeqOrMap::Seq(s) => (s.py, s.list.into_any()),
            SeqOrMap::Map(m) => (m.py, m.dict.into_any()),
        };
        let d = PyDict::new(py);
        d.set_item(self.name, inner)?;
        Ok(d.into_any())
    }
}

impl<'py> ser::SerializeTupleVariant for VariantSer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        match &mut self.inner {
            SeqOrMap::Seq(s) => ser::SerializeSeq::serialize_element(s, value),
            SeqOrMap::Map(_) => Err(<SerError as ser::Error>::custom(
                "tuple field in a struct variant",
            )),
        }
    }
    fn end(self) -> R<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeStructVariant for VariantSer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        match &mut self.inner {
            SeqOrMap::Map(m) => ser::SerializeMap::serialize_entry(m, key, value),
            SeqOrMap::Seq(_) => Err(<SerError as ser::Error>::custom(
                "struct field in a tuple variant",
            )),
        }
    }
    fn end(self) -> R<'py> {
        self.finish()
    }
}
