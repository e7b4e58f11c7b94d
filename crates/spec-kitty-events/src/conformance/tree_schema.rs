//! The schema layer reading [`Json`] trees in place.
//!
//! The `jsonschema` crate validates any JSON representation that implements its
//! [`jsonschema::json::Json`] traits. [`Tree`] is that representation for our trees: the
//! schema layer then needs no `serde_json::Value` copy of the document (the copy costs
//! about as much as the validation itself). Values mean what they mean to the
//! `serde_json` path exactly — integers of any size, floats as Python prints them,
//! non-finite floats as `null` — which the tests check document for document.

use jsonschema::json::{Array, Json as JsonRepr, JsonNumber, Node, NodeIdentity, Object};
use jsonschema::types::JsonType;
use serde_json::{Number, Value};
use std::borrow::Cow;

use crate::json::{Json, Object as TreeObject, py};

/// The `jsonschema` representation of [`Json`] trees.
pub struct Tree;

impl JsonRepr for Tree {
    type Node<'a> = &'a Json<'a>;
    type PreparedKey = String;
    type StringBuffer = Option<Json<'static>>;

    // Objects are small ordered lists: one pass over the members beats repeated scans.
    const KEYS_PER_LOOKUP: usize = 8;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(
        buffer: &mut Option<Json<'static>>,
        string: &str,
        f: impl FnOnce(Self::Node<'_>) -> T,
    ) -> T {
        let node = buffer.insert(Json::Str(Cow::Owned(string.to_owned())));
        f(node)
    }
}

/// A number of a tree.
#[derive(Clone, Copy)]
pub struct TreeNumber<'a>(&'a Json<'a>);

impl JsonNumber for TreeNumber<'_> {
    fn as_u64(&self) -> Option<u64> {
        match self.0 {
            Json::Int(i) => u64::try_from(*i).ok(),
            Json::BigInt(s) => s.parse().ok(),
            _ => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match self.0 {
            Json::Int(i) => Some(*i),
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }

    fn as_str(&self) -> Cow<'_, str> {
        match self.0 {
            Json::Int(i) => Cow::Owned(i.to_string()),
            Json::BigInt(s) => Cow::Borrowed(s),
            Json::Float(f) => Cow::Owned(py::float_repr(*f)),
            _ => Cow::Borrowed("0"),
        }
    }

    fn to_number(&self) -> Cow<'_, Number> {
        match self.0.to_value() {
            Value::Number(n) => Cow::Owned(n),
            _ => Cow::Owned(Number::from(0)),
        }
    }
}

fn is_finite_float(v: &Json<'_>) -> bool {
    matches!(v, Json::Float(f) if f.is_finite())
}

impl<'a> Node<'a, Tree> for &'a Json<'a> {
    type Object = &'a TreeObject<'a>;
    type Array = &'a [Json<'a>];
    type Number = TreeNumber<'a>;

    fn as_object(&self) -> Option<&'a TreeObject<'a>> {
        match self {
            Json::Object(entries) => Some(entries),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&'a [Json<'a>]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self {
            Json::Str(s) => Some(Cow::Borrowed(s.as_ref())),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<TreeNumber<'a>> {
        match self {
            Json::Int(_) | Json::BigInt(_) => Some(TreeNumber(self)),
            v if is_finite_float(v) => Some(TreeNumber(self)),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        self.as_bool()
    }

    fn is_null(&self) -> bool {
        matches!(self, Json::Null) || matches!(self, Json::Float(f) if !f.is_finite())
    }

    fn json_type(&self) -> JsonType {
        match self {
            Json::Null => JsonType::Null,
            Json::Bool(_) => JsonType::Boolean,
            Json::Int(_) | Json::BigInt(_) => JsonType::Number,
            Json::Float(f) if f.is_finite() => JsonType::Number,
            Json::Float(_) => JsonType::Null,
            Json::Str(_) => JsonType::String,
            Json::Array(_) => JsonType::Array,
            Json::Object(_) => JsonType::Object,
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(Json::to_value(self))
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(
            std::ptr::from_ref::<Json<'a>>(self) as usize
        ))
    }
}

/// The members of a tree object.
pub struct Members<'a>(std::slice::Iter<'a, (Cow<'a, str>, Json<'a>)>);

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a Json<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.as_ref(), v))
    }
}

impl<'a> Object<'a, Tree> for &'a TreeObject<'a> {
    type Node = &'a Json<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        <[_]>::len(self)
    }

    fn get(&self, key: &String) -> Option<&'a Json<'a>> {
        self.iter()
            .find(|(k, _)| crate::json::key_eq(k, key))
            .map(|(_, v)| v)
    }

    fn members(&self) -> Members<'a> {
        Members(self.iter())
    }
}

impl<'a> Array<'a, Tree> for &'a [Json<'a>] {
    type Node = &'a Json<'a>;
    type ElementsIter = std::slice::Iter<'a, Json<'a>>;

    fn len(&self) -> usize {
        <[Json<'a>]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Json<'a>> {
        self.iter()
    }
}
