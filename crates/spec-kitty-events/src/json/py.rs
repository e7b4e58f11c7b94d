//! Python 3.11's `repr()` and `str()` of JSON values, for messages that the reference
//! builds with Python formatting (`f"... {value}"`, `f"... {value!r}"`).
//!
//! ```
//! use spec_kitty_events::json::{parse, py};
//! let v = parse(r#"{"ok": true, "n": null, "f": [1.0, 1e-05, 1e16], "s": "it's"}"#).unwrap();
//! assert_eq!(py::repr(&v), r#"{'ok': True, 'n': None, 'f': [1.0, 1e-05, 1e+16], 's': "it's"}"#);
//! assert_eq!(py::str(&parse(r#""text""#).unwrap()), "text");
//! assert_eq!(py::float_repr(0.1 + 0.2), "0.30000000000000004");
//! ```

use std::fmt::Write;

use super::Json;

/// Python's `repr(float)`: the shortest digits that read back as the same float, in
/// positional notation for decimal exponents from -4 to 15 (always with a fraction,
/// `1.0`), else in scientific notation with a signed exponent of at least two digits
/// (`1e-05`, `1.5e+16`); `inf`, `-inf`, `nan`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `{:e}` prints the shortest round-trip digits: "-1.2345e-7".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if !(-4..16).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', exp.unsigned_abs() as usize - 1));
        out.push_str(&digits);
    }
    out
}

/// Python's `str.isprintable` for one character, for the ranges that occur in practice:
/// controls, format characters, separators other than the ASCII space, surrogates and
/// private use are not printable.
fn printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() {
        return false;
    }
    !matches!(c as u32,
        0xA0 | 0xAD | 0x1680 | 0x2000..=0x200F | 0x2028..=0x202F | 0x205F..=0x206F
        | 0x3000 | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF
        | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x110BD | 0xFFFE | 0xFFFF)
}

/// Python's `repr(str)`: single quotes unless the text holds a single quote and no
/// double quote; backslash escapes for the quote, `\\`, `\n`, `\r`, `\t` and
/// non-printable characters (`\x7f`, `\u200b`, `\U000f0000`).
///
/// ```
/// use spec_kitty_events::json::py::str_repr;
/// assert_eq!(str_repr("abc"), "'abc'");
/// assert_eq!(str_repr("it's"), "\"it's\"");
/// assert_eq!(str_repr("a'b\"c"), "'a\\'b\"c'");
/// assert_eq!(str_repr("x\ny\\"), "'x\\ny\\\\'");
/// assert_eq!(str_repr("\u{7f}é"), "'\\x7fé'");
/// ```
pub fn str_repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str_repr(s, &mut out);
    out
}

fn write_str_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !printable(c) => {
                let n = c as u32;
                let _ = if n < 0x100 {
                    write!(out, "\\x{n:02x}")
                } else if n < 0x10000 {
                    write!(out, "\\u{n:04x}")
                } else {
                    write!(out, "\\U{n:08x}")
                };
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// Python's `repr()` of the value: `True`, `None`, `1.0`, `'text'`, `[1, 'a']`,
/// `{'k': None}`.
pub fn repr(v: &Json<'_>) -> String {
    let mut out = String::new();
    write_repr(v, &mut out);
    out
}

/// Python's `str()` of the value: as [`repr`], except that a string is itself.
pub fn str(v: &Json<'_>) -> String {
    match v {
        Json::Str(s) => s.to_string(),
        other => repr(other),
    }
}

/// Python's `repr()` of a list of strings (`['a', 'b']`).
pub fn str_list_repr<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::from("[");
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_str_repr(s.as_ref(), &mut out);
    }
    out.push(']');
    out
}

fn write_repr(v: &Json<'_>, out: &mut String) {
    match v {
        Json::Null => out.push_str("None"),
        Json::Bool(true) => out.push_str("True"),
        Json::Bool(false) => out.push_str("False"),
        Json::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Json::BigInt(s) => out.push_str(s),
        Json::Float(f) => out.push_str(&float_repr(*f)),
        Json::Str(s) => write_str_repr(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out);
            }
            out.push(']');
        }
        Json::Object(entries) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_repr(k, out);
                out.push_str(": ");
                write_repr(item, out);
            }
            out.push('}');
        }
    }
}

/// Python's `==` between two values decoded from JSON: numbers and booleans compare by
/// value (`True == 1 == 1.0`), strings exactly, lists and dicts element by element.
///
/// ```
/// use spec_kitty_events::json::{parse, py};
/// assert!(py::eq(&parse("true").unwrap(), &parse("1.0").unwrap()));
/// assert!(!py::eq(&parse(r#""1""#).unwrap(), &parse("1").unwrap()));
/// assert!(py::eq(&parse("[1, {\"a\": false}]").unwrap(), &parse("[1.0, {\"a\": 0}]").unwrap()));
/// ```
pub fn eq(a: &Json<'_>, b: &Json<'_>) -> bool {
    fn number(v: &Json<'_>) -> Option<f64> {
        match v {
            Json::Bool(b) => Some(f64::from(u8::from(*b))),
            Json::Int(_) | Json::BigInt(_) | Json::Float(_) => v.as_f64(),
            _ => None,
        }
    }
    match (a, b) {
        (Json::BigInt(x), Json::BigInt(y)) => x == y,
        (Json::Int(x), Json::Int(y)) => x == y,
        (Json::Null, Json::Null) => true,
        (Json::Str(x), Json::Str(y)) => x == y,
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| eq(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && eq(v, v2)))
        }
        _ => matches!((number(a), number(b)), (Some(x), Some(y)) if x == y),
    }
}

/// A text that two hashable values share exactly when Python's `dict` treats them as
/// the same key (`True`, `1` and `1.0` are one key; `"1"` another); `Err` with Python's
/// message for the unhashable ones (lists and dicts).
pub fn dict_key(v: &Json<'_>) -> Result<String, String> {
    match v {
        Json::Str(s) => Ok(format!("s{s}")),
        Json::Null => Ok("n".to_owned()),
        Json::Bool(b) => Ok(format!("i{}", u8::from(*b))),
        Json::Int(i) => Ok(format!("i{i}")),
        Json::BigInt(d) => Ok(format!("i{d}")),
        Json::Float(f)
            if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 =>
        {
            Ok(format!("i{}", *f as i64))
        }
        Json::Float(f) => Ok(format!("f{}", float_repr(*f))),
        Json::Array(_) | Json::Object(_) => Err(format!("unhashable type: '{}'", v.py_type_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_does() {
        for (f, want) in [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.5, "0.5"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (100.25, "100.25"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(float_repr(f), want, "{f:e}");
        }
    }

    #[test]
    fn lists_and_dicts() {
        let v = super::super::parse(r#"[{"a": [false]}, -3, "x\ty", 12345678901234567890123]"#)
            .unwrap();
        assert_eq!(
            repr(&v),
            "[{'a': [False]}, -3, 'x\\ty', 12345678901234567890123]"
        );
        assert_eq!(str_list_repr(&["a", "b'c"]), "['a', \"b'c\"]");
    }
}
