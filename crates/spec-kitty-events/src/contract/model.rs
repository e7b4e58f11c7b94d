//! Models: named objects with typed fields, defaults, unknown-key policy and cross-field
//! checks.

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

use super::ty::{BeforeFn, CheckFn, Ty, value_error};
use super::violation::{FieldError, PathItem};
use crate::json::{Json, JsonDeserializer, Object, key_eq};

/// Validated field values in declaration order, and the unknown keys a model keeps.
type Slots<'b> = (Vec<Json<'b>>, Object<'b>);

/// What a model does with keys it does not declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    /// Drop them silently (the reference's default).
    Ignore,
    /// Reject each with an `extra_forbidden` error.
    Forbid,
    /// Keep them in the output.
    Allow,
}

/// One declared field of a model.
#[derive(Debug, Clone)]
pub struct Field {
    /// Key in the JSON object.
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// Value used when the key is absent; `None` makes the field required.
    pub default: Option<Value>,
    /// Human description (goes into the schema).
    pub description: Option<&'static str>,
    /// Extra keywords merged into the field's generated schema.
    pub schema_extra: Option<Value>,
    /// Whether the schema shows the default (not for defaults made by a factory, such
    /// as an empty list or object, which the reference leaves out).
    pub default_in_schema: bool,
}

impl Field {
    /// A required field.
    pub fn required(name: &'static str, ty: impl Into<Ty>) -> Self {
        Field {
            name,
            ty: ty.into(),
            default: None,
            description: None,
            schema_extra: None,
            default_in_schema: true,
        }
    }
    /// A field of type `Optional[ty]` with default `null`.
    pub fn optional(name: &'static str, ty: impl Into<Ty>) -> Self {
        Field {
            name,
            ty: Ty::optional(ty),
            default: Some(Value::Null),
            description: None,
            schema_extra: None,
            default_in_schema: true,
        }
    }
    /// A field with a default value.
    pub fn with_default(name: &'static str, ty: impl Into<Ty>, default: Value) -> Self {
        Field {
            name,
            ty: ty.into(),
            default: Some(default),
            description: None,
            schema_extra: None,
            default_in_schema: true,
        }
    }
    /// A field whose default is built by a factory (`default_factory=list`): the default
    /// applies but the schema does not show it.
    pub fn with_factory_default(name: &'static str, ty: impl Into<Ty>, default: Value) -> Self {
        Field {
            default_in_schema: false,
            ..Field::with_default(name, ty, default)
        }
    }
    /// Sets the description.
    pub fn doc(mut self, d: &'static str) -> Self {
        self.description = Some(d);
        self
    }
    /// Adds schema keywords to this field's property schema.
    pub fn schema_extra(mut self, extra: Value) -> Self {
        self.schema_extra = Some(extra);
        self
    }
}

/// A model: the contract of one JSON object.
#[derive(Debug, Clone)]
pub struct ModelDef {
    /// Model name (schema title, `$defs` key, error report header).
    pub name: &'static str,
    /// Docstring (schema description).
    pub description: &'static str,
    /// Unknown-key policy.
    pub extra: Extra,
    /// Declared fields, in order.
    pub fields: Vec<Field>,
    /// Runs on the raw input before field validation.
    pub before: Option<BeforeFn>,
    /// Cross-field checks on the normalised object, run in order when every field is valid;
    /// the first failure is reported.
    pub checks: Vec<CheckFn>,
    /// For a root model (a pydantic `TypeAdapter` over a non-model type, such as a
    /// discriminated union): the type the whole input is validated against. Fields and
    /// checks are then unused; the before-validator still runs first.
    pub root: Option<Ty>,
}

impl ModelDef {
    /// A model with no fields that ignores unknown keys.
    pub fn new(name: &'static str, description: &'static str) -> Self {
        ModelDef {
            name,
            description,
            extra: Extra::Ignore,
            fields: Vec::new(),
            before: None,
            checks: Vec::new(),
            root: None,
        }
    }
    /// A root model: the input as a whole is validated against `ty` (a pydantic
    /// `TypeAdapter`), and its schema is the schema of `ty`.
    pub fn root(name: &'static str, description: &'static str, ty: impl Into<Ty>) -> Self {
        let mut m = ModelDef::new(name, description);
        m.root = Some(ty.into());
        m
    }
    /// Rejects unknown keys.
    pub fn forbid(mut self) -> Self {
        self.extra = Extra::Forbid;
        self
    }
    /// Keeps unknown keys.
    pub fn allow(mut self) -> Self {
        self.extra = Extra::Allow;
        self
    }
    /// Adds a field.
    pub fn field(mut self, f: Field) -> Self {
        self.fields.push(f);
        self
    }
    /// Adds a cross-field check.
    pub fn check(mut self, f: CheckFn) -> Self {
        self.checks.push(f);
        self
    }
    /// Sets a before-validator on the whole input.
    pub fn before(mut self, f: BeforeFn) -> Self {
        self.before = Some(f);
        self
    }
    /// Wraps the definition for sharing between types.
    pub fn build(self) -> Arc<ModelDef> {
        Arc::new(self)
    }
    /// The declared field called `name`.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Validates a `serde_json::Value` and returns the normalised object (see
    /// [`ModelDef::validate_json`]).
    pub fn validate(&self, v: &Value) -> Result<Value, Vec<FieldError>> {
        self.validate_json(&Json::from_value(v))
            .map(|out| out.to_value())
    }

    /// Validates an object given as a `serde_json` map (see [`ModelDef::validate_json`]).
    pub fn validate_object(&self, input: &Map<String, Value>) -> Result<Value, Vec<FieldError>> {
        let entries = input
            .iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_str()), Json::from_value(v)))
            .collect();
        self.validate_json(&Json::Object(entries))
            .map(|out| out.to_value())
    }

    /// Validates `v` and returns the normalised object: declared fields in declaration
    /// order with defaults filled in, as the reference's `model_dump(mode="json")` prints.
    /// The result borrows from `v` and from the definition wherever nothing changed.
    ///
    /// ```
    /// use spec_kitty_events::contract::{Field, ModelDef, Ty};
    /// use spec_kitty_events::json::{parse, Json};
    /// let m = ModelDef::new("P", "").field(Field::required("n", Ty::int()));
    /// let input = parse(r#"{"n": "7", "other": 1}"#).unwrap();
    /// assert_eq!(m.validate_json(&input).unwrap().to_json_string(), r#"{"n":7}"#);
    /// ```
    pub fn validate_json<'b>(&'b self, v: &'b Json<'_>) -> Result<Json<'b>, Vec<FieldError>> {
        self.validate_mode(v, false)
    }

    /// [`ModelDef::validate_json`], the result owned: for a value kept after its input is
    /// gone. The keys that are this model's field names stay borrowed from the
    /// definition, so only the values are copied.
    ///
    /// ```
    /// use spec_kitty_events::contract::{Field, ModelDef, Ty};
    /// use spec_kitty_events::json::{parse, Json};
    /// use std::borrow::Cow;
    /// use std::sync::LazyLock;
    /// static M: LazyLock<ModelDef> =
    ///     LazyLock::new(|| ModelDef::new("P", "").field(Field::required("n", Ty::int())));
    /// let kept = M.validate_owned(&parse(r#"{"n": "7"}"#).unwrap()).unwrap();
    /// assert_eq!(kept.to_json_string(), r#"{"n":7}"#);
    /// assert!(matches!(&kept, Json::Object(e) if matches!(e[0].0, Cow::Borrowed("n"))));
    /// ```
    pub fn validate_owned(&'static self, v: &Json<'_>) -> Result<Json<'static>, Vec<FieldError>> {
        Ok(match self.validate_json(v)? {
            // The normalised object lists the fields in declaration order (kept extras
            // after them): the `i`-th key is tried against the `i`-th field first.
            Json::Object(entries) => Json::Object(
                entries
                    .into_iter()
                    .enumerate()
                    .map(|(i, (k, v))| {
                        let field = self
                            .fields
                            .get(i)
                            .filter(|f| key_eq(&k, f.name))
                            .or_else(|| self.fields.iter().find(|f| key_eq(&k, f.name)));
                        let key = match field {
                            Some(f) => Cow::Borrowed(f.name),
                            None => Cow::Owned(k.into_owned()),
                        };
                        (key, v.into_owned())
                    })
                    .collect(),
            ),
            other => other.into_owned(),
        })
    }

    pub(crate) fn validate_mode<'b>(
        &'b self,
        v: &'b Json<'_>,
        strict: bool,
    ) -> Result<Json<'b>, Vec<FieldError>> {
        if let Some(before) = self.before {
            return match before(v) {
                // Rare: the input was rewritten; the result owns its strings.
                Ok(Some(replaced)) => self
                    .validate_rewritten(&replaced, strict)
                    .map(Json::into_owned),
                Ok(None) => self.validate_rewritten(v, strict),
                Err(msg) => Err(vec![value_error(msg).with_input(v)]),
            };
        }
        self.validate_rewritten(v, strict)
    }

    /// Validation after the before-validator.
    fn validate_rewritten<'b>(
        &'b self,
        v: &'b Json<'_>,
        strict: bool,
    ) -> Result<Json<'b>, Vec<FieldError>> {
        if let Some(root) = &self.root {
            return root.validate_mode(v, strict);
        }
        let Json::Object(input) = v else {
            return Err(vec![
                FieldError::new(
                    "model_type",
                    format!(
                        "Input should be a valid dictionary or instance of {}",
                        self.name
                    ),
                )
                .with_input(v),
            ]);
        };
        let (slots, kept) = self.validate_slots(v, input, strict, &[])?;
        let mut out: Object<'b> = Vec::with_capacity(slots.len() + kept.len());
        for (field, value) in self.fields.iter().zip(slots) {
            out.push((Cow::Borrowed(field.name), value));
        }
        out.extend(kept);
        let out = Json::Object(out);
        for check in &self.checks {
            check(&out).map_err(|msg| vec![value_error(msg).with_input(v)])?;
        }
        Ok(out)
    }

    /// Validates an object and builds its typed form: `T` must deserialize from the
    /// normalised object (field names and order as declared).
    pub fn parse<T: serde::de::DeserializeOwned>(
        &self,
        v: &Json<'_>,
    ) -> Result<T, Vec<FieldError>> {
        let normalized = self.validate_json(v)?;
        T::deserialize(JsonDeserializer(&normalized))
            .map_err(|e| vec![FieldError::new("internal", e.to_string())])
    }

    /// Validates the declared fields of `input` into one value per field, in declaration
    /// order, plus the unknown keys the model keeps (`Extra::Allow`). Model checks do not
    /// run here. A field named in `unread` is checked ([`Ty::check_json`]) and gets
    /// `Json::Null` for a slot: its reader takes it from the input.
    fn validate_slots<'b>(
        &'b self,
        whole: &'b Json<'_>,
        input: &'b Object<'_>,
        strict: bool,
        unread: &[&str],
    ) -> Result<Slots<'b>, Vec<FieldError>> {
        // One pass over the (small) input, matching keys to fields by name: cheaper than a
        // hashed lookup per declared field. Inputs usually list fields in declaration
        // order, so the field after the last match is tried first.
        const ON_STACK: usize = 24;
        let n = self.fields.len();
        let mut stack: [Option<&'b Json<'_>>; ON_STACK] = [None; ON_STACK];
        let mut heap: Vec<Option<&'b Json<'_>>>;
        let found: &mut [Option<&'b Json<'_>>] = if n <= ON_STACK {
            &mut stack[..n]
        } else {
            heap = vec![None; n];
            &mut heap[..]
        };
        let mut unknown: Vec<(&'b str, &'b Json<'_>)> = Vec::new();
        let mut next = 0;
        for (k, v) in input {
            let k = k.as_ref();
            let hit = if next < n && key_eq(self.fields[next].name, k) {
                Some(next)
            } else {
                self.fields.iter().position(|f| key_eq(f.name, k))
            };
            match hit {
                Some(i) => {
                    found[i] = Some(v);
                    next = i + 1;
                }
                None if self.extra != Extra::Ignore => unknown.push((k, v)),
                None => {}
            }
        }
        let mut slots = Vec::with_capacity(self.fields.len());
        let mut errors = Vec::new();
        for (field, raw) in self.fields.iter().zip(found.iter().copied()) {
            match raw {
                Some(raw) => {
                    let validated = if unread.iter().any(|u| key_eq(u, field.name)) {
                        field.ty.check_mode(raw, strict).map(|()| Json::Null)
                    } else {
                        field.ty.validate_mode(raw, strict)
                    };
                    match validated {
                        Ok(x) => slots.push(x),
                        Err(es) => errors.extend(
                            es.into_iter()
                                .map(|e| e.within(PathItem::Key(Cow::Borrowed(field.name)))),
                        ),
                    }
                }
                None => match &field.default {
                    Some(d) => slots.push(Json::from_value(d)),
                    None => errors.push(
                        FieldError::new("missing", "Field required")
                            .with_input(whole)
                            .within(PathItem::Key(Cow::Borrowed(field.name))),
                    ),
                },
            }
        }
        let mut kept = Vec::new();
        for (k, v) in unknown {
            if self.extra == Extra::Forbid {
                errors.push(
                    FieldError::new("extra_forbidden", "Extra inputs are not permitted")
                        .with_input(v)
                        .within(PathItem::Key(Cow::Owned(k.to_owned()))),
                );
            } else {
                kept.push((Cow::Borrowed(k), v.reborrow()));
            }
        }
        if errors.is_empty() {
            Ok((slots, kept))
        } else {
            Err(errors)
        }
    }

    /// Validates a model without checks, before-validator or kept extras into its field
    /// values, in declaration order: the fast path for typed consumers that know the
    /// field order. Other models go through [`ModelDef::validate_json`].
    pub fn validate_values<'b>(
        &'b self,
        input: &'b Json<'_>,
    ) -> Result<Vec<Json<'b>>, Vec<FieldError>> {
        self.validate_values_unread(input, &[])
    }

    /// [`ModelDef::validate_values`] for a consumer that reads the fields named in
    /// `unread` from the input itself, with their type's own conversion: each is checked
    /// ([`Ty::check_json`]: no copy of a value taken as it is, a datetime or UUID parsed
    /// but not rendered back to text) and its slot is `Json::Null`. The verdict and every
    /// error are those of [`ModelDef::validate_values`]. (A model that is not validated
    /// field by field, with a before-validator, root type, checks or kept extras, fills
    /// every slot.)
    ///
    /// ```
    /// use spec_kitty_events::contract::{Field, ModelDef, Ty};
    /// use spec_kitty_events::json::{parse, Json};
    /// let m = ModelDef::new("P", "")
    ///     .field(Field::required("n", Ty::int()))
    ///     .field(Field::required("data", Ty::object()));
    /// let input = parse(r#"{"n": "7", "data": {"big": [1, 2, 3]}}"#).unwrap();
    /// let slots = m.validate_values_unread(&input, &["data"]).unwrap();
    /// assert_eq!((slots[0].as_i64(), slots[1].is_null()), (Some(7), true));
    /// let bad = parse(r#"{"n": 1, "data": [1]}"#).unwrap();
    /// assert_eq!(
    ///     m.validate_values_unread(&bad, &["data"]).unwrap_err(),
    ///     m.validate_values(&bad).unwrap_err()
    /// );
    /// ```
    pub fn validate_values_unread<'b>(
        &'b self,
        input: &'b Json<'_>,
        unread: &[&str],
    ) -> Result<Vec<Json<'b>>, Vec<FieldError>> {
        let simple = self.before.is_none()
            && self.root.is_none()
            && self.checks.is_empty()
            && self.extra != Extra::Allow;
        match input {
            Json::Object(entries) if simple => self
                .validate_slots(input, entries, false, unread)
                .map(|(slots, _)| slots),
            _ => {
                let Json::Object(mut out) = self.validate_json(input)? else {
                    return Ok(Vec::new());
                };
                Ok(self
                    .fields
                    .iter()
                    .map(|f| {
                        out.iter()
                            .position(|(k, _)| key_eq(k, f.name))
                            .map_or(Json::Null, |i| std::mem::take(&mut out[i].1))
                    })
                    .collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::ty::{SeqKind, TaggedTy};
    use serde_json::json;

    #[test]
    fn root_models_validate_their_type_and_tuples_report_short_after_item_errors() {
        let a = ModelDef::new("A", "")
            .forbid()
            .field(Field::required("k", Ty::literal_str("a")))
            .field(Field::required(
                "xs",
                Ty::seq(SeqKind::Tuple, Ty::str(), Some(1), None),
            ))
            .build();
        let root = ModelDef::root(
            "tagged-union[A]",
            "",
            Ty::Tagged(Box::new(TaggedTy {
                discriminator: "k",
                variants: vec![("a", a)],
            })),
        );
        assert_eq!(
            root.validate_object(json!({"k": "a", "xs": ["x"]}).as_object().unwrap())
                .unwrap(),
            json!({"k": "a", "xs": ["x"]})
        );
        let errs = root.validate(&json!({"k": "a", "xs": [1]})).unwrap_err();
        let mut got: Vec<(String, String)> = errs
            .iter()
            .map(|e| (e.path.to_string(), e.kind.to_string()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("a.xs".to_owned(), "too_short".to_owned()),
                ("a.xs.0".to_owned(), "string_type".to_owned())
            ]
        );
        let errs = root.validate(&json!({"k": "b"})).unwrap_err();
        assert_eq!(errs[0].kind, "union_tag_invalid");
        let errs = root.validate(&json!({})).unwrap_err();
        assert_eq!(errs[0].kind, "union_tag_not_found");
    }
}
