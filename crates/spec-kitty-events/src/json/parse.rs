//! The parser: RFC 8259 JSON into a borrowed [`Json`] tree.
//!
//! It accepts exactly what `serde_json` accepts (the two are compared by a differential
//! test), builds Python's values (see the module docs of [`crate::json`]) and copies a
//! string only when it holds an escape. Syntax errors are described with `serde_json`'s
//! wording, so reports read as they always have.

use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::fmt;

use super::{Json, Object};

/// Deepest nesting of arrays and objects accepted (`serde_json`'s limit).
pub const MAX_DEPTH: usize = 127;

/// Objects with more entries than this get a hash index to find repeated keys.
const INDEX_AT: usize = 16;

/// Why a text is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset where the problem was found.
    pub offset: usize,
    /// A description, worded as `serde_json` words it (`expected value at line 1 column 5`).
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses JSON text into a tree that borrows its unescaped strings from `text`.
///
/// ```
/// use spec_kitty_events::json::{parse, Json};
/// let v = parse(r#" {"k": "v", "n": -12.5e1} "#).unwrap();
/// assert_eq!(v.get_str("k"), Some("v"));
/// assert_eq!(v.get("n"), Some(&Json::Float(-125.0)));
/// assert!(parse("[1,]").is_err());
/// assert_eq!(parse("{").unwrap_err().message, "EOF while parsing an object at line 1 column 1");
/// ```
pub fn parse(text: &str) -> Result<Json<'_>, ParseError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        entries: Vec::with_capacity(16),
        items: Vec::with_capacity(4),
    };
    let parsed = p.value().and_then(|v| {
        p.skip_ws();
        if p.pos == p.bytes.len() {
            Ok(v)
        } else {
            Err(p.pos)
        }
    });
    parsed.map_err(|offset| error_at(text.as_bytes(), offset))
}

/// Parses JSON bytes: [`parse`] after checking that they are UTF-8.
pub fn parse_bytes(bytes: &[u8]) -> Result<Json<'_>, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => Err(error_at(bytes, e.valid_up_to())),
    }
}

/// Parses a JSON object whose member `lazy` is left unparsed when it is an object: the
/// tree holds an empty object in its place, and the member's text is returned beside it
/// (checked, exactly as [`parse`] would check it, and parseable on its own later). Any
/// other value under `lazy`, or a document that is not an object, is parsed as usual.
///
/// Reading envelopes this way leaves the payload for whoever needs it.
///
/// ```
/// use spec_kitty_events::json::{parse, parse_lazy};
/// let text = r#"{"event_type": "X", "payload": {"a": [1, 2]}, "n": 3}"#;
/// let (tree, raw) = parse_lazy(text, "payload").unwrap();
/// assert_eq!(tree.get("payload"), parse("{}").ok().as_ref());
/// assert_eq!(raw, Some(r#"{"a": [1, 2]}"#));
/// assert_eq!(parse(raw.unwrap()).unwrap(), parse(r#"{"a": [1, 2]}"#).unwrap());
/// assert!(parse_lazy(r#"{"payload": {"a": ]}"#, "payload").is_err());
/// ```
pub fn parse_lazy<'a>(
    text: &'a str,
    lazy: &str,
) -> Result<(Json<'a>, Option<&'a str>), ParseError> {
    parse_lazy_with(text, LazyMember::new(lazy))
}

/// Says, from a selector's value, whether a lazy member is wanted at once.
pub type Wanted = fn(&str) -> bool;

/// Which top-level member [`parse_lazy_with`] leaves unparsed, and when it parses it all
/// the same: a reader that needs the member for some records only (a reducer reads the
/// payloads of its own event types) says so through a selector, a member read before it
/// (`event_type`), so that a record it needs is read in one pass instead of a check now
/// and a parse later.
#[derive(Clone, Copy)]
pub struct LazyMember<'p> {
    key: &'p str,
    eager_if: Option<(&'p str, Wanted)>,
}

impl std::fmt::Debug for LazyMember<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyMember")
            .field("key", &self.key)
            .field("selector", &self.eager_if.map(|(s, _)| s))
            .finish()
    }
}

impl<'p> LazyMember<'p> {
    /// The member `key`, always left unparsed when it is an object.
    pub fn new(key: &'p str) -> Self {
        LazyMember {
            key,
            eager_if: None,
        }
    }

    /// Parses the member as usual when the object's member `selector`, met before it, is
    /// a string for which `eager` returns `true`. Whether the member was parsed or left as
    /// text changes nothing else: the tree and the text say the same.
    ///
    /// ```
    /// use spec_kitty_events::json::{LazyMember, parse, parse_lazy_with};
    /// let lazy = LazyMember::new("payload").eager_if("event_type", |t| t == "A");
    /// let (tree, raw) = parse_lazy_with(r#"{"event_type": "A", "payload": {"x": 1}}"#, lazy).unwrap();
    /// assert_eq!((tree.get("payload"), raw), (parse(r#"{"x": 1}"#).ok().as_ref(), None));
    /// let (_, raw) = parse_lazy_with(r#"{"event_type": "B", "payload": {"x": 1}}"#, lazy).unwrap();
    /// assert_eq!(raw, Some(r#"{"x": 1}"#));
    /// ```
    pub fn eager_if(self, selector: &'p str, eager: Wanted) -> Self {
        LazyMember {
            eager_if: Some((selector, eager)),
            ..self
        }
    }

    /// The member left unparsed.
    pub fn key(&self) -> &'p str {
        self.key
    }

    /// Whether the member is parsed all the same, given the members read before it.
    fn eager(&self, before: &[(Cow<'_, str>, Json<'_>)]) -> bool {
        let Some((selector, eager)) = self.eager_if else {
            return false;
        };
        before
            .iter()
            .rev()
            .find(|(k, _)| super::key_eq(k, selector))
            .is_some_and(|(_, v)| matches!(v, Json::Str(s) if eager(s)))
    }
}

/// [`parse_lazy`], with the lazy member described by a [`LazyMember`].
pub fn parse_lazy_with<'a>(
    text: &'a str,
    lazy: LazyMember<'_>,
) -> Result<(Json<'a>, Option<&'a str>), ParseError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        entries: Vec::with_capacity(16),
        items: Vec::new(),
    };
    let mut raw = None;
    let parsed = p.lazy_document(lazy, &mut raw).and_then(|v| {
        p.skip_ws();
        if p.pos == p.bytes.len() {
            Ok(v)
        } else {
            Err(p.pos)
        }
    });
    parsed
        .map(|v| (v, raw))
        .map_err(|offset| error_at(text.as_bytes(), offset))
}

/// [`parse_lazy_with`] on bytes, after checking that they are UTF-8.
pub fn parse_lazy_bytes<'a>(
    bytes: &'a [u8],
    lazy: LazyMember<'_>,
) -> Result<(Json<'a>, Option<&'a str>), ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_lazy_with(text, lazy),
        Err(e) => Err(error_at(bytes, e.valid_up_to())),
    }
}

/// Describes the syntax error of `bytes` as `serde_json` does (reading a `Value`, as the
/// command line always has). Our parser and `serde_json`
/// accept the same texts; should they ever disagree, the position found here is reported.
fn error_at(bytes: &[u8], offset: usize) -> ParseError {
    let message = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Err(e) => e.to_string(),
        Ok(_) => {
            let (line, column) = line_column(bytes, offset);
            format!("invalid JSON at line {line} column {column}")
        }
    };
    ParseError { offset, message }
}

fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + before.iter().rev().take_while(|&&b| b != b'\n').count();
    (line, column)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// Scratch stacks: the entries and items of the containers being read, moved into an
    /// exactly sized vector when each container closes (one allocation per container).
    entries: Object<'a>,
    items: Vec<Json<'a>>,
}

/// Errors carry only the offset; the message is made once, at the top.
type Step<T> = Result<T, usize>;

/// The first position at or after `pos` holding a byte that ends a run of plain string
/// text: a quote, a backslash or a control character (below 0x20); `bytes.len()` when
/// there is none. Eight bytes at a time: in each mask the lowest flagged byte is exact
/// (a false flag only ever sits above a true one), so the lowest flag of the three is the
/// first such byte.
#[inline]
fn plain_run_end(bytes: &[u8], mut pos: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = ONES << 7;
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let flags = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGHS;
        if flags != 0 {
            return pos + (flags.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(&b) = bytes.get(pos) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        pos += 1;
    }
    pos
}

impl<'a> Parser<'a> {
    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn literal(&mut self, word: &[u8], value: Json<'a>) -> Step<Json<'a>> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.pos)
        }
    }

    fn value(&mut self) -> Step<Json<'a>> {
        self.skip_ws();
        match self.peek() {
            Some(b'"') => self.string().map(Json::Str),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b't') => self.literal(b"true", Json::Bool(true)),
            Some(b'f') => self.literal(b"false", Json::Bool(false)),
            Some(b'n') => self.literal(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.pos),
        }
    }

    /// A top-level object whose member `lazy`, when an object, is skipped and recorded;
    /// anything else is an ordinary value.
    fn lazy_document(&mut self, lazy: LazyMember<'_>, raw: &mut Option<&'a str>) -> Step<Json<'a>> {
        self.skip_ws();
        if self.peek() != Some(b'{') {
            return self.value();
        }
        self.members(Some((lazy, raw)))
    }

    /// Checks a value exactly as [`Parser::value`] would, building nothing.
    fn skip_value(&mut self) -> Step<()> {
        self.skip_ws();
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'{') => {
                if self.open(b'}')? {
                    loop {
                        self.key_start()?;
                        self.skip_string()?;
                        self.colon()?;
                        self.skip_value()?;
                        if !self.next_or_close(b'}')? {
                            break;
                        }
                    }
                }
                self.depth -= 1;
                Ok(())
            }
            Some(b'[') => {
                if self.open(b']')? {
                    loop {
                        self.skip_value()?;
                        if !self.next_or_close(b']')? {
                            break;
                        }
                    }
                }
                self.depth -= 1;
                Ok(())
            }
            Some(b't') => self.literal(b"true", Json::Null).map(drop),
            Some(b'f') => self.literal(b"false", Json::Null).map(drop),
            Some(b'n') => self.literal(b"null", Json::Null).map(drop),
            Some(b'-' | b'0'..=b'9') => self.number().map(drop),
            _ => Err(self.pos),
        }
    }

    /// Checks a string (escapes, surrogate pairs, control characters) without keeping it.
    fn skip_string(&mut self) -> Step<()> {
        self.pos += 1;
        loop {
            self.pos = plain_run_end(self.bytes, self.pos);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            self.unicode_escape()?;
                        }
                        _ => return Err(self.pos),
                    }
                }
                Some(_) => return Err(self.pos),
                None => return Err(self.pos),
            }
        }
    }

    fn enter(&mut self) -> Step<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(self.pos)
        } else {
            Ok(())
        }
    }

    /// At an opening bracket: enters the container; `false` when it is empty (and closed
    /// with `close`).
    #[inline]
    fn open(&mut self, close: u8) -> Step<bool> {
        self.enter()?;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            Ok(false)
        } else {
            Ok(true)
        }
    }

    /// After an item or member: `true` past a comma, `false` past the closing `close`.
    #[inline]
    fn next_or_close(&mut self, close: u8) -> Step<bool> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(self.pos),
        }
    }

    /// Before a member: at the opening quote of its key.
    #[inline]
    fn key_start(&mut self) -> Step<()> {
        self.skip_ws();
        if self.peek() == Some(b'"') {
            Ok(())
        } else {
            Err(self.pos)
        }
    }

    /// After a member's key: past the colon.
    #[inline]
    fn colon(&mut self) -> Step<()> {
        self.skip_ws();
        if self.peek() == Some(b':') {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.pos)
        }
    }

    fn array(&mut self) -> Step<Json<'a>> {
        let start = self.items.len();
        if self.open(b']')? {
            loop {
                let item = self.value()?;
                self.items.push(item);
                if !self.next_or_close(b']')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(Json::Array(self.items.drain(start..).collect()))
    }

    fn object(&mut self) -> Step<Json<'a>> {
        self.members(None)
    }

    /// An object's members (the parser at its `{`). With `lazy`, the member it names is
    /// left as checked text when it is an object and not wanted at once (the last
    /// occurrence of a repeated key counts, as for any member).
    fn members(
        &mut self,
        mut lazy: Option<(LazyMember<'_>, &mut Option<&'a str>)>,
    ) -> Step<Json<'a>> {
        let start = self.entries.len();
        let mut index = Keys::default();
        if self.open(b'}')? {
            loop {
                self.key_start()?;
                let key = self.string()?;
                self.colon()?;
                let value = match &mut lazy {
                    Some((member, raw)) if super::key_eq(&key, member.key) => {
                        self.skip_ws();
                        if self.peek() == Some(b'{') && !member.eager(&self.entries[start..]) {
                            let from = self.pos;
                            self.skip_value()?;
                            **raw = Some(&self.text[from..self.pos]);
                            Json::Object(Vec::new())
                        } else {
                            **raw = None;
                            self.value()?
                        }
                    }
                    _ => self.value()?,
                };
                index.insert(&mut self.entries, start, key, value);
                if !self.next_or_close(b'}')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(Json::Object(self.entries.drain(start..).collect()))
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Step<Json<'a>> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let int_len = self.digits();
        if int_len == 0 || (int_len > 1 && self.bytes[int_start] == b'0') {
            return Err(if int_len == 0 {
                self.pos
            } else {
                int_start + 1
            });
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            float = true;
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.pos);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            float = true;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.pos);
            }
        }
        let literal = &self.text[start..self.pos];
        if float {
            // Rust's parser rounds correctly, as Python's float() does; overflow gives
            // infinity in both.
            literal.parse::<f64>().map(Json::Float).map_err(|_| start)
        } else if int_len <= 18 {
            literal.parse::<i64>().map(Json::Int).map_err(|_| start)
        } else {
            Ok(match literal.parse::<i64>() {
                Ok(i) => Json::Int(i),
                Err(_) => Json::BigInt(Cow::Borrowed(literal)),
            })
        }
    }

    fn hex4(&mut self) -> Step<u32> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or(self.bytes.len())?;
        let mut n = 0u32;
        for (i, &b) in digits.iter().enumerate() {
            let d = (b as char).to_digit(16).ok_or(self.pos + i)?;
            n = n * 16 + d;
        }
        self.pos += 4;
        Ok(n)
    }

    /// After `\u`: one code point, a surrogate pair joined.
    fn unicode_escape(&mut self) -> Step<char> {
        let n = self.hex4()?;
        let code = match n {
            0xDC00..=0xDFFF => return Err(self.pos),
            0xD800..=0xDBFF => {
                if !self.bytes[self.pos..].starts_with(b"\\u") {
                    return Err(self.pos);
                }
                self.pos += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.pos);
                }
                0x10000 + ((n - 0xD800) << 10) + (low - 0xDC00)
            }
            n => n,
        };
        char::from_u32(code).ok_or(self.pos)
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Step<Cow<'a, str>> {
        self.pos += 1;
        let start = self.pos;
        self.pos = plain_run_end(self.bytes, self.pos);
        match self.peek() {
            Some(b'"') => {
                let s = &self.text[start..self.pos];
                self.pos += 1;
                return Ok(Cow::Borrowed(s));
            }
            Some(b'\\') => {}
            _ => return Err(self.pos),
        }
        let mut out = String::with_capacity(self.pos - start + 16);
        out.push_str(&self.text[start..self.pos]);
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            out.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => return Err(self.pos),
                    };
                    self.pos += 1;
                    out.push(escaped);
                }
                Some(b) if b < 0x20 => return Err(self.pos),
                Some(_) => {
                    let run = self.pos;
                    self.pos = plain_run_end(self.bytes, self.pos);
                    out.push_str(&self.text[run..self.pos]);
                }
                None => return Err(self.pos),
            }
        }
    }
}

/// Adds an entry to the object whose entries start at `start`, as a Python `dict` does: a
/// repeated key keeps its position and takes the new value.
/// The keys of the object being read, to find a repeated one (the last value counts, as
/// in Python): a 64-bit summary of the keys met (length and end bytes), so that the
/// common case — a key not met before — costs one test, then a scan of the entries, or a
/// hash index once the object is large.
#[derive(Default)]
struct Keys<'a> {
    summary: u64,
    index: Option<FxHashMap<Cow<'a, str>, usize>>,
}

impl<'a> Keys<'a> {
    fn bit(key: &str) -> u64 {
        let b = key.as_bytes();
        let (first, last) = (
            b.first().copied().unwrap_or(0),
            b.last().copied().unwrap_or(0),
        );
        let h = (b.len() as u64)
            .wrapping_mul(0x9E37_79B9)
            .wrapping_add(u64::from(first) * 31 + u64::from(last));
        1 << (h % 64)
    }

    fn insert(
        &mut self,
        entries: &mut Object<'a>,
        start: usize,
        key: Cow<'a, str>,
        value: Json<'a>,
    ) {
        if let Some(map) = &mut self.index {
            match map.get(&key) {
                Some(&i) => entries[i].1 = value,
                None => {
                    map.insert(key.clone(), entries.len());
                    entries.push((key, value));
                }
            }
            return;
        }
        let bit = Self::bit(&key);
        if self.summary & bit != 0
            && let Some(slot) = entries[start..].iter_mut().find(|(k, _)| *k == key)
        {
            slot.1 = value;
            return;
        }
        self.summary |= bit;
        entries.push((key, value));
        if entries.len() - start > INDEX_AT {
            self.index = Some(
                entries[start..]
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), start + i))
                    .collect(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(text: &str) -> bool {
        parse(text).is_ok()
    }

    #[test]
    fn accepts_what_serde_json_accepts() {
        for text in [
            "0",
            "-0",
            "1.5e+3",
            "1E-3",
            "-12.0",
            "\"a\\u00e9\\ud83d\\ude00\\/\"",
            "[]",
            "{}",
            " [1, {\"a\": [null, true, false]}] ",
            "123456789012345678901234567890",
            "1e400",
        ] {
            assert!(accepts(text), "{text}");
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_ok(),
                "{text}"
            );
        }
        for text in [
            "",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\x\"",
            "\"a\u{1}\"",
            "nul",
            "[1] 2",
            "NaN",
            "Infinity",
            "\u{feff}1",
        ] {
            assert!(!accepts(text), "{text:?}");
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_err(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn values_follow_python() {
        let v = parse(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(
            v,
            Json::Object(vec![("a".into(), Json::Int(3)), ("b".into(), Json::Int(2))])
        );
        assert_eq!(parse("1.50").unwrap(), Json::Float(1.5));
        assert_eq!(parse("-0").unwrap(), Json::Int(0));
        assert_eq!(parse("1e400").unwrap(), Json::Float(f64::INFINITY));
        assert_eq!(
            parse("-9223372036854775809").unwrap(),
            Json::BigInt("-9223372036854775809".into())
        );
        assert_eq!(parse("-9223372036854775808").unwrap(), Json::Int(i64::MIN));
        assert_eq!(
            parse(r#""\ud83d\ude00""#).unwrap(),
            Json::Str("\u{1f600}".into())
        );
    }

    #[test]
    fn repeated_keys_in_large_objects() {
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!("\"k{i}\": {i}, "));
        }
        text.push_str("\"k3\": \"last\"}");
        let v = parse(&text).unwrap();
        let entries = v.as_object().unwrap();
        assert_eq!(entries.len(), 40);
        assert_eq!(entries[3], ("k3".into(), Json::str("last")));
    }

    #[test]
    fn unescaped_strings_are_borrowed() {
        let text = r#"["plain", "esc\"aped"]"#;
        let v = parse(text).unwrap();
        let items = v.as_array().unwrap();
        assert!(matches!(&items[0], Json::Str(Cow::Borrowed("plain"))));
        assert!(matches!(&items[1], Json::Str(Cow::Owned(s)) if s == "esc\"aped"));
    }

    #[test]
    fn depth_limit_matches_serde_json() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        for n in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 2] {
            let text = nested(n);
            assert_eq!(
                accepts(&text),
                serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                "{n}"
            );
        }
        assert!(!accepts(&nested(100_000)));
    }

    #[test]
    fn errors_read_as_serde_json_words_them() {
        assert_eq!(
            parse("[1, 2").unwrap_err().message,
            "EOF while parsing a list at line 1 column 5"
        );
        assert_eq!(
            parse_bytes(b"\"\xff\"").unwrap_err().message,
            serde_json::from_slice::<serde_json::Value>(b"\"\xff\"")
                .unwrap_err()
                .to_string()
        );
    }
}
