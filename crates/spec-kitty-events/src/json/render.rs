//! Writing values back as JSON, the way the reference's output renders them.
//!
//! The reference outputs `model_dump(mode="json")`: floats as Python's `repr` writes them
//! (`1.0`, `1e-05`), non-finite floats as `null` (pydantic's default), integers with every
//! digit, objects in their (deduplicated) order. [`Json::to_json_string`] writes that form
//! compactly; [`serde::Serialize`] gives the same values to any serde serializer.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::fmt::Write;

use super::{Json, py};

impl Json<'_> {
    /// Compact JSON text of the value (no spaces; strings escaped as `serde_json` and
    /// Python's `json.dumps(ensure_ascii=False)` escape them).
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    /// Appends the compact JSON text of the value to `out`.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(true) => out.push_str("true"),
            Json::Bool(false) => out.push_str("false"),
            Json::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Json::BigInt(s) => out.push_str(s),
            Json::Float(f) if f.is_finite() => out.push_str(&py::float_repr(*f)),
            Json::Float(_) => out.push_str("null"),
            Json::Str(s) => write_json_str(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Json::Object(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_str(k, out);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

/// Writes `s` as a JSON string literal.
pub(crate) fn write_json_str(s: &str, out: &mut String) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Int(i) => s.serialize_i64(*i),
            Json::BigInt(text) => match text.parse::<serde_json::Number>() {
                Ok(n) => n.serialize(s),
                Err(_) => s.serialize_unit(),
            },
            Json::Float(f) if f.is_finite() => {
                match py::float_repr(*f).parse::<serde_json::Number>() {
                    Ok(n) => n.serialize(s),
                    Err(_) => s.serialize_f64(*f),
                }
            }
            Json::Float(_) => s.serialize_unit(),
            Json::Str(text) => s.serialize_str(text),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k.as_ref(), v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;

    #[test]
    fn compact_text_matches_serde_json_for_the_same_values() {
        let text = r#"{"s": "q\"b\\n\n\u0001\u00e9", "f": [1.0, 2.5, -0.0, 1e300], "i": -7, "b": 123456789012345678901234567890}"#;
        let v = parse(text).unwrap();
        let ours = v.to_json_string();
        let theirs = serde_json::to_string(&v).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(
            ours,
            r#"{"s":"q\"b\\n\n\u0001é","f":[1.0,2.5,-0.0,1e+300],"i":-7,"b":123456789012345678901234567890}"#
        );
        assert_eq!(parse("1e400").unwrap().to_json_string(), "null");
    }
}
