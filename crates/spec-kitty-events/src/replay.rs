//! Replay: one entry point over every reducer, for tools that pick the reducer at run time.
//!
//! [`ReducerKind`] names a reducer; [`with_projection`] builds its [`Projection`] (with
//! the mode and roster of [`ReplayOptions`]) and hands it to a [`ProjectionVisitor`], so
//! that a tool can run any reducer through one generic code path; [`replay`] is the
//! simplest such path (owned events in, the reduced state as JSON out).

use serde_json::Value;

use crate::domain::collaboration::CollaborationProjection;
use crate::domain::connector::ConnectorProjection;
use crate::domain::decision_point::DecisionPointProjection;
use crate::domain::dossier::DossierProjection;
use crate::domain::glossary::GlossaryProjection;
use crate::domain::lifecycle::LifecycleProjection;
use crate::domain::mission_audit::MissionAuditProjection;
use crate::domain::mission_next::MissionNextProjection;
use crate::domain::status::StatusProjection;
use crate::domain::sync::SyncProjection;
use crate::envelope::Event;
use crate::error::{Error, Result};
use crate::projection::{Projection, prepare, replay_all};

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

impl Mode {
    /// The mode's name (`default`, `strict`, `permissive`).
    pub fn name(self) -> &'static str {
        match self {
            Mode::Default => "default",
            Mode::Strict => "strict",
            Mode::Permissive => "permissive",
        }
    }
}

/// Options for reducers that take them.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Strictness, for reducers that have modes.
    pub mode: Mode,
    /// A roster document, for reducers that take one.
    pub roster: Option<Value>,
}

/// Code that runs with the projection of a reducer chosen at run time: implement
/// [`ProjectionVisitor::visit`] once, generically, and [`with_projection`] calls it with
/// the right type.
pub trait ProjectionVisitor {
    /// What the visit produces.
    type Output;
    /// Runs with the empty projection `projection`.
    fn visit<P: Projection>(self, projection: P) -> Self::Output;
}

/// Builds the empty projection of `kind` (with `options`) and visits it. Fails only when
/// the options are unusable (a roster entry that is not a valid identity).
pub fn with_projection<V: ProjectionVisitor>(
    kind: ReducerKind,
    options: &ReplayOptions,
    visitor: V,
) -> Result<V::Output> {
    let strict = options.mode != Mode::Permissive;
    Ok(match kind {
        ReducerKind::Status => visitor.visit(StatusProjection::default()),
        ReducerKind::Lifecycle => visitor.visit(LifecycleProjection::default()),
        ReducerKind::Collaboration => visitor.visit(CollaborationProjection::new(
            strict,
            options.roster.as_ref().and_then(Value::as_object),
        )?),
        ReducerKind::Glossary => visitor.visit(GlossaryProjection::new(strict)),
        ReducerKind::MissionNext => visitor.visit(MissionNextProjection::default()),
        ReducerKind::Dossier => visitor.visit(DossierProjection::default()),
        ReducerKind::MissionAudit => visitor.visit(MissionAuditProjection::default()),
        ReducerKind::DecisionPoint => visitor.visit(DecisionPointProjection::default()),
        ReducerKind::Connector => visitor.visit(ConnectorProjection::default()),
        ReducerKind::Sync => visitor.visit(SyncProjection::default()),
    })
}

struct ReplayEvents<'a>(&'a [Event]);

impl ProjectionVisitor for ReplayEvents<'_> {
    type Output = Result<Value>;
    fn visit<P: Projection>(self, projection: P) -> Result<Value> {
        to_json(replay_all(projection, prepare::<P>(self.0))?)
    }
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
    with_projection(kind, options, ReplayEvents(events))?
}

/// Renders a reduced state as JSON.
pub fn to_json<T: serde::Serialize>(state: T) -> Result<Value> {
    serde_json::to_value(state)
        .map_err(|e| Error::InvalidArgument(format!("cannot render state: {e}")))
}
