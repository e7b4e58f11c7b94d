//! `spec_kitty_events_rs._native`: the extension module of the Python package
//! `spec_kitty_events_rs`, a drop-in for the hot paths of the reference package
//! `spec_kitty_events` 4.0.0 (`validate_event`, `Event` parsing, the reducers), plus whole
//! logs read and processed on every core with the interpreter released.
//!
//! Every call is a thin adapter over the library: Python values become borrowed
//! [`spec_kitty_events::json::Json`] trees, the library validates and reduces, results come
//! back as plain Python values. Bad input raises a Python exception; nothing panics across
//! the boundary.

mod convert;
mod events;
mod jsonl;
mod pyser;
mod reduce;
mod validate;

use pyo3::prelude::*;

/// Rust allocations of the module (trees, validation results, reduced states) go to
/// mimalloc: much faster than the system allocator for many small blocks, across threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The version of the contract this module implements (the reference's version).
pub const CONTRACT_VERSION: &str = "4.0.0";

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CONTRACT_VERSION", CONTRACT_VERSION)?;
    m.add(
        "REDUCERS",
        spec_kitty_events::replay::ReducerKind::ALL
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>(),
    )?;
    m.add_class::<validate::ConformanceResult>()?;
    m.add_class::<validate::ModelViolation>()?;
    m.add_class::<validate::SchemaViolation>()?;
    m.add_function(wrap_pyfunction!(validate::validate_event, m)?)?;
    m.add_function(wrap_pyfunction!(events::parse_event, m)?)?;
    m.add_function(wrap_pyfunction!(reduce::reduce, m)?)?;
    m.add_function(wrap_pyfunction!(jsonl::validate_jsonl, m)?)?;
    m.add_function(wrap_pyfunction!(jsonl::replay_jsonl, m)?)?;
    Ok(())
}
