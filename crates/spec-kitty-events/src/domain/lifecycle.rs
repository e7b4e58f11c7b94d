//! Mission lifecycle: catalog events, start, phases, rollbacks, completion and
//! cancellation, and the lifecycle reducer.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, IntTy, ModelDef, Ty};
use crate::domain::status::{WP_STATUS_CHANGED, WpState, reduce_status_events};
use crate::envelope::Event;
use crate::ordering::sort_and_dedup;

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
    pub wp_states: IndexMap<String, WpState>,
    /// Issues met.
    pub anomalies: Vec<LifecycleAnomaly>,
    /// Distinct events processed (all types).
    pub event_count: u64,
    /// The last event in replay order.
    pub last_processed_event_id: Option<String>,
}

#[derive(Deserialize)]
struct Started {
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

impl ReducedMissionState {
    fn anomaly(&mut self, e: &Event, reason: impl Into<String>) {
        self.anomalies.push(LifecycleAnomaly {
            event_id: e.event_id.clone(),
            event_type: e.event_type.clone(),
            reason: reason.into(),
        });
    }

    fn invalid(&mut self, e: &Event) {
        let reason = format!("Invalid {} payload", e.event_type);
        self.anomaly(e, reason);
    }

    fn apply(&mut self, e: &Event) {
        let valid = |m: &ModelDef| m.validate_object(&e.payload).is_ok();
        match e.event_type.as_str() {
            MISSION_CREATED if !valid(&MISSION_CREATED_PAYLOAD) => return self.invalid(e),
            MISSION_CLOSED if !valid(&MISSION_CLOSED_PAYLOAD) => return self.invalid(e),
            MISSION_CREATED | MISSION_CLOSED => return,
            _ => {}
        }
        if let Some(status @ (MissionStatus::Completed | MissionStatus::Cancelled)) =
            self.mission_status
        {
            return self.anomaly(
                e,
                format!("Event after terminal state ({})", status.py_name()),
            );
        }
        if e.event_type == MISSION_STARTED {
            if self.mission_id.is_some() {
                return self.anomaly(e, "Duplicate MissionStarted (first one wins)");
            }
            match MISSION_STARTED_PAYLOAD.parse::<Started>(&e.payload) {
                Ok(p) => {
                    self.mission_id = Some(p.mission_id);
                    self.mission_type = Some(p.mission_type);
                    self.mission_status = Some(MissionStatus::Active);
                    self.current_phase = Some(p.initial_phase.clone());
                    self.phases_entered.push(p.initial_phase);
                }
                Err(_) => self.invalid(e),
            }
            return;
        }
        if self.mission_id.is_none() {
            return self.anomaly(e, "Event before MissionStarted");
        }
        match e.event_type.as_str() {
            PHASE_ENTERED => match PHASE_ENTERED_PAYLOAD.parse::<PhaseEntered>(&e.payload) {
                Ok(p) => {
                    self.current_phase = Some(p.phase_name.clone());
                    self.phases_entered.push(p.phase_name);
                }
                Err(_) => self.invalid(e),
            },
            MISSION_COMPLETED if valid(&MISSION_COMPLETED_PAYLOAD) => {
                self.mission_status = Some(MissionStatus::Completed)
            }
            MISSION_CANCELLED if valid(&MISSION_CANCELLED_PAYLOAD) => {
                self.mission_status = Some(MissionStatus::Cancelled)
            }
            MISSION_COMPLETED | MISSION_CANCELLED => self.invalid(e),
            REVIEW_ROLLBACK => match REVIEW_ROLLBACK_PAYLOAD.parse::<Rollback>(&e.payload) {
                Ok(p) => {
                    self.current_phase = Some(p.target_phase.clone());
                    self.phases_entered.push(p.target_phase);
                }
                Err(_) => self.invalid(e),
            },
            _ => {}
        }
    }
}

/// Replays lifecycle events into the projected mission state.
///
/// Events are sorted into replay order and deduplicated; mission-level events are applied
/// one Lamport clock at a time, each clock's events ordered so that a cancellation comes
/// last (a cancel beats a concurrent phase change), then by event id. Work-package events
/// go through [`reduce_status_events`]; their anomalies are reported here too. Events
/// before `MissionStarted` or after a terminal state, duplicate starts and malformed
/// payloads become anomalies. The result equals the reference's.
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
    let unique = sort_and_dedup(events);
    let mut state = ReducedMissionState {
        event_count: unique.len() as u64,
        ..ReducedMissionState::default()
    };
    state.last_processed_event_id = unique.last().map(|e| e.event_id.clone());
    let mut groups: BTreeMap<u64, Vec<&Event>> = BTreeMap::new();
    for e in unique
        .iter()
        .filter(|e| MISSION_EVENT_TYPES.contains(&e.event_type.as_str()))
    {
        groups.entry(e.lamport_clock).or_default().push(e);
    }
    for group in groups.values_mut() {
        group.sort_by(|a, b| {
            let key = |e: &Event| (e.event_type == MISSION_CANCELLED, e.event_id.clone());
            key(a).cmp(&key(b))
        });
        for e in group.iter() {
            state.apply(e);
        }
    }
    let wp = reduce_status_events(
        unique
            .iter()
            .copied()
            .filter(|e| e.event_type == WP_STATUS_CHANGED),
    );
    for a in wp.anomalies {
        state.anomalies.push(LifecycleAnomaly {
            event_id: a.event_id,
            event_type: WP_STATUS_CHANGED.to_owned(),
            reason: format!("WP {}: {}", a.wp_id, a.reason),
        });
    }
    state.wp_states = wp.wp_states;
    state
}
