//! The registry: every event type the contract knows, once, with its model and schema.

use std::sync::{Arc, LazyLock};

use crate::contract::ModelDef;
use crate::domain::status::STATUS_TRANSITION_PAYLOAD;
use crate::envelope::EVENT_MODEL;

/// One event type's contract.
#[derive(Debug)]
pub struct Contract {
    /// The event type (`WPStatusChanged`), or `Event` for the envelope itself.
    pub event_type: &'static str,
    /// The name of its committed schema.
    pub schema: &'static str,
    /// Its model.
    pub model: &'static LazyLock<Arc<ModelDef>>,
}

/// Every known contract. Adding an event type is one entry here plus its module.
pub static CONTRACTS: &[Contract] = &[
    Contract {
        event_type: "Event",
        schema: "event",
        model: &EVENT_MODEL,
    },
    Contract {
        event_type: "WPStatusChanged",
        schema: "status_transition_payload",
        model: &STATUS_TRANSITION_PAYLOAD,
    },
    // --- lifecycle, gates, analytics, profile invocation, retrospective ---
    Contract {
        event_type: "MissionCreated",
        schema: "mission_created_payload",
        model: &crate::domain::lifecycle::MISSION_CREATED_PAYLOAD,
    },
    Contract {
        event_type: "MissionClosed",
        schema: "mission_closed_payload",
        model: &crate::domain::lifecycle::MISSION_CLOSED_PAYLOAD,
    },
    Contract {
        event_type: "MissionStarted",
        schema: "mission_started_payload",
        model: &crate::domain::lifecycle::MISSION_STARTED_PAYLOAD,
    },
    Contract {
        event_type: "MissionCompleted",
        schema: "mission_completed_payload",
        model: &crate::domain::lifecycle::MISSION_COMPLETED_PAYLOAD,
    },
    Contract {
        event_type: "MissionCancelled",
        schema: "mission_cancelled_payload",
        model: &crate::domain::lifecycle::MISSION_CANCELLED_PAYLOAD,
    },
    Contract {
        event_type: "PhaseEntered",
        schema: "phase_entered_payload",
        model: &crate::domain::lifecycle::PHASE_ENTERED_PAYLOAD,
    },
    Contract {
        event_type: "ReviewRollback",
        schema: "review_rollback_payload",
        model: &crate::domain::lifecycle::REVIEW_ROLLBACK_PAYLOAD,
    },
    Contract {
        event_type: "GatePassed",
        schema: "gate_passed_payload",
        model: &crate::domain::gates::GATE_PASSED_PAYLOAD,
    },
    Contract {
        event_type: "GateFailed",
        schema: "gate_failed_payload",
        model: &crate::domain::gates::GATE_FAILED_PAYLOAD,
    },
    Contract {
        event_type: "TokenUsageRecorded",
        schema: "token_usage_recorded_payload",
        model: &crate::domain::analytics::TOKEN_USAGE_RECORDED_PAYLOAD,
    },
    Contract {
        event_type: "DiffSummaryRecorded",
        schema: "diff_summary_recorded_payload",
        model: &crate::domain::analytics::DIFF_SUMMARY_RECORDED_PAYLOAD,
    },
    Contract {
        event_type: "ProfileInvocationStarted",
        schema: "profile_invocation_started_payload",
        model: &crate::domain::profile_invocation::PROFILE_INVOCATION_STARTED_PAYLOAD,
    },
    Contract {
        event_type: "RetrospectiveCompleted",
        schema: "retrospective_completed_payload",
        model: &crate::domain::retrospective::RETROSPECTIVE_COMPLETED_PAYLOAD,
    },
    Contract {
        event_type: "RetrospectiveSkipped",
        schema: "retrospective_skipped_payload",
        model: &crate::domain::retrospective::RETROSPECTIVE_SKIPPED_PAYLOAD,
    },
    // --- collaboration, glossary ---
    Contract {
        event_type: "ParticipantInvited",
        schema: "participant_invited_payload",
        model: &crate::domain::collaboration::PARTICIPANT_INVITED_PAYLOAD,
    },
    Contract {
        event_type: "ParticipantJoined",
        schema: "participant_joined_payload",
        model: &crate::domain::collaboration::PARTICIPANT_JOINED_PAYLOAD,
    },
    Contract {
        event_type: "ParticipantLeft",
        schema: "participant_left_payload",
        model: &crate::domain::collaboration::PARTICIPANT_LEFT_PAYLOAD,
    },
    Contract {
        event_type: "PresenceHeartbeat",
        schema: "presence_heartbeat_payload",
        model: &crate::domain::collaboration::PRESENCE_HEARTBEAT_PAYLOAD,
    },
    Contract {
        event_type: "DriveIntentSet",
        schema: "drive_intent_set_payload",
        model: &crate::domain::collaboration::DRIVE_INTENT_SET_PAYLOAD,
    },
    Contract {
        event_type: "FocusChanged",
        schema: "focus_changed_payload",
        model: &crate::domain::collaboration::FOCUS_CHANGED_PAYLOAD,
    },
    Contract {
        event_type: "PromptStepExecutionStarted",
        schema: "prompt_step_execution_started_payload",
        model: &crate::domain::collaboration::PROMPT_STEP_EXECUTION_STARTED_PAYLOAD,
    },
    Contract {
        event_type: "PromptStepExecutionCompleted",
        schema: "prompt_step_execution_completed_payload",
        model: &crate::domain::collaboration::PROMPT_STEP_EXECUTION_COMPLETED_PAYLOAD,
    },
    Contract {
        event_type: "ConcurrentDriverWarning",
        schema: "concurrent_driver_warning_payload",
        model: &crate::domain::collaboration::CONCURRENT_DRIVER_WARNING_PAYLOAD,
    },
    Contract {
        event_type: "PotentialStepCollisionDetected",
        schema: "potential_step_collision_detected_payload",
        model: &crate::domain::collaboration::POTENTIAL_STEP_COLLISION_DETECTED_PAYLOAD,
    },
    Contract {
        event_type: "WarningAcknowledged",
        schema: "warning_acknowledged_payload",
        model: &crate::domain::collaboration::WARNING_ACKNOWLEDGED_PAYLOAD,
    },
    Contract {
        event_type: "CommentPosted",
        schema: "comment_posted_payload",
        model: &crate::domain::collaboration::COMMENT_POSTED_PAYLOAD,
    },
    Contract {
        event_type: "DecisionCaptured",
        schema: "decision_captured_payload",
        model: &crate::domain::collaboration::DECISION_CAPTURED_PAYLOAD,
    },
    Contract {
        event_type: "SessionLinked",
        schema: "session_linked_payload",
        model: &crate::domain::collaboration::SESSION_LINKED_PAYLOAD,
    },
    Contract {
        event_type: "GlossaryScopeActivated",
        schema: "glossary_scope_activated_payload",
        model: &crate::domain::glossary::GLOSSARY_SCOPE_ACTIVATED_PAYLOAD,
    },
    Contract {
        event_type: "TermCandidateObserved",
        schema: "term_candidate_observed_payload",
        model: &crate::domain::glossary::TERM_CANDIDATE_OBSERVED_PAYLOAD,
    },
    Contract {
        event_type: "SemanticCheckEvaluated",
        schema: "semantic_check_evaluated_payload",
        model: &crate::domain::glossary::SEMANTIC_CHECK_EVALUATED_PAYLOAD,
    },
    Contract {
        event_type: "GlossaryClarificationRequested",
        schema: "glossary_clarification_requested_payload",
        model: &crate::domain::glossary::GLOSSARY_CLARIFICATION_REQUESTED_PAYLOAD,
    },
    Contract {
        event_type: "GlossaryClarificationResolved",
        schema: "glossary_clarification_resolved_payload",
        model: &crate::domain::glossary::GLOSSARY_CLARIFICATION_RESOLVED_PAYLOAD,
    },
    Contract {
        event_type: "GlossarySenseUpdated",
        schema: "glossary_sense_updated_payload",
        model: &crate::domain::glossary::GLOSSARY_SENSE_UPDATED_PAYLOAD,
    },
    Contract {
        event_type: "GenerationBlockedBySemanticConflict",
        schema: "generation_blocked_by_semantic_conflict_payload",
        model: &crate::domain::glossary::GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT_PAYLOAD,
    },
    Contract {
        event_type: "GlossaryStrictnessSet",
        schema: "glossary_strictness_set_payload",
        model: &crate::domain::glossary::GLOSSARY_STRICTNESS_SET_PAYLOAD,
    },
    // --- mission-next, dossier, mission audit ---
    Contract {
        event_type: "MissionRunStarted",
        schema: "mission_run_started_payload",
        model: &crate::domain::mission_next::MISSION_RUN_STARTED_PAYLOAD,
    },
    Contract {
        event_type: "NextStepIssued",
        schema: "next_step_issued_payload",
        model: &crate::domain::mission_next::NEXT_STEP_ISSUED_PAYLOAD,
    },
    Contract {
        event_type: "NextStepAutoCompleted",
        schema: "next_step_auto_completed_payload",
        model: &crate::domain::mission_next::NEXT_STEP_AUTO_COMPLETED_PAYLOAD,
    },
    Contract {
        event_type: "DecisionInputRequested",
        schema: "decision_input_requested_payload",
        model: &crate::domain::mission_next::DECISION_INPUT_REQUESTED_PAYLOAD,
    },
    Contract {
        event_type: "DecisionInputAnswered",
        schema: "decision_input_answered_payload",
        model: &crate::domain::mission_next::DECISION_INPUT_ANSWERED_PAYLOAD,
    },
    Contract {
        event_type: "MissionRunCompleted",
        schema: "mission_run_completed_payload",
        model: &crate::domain::mission_next::MISSION_RUN_COMPLETED_PAYLOAD,
    },
    Contract {
        event_type: "MissionDossierArtifactIndexed",
        schema: "mission_dossier_artifact_indexed_payload",
        model: &crate::domain::dossier::MISSION_DOSSIER_ARTIFACT_INDEXED_PAYLOAD,
    },
    Contract {
        event_type: "MissionDossierArtifactMissing",
        schema: "mission_dossier_artifact_missing_payload",
        model: &crate::domain::dossier::MISSION_DOSSIER_ARTIFACT_MISSING_PAYLOAD,
    },
    Contract {
        event_type: "MissionDossierSnapshotComputed",
        schema: "mission_dossier_snapshot_computed_payload",
        model: &crate::domain::dossier::MISSION_DOSSIER_SNAPSHOT_COMPUTED_PAYLOAD,
    },
    Contract {
        event_type: "MissionDossierParityDriftDetected",
        schema: "mission_dossier_parity_drift_detected_payload",
        model: &crate::domain::dossier::MISSION_DOSSIER_PARITY_DRIFT_DETECTED_PAYLOAD,
    },
    Contract {
        event_type: "MissionAuditRequested",
        schema: "mission_audit_requested_payload",
        model: &crate::domain::mission_audit::MISSION_AUDIT_REQUESTED_PAYLOAD,
    },
    Contract {
        event_type: "MissionAuditStarted",
        schema: "mission_audit_started_payload",
        model: &crate::domain::mission_audit::MISSION_AUDIT_STARTED_PAYLOAD,
    },
    Contract {
        event_type: "MissionAuditDecisionRequested",
        schema: "mission_audit_decision_requested_payload",
        model: &crate::domain::mission_audit::MISSION_AUDIT_DECISION_REQUESTED_PAYLOAD,
    },
    Contract {
        event_type: "MissionAuditCompleted",
        schema: "mission_audit_completed_payload",
        model: &crate::domain::mission_audit::MISSION_AUDIT_COMPLETED_PAYLOAD,
    },
    Contract {
        event_type: "MissionAuditFailed",
        schema: "mission_audit_failed_payload",
        model: &crate::domain::mission_audit::MISSION_AUDIT_FAILED_PAYLOAD,
    },
    // --- decision point, connector, sync ---
    Contract {
        event_type: "DecisionPointOpened",
        schema: "decision_point_opened_payload",
        model: &crate::domain::decision_point::DECISION_POINT_OPENED_PAYLOAD,
    },
    Contract {
        event_type: "DecisionPointWidened",
        schema: "decision_point_widened_payload",
        model: &crate::domain::decision_point::DECISION_POINT_WIDENED_PAYLOAD,
    },
    Contract {
        event_type: "DecisionPointDiscussing",
        schema: "decision_point_discussing_payload",
        model: &crate::domain::decision_point::DECISION_POINT_DISCUSSING_PAYLOAD,
    },
    Contract {
        event_type: "DecisionPointResolved",
        schema: "decision_point_resolved_payload",
        model: &crate::domain::decision_point::DECISION_POINT_RESOLVED_PAYLOAD,
    },
    Contract {
        event_type: "DecisionPointOverridden",
        schema: "decision_point_overridden_payload",
        model: &crate::domain::decision_point::DECISION_POINT_OVERRIDDEN_PAYLOAD,
    },
    Contract {
        event_type: "ConnectorProvisioned",
        schema: "connector_provisioned_payload",
        model: &crate::domain::connector::CONNECTOR_PROVISIONED_PAYLOAD,
    },
    Contract {
        event_type: "ConnectorHealthChecked",
        schema: "connector_health_checked_payload",
        model: &crate::domain::connector::CONNECTOR_HEALTH_CHECKED_PAYLOAD,
    },
    Contract {
        event_type: "ConnectorDegraded",
        schema: "connector_degraded_payload",
        model: &crate::domain::connector::CONNECTOR_DEGRADED_PAYLOAD,
    },
    Contract {
        event_type: "ConnectorRevoked",
        schema: "connector_revoked_payload",
        model: &crate::domain::connector::CONNECTOR_REVOKED_PAYLOAD,
    },
    Contract {
        event_type: "ConnectorReconnected",
        schema: "connector_reconnected_payload",
        model: &crate::domain::connector::CONNECTOR_RECONNECTED_PAYLOAD,
    },
    Contract {
        event_type: "SyncIngestAccepted",
        schema: "sync_ingest_accepted_payload",
        model: &crate::domain::sync::SYNC_INGEST_ACCEPTED_PAYLOAD,
    },
    Contract {
        event_type: "SyncIngestRejected",
        schema: "sync_ingest_rejected_payload",
        model: &crate::domain::sync::SYNC_INGEST_REJECTED_PAYLOAD,
    },
    Contract {
        event_type: "SyncRetryScheduled",
        schema: "sync_retry_scheduled_payload",
        model: &crate::domain::sync::SYNC_RETRY_SCHEDULED_PAYLOAD,
    },
    Contract {
        event_type: "SyncDeadLettered",
        schema: "sync_dead_lettered_payload",
        model: &crate::domain::sync::SYNC_DEAD_LETTERED_PAYLOAD,
    },
    Contract {
        event_type: "SyncReplayCompleted",
        schema: "sync_replay_completed_payload",
        model: &crate::domain::sync::SYNC_REPLAY_COMPLETED_PAYLOAD,
    },
    Contract {
        event_type: "ExternalReferenceLinked",
        schema: "external_reference_linked_payload",
        model: &crate::domain::sync::EXTERNAL_REFERENCE_LINKED_PAYLOAD,
    },
];

/// The contracts by event type (every validation looks one up).
static BY_TYPE: LazyLock<rustc_hash::FxHashMap<&'static str, &'static Contract>> =
    LazyLock::new(|| CONTRACTS.iter().map(|c| (c.event_type, c)).collect());

/// The contract of `event_type`.
pub fn find(event_type: &str) -> Option<&'static Contract> {
    BY_TYPE.get(event_type).copied()
}

/// Every known event type, sorted.
pub fn known_event_types() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = CONTRACTS.iter().map(|c| c.event_type).collect();
    v.sort_unstable();
    v
}
