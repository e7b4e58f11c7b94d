//! The contract engine: declarative models validated with the reference's lax semantics,
//! and JSON Schemas generated from the same definitions.
//!
//! ```
//! use serde_json::json;
//! use spec_kitty_events::contract::{Field, ModelDef, Ty};
//! let m = ModelDef::new("Point", "A point").forbid()
//!     .field(Field::required("x", Ty::int()))
//!     .field(Field::with_default("label", Ty::str(), json!("")));
//! assert_eq!(m.validate(&json!({"x": "5"})).unwrap(), json!({"x": 5, "label": ""}));
//! let errs = m.validate(&json!({"y": 1})).unwrap_err();
//! assert_eq!(errs[0].kind, "missing");
//! assert_eq!(errs[1].kind, "extra_forbidden");
//! ```

pub mod model;
pub mod scalar;
pub mod schema;
pub mod ty;
pub mod url;
pub mod violation;

pub use model::{Extra, Field, ModelDef};
pub use ty::{EnumTy, FloatTy, IntTy, SeqKind, StrTy, Ty, value_error};
pub use violation::{FieldError, FieldPath, PathItem, render_report};
