//! Mission lifecycle: catalog events, start, phases, rollbacks, completion and
//! cancellation, and the lifecycle reducer.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, IntTy, ModelDef, Ty};
use crate::domain::status::{StatusItem, StatusProjection, WP_STATUS_CHANGED, WpState};
use crate::envelope::{Event, EventRef};
use crate::error::Result;
use crate::json::Json;
use crate::projection::{Prepared, Projection, prepare, replay_all};

/// `MissionCreated` (catalog).
pub const MISSION_CREATED: &str = "MissionCreated";
/// `MissionClosed` (catalog).
pub const MISSION_CLOSED: &str = "MissionClosed";
/// `MissionStarted`.
pub const MISSION_STARTED: &str = "MissionStarted";
/// `MissionCompleted`.
pub const MISSION_COMPLETED: &str = "MissionCompleted";
/// `MissionCancelled`.
pub const MISSION_CANCELLED: &str = "MissionCancelled";
/// `PhaseEntered`.
pub const PHASE_ENTERED: &str = "PhaseEntered";
/// `ReviewRollback`.
pub const REVIEW_ROLLBACK: &str = "ReviewRollback";

/// Every mission-level event type.
pub const MISSION_EVENT_TYPES: [&str; 7] = [
    MISSION_CREATED,
    MISSION_CLOSED,
    MISSION_STARTED,
    MISSION_COMPLETED,
    MISSION_CANCELLED,
    PHASE_ENTERED,
    REVIEW_ROLLBACK,
];

str_enum!(
    /// Mission lifecycle states.
    MissionStatus, MISSION_STATUS, "Mission lifecycle states.", {
        /// Under way.
        Active = "active",
        /// Finished (terminal).
        Completed = "completed",
        /// Abandoned (terminal).
        Cancelled = "cancelled",
    }
);

/// The contract of a `MissionStarted` payload.
pub static MISSION_STARTED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "MissionStartedPayload",
        "Typed payload for MissionStarted events.",
    )
    .field(Field::required("mission_id", Ty::nonempty()).doc("Mission identifier"))
    .field(
        Field::required("mission_type", Ty::nonempty())
            .doc("Mission type (e.g., 'software-dev', 'research', 'plan')"),
    )
    .field(Field::required("initial_phase", Ty::nonempty()).doc("First phase of the mission"))
    .field(Field::required("actor", Ty::nonempty()).doc("Actor who started the mission"))
    .build()
});

/// The contract of a `MissionCreated` catalog payload.
pub static MISSION_CREATED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "MissionCreatedPayload",
        "Typed payload for MissionCreated catalog events.",
    )
    .forbid()
    .field(
        Field::optional("mission_id", Ty::nonempty())
            .doc("Canonical machine-facing mission identity (ULID)"),
    )
    .field(Field::required("mission_slug", Ty::nonempty()).doc("Canonical mission slug"))
    .field(
        Field::required("mission_number", Ty::optional(IntTy::new().ge(1)))
            .doc("Canonical mission number"),
    )
    .field(
        Field::required("mission_type", Ty::nonempty())
            .doc("Canonical mission workflow/template type"),
    )
    .field(
        Field::required("target_branch", Ty::nonempty())
            .doc("Target branch for the mission planning artifacts"),
    )
    .field(
        Field::required("wp_count", IntTy::new().ge(0))
            .doc("Work-package count at mission creation time"),
    )
    .field(Field::required("friendly_name", Ty::nonempty()).doc("Human-friendly mission title"))
    .field(
        Field::required("purpose_tldr", Ty::nonempty())
            .doc("One-line stakeholder-facing mission summary"),
    )
    .field(
        Field::required("purpose_context", Ty::nonempty())
            .doc("Short stakeholder-facing context paragraph"),
    )
    .field(Field::optional("created_at", Ty::nonempty()).doc("Mission creation timestamp"))
    .build()
});

/// The contract of a `MissionClosed` catalog payload.
pub static MISSION_CLOSED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "MissionClosedPayload",
        "Typed payload for MissionClosed catalog events.",
    )
    .forbid()
    .field(Field::required("mission_slug", Ty::nonempty()).doc("Canonical mission slug"))
    .field(Field::required("mission_number", IntTy::new().ge(1)).doc("Canonical mission number"))
    .field(
        Field::required("mission_type", Ty::nonempty())
            .doc("Canonical mission workflow/template type"),
    )
    .build()
});

/// The contract of a `MissionCompleted` payload.
pub static MISSION_COMPLETED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "MissionCompletedPayload",
        "Typed payload for MissionCompleted events.",
    )
    .field(Field::required("mission_id", Ty::nonempty()).doc("Mission identifier"))
    .field(Field::required("mission_type", Ty::nonempty()).doc("Mission type"))
    .field(Field::required("final_phase", Ty::nonempty()).doc("Last phase before completion"))
    .field(Field::required("actor", Ty::nonempty()).doc("Actor who completed the mission"))
    .build()
});

/// The contract of a `MissionCancelled` payload.
pub static MISSION_CANCELLED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "MissionCancelledPayload",
        "Typed payload for MissionCancelled events.",
    )
    .field(Field::required("mission_id", Ty::nonempty()).doc("Mission identifier"))
    .field(Field::required("reason", Ty::nonempty()).doc("Reason for cancellation (required)"))
    .field(Field::required("actor", Ty::nonempty()).doc("Actor who cancelled the mission"))
    .field(
        Field::with_factory_default(
            "cancelled_wp_ids",
            Ty::list(Ty::str()),
            Value::Array(vec![]),
        )
        .doc("WP IDs affected by cancellation"),
    )
    .build()
});

/// The contract of a `PhaseEntered` payload.
pub static PHASE_ENTERED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "PhaseEnteredPayload",
        "Typed payload for PhaseEntered events.",
    )
    .field(Field::required("mission_id", Ty::nonempty()).doc("Mission identifier"))
    .field(Field::required("phase_name", Ty::nonempty()).doc("Phase being entered"))
    .field(
        Field::optional("previous_phase", Ty::nonempty())
            .doc("Phase being exited (None for initial)"),
    )
    .field(Field::required("actor", Ty::nonempty()).doc("Actor triggering phase transition"))
    .build()
});

/// The contract of a `ReviewRollback` payload.
pub static REVIEW_ROLLBACK_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ReviewRollbackPayload",
        "Typed payload for ReviewRollback events.",
    )
    .field(Field::required("mission_id", Ty::nonempty()).doc("Mission identifier"))
    .field(
        Field::required("review_ref", Ty::nonempty())
            .doc("Reference to the review that triggered rollback"),
    )
    .field(Field::required("target_phase", Ty::nonempty()).doc("Phase to roll back to"))
    .field(
        Field::with_factory_default("affected_wp_ids", Ty::list(Ty::str()), Value::Array(vec![]))
            .doc("WP IDs affected by rollback"),
    )
    .field(Field::required("actor", Ty::nonempty()).doc("Actor triggering rollback"))
    .build()
});

/// A non-fatal issue met while reducing a lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleAnomaly {
    /// The event.
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// What was wrong.
    pub reason: String,
}

/// The projected state of a mission.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReducedMissionState {
    /// From `MissionStarted`.
    pub mission_id: Option<String>,
    /// Current status.
    pub mission_status: Option<MissionStatus>,
    /// From `MissionStarted`.
    pub mission_type: Option<String>,
    /// Current phase.
    pub current_phase: Option<String>,
    /// Every phase entered, in order.
    pub phases_entered: Vec<String>,
    /// Work-package states, from the status reducer.
    pub wp_states: crate::FxIndexMap<String, WpState>,
    /// Issues met.
    pub anomalies: Vec<LifecycleAnomaly>,
    /// Distinct events processed (all types).
    pub event_count: u64,
    /// The last event in replay order.
    pub last_processed_event_id: Option<String>,
}

/// The `MissionStarted` data the reducer uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Started {
    mission_id: String,
    mission_type: String,
    initial_phase: String,
}

#[derive(Deserialize)]
struct PhaseEntered {
    phase_name: String,
}

#[derive(Deserialize)]
struct Rollback {
    target_phase: String,
}

/// A mission-level event as the lifecycle reducer keeps it: which one, and what its
/// payload gave (`None` or `false`: the payload is invalid).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MissionEvent {
    /// `MissionCreated` (catalog): only its validity matters.
    Created(bool),
    /// `MissionClosed` (catalog).
    Closed(bool),
    /// `MissionStarted`.
    Started(Option<Started>),
    /// `MissionCompleted`.
    Completed(bool),
    /// `MissionCancelled`.
    Cancelled(bool),
    /// `PhaseEntered`: the phase.
    PhaseEntered(Option<String>),
    /// `ReviewRollback`: the target phase.
    Rollback(Option<String>),
}

impl MissionEvent {
    fn of(event_type: &str, payload: &Json<'_>) -> Option<MissionEvent> {
        let valid = |m: &ModelDef| m.validate_json(payload).is_ok();
        Some(match event_type {
            MISSION_CREATED => MissionEvent::Created(valid(&MISSION_CREATED_PAYLOAD)),
            MISSION_CLOSED => MissionEvent::Closed(valid(&MISSION_CLOSED_PAYLOAD)),
            MISSION_STARTED => MissionEvent::Started(MISSION_STARTED_PAYLOAD.parse(payload).ok()),
            MISSION_COMPLETED => MissionEvent::Completed(valid(&MISSION_COMPLETED_PAYLOAD)),
            MISSION_CANCELLED => MissionEvent::Cancelled(valid(&MISSION_CANCELLED_PAYLOAD)),
            PHASE_ENTERED => MissionEvent::PhaseEntered(
                PHASE_ENTERED_PAYLOAD
                    .parse::<PhaseEntered>(payload)
                    .ok()
                    .map(|p| p.phase_name),
            ),
            REVIEW_ROLLBACK => MissionEvent::Rollback(
                REVIEW_ROLLBACK_PAYLOAD
                    .parse::<Rollback>(payload)
                    .ok()
                    .map(|p| p.target_phase),
            ),
            _ => return None,
        })
    }

    fn event_type(&self) -> &'static str {
        match self {
            MissionEvent::Created(_) => MISSION_CREATED,
            MissionEvent::Closed(_) => MISSION_CLOSED,
            MissionEvent::Started(_) => MISSION_STARTED,
            MissionEvent::Completed(_) => MISSION_COMPLETED,
            MissionEvent::Cancelled(_) => MISSION_CANCELLED,
            MissionEvent::PhaseEntered(_) => PHASE_ENTERED,
            MissionEvent::Rollback(_) => REVIEW_ROLLBACK,
        }
    }
}

/// What the lifecycle reducer keeps of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LifecycleItem {
    /// A mission-level event.
    Mission(MissionEvent),
    /// A work-package status change, for the embedded status reducer.
    Wp(StatusItem),
    /// Any other event: counted, not applied.
    Other,
}

/// The lifecycle reducer as a [`Projection`].
///
/// Mission-level events are applied one Lamport clock at a time, each clock's events
/// ordered so that a cancellation comes last (a cancel beats a concurrent phase change),
/// then by event id; work-package events go through the embedded [`StatusProjection`],
/// whose anomalies follow the mission's. Clock groups are whole in every batch, so any
/// split at a clock boundary folds to the same state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LifecycleProjection {
    state: ReducedMissionState,
    wp: StatusProjection,
}

impl ReducedMissionState {
    fn anomaly(&mut self, event_id: &str, event_type: &str, reason: impl Into<String>) {
        self.anomalies.push(LifecycleAnomaly {
            event_id: event_id.to_owned(),
            event_type: event_type.to_owned(),
            reason: reason.into(),
        });
    }

    fn apply_mission(&mut self, event_id: &str, m: &MissionEvent) {
        let etype = m.event_type();
        let invalid = |s: &mut Self| s.anomaly(event_id, etype, format!("Invalid {etype} payload"));
        match m {
            MissionEvent::Created(false) | MissionEvent::Closed(false) => return invalid(self),
            MissionEvent::Created(true) | MissionEvent::Closed(true) => return,
            _ => {}
        }
        if let Some(status @ (MissionStatus::Completed | MissionStatus::Cancelled)) =
            self.mission_status
        {
            return self.anomaly(
                event_id,
                etype,
                format!("Event after terminal state ({})", status.py_name()),
            );
        }
        if let MissionEvent::Started(started) = m {
            if self.mission_id.is_some() {
                return self.anomaly(event_id, etype, "Duplicate MissionStarted (first one wins)");
            }
            match started {
                Some(p) => {
                    self.mission_id = Some(p.mission_id.clone());
                    self.mission_type = Some(p.mission_type.clone());
                    self.mission_status = Some(MissionStatus::Active);
                    self.current_phase = Some(p.initial_phase.clone());
                    self.phases_entered.push(p.initial_phase.clone());
                }
                None => invalid(self),
            }
            return;
        }
        if self.mission_id.is_none() {
            return self.anomaly(event_id, etype, "Event before MissionStarted");
        }
        match m {
            MissionEvent::PhaseEntered(Some(phase)) | MissionEvent::Rollback(Some(phase)) => {
                self.current_phase = Some(phase.clone());
                self.phases_entered.push(phase.clone());
            }
            MissionEvent::Completed(true) => self.mission_status = Some(MissionStatus::Completed),
            MissionEvent::Cancelled(true) => self.mission_status = Some(MissionStatus::Cancelled),
            _ => invalid(self),
        }
    }
}

impl Projection for LifecycleProjection {
    type Item = LifecycleItem;
    type State = ReducedMissionState;

    fn needs_payload(event_type: &str) -> bool {
        event_type == WP_STATUS_CHANGED || MISSION_EVENT_TYPES.contains(&event_type)
    }

    fn prepare(event: &EventRef<'_>) -> Option<LifecycleItem> {
        Some(if event.event_type == WP_STATUS_CHANGED {
            LifecycleItem::Wp(StatusItem::of(&event.event_id, event.payload))
        } else {
            match MissionEvent::of(&event.event_type, event.payload) {
                Some(m) => LifecycleItem::Mission(m),
                None => LifecycleItem::Other,
            }
        })
    }

    fn apply(&mut self, events: Vec<Prepared<LifecycleItem>>) -> Result<()> {
        let Some(last) = events.last() else {
            return Ok(());
        };
        self.state.event_count += events.len() as u64;
        self.state.last_processed_event_id = Some(last.event_id().to_owned());
        let mut groups: BTreeMap<u64, Vec<(&Prepared<LifecycleItem>, &MissionEvent)>> =
            BTreeMap::new();
        for p in &events {
            if let LifecycleItem::Mission(m) = &p.item {
                groups.entry(p.lamport_clock()).or_default().push((p, m));
            }
        }
        for group in groups.values_mut() {
            group.sort_by(|(a, am), (b, bm)| {
                let cancel = |m: &MissionEvent| matches!(m, MissionEvent::Cancelled(_));
                (cancel(am), a.event_id()).cmp(&(cancel(bm), b.event_id()))
            });
            for (p, m) in group.iter() {
                self.state.apply_mission(p.event_id(), m);
            }
        }
        drop(groups);
        self.wp
            .apply_items(events.into_iter().filter_map(|p| match p.item {
                LifecycleItem::Wp(item) => Some((p.key, item)),
                _ => None,
            }));
        Ok(())
    }

    fn state(&self) -> Result<ReducedMissionState> {
        self.clone().into_state()
    }

    fn into_state(self) -> Result<ReducedMissionState> {
        let mut state = self.state;
        let wp = self.wp.into_state()?;
        for a in wp.anomalies {
            state.anomalies.push(LifecycleAnomaly {
                event_id: a.event_id,
                event_type: WP_STATUS_CHANGED.to_owned(),
                reason: format!("WP {}: {}", a.wp_id, a.reason),
            });
        }
        state.wp_states = wp.wp_states;
        Ok(state)
    }
}

/// Replays lifecycle events into the projected mission state: a full reduction with
/// [`LifecycleProjection`]. Events before `MissionStarted` or after a terminal state,
/// duplicate starts and malformed payloads become anomalies. The result equals the
/// reference's.
///
/// ```
/// use spec_kitty_events::domain::lifecycle::reduce_lifecycle_events;
/// let state = reduce_lifecycle_events(&[]);
/// assert_eq!(state.event_count, 0);
/// assert!(state.mission_status.is_none());
/// ```
pub fn reduce_lifecycle_events<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> ReducedMissionState {
    replay_all(
        LifecycleProjection::default(),
        prepare::<LifecycleProjection>(events),
    )
    .unwrap_or_default()
}
