//! Replay: one entry point over every reducer, for tools that pick the reducer at run time.

use serde_json::Value;

use crate::envelope::Event;
use crate::error::{Error, Result};

/// A projection the library can replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReducerKind {
    /// Work-package lanes ([`crate::domain::status::reduce_status_events`]).
    Status,
    /// Mission lifecycle.
    Lifecycle,
    /// Collaboration (participants, drivers, focus, warnings).
    Collaboration,
    /// Glossary semantic integrity.
    Glossary,
    /// Mission-next runtime.
    MissionNext,
    /// Mission dossier.
    Dossier,
    /// Mission audit.
    MissionAudit,
    /// Decision points.
    DecisionPoint,
    /// Connectors.
    Connector,
    /// Sync pipeline.
    Sync,
}

impl ReducerKind {
    /// Every reducer.
    pub const ALL: [ReducerKind; 10] = [
        ReducerKind::Status,
        ReducerKind::Lifecycle,
        ReducerKind::Collaboration,
        ReducerKind::Glossary,
        ReducerKind::MissionNext,
        ReducerKind::Dossier,
        ReducerKind::MissionAudit,
        ReducerKind::DecisionPoint,
        ReducerKind::Connector,
        ReducerKind::Sync,
    ];

    /// The command-line name (`mission-next`).
    pub fn name(self) -> &'static str {
        match self {
            ReducerKind::Status => "status",
            ReducerKind::Lifecycle => "lifecycle",
            ReducerKind::Collaboration => "collaboration",
            ReducerKind::Glossary => "glossary",
            ReducerKind::MissionNext => "mission-next",
            ReducerKind::Dossier => "dossier",
            ReducerKind::MissionAudit => "mission-audit",
            ReducerKind::DecisionPoint => "decision-point",
            ReducerKind::Connector => "connector",
            ReducerKind::Sync => "sync",
        }
    }

    /// The reducer called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// How strictly a reducer that supports modes treats violations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Use the reducer's own default.
    #[default]
    Default,
    /// Refuse the log at the first violation.
    Strict,
    /// Record violations and go on.
    Permissive,
}

/// Options for reducers that take them.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Strictness, for reducers that have modes.
    pub mode: Mode,
    /// A roster document, for reducers that take one.
    pub roster: Option<Value>,
}

/// Replays `events` through the reducer `kind` and returns the reduced state as the
/// reference's `model_dump(mode="json")` renders it. Reducers that refuse their input
/// (as the reference raises) return [`Error::Replay`].
///
/// ```
/// use spec_kitty_events::replay::{ReducerKind, ReplayOptions, replay};
/// let state = replay(ReducerKind::Status, &[], &ReplayOptions::default()).unwrap();
/// assert_eq!(state["event_count"], 0);
/// ```
pub fn replay(kind: ReducerKind, events: &[Event], options: &ReplayOptions) -> Result<Value> {
    match kind {
        ReducerKind::Status => to_json(crate::domain::status::reduce_status_events(events)),
        // --- lifecycle ---
        ReducerKind::Lifecycle => {
            to_json(crate::domain::lifecycle::reduce_lifecycle_events(events))
        }

        // --- collaboration, glossary ---
        ReducerKind::Collaboration => {
            to_json(crate::domain::collaboration::reduce_collaboration_events(
                events,
                options.mode != Mode::Permissive,
                options.roster.as_ref().and_then(Value::as_object),
            )?)
        }
        ReducerKind::Glossary => to_json(crate::domain::glossary::reduce_glossary_events(
            events,
            options.mode != Mode::Permissive,
        )?),

        // --- mission-next, dossier, mission audit ---
        ReducerKind::MissionNext => to_json(
            crate::domain::mission_next::reduce_mission_next_events(events),
        ),
        ReducerKind::Dossier => to_json(crate::domain::dossier::reduce_mission_dossier(events)?),
        ReducerKind::MissionAudit => to_json(
            crate::domain::mission_audit::reduce_mission_audit_events(events)?,
        ),

        // --- decision point, connector, sync ---
        ReducerKind::Connector => {
            to_json(crate::domain::connector::reduce_connector_events(events))
        }
        ReducerKind::Sync => to_json(crate::domain::sync::reduce_sync_events(events)),
        ReducerKind::DecisionPoint => to_json(
            crate::domain::decision_point::reduce_decision_point_events(events),
        ),
        #[allow(unreachable_patterns)]
        other => Err(Error::InvalidArgument(format!(
            "reducer {} is not available yet",
            other.name()
        ))),
    }
}

/// Renders a reduced state as JSON.
pub fn to_json<T: serde::Serialize>(state: T) -> Result<Value> {
    serde_json::to_value(state)
        .map_err(|e| Error::InvalidArgument(format!("cannot render state: {e}")))
}
