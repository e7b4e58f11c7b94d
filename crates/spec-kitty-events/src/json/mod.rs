//! A lean JSON tree with Python's value semantics: what the contract engine validates.
//!
//! The reference reads JSON with Python's `json.loads` and validates the resulting Python
//! values. [`Json`] holds exactly those values and nothing more:
//!
//! - integers of any size ([`Json::Int`], or [`Json::BigInt`] beyond 64 bits) and floats
//!   ([`Json::Float`], so `1.50` and `1.5` are the same value, as in Python);
//! - strings borrowed from the input text when they contain no escape;
//! - objects as ordered key/value lists in which a repeated key keeps its first position
//!   and its last value, as a Python `dict` built by `json.loads` does.
//!
//! [`parse`] builds a tree from text without copying unescaped strings; a tree renders back
//! to compact JSON the way Python's `json.dumps` writes the same values ([`Json::to_json_string`]),
//! and to Python's `repr`/`str` for messages ([`py`]). Conversions to and from
//! `serde_json::Value` keep big integers exact.
//!
//! ```
//! use spec_kitty_events::json::{self, Json};
//! let doc = json::parse(r#"{"a": 1.50, "b": [true, null], "a": 2, "big": 123456789012345678901234567890}"#).unwrap();
//! assert_eq!(doc.get("a"), Some(&Json::Int(2)));
//! assert_eq!(doc.to_json_string(), r#"{"a":2,"b":[true,null],"big":123456789012345678901234567890}"#);
//! assert_eq!(json::parse("[1.50, 1e-05]").unwrap().to_json_string(), "[1.5,1e-05]");
//! ```

mod de;
mod parse;
pub mod py;
mod render;

use serde_json::{Map, Number, Value};
use std::borrow::Cow;

pub use de::JsonDeserializer;
pub use parse::{
    LazyMember, MAX_DEPTH, ParseError, Wanted, parse, parse_bytes, parse_lazy, parse_lazy_bytes,
    parse_lazy_with,
};
pub(crate) use render::write_json_str;

/// The entries of a JSON object, in order, keys unique.
pub type Object<'a> = Vec<(Cow<'a, str>, Json<'a>)>;

/// A JSON value as Python's `json.loads` sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Json<'a> {
    /// `null` (`None`).
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// An integer beyond 64 bits, as canonical decimal digits (optional `-`, no leading
    /// zeros).
    BigInt(Cow<'a, str>),
    /// A number written with a fraction or an exponent.
    Float(f64),
    /// A string.
    Str(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object: entries in first-occurrence order, keys unique.
    Object(Object<'a>),
}

impl<'a> Json<'a> {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if this is one that fits in `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The integer, if this is a non-negative one that fits in `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Int(i) => u64::try_from(*i).ok(),
            Json::BigInt(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// The number as a float (integers converted), if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Int(i) => Some(*i as f64),
            Json::BigInt(s) => s.parse().ok(),
            Json::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, if this is an object.
    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Json::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// Whether this is a string.
    pub fn is_str(&self) -> bool {
        matches!(self, Json::Str(_))
    }

    /// The value under `key`, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| key_eq(k, key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string under `key`, if this is an object holding one there.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Json::as_str)
    }

    /// Python's type name of the value (`NoneType`, `bool`, `int`, `float`, `str`, `list`,
    /// `dict`), as the reference's messages print it.
    pub fn py_type_name(&self) -> &'static str {
        match self {
            Json::Null => "NoneType",
            Json::Bool(_) => "bool",
            Json::Int(_) | Json::BigInt(_) => "int",
            Json::Float(_) => "float",
            Json::Str(_) => "str",
            Json::Array(_) => "list",
            Json::Object(_) => "dict",
        }
    }

    /// A short type name (`null`, `bool`, `int`, `float`, `str`, `list`, `dict`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            other => other.py_type_name(),
        }
    }

    /// The same value with every borrowed string copied: no longer tied to the input.
    pub fn into_owned(self) -> Json<'static> {
        match self {
            Json::Null => Json::Null,
            Json::Bool(b) => Json::Bool(b),
            Json::Int(i) => Json::Int(i),
            Json::BigInt(s) => Json::BigInt(Cow::Owned(s.into_owned())),
            Json::Float(f) => Json::Float(f),
            Json::Str(s) => Json::Str(Cow::Owned(s.into_owned())),
            Json::Array(items) => Json::Array(items.into_iter().map(Json::into_owned).collect()),
            Json::Object(entries) => Json::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            ),
        }
    }

    /// A copy of the value that borrows from this one (no string is copied).
    pub fn reborrow(&self) -> Json<'_> {
        match self {
            Json::Null => Json::Null,
            Json::Bool(b) => Json::Bool(*b),
            Json::Int(i) => Json::Int(*i),
            Json::BigInt(s) => Json::BigInt(Cow::Borrowed(s)),
            Json::Float(f) => Json::Float(*f),
            Json::Str(s) => Json::Str(Cow::Borrowed(s)),
            Json::Array(items) => Json::Array(items.iter().map(Json::reborrow).collect()),
            Json::Object(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_ref()), v.reborrow()))
                    .collect(),
            ),
        }
    }

    /// A string value.
    pub fn str(s: impl Into<Cow<'a, str>>) -> Json<'a> {
        Json::Str(s.into())
    }

    /// An integer of any size from decimal text (`-?[0-9]+`, leading zeros allowed).
    /// Returns `None` for anything else.
    pub fn int_from_digits(text: &str) -> Option<Json<'static>> {
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if let Ok(i) = text.parse::<i64>() {
            return Some(Json::Int(i));
        }
        let trimmed = digits.trim_start_matches('0');
        let canonical = match (neg, trimmed.is_empty()) {
            (_, true) => return Some(Json::Int(0)),
            (true, false) => format!("-{trimmed}"),
            (false, false) => trimmed.to_owned(),
        };
        match canonical.parse::<i64>() {
            Ok(i) => Some(Json::Int(i)),
            Err(_) => Some(Json::BigInt(Cow::Owned(canonical))),
        }
    }

    /// Builds the value from a `serde_json::Value`, borrowing its strings. Objects keep
    /// `Value`'s order; integers keep every digit (the workspace enables serde_json's
    /// arbitrary precision).
    pub fn from_value(v: &'a Value) -> Json<'a> {
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => number_of(n),
            Value::String(s) => Json::Str(Cow::Borrowed(s)),
            Value::Array(items) => Json::Array(items.iter().map(Json::from_value).collect()),
            Value::Object(m) => Json::Object(
                m.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Json::from_value(v)))
                    .collect(),
            ),
        }
    }

    /// The value as a `serde_json::Value` (floats as Python prints them, integers exact).
    pub fn to_value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => Value::Number((*i).into()),
            Json::BigInt(s) => s.parse::<Number>().map_or(Value::Null, Value::Number),
            Json::Float(f) => float_number(*f),
            Json::Str(s) => Value::String(s.to_string()),
            Json::Array(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Object(entries) => {
                let mut m = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    m.insert(k.to_string(), v.to_value());
                }
                Value::Object(m)
            }
        }
    }
}

impl From<bool> for Json<'_> {
    fn from(b: bool) -> Self {
        Json::Bool(b)
    }
}

impl From<i64> for Json<'_> {
    fn from(i: i64) -> Self {
        Json::Int(i)
    }
}

impl<'a> From<&'a str> for Json<'a> {
    fn from(s: &'a str) -> Self {
        Json::Str(Cow::Borrowed(s))
    }
}

impl From<String> for Json<'_> {
    fn from(s: String) -> Self {
        Json::Str(Cow::Owned(s))
    }
}

/// The value of a serde_json number as Python's `json.loads` reads its literal.
fn number_of(n: &Number) -> Json<'_> {
    let text = n.as_str();
    if text.contains(['.', 'e', 'E']) {
        Json::Float(text.parse().unwrap_or(f64::NAN))
    } else {
        Json::int_from_digits(text).unwrap_or(Json::Null)
    }
}

/// A serde_json number for a float, written as Python's `repr` writes it (`1.0`, `1e-05`).
/// Non-finite floats have no JSON form and become `null`.
fn float_number(f: f64) -> Value {
    if !f.is_finite() {
        return Value::Null;
    }
    py::float_repr(f)
        .parse::<Number>()
        .map_or(Value::Null, Value::Number)
}

/// Whether two object keys are equal, as `==` says, comparing keys of 4 to 16 bytes (nearly
/// every key of the contract) as two machine words each instead of through a call to
/// `memcmp`: matching keys to fields is the commonest comparison of the hot path.
#[inline]
pub(crate) fn key_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        8..=16 => word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, n - 8) == word::<8>(b, n - 8),
        4..=7 => word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4),
        _ => a == b,
    }
}

/// `N` bytes of `s` from `at` (which the caller keeps in bounds), as one integer's bytes.
#[inline]
fn word<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
    let mut w = [0u8; N];
    if let Some(bytes) = s.get(at..at + N) {
        w.copy_from_slice(bytes);
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn value_round_trip_keeps_big_ints_and_order() {
        let v: Value =
            serde_json::from_str(r#"{"z": 1, "a": [1.5, 123456789012345678901234567890, -0]}"#)
                .unwrap();
        let j = Json::from_value(&v);
        assert_eq!(
            j.get("a").and_then(Json::as_array).map(<[Json<'_>]>::len),
            Some(3)
        );
        assert_eq!(
            j.to_value().to_string(),
            r#"{"z":1,"a":[1.5,123456789012345678901234567890,0]}"#
        );
        assert_eq!(Json::from_value(&json!(1.0)).to_value().to_string(), "1.0");
    }

    #[test]
    fn digits_are_canonicalised() {
        assert_eq!(Json::int_from_digits("007"), Some(Json::Int(7)));
        assert_eq!(Json::int_from_digits("-0"), Some(Json::Int(0)));
        assert_eq!(
            Json::int_from_digits("-000123456789012345678901234567890"),
            Some(Json::BigInt(Cow::Owned(
                "-123456789012345678901234567890".into()
            )))
        );
        assert_eq!(Json::int_from_digits("1.0"), None);
        assert_eq!(Json::int_from_digits(""), None);
    }

    #[test]
    fn key_eq_is_string_equality() {
        // Every length up to 20 and a differing byte at every position, multi-byte text
        // included.
        let base = "event_type_schema_é!";
        let mut keys: Vec<String> = Vec::new();
        for n in 0..=base.len() {
            if let Some(prefix) = base.get(..n) {
                keys.push(prefix.to_owned());
                for i in 0..n {
                    let mut b = prefix.as_bytes().to_vec();
                    b[i] ^= 1;
                    if let Ok(s) = String::from_utf8(b) {
                        keys.push(s);
                    }
                }
            }
        }
        let mut equal = 0;
        for a in &keys {
            for b in &keys {
                assert_eq!(key_eq(a, b), a == b, "{a:?} {b:?}");
                equal += usize::from(a == b);
            }
        }
        assert!(keys.len() > 150 && equal >= keys.len());
    }
}
