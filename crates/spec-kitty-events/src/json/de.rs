//! serde support: typed values read straight from a [`Json`] tree, and trees read from any
//! serde deserializer.
//!
//! Integers beyond 64 bits travel as `serde_json`'s arbitrary-precision number (a map
//! with one private key holding the digits), the form `serde_json::Value` reads with the
//! workspace's `arbitrary_precision` feature; [`Json`] reads it back the same way.

use serde::de::value::{BorrowedStrDeserializer, Error as DeError};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use std::borrow::Cow;
use std::fmt;

use super::{Json, Object};

/// The key under which `serde_json` (with `arbitrary_precision`) passes a number's digits.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Deserializes typed values from a borrowed [`Json`] tree, without copying it.
///
/// ```
/// use serde::Deserialize;
/// use spec_kitty_events::json::{parse, JsonDeserializer};
/// #[derive(Deserialize, PartialEq, Debug)]
/// struct P { name: String, tags: Vec<String>, n: Option<u32> }
/// let v = parse(r#"{"name": "x", "tags": ["a"], "n": null}"#).unwrap();
/// let p = P::deserialize(JsonDeserializer(&v)).unwrap();
/// assert_eq!(p, P { name: "x".into(), tags: vec!["a".into()], n: None });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct JsonDeserializer<'de, 'a>(pub &'de Json<'a>);

impl<'de, 'a: 'de> Deserializer<'de> for JsonDeserializer<'de, 'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Json::Null => visitor.visit_unit(),
            Json::Bool(b) => visitor.visit_bool(*b),
            Json::Int(i) => visitor.visit_i64(*i),
            Json::BigInt(digits) => visitor.visit_map(BigIntAccess(Some(digits))),
            Json::Float(f) => visitor.visit_f64(*f),
            Json::Str(s) => visitor.visit_borrowed_str(s),
            Json::Array(items) => visitor.visit_seq(Items(items.iter())),
            Json::Object(entries) => visitor.visit_map(Entries {
                iter: entries.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Json::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Json::Str(s) => visitor.visit_enum(BorrowedStrDeserializer::new(s)),
            Json::Object(entries) if entries.len() == 1 => visitor.visit_enum(Variant(&entries[0])),
            other => Err(de::Error::custom(format!(
                "expected an enum, found {}",
                other.type_name()
            ))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

impl<'de, 'a: 'de> IntoDeserializer<'de, DeError> for JsonDeserializer<'de, 'a> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

struct Items<'de, 'a>(std::slice::Iter<'de, Json<'a>>);

impl<'de, 'a: 'de> SeqAccess<'de> for Items<'de, 'a> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.0
            .next()
            .map(|v| seed.deserialize(JsonDeserializer(v)))
            .transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'de, 'a> {
    iter: std::slice::Iter<'de, (Cow<'a, str>, Json<'a>)>,
    value: Option<&'de Json<'a>>,
}

impl<'de, 'a: 'de> MapAccess<'de> for Entries<'de, 'a> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(BorrowedStrDeserializer::new(k)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(v) => seed.deserialize(JsonDeserializer(v)),
            None => Err(de::Error::custom("value requested before key")),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// A big integer as `serde_json`'s arbitrary-precision number map.
struct BigIntAccess<'de>(Option<&'de str>);

impl<'de> MapAccess<'de> for BigIntAccess<'de> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        if self.0.is_some() {
            seed.deserialize(BorrowedStrDeserializer::new(NUMBER_TOKEN))
                .map(Some)
        } else {
            Ok(None)
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.0.take() {
            Some(digits) => seed.deserialize(BorrowedStrDeserializer::new(digits)),
            None => Err(de::Error::custom("number digits requested twice")),
        }
    }
}

/// An externally tagged enum variant: a one-entry object.
struct Variant<'de, 'a>(&'de (Cow<'a, str>, Json<'a>));

impl<'de, 'a: 'de> EnumAccess<'de> for Variant<'de, 'a> {
    type Error = DeError;
    type Variant = JsonDeserializer<'de, 'a>;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), DeError> {
        let (k, v) = self.0;
        let tag = seed.deserialize(BorrowedStrDeserializer::<DeError>::new(k))?;
        Ok((tag, JsonDeserializer(v)))
    }
}

impl<'de, 'a: 'de> VariantAccess<'de> for JsonDeserializer<'de, 'a> {
    type Error = DeError;
    fn unit_variant(self) -> Result<(), DeError> {
        match self.0 {
            Json::Null => Ok(()),
            other => Err(de::Error::custom(format!(
                "expected a unit variant, found {}",
                other.type_name()
            ))),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }
}

/// Reads any serde input into an owned [`Json`] tree.
struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Json<'static>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json<'static>, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json<'static>, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json<'static>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json<'static>, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Json<'static>, E> {
        Ok(Json::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Json<'static>, E> {
        Ok(i64::try_from(u).map_or_else(|_| Json::BigInt(Cow::Owned(u.to_string())), Json::Int))
    }
    fn visit_i128<E>(self, i: i128) -> Result<Json<'static>, E> {
        Ok(i64::try_from(i).map_or_else(|_| Json::BigInt(Cow::Owned(i.to_string())), Json::Int))
    }
    fn visit_u128<E>(self, u: u128) -> Result<Json<'static>, E> {
        Ok(i64::try_from(u).map_or_else(|_| Json::BigInt(Cow::Owned(u.to_string())), Json::Int))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Json<'static>, E> {
        Ok(Json::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json<'static>, E> {
        Ok(Json::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Json<'static>, E> {
        Ok(Json::Str(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'static>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element::<Json<'static>>()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'static>, A::Error> {
        let mut entries: Object<'static> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let key: Cow<'static, str> = Cow::Owned(key);
            if entries.is_empty() && key == NUMBER_TOKEN {
                let digits: String = map.next_value()?;
                return number_from_text(&digits)
                    .ok_or_else(|| de::Error::custom(format!("invalid number literal {digits}")));
            }
            let value: Json<'static> = map.next_value()?;
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => entries.push((key, value)),
            }
        }
        Ok(Json::Object(entries))
    }
}

fn number_from_text(text: &str) -> Option<Json<'static>> {
    if text.contains(['.', 'e', 'E']) {
        text.parse().ok().map(Json::Float)
    } else {
        Json::int_from_digits(text)
    }
}

impl<'de> serde::Deserialize<'de> for Json<'_> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn big_ints_reach_serde_json_values_exactly() {
        let v = super::super::parse(r#"{"n": 123456789012345678901234567890, "f": 1.5}"#).unwrap();
        let value = serde_json::Value::deserialize(JsonDeserializer(&v)).unwrap();
        assert_eq!(
            value.to_string(),
            r#"{"n":123456789012345678901234567890,"f":1.5}"#
        );
        let text = value.to_string();
        let back: Json<'_> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn enums_and_options() {
        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "snake_case")]
        enum Lane {
            InProgress,
        }
        #[derive(Deserialize, Debug, PartialEq)]
        struct S {
            lane: Lane,
            opt: Option<Lane>,
            none: Option<Lane>,
        }
        let v =
            super::super::parse(r#"{"lane": "in_progress", "opt": "in_progress", "none": null}"#)
                .unwrap();
        assert_eq!(
            S::deserialize(JsonDeserializer(&v)).unwrap(),
            S {
                lane: Lane::InProgress,
                opt: Some(Lane::InProgress),
                none: None
            }
        );
    }
}
