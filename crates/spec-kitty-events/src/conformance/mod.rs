//! Conformance: the event-type registry, dual-layer validation, and fixtures in the
//! reference's manifest layout.

pub mod fixtures;
pub mod pyregex;
pub mod registry;
pub mod tree_schema;
pub mod validate;

pub use fixtures::{FixtureEntry, FixtureReport, Manifest, run_fixtures};
pub use registry::{CONTRACTS, Contract, known_event_types};
pub use validate::{ConformanceResult, Layer, Violation, validate_event};
