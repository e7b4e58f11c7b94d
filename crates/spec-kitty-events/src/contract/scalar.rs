//! Scalar coercions with the reference's lax semantics.
//!
//! The reference validates Python values decoded from JSON with pydantic in its default
//! ("lax") mode. These functions reproduce that behaviour on [`Json`] values: which
//! inputs are accepted for an integer, a float, a boolean or a UUID, and what they become.

use std::borrow::Cow;

use super::violation::FieldError;
use crate::json::Json;

/// Canonicalises a string of the form `-?[0-9]+` (drops leading zeros, `-0` → `0`) into
/// an integer value of any size.
fn canonical_int(text: &str) -> Option<Json<'static>> {
    Json::int_from_digits(text)
}

/// Follows pydantic's integer text rules: optional surrounding whitespace, a `+` or `-`
/// sign, leading zeros, Python-style single underscores between digits, and a fraction of
/// zeros only (`"5.00"`).
pub fn str_as_int(s: &str) -> Option<Json<'static>> {
    if let Some(c) = canonical_json_int(s) {
        return Some(c);
    }
    let cleaned = clean_int_str(s)?;
    canonical_json_int(&cleaned)
}

/// Parses strict JSON integer syntax: `-?(0|[1-9][0-9]*)`.
fn canonical_json_int(s: &str) -> Option<Json<'static>> {
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

/// Compares an integer value ([`Json::Int`] or [`Json::BigInt`]) with an `i64` bound.
pub fn cmp_int(v: &Json<'_>, bound: i64) -> std::cmp::Ordering {
    match v {
        Json::Int(i) => i.cmp(&bound),
        Json::BigInt(digits) if digits.starts_with('-') => std::cmp::Ordering::Less,
        _ => std::cmp::Ordering::Greater,
    }
}

/// Coerces a value to an integer the way a lax pydantic `int` field does: the result is
/// [`Json::Int`], or [`Json::BigInt`] beyond 64 bits.
///
/// ```
/// use spec_kitty_events::contract::scalar::lax_int;
/// use spec_kitty_events::json::{parse, Json};
/// let int = |text: &str| lax_int(&parse(text).unwrap(), false).ok().map(|j| j.into_owned());
/// assert_eq!(int(r#"" 5 ""#), Some(Json::Int(5)));
/// assert_eq!(int(r#""5.0""#), Some(Json::Int(5)));
/// assert_eq!(int("5.5"), None);
/// assert_eq!(int(r#""1e3""#), None);
/// ```
pub fn lax_int<'b>(v: &Json<'b>, strict: bool) -> Result<Json<'b>, FieldError> {
    let type_err = || FieldError::new("int_type", "Input should be a valid integer");
    match v {
        Json::Int(i) => Ok(Json::Int(*i)),
        Json::BigInt(digits) => Ok(Json::BigInt(digits.clone())),
        Json::Float(f) => {
            if strict {
                return Err(type_err());
            }
            float_as_int(*f)
        }
        Json::Bool(b) if !strict => Ok(Json::Int(i64::from(*b))),
        Json::Str(s) if !strict => str_as_int(s).ok_or_else(|| {
            FieldError::new(
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            )
        }),
        _ => Err(type_err()),
    }
}

fn float_as_int(f: f64) -> Result<Json<'static>, FieldError> {
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
        Ok(Json::Int(f as i64))
    } else {
        Err(FieldError::new(
            "int_parsing_size",
            "Unable to parse input string as an integer, exceeded maximum size",
        ))
    }
}

/// Coerces a value to a float the way a lax pydantic `float` field does.
pub fn lax_float(v: &Json<'_>, strict: bool) -> Result<f64, FieldError> {
    let type_err = || FieldError::new("float_type", "Input should be a valid number");
    match v {
        Json::Int(i) => Ok(*i as f64),
        Json::BigInt(digits) => Ok(digits.parse().unwrap_or(f64::NAN)),
        Json::Float(f) => Ok(*f),
        Json::Bool(b) if !strict => Ok(if *b { 1.0 } else { 0.0 }),
        Json::Str(s) if !strict => str_as_float(s).ok_or_else(|| {
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
/// use spec_kitty_events::contract::scalar::lax_bool;
/// use spec_kitty_events::json::Json;
/// assert_eq!(lax_bool(&Json::str("yes"), false), Ok(true));
/// assert_eq!(lax_bool(&Json::Int(0), false), Ok(false));
/// assert!(lax_bool(&Json::Int(2), false).is_err());
/// ```
pub fn lax_bool(v: &Json<'_>, strict: bool) -> Result<bool, FieldError> {
    let parse_err = || {
        FieldError::new(
            "bool_parsing",
            "Input should be a valid boolean, unable to interpret input",
        )
    };
    let type_err = || FieldError::new("bool_type", "Input should be a valid boolean");
    match v {
        Json::Bool(b) => Ok(*b),
        _ if strict => Err(type_err()),
        Json::Int(0) => Ok(false),
        Json::Int(1) => Ok(true),
        Json::Int(_) => Err(parse_err()),
        // Beyond 64 bits an integer is not read as one at all.
        Json::BigInt(_) => Err(type_err()),
        Json::Float(f) if *f == 0.0 => Ok(false),
        Json::Float(f) if *f == 1.0 => Ok(true),
        // A float reaches the integer rule only when it is a whole number within 64
        // bits; anything else is not a boolean at all.
        Json::Float(f)
            if !f.is_finite()
                || f.fract() != 0.0
                || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(f) =>
        {
            Err(type_err())
        }
        Json::Float(_) => Err(parse_err()),
        Json::Str(s) => str_as_bool(s).ok_or_else(parse_err),
        _ => Err(type_err()),
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
pub fn lax_str<'v>(v: &'v Json<'_>) -> Result<&'v str, FieldError> {
    match v {
        Json::Str(s) => Ok(s),
        _ => Err(FieldError::new(
            "string_type",
            "Input should be a valid string",
        )),
    }
}

/// Parses a UUID in any form pydantic accepts: hyphenated, 32 hex digits, `{…}` braced or
/// `urn:uuid:` prefixed, in either case.
pub fn lax_uuid(v: &Json<'_>) -> Result<uuid::Uuid, FieldError> {
    match v {
        Json::Str(s) => uuid::Uuid::parse_str(s).map_err(|e| {
            FieldError::new("uuid_parsing", format!("Input should be a valid UUID, {e}"))
        }),
        _ => Err(FieldError::new(
            "uuid_type",
            "UUID input should be a string, bytes or UUID object",
        )),
    }
}

/// A short type name of a JSON value, for messages (`null`, `bool`, `int`, `float`,
/// `str`, `list`, `dict`).
pub fn type_name(v: &Json<'_>) -> Cow<'static, str> {
    Cow::Borrowed(v.type_name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn int(v: Value) -> Option<String> {
        lax_int(&Json::from_value(&v), false)
            .ok()
            .map(|j| j.to_json_string())
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
            assert_eq!(lax_bool(&Json::from_value(&v), false).ok(), want, "{v}");
        }
    }

    #[test]
    fn bool_error_kinds_follow_the_reference() {
        let kind = |v: Value| {
            lax_bool(&Json::from_value(&v), false)
                .unwrap_err()
                .kind
                .into_owned()
        };
        assert_eq!(kind(json!(1.5)), "bool_type");
        assert_eq!(kind(json!(2.0)), "bool_parsing");
        assert_eq!(kind(json!(2)), "bool_parsing");
        assert_eq!(kind(json!("maybe")), "bool_parsing");
        assert_eq!(kind(json!([])), "bool_type");
        // Observed with pydantic 2.14: past 64 bits, integers and whole floats are not
        // read as integers.
        let big: Value = serde_json::from_str("9223372036854775808").unwrap();
        assert_eq!(kind(big), "bool_type");
        assert_eq!(kind(json!(9_223_372_036_854_775_807_i64)), "bool_parsing");
        assert_eq!(kind(json!(9.2e18)), "bool_parsing");
        assert_eq!(kind(json!(9.3e18)), "bool_type");
        assert_eq!(kind(json!(-5.0)), "bool_parsing");
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
            assert!(lax_uuid(&Json::str(s)).is_ok(), "{s}");
        }
        assert!(lax_uuid(&Json::str("1234567812345678123456781234567")).is_err());
        assert!(lax_uuid(&Json::Int(5)).is_err());
    }
}
