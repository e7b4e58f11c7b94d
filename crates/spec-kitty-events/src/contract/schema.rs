//! JSON Schema (draft 2020-12) generation from contract definitions.
//!
//! The layout follows what the reference publishes for the same models: nested models and
//! enums under `$defs`, optional fields as `anyOf [T, null]`, closed models with
//! `additionalProperties: false`.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

use super::model::{Extra, ModelDef};
use super::ty::{SeqKind, Ty};

/// The `$schema` of every generated document.
pub const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// Turns `snake_case` into `Snake Case`, the title the reference gives a property.
fn title_case(name: &str) -> String {
    name.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct Gen {
    defs: BTreeMap<String, Value>,
}

impl Gen {
    fn model_body(&mut self, m: &ModelDef) -> Map<String, Value> {
        let mut props = Map::new();
        let mut required = Vec::new();
        for f in &m.fields {
            let mut p = match self.ty(&f.ty) {
                Value::Object(o) => o,
                _ => Map::new(),
            };
            if let Some(extra) = &f.schema_extra
                && let Value::Object(e) = extra
            {
                for (k, v) in e {
                    p.insert(k.clone(), v.clone());
                }
            }
            if !p.contains_key("$ref") {
                p.insert("title".into(), Value::String(title_case(f.name)));
            }
            if let Some(d) = f.description {
                p.insert("description".into(), Value::String(d.into()));
            }
            match &f.default {
                Some(d) => {
                    if f.default_in_schema {
                        p.insert("default".into(), d.clone());
                    }
                }
                None => required.push(Value::String(f.name.into())),
            }
            props.insert(f.name.into(), Value::Object(sorted(p)));
        }
        let mut body = Map::new();
        if m.extra == Extra::Forbid {
            body.insert("additionalProperties".into(), Value::Bool(false));
        }
        if !m.description.is_empty() {
            body.insert("description".into(), Value::String(m.description.into()));
        }
        body.insert("properties".into(), Value::Object(props));
        if !required.is_empty() {
            body.insert("required".into(), Value::Array(required));
        }
        body.insert("title".into(), Value::String(m.name.into()));
        body.insert("type".into(), Value::String("object".into()));
        body
    }

    fn model_ref(&mut self, m: &ModelDef) -> Value {
        if !self.defs.contains_key(m.name) {
            // Reserve the slot first so that recursive models terminate.
            self.defs.insert(m.name.into(), Value::Null);
            let body = self.model_body(m);
            self.defs.insert(m.name.into(), Value::Object(body));
        }
        json!({ "$ref": format!("#/$defs/{}", m.name) })
    }

    fn ty(&mut self, ty: &Ty) -> Value {
        match ty {
            Ty::Any => json!({}),
            Ty::Str(t) => {
                let mut o = Map::new();
                if let Some(n) = t.max_len {
                    o.insert("maxLength".into(), n.into());
                }
                if let Some(n) = t.min_len {
                    o.insert("minLength".into(), n.into());
                }
                if let Some(re) = &t.pattern {
                    o.insert("pattern".into(), re.as_str().into());
                }
                o.insert("type".into(), "string".into());
                Value::Object(o)
            }
            Ty::Int(t) => {
                let mut o = Map::new();
                if let Some(n) = t.gt {
                    o.insert("exclusiveMinimum".into(), n.into());
                }
                if let Some(n) = t.lt {
                    o.insert("exclusiveMaximum".into(), n.into());
                }
                if let Some(n) = t.le {
                    o.insert("maximum".into(), n.into());
                }
                if let Some(n) = t.ge {
                    o.insert("minimum".into(), n.into());
                }
                o.insert("type".into(), "integer".into());
                Value::Object(o)
            }
            Ty::Float(t) => {
                let mut o = Map::new();
                let num =
                    |f: f64| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number);
                if let Some(n) = t.gt {
                    o.insert("exclusiveMinimum".into(), num(n));
                }
                if let Some(n) = t.lt {
                    o.insert("exclusiveMaximum".into(), num(n));
                }
                if let Some(n) = t.le {
                    o.insert("maximum".into(), num(n));
                }
                if let Some(n) = t.ge {
                    o.insert("minimum".into(), num(n));
                }
                o.insert("type".into(), "number".into());
                Value::Object(o)
            }
            Ty::Bool { .. } => json!({"type": "boolean"}),
            Ty::DateTime => json!({"format": "date-time", "type": "string"}),
            Ty::Date => json!({"format": "date", "type": "string"}),
            Ty::Uuid => json!({"format": "uuid", "type": "string"}),
            Ty::AnyHttpUrl => json!({"format": "uri", "minLength": 1, "type": "string"}),
            Ty::HttpUrl => {
                json!({"format": "uri", "maxLength": 2083, "minLength": 1, "type": "string"})
            }
            Ty::Enum(e) => {
                if !self.defs.contains_key(e.name) {
                    let mut o = Map::new();
                    if !e.description.is_empty() {
                        o.insert("description".into(), e.description.into());
                    }
                    o.insert(
                        "enum".into(),
                        e.values
                            .iter()
                            .map(|v| Value::String((*v).into()))
                            .collect(),
                    );
                    o.insert("title".into(), e.name.into());
                    o.insert("type".into(), "string".into());
                    self.defs.insert(e.name.into(), Value::Object(o));
                }
                json!({ "$ref": format!("#/$defs/{}", e.name) })
            }
            Ty::Literal(values) => {
                let json_type = |v: &Value| match v {
                    Value::String(_) => Some("string"),
                    Value::Bool(_) => Some("boolean"),
                    Value::Number(n) if n.is_f64() => Some("number"),
                    Value::Number(_) => Some("integer"),
                    Value::Null => Some("null"),
                    _ => None,
                };
                let types: Vec<Option<&str>> = values.iter().map(json_type).collect();
                let mut o = Map::new();
                if values.len() == 1 {
                    o.insert("const".into(), values[0].clone());
                } else {
                    o.insert("enum".into(), Value::Array(values.clone()));
                }
                if let Some(Some(t)) = types.first()
                    && types.iter().all(|x| *x == Some(t))
                {
                    o.insert("type".into(), (*t).into());
                }
                Value::Object(o)
            }
            Ty::Optional(inner) => {
                let inner = self.ty(inner);
                json!({"anyOf": [inner, {"type": "null"}]})
            }
            Ty::Seq(s) => {
                let mut o = Map::new();
                o.insert("items".into(), self.ty(&s.item));
                if let Some(n) = s.max_len {
                    o.insert("maxItems".into(), n.into());
                }
                if let Some(n) = s.min_len {
                    o.insert("minItems".into(), n.into());
                }
                o.insert("type".into(), "array".into());
                if matches!(s.kind, SeqKind::Set | SeqKind::FrozenSet) {
                    o.insert("uniqueItems".into(), true.into());
                }
                Value::Object(o)
            }
            Ty::Dict(v) => {
                let add = match v.as_ref() {
                    Ty::Any => Value::Bool(true),
                    other => self.ty(other),
                };
                json!({"additionalProperties": add, "type": "object"})
            }
            Ty::Model(m) => self.model_ref(m),
            Ty::Union(choices) => {
                let any: Vec<Value> = choices.iter().map(|(_, t)| self.ty(t)).collect();
                json!({ "anyOf": any })
            }
            Ty::Tagged(t) => {
                let mut mapping = Map::new();
                let mut one_of = Vec::new();
                for (tag, m) in &t.variants {
                    let r = self.model_ref(m);
                    mapping.insert((*tag).into(), Value::String(format!("#/$defs/{}", m.name)));
                    one_of.push(r);
                }
                json!({
                    "discriminator": {"mapping": mapping, "propertyName": t.discriminator},
                    "oneOf": one_of,
                })
            }
            Ty::Custom(c) => self.ty(&c.inner),
        }
    }
}

fn sorted(m: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = m.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

fn finish(mut body: Map<String, Value>, defs: BTreeMap<String, Value>, schema_name: &str) -> Value {
    if !defs.is_empty() {
        body.insert("$defs".into(), Value::Object(defs.into_iter().collect()));
    }
    body.insert(
        "$id".into(),
        Value::String(format!("spec-kitty-events/{schema_name}")),
    );
    body.insert("$schema".into(), Value::String(DRAFT_2020_12.into()));
    Value::Object(sorted(body))
}

/// Generates the schema document of a model, with `$id` `spec-kitty-events/<schema_name>`.
pub fn model_schema(m: &ModelDef, schema_name: &str) -> Value {
    let mut g = Gen {
        defs: BTreeMap::new(),
    };
    if let Some(root) = &m.root {
        let body = match g.ty(root) {
            Value::Object(o) => o,
            _ => Map::new(),
        };
        return finish(body, g.defs, schema_name);
    }
    let body = g.model_body(m);
    // A model that refers to itself would have put itself in $defs; keep the root inline.
    g.defs.remove(m.name);
    finish(body, g.defs, schema_name)
}

/// Generates the schema document of a bare type (an enum such as `lane`).
pub fn type_schema(ty: &Ty, schema_name: &str) -> Value {
    let mut g = Gen {
        defs: BTreeMap::new(),
    };
    let body = match ty {
        Ty::Enum(e) => {
            g.ty(ty);
            match g.defs.remove(e.name) {
                Some(Value::Object(o)) => o,
                _ => Map::new(),
            }
        }
        other => match g.ty(other) {
            Value::Object(o) => o,
            _ => Map::new(),
        },
    };
    finish(body, g.defs, schema_name)
}
