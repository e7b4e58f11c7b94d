//! The contract areas: payload models and their reducers, one module per area.

/// Declares a string enum (a Python `str` enum of the reference): the Rust enum with its
/// wire values, and a static [`EnumTy`](crate::contract::EnumTy) for contracts and schemas.
macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident, $def:ident, $desc:literal, { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $text)] $variant),+
        }
        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The wire value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// The member with this exact wire value.
            pub fn from_value(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
            /// How Python 3.11 formats the member in an f-string (`Lane.IN_PROGRESS`).
            pub fn py_name(self) -> String {
                let rust = match self { $($name::$variant => stringify!($variant)),+ };
                let mut out = String::from(concat!(stringify!($name), "."));
                for (i, c) in rust.chars().enumerate() {
                    if c.is_ascii_uppercase() && i > 0 { out.push('_'); }
                    out.push(c.to_ascii_uppercase());
                }
                out
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.as_str()) }
        }
        /// The contract of this enum.
        pub static $def: $crate::contract::EnumTy = $crate::contract::EnumTy { name: stringify!($name), description: $desc, values: &[$($text),+] };
    };
}

pub mod status;
// --- lifecycle, gates, analytics, profile invocation, retrospective ---
pub mod analytics;
pub mod gates;
pub mod lifecycle;
pub mod profile_invocation;
pub mod retrospective;

// --- collaboration, glossary ---
pub mod collaboration;
pub mod glossary;

// --- mission-next, dossier, mission audit ---
pub mod dossier;
pub mod mission_audit;
pub mod mission_next;

// --- decision point, connector, sync ---
pub mod connector;
pub mod decision_moment;
pub mod decision_point;
pub mod sync;
