//! Scalar coercions with the reference's lax semantics.
//!
//! The reference validates Python values decoded from JSON with pydantic in its default
//! ("lax") mode. These functions reproduce that behaviour for JSON input: which inputs
//! are accepted for an integer, a float, a boolean or a UUID, and what they become.

use serde_json::{Number, Value};
use std::borrow::Cow;

use super::violation::FieldError;

/// A JSON number as written: an integer literal (kept as canonical decimal text, so it has
/// no 64-bit bound) or a float literal.
#[derive(Debug, Clone, PartialEq)]
pub enum NumberLiteral {
    /// An integer literal, canonical decimal digits with an optional leading `-`.
    Int(String),
    /// A float literal (has a fraction or an exponent).
    Float(f64),
}

/// Classifies a JSON number by its literal form.
pub fn number_literal(n: &Number) -> NumberLiteral {
    let text = n.as_str();
    if text.contains(['.', 'e', 'E']) {
        NumberLiteral::Float(text.parse().unwrap_or(f64::NAN))
    } else {
        NumberLiteral::Int(canonical_int(text).unwrap_or_else(|| text.to_owned()))
    }
}

/// Canonicalises a string of the form `-?[0-9]+` (drops leading zeros, `-0` → `0`).
fn canonical_int(text: &str) -> Option<String> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
    if neg && trimmed != "0" {
        Some(format!("-{trimmed}"))
    } else {
        Some(trimmed.to_owned())
    }
}

/// An integer of any size, as canonical decimal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigInt(pub String);

impl BigInt {
    /// The value as `i64`, when it fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The value as `u64`, when it fits.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    fn is_negative(&self) -> bool {
        self.0.starts_with('-')
    }

    /// Compares with an `i64`, for bound checks.
    pub fn cmp_i64(&self, other: i64) -> std::cmp::Ordering {
        match self.0.parse::<i128>() {
            Ok(v) => v.cmp(&(other as i128)),
            Err(_) if self.is_negative() => std::cmp::Ordering::Less,
            Err(_) => std::cmp::Ordering::Greater,
        }
    }

    /// The JSON number for this value.
    pub fn to_value(&self) -> Value {
        match serde_json::from_str::<Number>(&self.0) {
            Ok(n) => Value::Number(n),
            Err(_) => Value::Null,
        }
    }
}

/// Follows pydantic's integer text rules: optional surrounding whitespace, a `+` or `-`
/// sign, leading zeros, Python-style single underscores between digits, and a fraction of
/// zeros only (`"5.00"`).
pub fn str_as_int(s: &str) -> Option<BigInt> {
    if let Some(c) = canonical_json_int(s) {
        return Some(BigInt(c));
    }
    let cleaned = clean_int_str(s)?;
    canonical_json_int(&cleaned).map(BigInt)
}

/// Parses strict JSON integer syntax: `-?(0|[1-9][0-9]*)`.
fn canonical_json_int(s: &str) -> Option<String> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    canonical_int(s)
}

fn strip_underscores(s: &str) -> Option<String> {
    if s.starts_with('_') || s.ends_with('_') || !s.contains('_') || s.contains("__") {
        None
    } else {
        Some(s.replace('_', ""))
    }
}

fn strip_leading_zeros(s: &str) -> Option<&str> {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, '0')) => {}
        Some((_, c)) if c.is_ascii_digit() || c == '-' => return Some(s),
        _ => return None,
    }
    for (i, c) in chars {
        match c {
            '0' | '_' => {}
            '1'..='9' | '-' => return Some(&s[i..]),
            '.' => return Some(&s[i - 1..]),
            _ => return None,
        }
    }
    Some(&s[s.len() - 1..])
}

fn clean_int_str(input: &str) -> Option<String> {
    let len_before = input.len();
    let mut s = input.trim();
    if let Some(rest) = s.strip_prefix('+') {
        if rest.starts_with('-') {
            return None;
        }
        s = rest;
    }
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        if rest.starts_with('-') || rest.starts_with('+') {
            return None;
        }
        negative = true;
        s = rest;
    }
    s = strip_leading_zeros(s)?;
    if let Some(i) = s.find('.') {
        let decimals = &s[i + 1..];
        if !decimals.is_empty() && decimals.chars().all(|c| c == '0') {
            s = &s[..i];
        }
    }
    let sign = if negative { "-" } else { "" };
    if let Some(stripped) = strip_underscores(s) {
        return Some(format!("{sign}{stripped}"));
    }
    if len_before == s.len() {
        return None;
    }
    Some(format!("{sign}{s}"))
}

/// Coerces a value to an integer the way a lax pydantic `int` field does.
///
/// ```
/// use serde_json::json;
/// use spec_kitty_events::contract::scalar::lax_int;
/// assert_eq!(lax_int(&json!(" 5 "), false).unwrap().as_i64(), Some(5));
/// assert_eq!(lax_int(&json!("5.0"), false).unwrap().as_i64(), Some(5));
/// assert!(lax_int(&json!(5.5), false).is_err());
/// assert!(lax_int(&json!("1e3"), false).is_err());
/// ```
pub fn lax_int(v: &Value, strict: bool) -> Result<BigInt, FieldError> {
    let type_err = || FieldError::new("int_type", "Input should be a valid integer");
    match v {
        Value::Number(n) => match number_literal(n) {
            NumberLiteral::Int(s) => Ok(BigInt(s)),
            NumberLiteral::Float(f) => {
                if strict {
                    return Err(type_err());
                }
                float_as_int(f)
            }
        },
        Value::Bool(b) if !strict => Ok(BigInt(if *b { "1" } else { "0" }.to_owned())),
        Value::String(s) if !strict => str_as_int(s).ok_or_else(|| {
            FieldError::new(
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            )
        }),
        _ => Err(type_err()),
    }
}

fn float_as_int(f: f64) -> Result<BigInt, FieldError> {
    if !f.is_finite() {
        Err(FieldError::new(
            "finite_number",
            "Input should be a finite number",
        ))
    } else if f % 1.0 != 0.0 {
        Err(FieldError::new(
            "int_from_float",
            "Input should be a valid integer, got a number with a fractional part",
        ))
    } else if (i64::MIN as f64) < f && f < (i64::MAX as f64) {
        Ok(BigInt((f as i64).to_string()))
    } else {
        Err(FieldError::new(
            "int_parsing_size",
            "Unable to parse input string as an integer, exceeded maximum size",
        ))
    }
}

/// Coerces a value to a float the way a lax pydantic `float` field does.
pub fn lax_float(v: &Value, strict: bool) -> Result<f64, FieldError> {
    let type_err = || FieldError::new("float_type", "Input should be a valid number");
    match v {
        Value::Number(n) => Ok(n.as_str().parse().unwrap_or(f64::NAN)),
        Value::Bool(b) if !strict => Ok(if *b { 1.0 } else { 0.0 }),
        Value::String(s) if !strict => str_as_float(s).ok_or_else(|| {
            FieldError::new(
                "float_parsing",
                "Input should be a valid number, unable to parse string as a number",
            )
        }),
        _ => Err(type_err()),
    }
}

fn str_as_float(s: &str) -> Option<f64> {
    let parse = |t: &str| -> Option<f64> {
        // Rust accepts a few spellings Python's float() does not ("infinity" is fine in
        // both); both accept "inf"/"nan" in any case.
        t.parse::<f64>().ok()
    };
    parse(s.trim()).or_else(|| strip_underscores(s).and_then(|t| parse(&t)))
}

/// Coerces a value to a boolean the way a lax pydantic `bool` field does.
///
/// ```
/// use serde_json::json;
/// use spec_kitty_events::contract::scalar::lax_bool;
/// assert_eq!(lax_bool(&json!("yes"), false), Ok(true));
/// assert_eq!(lax_bool(&json!(0), false), Ok(false));
/// assert!(lax_bool(&json!(2), false).is_err());
/// ```
pub fn lax_bool(v: &Value, strict: bool) -> Result<bool, FieldError> {
    let parse_err = || {
        FieldError::new(
            "bool_parsing",
            "Input should be a valid boolean, unable to interpret input",
        )
    };
    match v {
        Value::Bool(b) => Ok(*b),
        _ if strict => Err(FieldError::new(
            "bool_type",
            "Input should be a valid boolean",
        )),
        Value::Number(n) => match number_literal(n) {
            NumberLiteral::Int(s) if s == "0" => Ok(false),
            NumberLiteral::Int(s) if s == "1" => Ok(true),
            NumberLiteral::Float(0.0) => Ok(false),
            NumberLiteral::Float(1.0) => Ok(true),
            // A float reaches the integer rule only when it is a whole number; anything
            // else is not a boolean at all.
            NumberLiteral::Float(f) if !f.is_finite() || f.fract() != 0.0 => Err(FieldError::new(
                "bool_type",
                "Input should be a valid boolean",
            )),
            _ => Err(parse_err()),
        },
        Value::String(s) => str_as_bool(s).ok_or_else(parse_err),
        _ => Err(FieldError::new(
            "bool_type",
            "Input should be a valid boolean",
        )),
    }
}

fn str_as_bool(s: &str) -> Option<bool> {
    const FALSE: [&str; 5] = ["f", "n", "no", "off", "false"];
    const TRUE: [&str; 5] = ["t", "y", "on", "yes", "true"];
    if s == "0" || FALSE.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        Some(false)
    } else if s == "1" || TRUE.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        Some(true)
    } else {
        None
    }
}

/// Coerces a value to a string (strings only: pydantic never turns numbers into strings).
pub fn lax_str(v: &Value) -> Result<&str, FieldError> {
    match v {
        Value::String(s) => Ok(s),
        _ => Err(FieldError::new(
            "string_type",
            "Input should be a valid string",
        )),
    }
}

/// Parses a UUID in any form pydantic accepts: hyphenated, 32 hex digits, `{…}` braced or
/// `urn:uuid:` prefixed, in either case.
pub fn lax_uuid(v: &Value) -> Result<uuid::Uuid, FieldError> {
    match v {
        Value::String(s) => uuid::Uuid::parse_str(s).map_err(|e| {
            FieldError::new("uuid_parsing", format!("Input should be a valid UUID, {e}"))
        }),
        _ => Err(FieldError::new(
            "uuid_type",
            "UUID input should be a string, bytes or UUID object",
        )),
    }
}

/// A short type name of a JSON value, for messages.
pub fn type_name(v: &Value) -> Cow<'static, str> {
    Cow::Borrowed(match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) => match number_literal(n) {
            NumberLiteral::Int(_) => "int",
            NumberLiteral::Float(_) => "float",
        },
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn int(v: Value) -> Option<String> {
        lax_int(&v, false).ok().map(|b| b.0)
    }

    #[test]
    fn int_forms_follow_the_reference() {
        // Values observed on pydantic 2.x in lax mode.
        assert_eq!(int(json!("5")).as_deref(), Some("5"));
        assert_eq!(int(json!(5.0)).as_deref(), Some("5"));
        assert_eq!(int(json!(" 5 ")).as_deref(), Some("5"));
        assert_eq!(int(json!("5.00")).as_deref(), Some("5"));
        assert_eq!(int(json!(true)).as_deref(), Some("1"));
        assert_eq!(int(json!("1_000")).as_deref(), Some("1000"));
        assert_eq!(int(json!("+5")).as_deref(), Some("5"));
        assert_eq!(int(json!("-0")).as_deref(), Some("0"));
        assert_eq!(int(json!("05")).as_deref(), Some("5"));
        assert_eq!(int(json!(5.5)), None);
        assert_eq!(int(json!("1e3")), None);
        assert_eq!(int(json!("5.")), None);
        assert_eq!(int(json!(".5e1")), None);
        assert_eq!(int(json!("0x10")), None);
        assert_eq!(int(json!("")), None);
        assert_eq!(int(json!("1__0")), None);
        let big: Value = serde_json::from_str("1000000000000000000000000000000").unwrap();
        assert_eq!(int(big).as_deref(), Some("1000000000000000000000000000000"));
    }

    #[test]
    fn bool_forms_follow_the_reference() {
        for (v, want) in [
            (json!("yes"), Some(true)),
            (json!("off"), Some(false)),
            (json!("t"), Some(true)),
            (json!("TRUE"), Some(true)),
            (json!("No"), Some(false)),
            (json!(1.0), Some(true)),
            (json!(0), Some(false)),
            (json!(2), None),
            (json!(1.5), None),
            (json!(2.0), None),
            (json!("on "), None),
            (Value::Null, None),
        ] {
            assert_eq!(lax_bool(&v, false).ok(), want, "{v}");
        }
    }

    #[test]
    fn bool_error_kinds_follow_the_reference() {
        let kind = |v: Value| lax_bool(&v, false).unwrap_err().kind.into_owned();
        assert_eq!(kind(json!(1.5)), "bool_type");
        assert_eq!(kind(json!(2.0)), "bool_parsing");
        assert_eq!(kind(json!(2)), "bool_parsing");
        assert_eq!(kind(json!("maybe")), "bool_parsing");
        assert_eq!(kind(json!([])), "bool_type");
    }

    #[test]
    fn uuid_forms() {
        for s in [
            "12345678-1234-5678-1234-567812345678",
            "12345678123456781234567812345678",
            "{12345678-1234-5678-1234-567812345678}",
            "urn:uuid:12345678-1234-5678-1234-567812345678",
            "12345678-1234-5678-1234-567812345678",
        ] {
            assert!(lax_uuid(&json!(s)).is_ok(), "{s}");
        }
        assert!(lax_uuid(&json!("1234567812345678123456781234567")).is_err());
        assert!(lax_uuid(&json!(5)).is_err());
    }
}
