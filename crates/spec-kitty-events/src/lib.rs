//! # spec-kitty-events
//!
//! The event contract of Spec Kitty in Rust: immutable event envelopes with Lamport
//! clocks, fail-closed validation, a systematic error log, and deterministic replay of
//! event logs into projections. Behaviour follows the Python reference package
//! `spec-kitty-events` 4.0.0 value for value.
//!
//! ```
//! use serde_json::json;
//! use spec_kitty_events::{Event, domain::status::reduce_status_events};
//! let line = json!({
//!     "event_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "event_type": "WPStatusChanged",
//!     "aggregate_id": "mission/WP01", "timestamp": "2026-04-05T12:00:00Z",
//!     "build_id": "build-1", "node_id": "runner-01", "lamport_clock": 1,
//!     "project_uuid": "12345678-1234-5678-1234-567812345678",
//!     "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "schema_version": "3.0.0",
//!     "payload": {"mission_slug": "mission-001", "wp_id": "WP01", "to_lane": "planned",
//!                 "actor": "ci-bot", "execution_mode": "worktree"}
//! });
//! let event = Event::from_value(&line).unwrap();
//! let state = reduce_status_events([&event]);
//! assert_eq!(state.wp_states["WP01"].current_lane.as_str(), "planned");
//! ```

pub mod checkpoint;
pub mod clock;
pub mod conflict;
pub mod conformance;
pub mod contract;
pub mod crdt;
pub mod cutover;
pub mod domain;
pub mod envelope;
pub mod error;
pub mod error_log;
pub mod json;
pub mod merge;
pub mod ordering;
pub mod pipeline;
pub mod projection;
pub mod records;
pub mod replay;
pub mod schemas;
pub mod storage;
pub mod timestamp;
pub mod topology;

pub use clock::LamportClock;
pub use conflict::{is_concurrent, total_order_key};
pub use crdt::{merge_counter, merge_gset};
pub use envelope::{EVENT_MODEL, Event, normalize_event_id};
pub use error::{Error, Result};
pub use error_log::{ErrorEntry, ErrorLog};
pub use merge::{ConflictResolution, state_machine_merge};
pub use storage::{
    AppendOutcome, Checkpoint, CheckpointInfo, CheckpointKey, CheckpointStore, ClockStorage,
    EncodedEvent, ErrorStorage, EventStore, ExpectedPosition, InMemoryClockStorage,
    InMemoryErrorStorage, InMemoryEventStore, NodeStats, StoredEvent,
};
pub use timestamp::{IsoKey, Timestamp};

/// An insertion-ordered map with a fast non-cryptographic hasher, for reduced states
/// keyed by ids from the log.
pub type FxIndexMap<K, V> = indexmap::IndexMap<K, V, rustc_hash::FxBuildHasher>;
pub use topology::topological_sort;
