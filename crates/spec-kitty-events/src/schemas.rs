//! The committed JSON Schemas: one per published model, generated from the contract
//! definitions and embedded in the library.
//!
//! `spec-kitty-events schema generate --check` (and the test suite) regenerates every
//! schema and compares it with the committed file, so the two cannot drift apart.

use serde_json::{Map, Value};
use std::sync::LazyLock;

use crate::contract::schema::{model_schema, type_schema};
use crate::contract::{Field, IntTy, ModelDef, StrTy, Ty};
use crate::domain::status;
use crate::envelope::EVENT_MODEL;

/// One published schema.
#[derive(Debug)]
pub struct SchemaSpec {
    /// Schema name (`status_transition_payload`); the file is `<name>.schema.json`.
    pub name: &'static str,
    /// Builds the schema from the contract definitions.
    pub generate: fn() -> Value,
    /// The committed file's text.
    pub committed: &'static str,
}

macro_rules! schemas {
    ($($name:literal => $gen:expr),+ $(,)?) => {
        /// Every published schema, grouped by contract area (see [`names`] for a sorted list).
        pub static SCHEMAS: &[SchemaSpec] = &[
            $(SchemaSpec {
                name: $name,
                generate: $gen,
                committed: include_str!(concat!("../schemas/", $name, ".schema.json")),
            }),+
        ];
    };
}

static CUTOVER_ARTIFACT_MODEL: LazyLock<ModelDef> = LazyLock::new(|| {
    let semver = || StrTy::new().pattern(r"^\d+\.\d+\.\d+$");
    let names = || Ty::seq(crate::contract::SeqKind::Tuple, Ty::str(), None, None);
    ModelDef::new(
        "CutoverArtifact",
        "Machine-readable cutover policy shipped with the package.",
    )
    .forbid()
    .field(Field::required("artifact_version", semver()))
    .field(Field::required("release_version", semver()))
    .field(Field::required("signal_field_name", Ty::nonempty()))
    .field(Field::required(
        "signal_location",
        Ty::literal_strs(&["event_envelope", "payload", "artifact_only"]),
    ))
    .field(Field::required("cutover_contract_version", Ty::nonempty()))
    .field(Field::required("accepted_major", IntTy::new().ge(0)))
    .field(Field::required("forbidden_legacy_keys", names()))
    .field(Field::required("forbidden_legacy_event_names", names()))
    .field(Field::required("forbidden_legacy_aggregate_names", names()))
    .field(Field::with_default(
        "forbidden_legacy_contract_surfaces",
        names(),
        Value::Array(vec![]),
    ))
});

schemas! {
    "cutover_artifact" => || model_schema(&CUTOVER_ARTIFACT_MODEL, "cutover_artifact"),
    "event" => || model_schema(&EVENT_MODEL, "event"),
    "lane" => || type_schema(&Ty::Enum(&status::LANE), "lane"),
    "status_transition_payload" => || model_schema(&status::STATUS_TRANSITION_PAYLOAD, "status_transition_payload"),
    "sync_lane_v1" => || type_schema(&Ty::Enum(&status::SYNC_LANE_V1), "sync_lane_v1"),
    "sync_lane_v2" => || type_schema(&Ty::Enum(&status::SYNC_LANE_V2), "sync_lane_v2"),
    // --- lifecycle, gates, analytics, profile invocation, retrospective ---
    "mission_created_payload" => || model_schema(&crate::domain::lifecycle::MISSION_CREATED_PAYLOAD, "mission_created_payload"),
    "mission_closed_payload" => || model_schema(&crate::domain::lifecycle::MISSION_CLOSED_PAYLOAD, "mission_closed_payload"),
    "mission_started_payload" => || model_schema(&crate::domain::lifecycle::MISSION_STARTED_PAYLOAD, "mission_started_payload"),
    "mission_completed_payload" => || model_schema(&crate::domain::lifecycle::MISSION_COMPLETED_PAYLOAD, "mission_completed_payload"),
    "mission_cancelled_payload" => || model_schema(&crate::domain::lifecycle::MISSION_CANCELLED_PAYLOAD, "mission_cancelled_payload"),
    "phase_entered_payload" => || model_schema(&crate::domain::lifecycle::PHASE_ENTERED_PAYLOAD, "phase_entered_payload"),
    "review_rollback_payload" => || model_schema(&crate::domain::lifecycle::REVIEW_ROLLBACK_PAYLOAD, "review_rollback_payload"),
    "gate_passed_payload" => || model_schema(&crate::domain::gates::GATE_PASSED_PAYLOAD, "gate_passed_payload"),
    "gate_failed_payload" => || model_schema(&crate::domain::gates::GATE_FAILED_PAYLOAD, "gate_failed_payload"),
    "token_usage_recorded_payload" => || model_schema(&crate::domain::analytics::TOKEN_USAGE_RECORDED_PAYLOAD, "token_usage_recorded_payload"),
    "diff_summary_recorded_payload" => || model_schema(&crate::domain::analytics::DIFF_SUMMARY_RECORDED_PAYLOAD, "diff_summary_recorded_payload"),
    "profile_invocation_started_payload" => || model_schema(&crate::domain::profile_invocation::PROFILE_INVOCATION_STARTED_PAYLOAD, "profile_invocation_started_payload"),
    "retrospective_completed_payload" => || model_schema(&crate::domain::retrospective::RETROSPECTIVE_COMPLETED_PAYLOAD, "retrospective_completed_payload"),
    "retrospective_skipped_payload" => || model_schema(&crate::domain::retrospective::RETROSPECTIVE_SKIPPED_PAYLOAD, "retrospective_skipped_payload"),

    // --- collaboration, glossary ---
    "participant_invited_payload" => || model_schema(&crate::domain::collaboration::PARTICIPANT_INVITED_PAYLOAD, "participant_invited_payload"),
    "participant_joined_payload" => || model_schema(&crate::domain::collaboration::PARTICIPANT_JOINED_PAYLOAD, "participant_joined_payload"),
    "participant_left_payload" => || model_schema(&crate::domain::collaboration::PARTICIPANT_LEFT_PAYLOAD, "participant_left_payload"),
    "presence_heartbeat_payload" => || model_schema(&crate::domain::collaboration::PRESENCE_HEARTBEAT_PAYLOAD, "presence_heartbeat_payload"),
    "drive_intent_set_payload" => || model_schema(&crate::domain::collaboration::DRIVE_INTENT_SET_PAYLOAD, "drive_intent_set_payload"),
    "focus_changed_payload" => || model_schema(&crate::domain::collaboration::FOCUS_CHANGED_PAYLOAD, "focus_changed_payload"),
    "prompt_step_execution_started_payload" => || model_schema(&crate::domain::collaboration::PROMPT_STEP_EXECUTION_STARTED_PAYLOAD, "prompt_step_execution_started_payload"),
    "prompt_step_execution_completed_payload" => || model_schema(&crate::domain::collaboration::PROMPT_STEP_EXECUTION_COMPLETED_PAYLOAD, "prompt_step_execution_completed_payload"),
    "concurrent_driver_warning_payload" => || model_schema(&crate::domain::collaboration::CONCURRENT_DRIVER_WARNING_PAYLOAD, "concurrent_driver_warning_payload"),
    "potential_step_collision_detected_payload" => || model_schema(&crate::domain::collaboration::POTENTIAL_STEP_COLLISION_DETECTED_PAYLOAD, "potential_step_collision_detected_payload"),
    "warning_acknowledged_payload" => || model_schema(&crate::domain::collaboration::WARNING_ACKNOWLEDGED_PAYLOAD, "warning_acknowledged_payload"),
    "comment_posted_payload" => || model_schema(&crate::domain::collaboration::COMMENT_POSTED_PAYLOAD, "comment_posted_payload"),
    "decision_captured_payload" => || model_schema(&crate::domain::collaboration::DECISION_CAPTURED_PAYLOAD, "decision_captured_payload"),
    "session_linked_payload" => || model_schema(&crate::domain::collaboration::SESSION_LINKED_PAYLOAD, "session_linked_payload"),
    "focus_target" => || model_schema(&crate::domain::collaboration::FOCUS_TARGET, "focus_target"),
    "auth_principal_binding" => || model_schema(&crate::domain::collaboration::AUTH_PRINCIPAL_BINDING, "auth_principal_binding"),
    "participant_identity" => || model_schema(&crate::domain::decision_moment::PARTICIPANT_IDENTITY, "participant_identity"),
    "participant_external_refs" => || model_schema(&crate::domain::decision_moment::PARTICIPANT_EXTERNAL_REFS, "participant_external_refs"),
    "glossary_scope_activated_payload" => || model_schema(&crate::domain::glossary::GLOSSARY_SCOPE_ACTIVATED_PAYLOAD, "glossary_scope_activated_payload"),
    "term_candidate_observed_payload" => || model_schema(&crate::domain::glossary::TERM_CANDIDATE_OBSERVED_PAYLOAD, "term_candidate_observed_payload"),
    "semantic_check_evaluated_payload" => || model_schema(&crate::domain::glossary::SEMANTIC_CHECK_EVALUATED_PAYLOAD, "semantic_check_evaluated_payload"),
    "glossary_clarification_requested_payload" => || model_schema(&crate::domain::glossary::GLOSSARY_CLARIFICATION_REQUESTED_PAYLOAD, "glossary_clarification_requested_payload"),
    "glossary_clarification_resolved_payload" => || model_schema(&crate::domain::glossary::GLOSSARY_CLARIFICATION_RESOLVED_PAYLOAD, "glossary_clarification_resolved_payload"),
    "glossary_sense_updated_payload" => || model_schema(&crate::domain::glossary::GLOSSARY_SENSE_UPDATED_PAYLOAD, "glossary_sense_updated_payload"),
    "generation_blocked_by_semantic_conflict_payload" => || model_schema(&crate::domain::glossary::GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT_PAYLOAD, "generation_blocked_by_semantic_conflict_payload"),
    "glossary_strictness_set_payload" => || model_schema(&crate::domain::glossary::GLOSSARY_STRICTNESS_SET_PAYLOAD, "glossary_strictness_set_payload"),
    "semantic_conflict_entry" => || model_schema(&crate::domain::glossary::SEMANTIC_CONFLICT_ENTRY, "semantic_conflict_entry"),

    // --- mission-next, dossier, mission audit ---
    "artifact_identity" => || model_schema(&crate::domain::dossier::ARTIFACT_IDENTITY, "artifact_identity"),
    "content_hash_ref" => || model_schema(&crate::domain::dossier::CONTENT_HASH_REF, "content_hash_ref"),
    "decision_input_answered_payload" => || model_schema(&crate::domain::mission_next::DECISION_INPUT_ANSWERED_PAYLOAD, "decision_input_answered_payload"),
    "decision_input_requested_payload" => || model_schema(&crate::domain::mission_next::DECISION_INPUT_REQUESTED_PAYLOAD, "decision_input_requested_payload"),
    "local_namespace_tuple" => || model_schema(&crate::domain::dossier::LOCAL_NAMESPACE_TUPLE, "local_namespace_tuple"),
    "mission_audit_completed_payload" => || model_schema(&crate::domain::mission_audit::MISSION_AUDIT_COMPLETED_PAYLOAD, "mission_audit_completed_payload"),
    "mission_audit_decision_requested_payload" => || model_schema(&crate::domain::mission_audit::MISSION_AUDIT_DECISION_REQUESTED_PAYLOAD, "mission_audit_decision_requested_payload"),
    "mission_audit_failed_payload" => || model_schema(&crate::domain::mission_audit::MISSION_AUDIT_FAILED_PAYLOAD, "mission_audit_failed_payload"),
    "mission_audit_requested_payload" => || model_schema(&crate::domain::mission_audit::MISSION_AUDIT_REQUESTED_PAYLOAD, "mission_audit_requested_payload"),
    "mission_audit_started_payload" => || model_schema(&crate::domain::mission_audit::MISSION_AUDIT_STARTED_PAYLOAD, "mission_audit_started_payload"),
    "mission_dossier_artifact_indexed_payload" => || model_schema(&crate::domain::dossier::MISSION_DOSSIER_ARTIFACT_INDEXED_PAYLOAD, "mission_dossier_artifact_indexed_payload"),
    "mission_dossier_artifact_missing_payload" => || model_schema(&crate::domain::dossier::MISSION_DOSSIER_ARTIFACT_MISSING_PAYLOAD, "mission_dossier_artifact_missing_payload"),
    "mission_dossier_parity_drift_detected_payload" => || model_schema(&crate::domain::dossier::MISSION_DOSSIER_PARITY_DRIFT_DETECTED_PAYLOAD, "mission_dossier_parity_drift_detected_payload"),
    "mission_dossier_snapshot_computed_payload" => || model_schema(&crate::domain::dossier::MISSION_DOSSIER_SNAPSHOT_COMPUTED_PAYLOAD, "mission_dossier_snapshot_computed_payload"),
    "mission_run_completed_payload" => || model_schema(&crate::domain::mission_next::MISSION_RUN_COMPLETED_PAYLOAD, "mission_run_completed_payload"),
    "mission_run_started_payload" => || model_schema(&crate::domain::mission_next::MISSION_RUN_STARTED_PAYLOAD, "mission_run_started_payload"),
    "next_step_auto_completed_payload" => || model_schema(&crate::domain::mission_next::NEXT_STEP_AUTO_COMPLETED_PAYLOAD, "next_step_auto_completed_payload"),
    "next_step_issued_payload" => || model_schema(&crate::domain::mission_next::NEXT_STEP_ISSUED_PAYLOAD, "next_step_issued_payload"),
    "provenance_ref" => || model_schema(&crate::domain::dossier::PROVENANCE_REF, "provenance_ref"),
    "runtime_actor_identity" => || model_schema(&crate::domain::mission_next::RUNTIME_ACTOR_IDENTITY, "runtime_actor_identity"),

    // --- decision point, connector, sync ---
    "decision_point_opened_payload" => || model_schema(&crate::domain::decision_point::DECISION_POINT_OPENED_PAYLOAD, "decision_point_opened_payload"),
    "decision_point_widened_payload" => || model_schema(&crate::domain::decision_point::DECISION_POINT_WIDENED_PAYLOAD, "decision_point_widened_payload"),
    "decision_point_discussing_payload" => || model_schema(&crate::domain::decision_point::DECISION_POINT_DISCUSSING_PAYLOAD, "decision_point_discussing_payload"),
    "decision_point_resolved_payload" => || model_schema(&crate::domain::decision_point::DECISION_POINT_RESOLVED_PAYLOAD, "decision_point_resolved_payload"),
    "decision_point_overridden_payload" => || model_schema(&crate::domain::decision_point::DECISION_POINT_OVERRIDDEN_PAYLOAD, "decision_point_overridden_payload"),
    "closure_message_ref" => || model_schema(&crate::domain::decision_moment::CLOSURE_MESSAGE_REF, "closure_message_ref"),
    "default_channel_ref" => || model_schema(&crate::domain::decision_moment::DEFAULT_CHANNEL_REF, "default_channel_ref"),
    "summary_block" => || model_schema(&crate::domain::decision_moment::SUMMARY_BLOCK, "summary_block"),
    "teamspace_ref" => || model_schema(&crate::domain::decision_moment::TEAMSPACE_REF, "teamspace_ref"),
    "thread_ref" => || model_schema(&crate::domain::decision_moment::THREAD_REF, "thread_ref"),

    "connector_provisioned_payload" => || model_schema(&crate::domain::connector::CONNECTOR_PROVISIONED_PAYLOAD, "connector_provisioned_payload"),
    "connector_health_checked_payload" => || model_schema(&crate::domain::connector::CONNECTOR_HEALTH_CHECKED_PAYLOAD, "connector_health_checked_payload"),
    "connector_degraded_payload" => || model_schema(&crate::domain::connector::CONNECTOR_DEGRADED_PAYLOAD, "connector_degraded_payload"),
    "connector_revoked_payload" => || model_schema(&crate::domain::connector::CONNECTOR_REVOKED_PAYLOAD, "connector_revoked_payload"),
    "connector_reconnected_payload" => || model_schema(&crate::domain::connector::CONNECTOR_RECONNECTED_PAYLOAD, "connector_reconnected_payload"),
    "sync_ingest_accepted_payload" => || model_schema(&crate::domain::sync::SYNC_INGEST_ACCEPTED_PAYLOAD, "sync_ingest_accepted_payload"),
    "sync_ingest_rejected_payload" => || model_schema(&crate::domain::sync::SYNC_INGEST_REJECTED_PAYLOAD, "sync_ingest_rejected_payload"),
    "sync_retry_scheduled_payload" => || model_schema(&crate::domain::sync::SYNC_RETRY_SCHEDULED_PAYLOAD, "sync_retry_scheduled_payload"),
    "sync_dead_lettered_payload" => || model_schema(&crate::domain::sync::SYNC_DEAD_LETTERED_PAYLOAD, "sync_dead_lettered_payload"),
    "sync_replay_completed_payload" => || model_schema(&crate::domain::sync::SYNC_REPLAY_COMPLETED_PAYLOAD, "sync_replay_completed_payload"),
    "external_reference_linked_payload" => || model_schema(&crate::domain::sync::EXTERNAL_REFERENCE_LINKED_PAYLOAD, "external_reference_linked_payload"),
    "user_connected_payload" => || model_schema(&crate::domain::connector::USER_CONNECTED_PAYLOAD, "user_connected_payload"),
    "user_disconnected_payload" => || model_schema(&crate::domain::connector::USER_DISCONNECTED_PAYLOAD, "user_disconnected_payload"),
    "user_connection_status" => || model_schema(&crate::domain::connector::USER_CONNECTION_STATUS, "user_connection_status"),
}

/// Every schema name, sorted.
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = SCHEMAS.iter().map(|s| s.name).collect();
    v.sort_unstable();
    v
}

/// The schema called `name`.
pub fn find(name: &str) -> Option<&'static SchemaSpec> {
    static BY_NAME: LazyLock<rustc_hash::FxHashMap<&'static str, &'static SchemaSpec>> =
        LazyLock::new(|| SCHEMAS.iter().map(|s| (s.name, s)).collect());
    BY_NAME.get(name).copied()
}

fn sort_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> =
                m.into_iter().map(|(k, v)| (k, sort_keys(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect::<Map<String, Value>>())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// Renders a schema as committed: keys sorted, two-space indentation, final newline.
pub fn render(schema: Value) -> String {
    let mut s = serde_json::to_string_pretty(&sort_keys(schema)).unwrap_or_default();
    s.push('\n');
    s
}

impl SchemaSpec {
    /// The schema freshly generated and rendered.
    pub fn generated_text(&self) -> String {
        render((self.generate)())
    }

    /// The committed schema, parsed.
    pub fn committed_value(&self) -> Value {
        serde_json::from_str(self.committed).unwrap_or(Value::Null)
    }
}
