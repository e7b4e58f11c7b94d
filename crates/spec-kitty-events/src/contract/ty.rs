//! Declarative field types and their validation.
//!
//! A contract is data: a [`ModelDef`](super::model::ModelDef) lists fields, each with a
//! [`Ty`]. One definition drives both the model layer (lax validation that normalises a
//! JSON value into what the reference's `model_dump(mode="json")` would print) and the
//! generated JSON Schema.

use regex::Regex;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;

use super::model::ModelDef;
use super::scalar;
use super::violation::{FieldError, PathItem};
use crate::json::{self, Json};
use crate::timestamp::Timestamp;

/// A string type with optional length bounds (in Unicode code points) and a pattern.
#[derive(Debug, Clone, Default)]
pub struct StrTy {
    /// Minimum length in code points.
    pub min_len: Option<usize>,
    /// Maximum length in code points.
    pub max_len: Option<usize>,
    /// A pattern the string must contain a match of (unanchored search).
    pub pattern: Option<Arc<Regex>>,
}

impl StrTy {
    /// An unconstrained string.
    pub fn new() -> Self {
        Self::default()
    }
    /// Requires at least `n` code points.
    pub fn min(mut self, n: usize) -> Self {
        self.min_len = Some(n);
        self
    }
    /// Allows at most `n` code points.
    pub fn max(mut self, n: usize) -> Self {
        self.max_len = Some(n);
        self
    }
    /// Requires a match of `re` somewhere in the string.
    ///
    /// # Panics
    /// On an invalid pattern; patterns are compile-time constants of the contracts.
    #[allow(clippy::expect_used)]
    pub fn pattern(mut self, re: &str) -> Self {
        self.pattern = Some(Arc::new(Regex::new(re).expect("contract pattern compiles")));
        self
    }
}

/// An integer type with optional bounds; `strict` refuses strings, floats and booleans.
#[derive(Debug, Clone, Default)]
pub struct IntTy {
    /// `>=` bound.
    pub ge: Option<i64>,
    /// `>` bound.
    pub gt: Option<i64>,
    /// `<=` bound.
    pub le: Option<i64>,
    /// `<` bound.
    pub lt: Option<i64>,
    /// Whether only JSON integers are accepted.
    pub strict: bool,
}

impl IntTy {
    /// An unconstrained lax integer.
    pub fn new() -> Self {
        Self::default()
    }
    /// Requires `value >= n`.
    pub fn ge(mut self, n: i64) -> Self {
        self.ge = Some(n);
        self
    }
    /// Requires `value > n`.
    pub fn gt(mut self, n: i64) -> Self {
        self.gt = Some(n);
        self
    }
    /// Requires `value <= n`.
    pub fn le(mut self, n: i64) -> Self {
        self.le = Some(n);
        self
    }
    /// Requires `value < n`.
    pub fn lt(mut self, n: i64) -> Self {
        self.lt = Some(n);
        self
    }
    /// Accepts JSON integers only.
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }
}

/// A float type with optional bounds.
#[derive(Debug, Clone, Default)]
pub struct FloatTy {
    /// `>=` bound.
    pub ge: Option<f64>,
    /// `>` bound.
    pub gt: Option<f64>,
    /// `<=` bound.
    pub le: Option<f64>,
    /// `<` bound.
    pub lt: Option<f64>,
    /// Whether only JSON numbers are accepted.
    pub strict: bool,
}

impl FloatTy {
    /// An unconstrained lax float.
    pub fn new() -> Self {
        Self::default()
    }
    /// Requires `value >= n`.
    pub fn ge(mut self, n: f64) -> Self {
        self.ge = Some(n);
        self
    }
    /// Requires `value > n`.
    pub fn gt(mut self, n: f64) -> Self {
        self.gt = Some(n);
        self
    }
    /// Requires `value <= n`.
    pub fn le(mut self, n: f64) -> Self {
        self.le = Some(n);
        self
    }
    /// Requires `value < n`.
    pub fn lt(mut self, n: f64) -> Self {
        self.lt = Some(n);
        self
    }
}

/// A string enumeration (a Python `str` enum): its schema name and its values.
#[derive(Debug)]
pub struct EnumTy {
    /// Name of the enum (the schema title and `$defs` key).
    pub name: &'static str,
    /// Docstring.
    pub description: &'static str,
    /// The accepted values, in declaration order.
    pub values: &'static [&'static str],
}

impl EnumTy {
    /// Whether `s` is one of the values.
    pub fn contains(&self, s: &str) -> bool {
        self.values.contains(&s)
    }
}

/// Which collection a sequence type is; sets drop duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqKind {
    /// A list.
    List,
    /// A tuple of variable length.
    Tuple,
    /// A set (duplicates dropped, first occurrence kept).
    Set,
    /// A frozen set (duplicates dropped, first occurrence kept).
    FrozenSet,
}

/// A homogeneous sequence.
#[derive(Debug, Clone)]
pub struct SeqTy {
    /// Item type.
    pub item: Ty,
    /// Collection kind.
    pub kind: SeqKind,
    /// Minimum length after validation.
    pub min_len: Option<usize>,
    /// Maximum length after validation.
    pub max_len: Option<usize>,
}

/// A discriminated union of models, selected by the string value of one field.
#[derive(Debug, Clone)]
pub struct TaggedTy {
    /// The field holding the tag.
    pub discriminator: &'static str,
    /// `(tag, model)` pairs.
    pub variants: Vec<(&'static str, Arc<ModelDef>)>,
}

/// A value transformation that runs before type validation (a pydantic "before" validator).
/// `Ok(None)` leaves the value as it is (the common case: nothing is copied); `Err(msg)`
/// reports a `value_error`.
pub type BeforeFn = fn(&Json<'_>) -> Result<Option<Json<'static>>, String>;
/// A check that runs on a validated, normalised value (a pydantic "after" validator).
/// `Err(msg)` reports a `value_error`.
pub type CheckFn = fn(&Json<'_>) -> Result<(), String>;

/// A type wrapped with custom validators and an optional schema override.
#[derive(Debug, Clone)]
pub struct CustomTy {
    /// Runs first.
    pub before: Option<BeforeFn>,
    /// The wrapped type.
    pub inner: Ty,
    /// Runs on the validated value.
    pub after: Option<CheckFn>,
}

/// A field type.
#[derive(Debug, Clone)]
pub enum Ty {
    /// Any JSON value, kept as is.
    Any,
    /// A string.
    Str(StrTy),
    /// An integer of any size.
    Int(IntTy),
    /// A float.
    Float(FloatTy),
    /// A boolean; `strict` refuses `"yes"`, `1` and the like.
    Bool {
        /// Whether only JSON booleans are accepted.
        strict: bool,
    },
    /// A datetime (see [`Timestamp`]).
    DateTime,
    /// A date (`YYYY-MM-DD`).
    Date,
    /// A UUID, normalised to lower-case hyphenated form.
    Uuid,
    /// An HTTP(S) URL, normalised as a URL parser does.
    HttpUrl,
    /// An HTTP(S) URL of any length (pydantic's `AnyHttpUrl`).
    AnyHttpUrl,
    /// One of a string enum's values.
    Enum(&'static EnumTy),
    /// One of fixed literal values.
    Literal(Vec<Value>),
    /// `null` or the inner type.
    Optional(Box<Ty>),
    /// A sequence.
    Seq(Box<SeqTy>),
    /// An object with string keys and values of one type.
    Dict(Box<Ty>),
    /// A nested model.
    Model(Arc<ModelDef>),
    /// The first member that accepts the value (exact-type matches preferred); members are
    /// labelled for error paths.
    Union(Vec<(Cow<'static, str>, Ty)>),
    /// A discriminated union.
    Tagged(Box<TaggedTy>),
    /// A type with custom validators.
    Custom(Box<CustomTy>),
}

impl From<StrTy> for Ty {
    fn from(t: StrTy) -> Self {
        Ty::Str(t)
    }
}
impl From<IntTy> for Ty {
    fn from(t: IntTy) -> Self {
        Ty::Int(t)
    }
}
impl From<FloatTy> for Ty {
    fn from(t: FloatTy) -> Self {
        Ty::Float(t)
    }
}
impl From<&'static EnumTy> for Ty {
    fn from(t: &'static EnumTy) -> Self {
        Ty::Enum(t)
    }
}
impl From<Arc<ModelDef>> for Ty {
    fn from(m: Arc<ModelDef>) -> Self {
        Ty::Model(m)
    }
}
impl From<&Arc<ModelDef>> for Ty {
    fn from(m: &Arc<ModelDef>) -> Self {
        Ty::Model(Arc::clone(m))
    }
}

impl Ty {
    /// A plain string.
    pub fn str() -> Ty {
        Ty::Str(StrTy::new())
    }
    /// A non-empty string (`min_length=1`).
    pub fn nonempty() -> Ty {
        Ty::Str(StrTy::new().min(1))
    }
    /// A lax integer.
    pub fn int() -> Ty {
        Ty::Int(IntTy::new())
    }
    /// A lax boolean.
    pub fn bool() -> Ty {
        Ty::Bool { strict: false }
    }
    /// `Optional[inner]`.
    pub fn optional(inner: impl Into<Ty>) -> Ty {
        Ty::Optional(Box::new(inner.into()))
    }
    /// `List[item]`.
    pub fn list(item: impl Into<Ty>) -> Ty {
        Ty::seq(SeqKind::List, item, None, None)
    }
    /// A sequence of `kind` with length bounds.
    pub fn seq(kind: SeqKind, item: impl Into<Ty>, min: Option<usize>, max: Option<usize>) -> Ty {
        Ty::Seq(Box::new(SeqTy {
            item: item.into(),
            kind,
            min_len: min,
            max_len: max,
        }))
    }
    /// `Dict[str, value]`.
    pub fn dict(value: impl Into<Ty>) -> Ty {
        Ty::Dict(Box::new(value.into()))
    }
    /// `Dict[str, Any]`.
    pub fn object() -> Ty {
        Ty::dict(Ty::Any)
    }
    /// `Literal[s]` for one string.
    pub fn literal_str(s: &str) -> Ty {
        Ty::Literal(vec![Value::String(s.to_owned())])
    }
    /// `Literal[...]` over several strings.
    pub fn literal_strs(values: &[&str]) -> Ty {
        Ty::Literal(
            values
                .iter()
                .map(|s| Value::String((*s).to_owned()))
                .collect(),
        )
    }
    /// Wraps this type with a before-validator.
    pub fn before(self, f: BeforeFn) -> Ty {
        Ty::Custom(Box::new(CustomTy {
            before: Some(f),
            inner: self,
            after: None,
        }))
    }
    /// Wraps this type with an after-validator.
    pub fn check(self, f: CheckFn) -> Ty {
        Ty::Custom(Box::new(CustomTy {
            before: None,
            inner: self,
            after: Some(f),
        }))
    }

    /// Validates a `serde_json::Value`, returning the normalised value or every error found
    /// (see [`Ty::validate_json`]).
    pub fn validate(&self, v: &Value) -> Result<Value, Vec<FieldError>> {
        self.validate_json(&Json::from_value(v))
            .map(|out| out.to_value())
    }

    /// Validates `v`, returning the normalised value (borrowing from `v` and from the
    /// definition wherever nothing changed) or every error found.
    pub fn validate_json<'b>(&'b self, v: &'b Json<'_>) -> Result<Json<'b>, Vec<FieldError>> {
        self.validate_mode(v, false)
    }

    /// Whether validating `v` against this type gives `v` back unchanged and without
    /// error: `Any`, and `dict[str, Any]` given an object (exactly the cases in which
    /// [`Ty::validate_json`] returns a copy of its input). Consumers that read such a
    /// value from the input need no copy of it.
    pub fn takes_as_is(&self, v: &Json<'_>) -> bool {
        match self {
            Ty::Any => true,
            Ty::Dict(value_ty) => matches!(**value_ty, Ty::Any) && v.is_object(),
            _ => false,
        }
    }

    /// Checks `v` as [`Ty::validate_json`] validates it (the same verdict and the same
    /// errors), for a consumer that reads the value from the input itself, with the
    /// conversion this type uses ([`Timestamp::from_json`], [`scalar::lax_uuid`]): no
    /// copy is made of a value taken as it is ([`Ty::takes_as_is`]), and a datetime or a
    /// UUID is parsed without being rendered back to text.
    ///
    /// ```
    /// use spec_kitty_events::contract::Ty;
    /// use spec_kitty_events::json::parse;
    /// for text in [r#""2026-01-05T03:00:21Z""#, "1700000000", r#""yesterday""#, "null"] {
    ///     let v = parse(text).unwrap();
    ///     assert_eq!(
    ///         Ty::DateTime.check_json(&v),
    ///         Ty::DateTime.validate_json(&v).map(drop)
    ///     );
    /// }
    /// ```
    pub fn check_json(&self, v: &Json<'_>) -> Result<(), Vec<FieldError>> {
        self.check_mode(v, false)
    }

    pub(crate) fn check_mode(&self, v: &Json<'_>, strict: bool) -> Result<(), Vec<FieldError>> {
        let leaf = |e: FieldError| vec![e.with_input(v)];
        match self {
            _ if self.takes_as_is(v) => Ok(()),
            Ty::DateTime if !strict => Timestamp::from_json(v).map(drop).map_err(leaf),
            Ty::Uuid if !strict => scalar::lax_uuid(v).map(drop).map_err(leaf),
            _ => self.validate_mode(v, strict).map(drop),
        }
    }

    pub(crate) fn validate_mode<'b>(
        &'b self,
        v: &'b Json<'_>,
        strict: bool,
    ) -> Result<Json<'b>, Vec<FieldError>> {
        let leaf = |e: FieldError| vec![e.with_input(v)];
        match self {
            Ty::Any => Ok(v.reborrow()),
            Ty::Str(t) => validate_str(t, v).map_err(leaf),
            Ty::Int(t) => validate_int(t, v, strict).map_err(leaf),
            Ty::Float(t) => validate_float(t, v, strict).map_err(leaf),
            Ty::Bool { strict: s } => scalar::lax_bool(v, strict || *s)
                .map(Json::Bool)
                .map_err(leaf),
            // In strict mode these need a Python object of the type, which JSON never holds.
            Ty::DateTime if strict => Err(leaf(FieldError::new(
                "datetime_type",
                "Input should be a valid datetime",
            ))),
            Ty::Date if strict => Err(leaf(FieldError::new(
                "date_type",
                "Input should be a valid date",
            ))),
            Ty::Uuid if strict => Err(leaf(FieldError::new(
                "uuid_type",
                "Input should be an instance of UUID",
            ))),
            Ty::HttpUrl | Ty::AnyHttpUrl if strict => Err(leaf(FieldError::new(
                "url_type",
                "URL input should be a string or URL",
            ))),
            Ty::Enum(e) if strict => Err(leaf(FieldError::new(
                "is_instance_of",
                format!("Input should be an instance of {}", e.name),
            ))),
            Ty::DateTime => Timestamp::from_json(v)
                .map(|t| Json::from(t.to_json_string()))
                .map_err(leaf),
            Ty::Date => validate_date(v).map_err(leaf),
            Ty::Uuid => scalar::lax_uuid(v)
                .map(|u| Json::from(u.hyphenated().to_string()))
                .map_err(leaf),
            Ty::HttpUrl => super::url::validate_http_url(v).map_err(leaf),
            Ty::AnyHttpUrl => super::url::validate_url(v, None).map_err(leaf),
            Ty::Enum(e) => validate_enum(e, v).map_err(leaf),
            Ty::Literal(values) => validate_literal(values, v).map_err(leaf),
            Ty::Optional(inner) => {
                if v.is_null() {
                    Ok(Json::Null)
                } else {
                    inner.validate_mode(v, strict)
                }
            }
            Ty::Seq(t) => validate_seq(t, v, strict),
            Ty::Dict(t) => validate_dict(t, v, strict),
            Ty::Model(m) => m.validate_mode(v, strict),
            Ty::Union(choices) => validate_union(choices, v),
            Ty::Tagged(t) => validate_tagged(t, v, strict),
            Ty::Custom(c) => {
                let out = match c.before {
                    Some(f) => match f(v) {
                        Ok(Some(replaced)) => {
                            // Rare: the value was rewritten; the result owns its strings.
                            c.inner.validate_mode(&replaced, strict)?.into_owned()
                        }
                        Ok(None) => c.inner.validate_mode(v, strict)?,
                        Err(msg) => return Err(leaf(value_error(msg))),
                    },
                    None => c.inner.validate_mode(v, strict)?,
                };
                if let Some(check) = c.after {
                    check(&out).map_err(|msg| leaf(value_error(msg)))?;
                }
                Ok(out)
            }
        }
    }
}

/// A `value_error` carrying a validator's message, worded as the reference words it.
pub fn value_error(msg: impl std::fmt::Display) -> FieldError {
    FieldError::new("value_error", format!("Value error, {msg}"))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn validate_str<'b>(t: &StrTy, v: &'b Json<'_>) -> Result<Json<'b>, FieldError> {
    let s = scalar::lax_str(v)?;
    if t.min_len.is_some() || t.max_len.is_some() {
        // Lengths count code points; an ASCII string's is its byte length.
        let len = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
        if let Some(min) = t.min_len
            && len < min
        {
            return Err(FieldError::new(
                "string_too_short",
                format!("String should have at least {}", plural(min, "character")),
            ));
        }
        if let Some(max) = t.max_len
            && len > max
        {
            return Err(FieldError::new(
                "string_too_long",
                format!("String should have at most {}", plural(max, "character")),
            ));
        }
    }
    if let Some(re) = &t.pattern
        && !pattern_matches(re, s)
    {
        return Err(FieldError::new(
            "string_pattern_mismatch",
            format!("String should match pattern '{}'", re.as_str()),
        ));
    }
    Ok(Json::Str(Cow::Borrowed(s)))
}

/// Whether `re` matches `s`, remembering the last pattern and text each thread matched: a log repeats the same values (`schema_version` is `3.0.0` on every line), and
/// a match is a pure function of the two.
fn pattern_matches(re: &Regex, s: &str) -> bool {
    use std::cell::RefCell;
    thread_local! {
        static LAST: RefCell<(String, String)> = const { RefCell::new((String::new(), String::new())) };
    }
    let pattern = re.as_str();
    if LAST.with_borrow(|(p, last)| p == pattern && last == s) {
        return true;
    }
    let hit = re.is_match(s);
    if hit && s.len() <= 64 {
        LAST.with_borrow_mut(|(p, last)| {
            p.clear();
            p.push_str(pattern);
            last.clear();
            last.push_str(s);
        });
    }
    hit
}

fn validate_int<'b>(t: &IntTy, v: &'b Json<'_>, strict: bool) -> Result<Json<'b>, FieldError> {
    let n = scalar::lax_int(v, strict || t.strict)?;
    use std::cmp::Ordering::*;
    if let Some(ge) = t.ge
        && scalar::cmp_int(&n, ge) == Less
    {
        return Err(FieldError::new(
            "greater_than_equal",
            format!("Input should be greater than or equal to {ge}"),
        ));
    }
    if let Some(gt) = t.gt
        && scalar::cmp_int(&n, gt) != Greater
    {
        return Err(FieldError::new(
            "greater_than",
            format!("Input should be greater than {gt}"),
        ));
    }
    if let Some(le) = t.le
        && scalar::cmp_int(&n, le) == Greater
    {
        return Err(FieldError::new(
            "less_than_equal",
            format!("Input should be less than or equal to {le}"),
        ));
    }
    if let Some(lt) = t.lt
        && scalar::cmp_int(&n, lt) != Less
    {
        return Err(FieldError::new(
            "less_than",
            format!("Input should be less than {lt}"),
        ));
    }
    Ok(n)
}

fn validate_float<'b>(t: &FloatTy, v: &Json<'_>, strict: bool) -> Result<Json<'b>, FieldError> {
    let f = scalar::lax_float(v, strict || t.strict)?;
    let py_float = json::py::float_repr;
    if let Some(ge) = t.ge
        && (f.is_nan() || f < ge)
    {
        return Err(FieldError::new(
            "greater_than_equal",
            format!("Input should be greater than or equal to {}", py_float(ge)),
        ));
    }
    if let Some(gt) = t.gt
        && (f.is_nan() || f <= gt)
    {
        return Err(FieldError::new(
            "greater_than",
            format!("Input should be greater than {}", py_float(gt)),
        ));
    }
    if let Some(le) = t.le
        && (f.is_nan() || f > le)
    {
        return Err(FieldError::new(
            "less_than_equal",
            format!("Input should be less than or equal to {}", py_float(le)),
        ));
    }
    if let Some(lt) = t.lt
        && (f.is_nan() || f >= lt)
    {
        return Err(FieldError::new(
            "less_than",
            format!("Input should be less than {}", py_float(lt)),
        ));
    }
    Ok(Json::Float(f))
}

fn validate_date<'b>(v: &Json<'_>) -> Result<Json<'b>, FieldError> {
    match v {
        Json::Str(s) => speedate::Date::parse_str(s)
            .map(|d| Json::from(d.to_string()))
            .map_err(|e| {
                FieldError::new(
                    "date_from_datetime_parsing",
                    format!("Input should be a valid date or datetime, {e}"),
                )
            }),
        _ => Err(FieldError::new("date_type", "Input should be a valid date")),
    }
}

/// Renders choices as the reference does: `'a', 'b' or 'c'`.
pub fn or_list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} or {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn validate_enum<'b>(e: &EnumTy, v: &'b Json<'_>) -> Result<Json<'b>, FieldError> {
    if let Json::Str(s) = v
        && e.contains(s)
    {
        return Ok(Json::Str(Cow::Borrowed(s)));
    }
    let choices: Vec<String> = e.values.iter().map(|s| format!("'{s}'")).collect();
    Err(FieldError::new(
        "enum",
        format!("Input should be {}", or_list(&choices)),
    ))
}

/// Python equality between a literal and an input (`True == 1 == 1.0`, strings exact).
fn literal_eq(expected: &Json<'_>, v: &Json<'_>) -> bool {
    let num = |x: &Json<'_>| -> Option<f64> {
        match x {
            Json::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            other => other.as_f64(),
        }
    };
    match (expected, v) {
        (Json::Str(a), Json::Str(b)) => a == b,
        (Json::Null, Json::Null) => true,
        (a, b) => matches!((num(a), num(b)), (Some(x), Some(y)) if x == y),
    }
}

fn validate_literal<'b>(values: &'b [Value], v: &Json<'_>) -> Result<Json<'b>, FieldError> {
    for expected in values {
        let expected = Json::from_value(expected);
        if literal_eq(&expected, v) {
            return Ok(expected);
        }
    }
    let choices: Vec<String> = values
        .iter()
        .map(|x| json::py::repr(&Json::from_value(x)))
        .collect();
    Err(FieldError::new(
        "literal_error",
        format!("Input should be {}", or_list(&choices)),
    ))
}

fn validate_seq<'b>(
    t: &'b SeqTy,
    v: &'b Json<'_>,
    strict: bool,
) -> Result<Json<'b>, Vec<FieldError>> {
    let (kind, noun) = match t.kind {
        SeqKind::List => ("list_type", "list"),
        SeqKind::Tuple => ("tuple_type", "tuple"),
        SeqKind::Set => ("set_type", "set"),
        SeqKind::FrozenSet => ("frozen_set_type", "frozenset"),
    };
    let Json::Array(items) = v else {
        return Err(vec![
            FieldError::new(kind, format!("Input should be a valid {noun}")).with_input(v),
        ]);
    };
    let label = match t.kind {
        SeqKind::List => "List",
        SeqKind::Tuple => "Tuple",
        SeqKind::Set => "Set",
        SeqKind::FrozenSet => "Frozenset",
    };
    let unique = matches!(t.kind, SeqKind::Set | SeqKind::FrozenSet);
    if let Some(max) = t.max_len
        && !unique
        && items.len() > max
    {
        return Err(vec![
            FieldError::new(
                "too_long",
                format!(
                    "{label} should have at most {} after validation, not {}",
                    plural(max, "item"),
                    items.len()
                ),
            )
            .with_input(v),
        ]);
    }
    let mut out: Vec<Json<'b>> = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match t.item.validate_mode(item, strict) {
            Ok(x) => {
                if !unique || !out.contains(&x) {
                    out.push(x);
                }
            }
            Err(es) => errors.extend(es.into_iter().map(|e| e.within(PathItem::Index(i)))),
        }
    }
    let too_short = |n: usize| {
        FieldError::new(
            "too_short",
            format!(
                "{label} should have at least {} after validation, not {n}",
                plural(t.min_len.unwrap_or(0), "item"),
            ),
        )
        .with_input(v)
    };
    if !errors.is_empty() {
        // A tuple also reports its minimum length, counted over the items that passed.
        if t.kind == SeqKind::Tuple
            && let Some(min) = t.min_len
            && out.len() < min
        {
            errors.push(too_short(out.len()));
        }
        return Err(errors);
    }
    if let Some(min) = t.min_len
        && out.len() < min
    {
        return Err(vec![too_short(out.len())]);
    }
    if let Some(max) = t.max_len
        && out.len() > max
    {
        return Err(vec![
            FieldError::new(
                "too_long",
                format!(
                    "{label} should have at most {} after validation, not {}",
                    plural(max, "item"),
                    out.len()
                ),
            )
            .with_input(v),
        ]);
    }
    Ok(Json::Array(out))
}

fn validate_dict<'b>(
    value_ty: &'b Ty,
    v: &'b Json<'_>,
    strict: bool,
) -> Result<Json<'b>, Vec<FieldError>> {
    let Json::Object(map) = v else {
        return Err(vec![
            FieldError::new("dict_type", "Input should be a valid dictionary").with_input(v),
        ]);
    };
    if matches!(value_ty, Ty::Any) {
        return Ok(v.reborrow());
    }
    let mut out = Vec::with_capacity(map.len());
    let mut errors = Vec::new();
    for (k, item) in map {
        match value_ty.validate_mode(item, strict) {
            Ok(x) => out.push((Cow::Borrowed(k.as_ref()), x)),
            Err(es) => errors.extend(
                es.into_iter()
                    .map(|e| e.within(PathItem::Key(Cow::Owned(k.to_string())))),
            ),
        }
    }
    if errors.is_empty() {
        Ok(Json::Object(out))
    } else {
        Err(errors)
    }
}

fn validate_union<'b>(
    choices: &'b [(Cow<'static, str>, Ty)],
    v: &'b Json<'_>,
) -> Result<Json<'b>, Vec<FieldError>> {
    // Smart mode: an exact-type match wins over a coerced one.
    for (_, ty) in choices {
        if let Ok(out) = ty.validate_mode(v, true) {
            return Ok(out);
        }
    }
    let mut errors = Vec::new();
    for (label, ty) in choices {
        match ty.validate_mode(v, false) {
            Ok(out) => return Ok(out),
            Err(es) => errors.extend(
                es.into_iter()
                    .map(|e| e.within(PathItem::Key(label.clone()))),
            ),
        }
    }
    Err(errors)
}

fn validate_tagged<'b>(
    t: &'b TaggedTy,
    v: &'b Json<'_>,
    strict: bool,
) -> Result<Json<'b>, Vec<FieldError>> {
    let tags: Vec<String> = t
        .variants
        .iter()
        .map(|(tag, _)| format!("'{tag}'"))
        .collect();
    let Json::Object(_) = v else {
        return Err(vec![
            FieldError::new(
                "model_attributes_type",
                "Input should be a valid dictionary or object to extract fields from",
            )
            .with_input(v),
        ]);
    };
    let Some(tag_value) = v.get(t.discriminator) else {
        return Err(vec![
            FieldError::new(
                "union_tag_not_found",
                format!(
                    "Unable to extract tag using discriminator '{}'",
                    t.discriminator
                ),
            )
            .with_input(v),
        ]);
    };
    let found = tag_value
        .as_str()
        .and_then(|s| t.variants.iter().find(|(tag, _)| *tag == s));
    match found {
        Some((tag, model)) => model.validate_mode(v, strict).map_err(|es| {
            es.into_iter()
                .map(|e| e.within(PathItem::Key(Cow::Borrowed(tag))))
                .collect()
        }),
        None => Err(vec![
            FieldError::new(
                "union_tag_invalid",
                format!(
                    "Input tag '{}' found using '{}' does not match any of the expected tags: {}",
                    tag_value
                        .as_str()
                        .map_or_else(|| tag_value.to_json_string(), str::to_owned),
                    t.discriminator,
                    tags.join(", ")
                ),
            )
            .with_input(v),
        ]),
    }
}
