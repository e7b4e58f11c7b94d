//! Systematic error tracking: failed actions are logged so that agents can learn from them.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, ModelDef, Ty};
use crate::error::{Error, Result};
use crate::storage::ErrorStorage;
use crate::timestamp::Timestamp;

/// The contract of an error entry.
pub static ERROR_ENTRY_MODEL: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ErrorEntry",
        "Record of a failed action for agent learning.",
    )
    .field(
        Field::required("timestamp", Ty::DateTime).doc("When the error occurred (ISO 8601 format)"),
    )
    .field(
        Field::required("action_attempted", Ty::nonempty()).doc("What the agent/user tried to do"),
    )
    .field(
        Field::required("error_message", Ty::nonempty()).doc("Error output or exception message"),
    )
    .field(
        Field::with_default("resolution", Ty::str(), json!(""))
            .doc("How the error was resolved (empty if unresolved)"),
    )
    .field(
        Field::with_default("agent", Ty::str(), json!("unknown"))
            .doc("Which agent encountered the error"),
    )
    .build()
});

/// A record of a failed action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEntry {
    /// When it happened.
    pub timestamp: Timestamp,
    /// What was tried (non-empty).
    pub action_attempted: String,
    /// What went wrong (non-empty).
    pub error_message: String,
    /// How it was resolved (empty if unresolved).
    pub resolution: String,
    /// Who ran into it.
    pub agent: String,
}

impl ErrorEntry {
    /// Validates a JSON object as an error entry.
    ///
    /// ```
    /// use serde_json::json;
    /// use spec_kitty_events::ErrorEntry;
    /// let e = ErrorEntry::from_value(&json!({
    ///     "timestamp": "2026-01-01T00:00:00Z", "action_attempted": "Run pytest",
    ///     "error_message": "AssertionError"
    /// })).unwrap();
    /// assert_eq!(e.agent, "unknown");
    /// assert!(ErrorEntry::from_value(&json!({"timestamp": "2026-01-01", "action_attempted": "",
    ///     "error_message": "x"})).is_err());
    /// ```
    pub fn from_value(v: &Value) -> Result<Self> {
        let normalized = ERROR_ENTRY_MODEL
            .validate(v)
            .map_err(|errors| Error::Validation {
                model: "ErrorEntry",
                errors,
            })?;
        serde_json::from_value(normalized).map_err(|e| Error::InvalidArgument(e.to_string()))
    }
}

/// The error log: a thin interface over an [`ErrorStorage`].
///
/// ```
/// use serde_json::json;
/// use spec_kitty_events::{ErrorEntry, ErrorLog, InMemoryErrorStorage};
/// let mut log = ErrorLog::new(InMemoryErrorStorage::new(2));
/// for action in ["a", "b", "c"] {
///     log.log_error(&ErrorEntry::from_value(&json!({"timestamp": "2026-01-01T00:00:00Z",
///         "action_attempted": action, "error_message": "failed"})).unwrap()).unwrap();
/// }
/// let recent = log.get_recent_errors(10).unwrap();
/// assert_eq!(recent.iter().map(|e| e.action_attempted.as_str()).collect::<Vec<_>>(), ["c", "b"]);
/// assert!(log.get_recent_errors(0).is_err());
/// ```
#[derive(Debug)]
pub struct ErrorLog<S: ErrorStorage> {
    storage: S,
}

impl<S: ErrorStorage> ErrorLog<S> {
    /// A log over `storage`.
    pub fn new(storage: S) -> Self {
        ErrorLog { storage }
    }
    /// Records an entry.
    pub fn log_error(&mut self, entry: &ErrorEntry) -> Result<()> {
        self.storage.append(entry)
    }
    /// The most recent entries, newest first (`limit` ≥ 1).
    pub fn get_recent_errors(&self, limit: usize) -> Result<Vec<ErrorEntry>> {
        self.storage.load_recent(limit)
    }
    /// Gives the storage back.
    pub fn into_storage(self) -> S {
        self.storage
    }
}
