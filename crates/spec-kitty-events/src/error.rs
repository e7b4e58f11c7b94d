//! The library's error type.

use crate::contract::{FieldError, render_report};

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value does not satisfy a model's contract.
    #[error("{}", render_report(model, errors))]
    Validation {
        /// The model that was validated.
        model: &'static str,
        /// Every problem found.
        errors: Vec<FieldError>,
    },
    /// An envelope violates the fail-closed cutover policy.
    #[error("{0}")]
    Cutover(String),
    /// `validate_event` was asked for an event type it does not know.
    #[error("Unknown event type: {event_type:?}. Known types: {known:?}")]
    UnknownEventType {
        /// The requested type.
        event_type: String,
        /// Every known type, sorted.
        known: Vec<&'static str>,
    },
    /// Events form a cycle through their causation ids.
    #[error(
        "Cyclic dependency detected: {0} events could not be sorted due to circular causation relationships"
    )]
    CyclicDependency(usize),
    /// A merge or CRDT input is unusable.
    #[error("{0}")]
    Merge(String),
    /// An argument is out of its allowed range.
    #[error("{0}")]
    InvalidArgument(String),
    /// A different event is already stored under this event id.
    #[error(
        "event id {event_id} is already stored with different content; nothing was overwritten"
    )]
    EventIdConflict {
        /// The contested id.
        event_id: String,
    },
    /// Optimistic concurrency check failed.
    #[error(
        "concurrency conflict on aggregate {aggregate_id}: expected last position {expected:?}, actual {actual:?}"
    )]
    ConcurrencyConflict {
        /// The aggregate appended to.
        aggregate_id: String,
        /// The position the caller expected (`None`: no events yet).
        expected: Option<u64>,
        /// The actual last position.
        actual: Option<u64>,
    },
    /// A backend failed.
    #[error("storage error: {0}")]
    Storage(String),
    /// A reducer refused its input (the reference raises in these cases).
    #[error("event {event_id}: {reason}")]
    Replay {
        /// The event that could not be applied.
        event_id: String,
        /// Why.
        reason: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
