//! Mission audit lifecycle: an audit is requested, started, may stop for decisions, and
//! completes with a verdict or fails; the reducer projects one audit's state.

use serde::{Deserialize, Serialize};
use serde_json::Number;
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, IntTy, ModelDef, SeqKind, Ty, render_report};
use crate::domain::dossier::{
    CONTENT_HASH_REF, ContentHashRef, PROVENANCE_REF, ProvenanceRef, parse_with, py_str_repr,
};
use crate::envelope::{Event, EventRef};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::projection::{Prepared, Projection, prepare, release, replay_all};
use std::borrow::Cow;

/// The audit contract's own version.
pub const AUDIT_SCHEMA_VERSION: &str = "2.5.0";

/// Event type: an audit was requested.
pub const MISSION_AUDIT_REQUESTED: &str = "MissionAuditRequested";
/// Event type: the audit started.
pub const MISSION_AUDIT_STARTED: &str = "MissionAuditStarted";
/// Event type: the audit needs a decision.
pub const MISSION_AUDIT_DECISION_REQUESTED: &str = "MissionAuditDecisionRequested";
/// Event type: the audit finished with a verdict.
pub const MISSION_AUDIT_COMPLETED: &str = "MissionAuditCompleted";
/// Event type: the audit could not finish.
pub const MISSION_AUDIT_FAILED: &str = "MissionAuditFailed";

/// Every mission audit event type.
pub const MISSION_AUDIT_EVENT_TYPES: [&str; 5] = [
    MISSION_AUDIT_REQUESTED,
    MISSION_AUDIT_STARTED,
    MISSION_AUDIT_DECISION_REQUESTED,
    MISSION_AUDIT_COMPLETED,
    MISSION_AUDIT_FAILED,
];

str_enum!(
    /// Outcome of an audit.
    AuditVerdict, AUDIT_VERDICT, "", {
        /// Passed.
        Pass = "pass",
        /// Passed with warnings.
        PassWithWarnings = "pass_with_warnings",
        /// Failed.
        Fail = "fail",
        /// Cannot conclude before a decision.
        BlockedDecisionRequired = "blocked_decision_required",
    }
);

str_enum!(
    /// Severity of audit findings and decisions.
    AuditSeverity, AUDIT_SEVERITY, "", {
        /// Informational.
        Info = "info",
        /// Warning.
        Warning = "warning",
        /// Error.
        Error = "error",
        /// Critical.
        Critical = "critical",
    }
);

str_enum!(
    /// Where an audit stands.
    AuditStatus, AUDIT_STATUS, "", {
        /// Requested, not started.
        Pending = "pending",
        /// Under way.
        Running = "running",
        /// Waiting for a decision.
        AwaitingDecision = "awaiting_decision",
        /// Finished with a verdict (terminal).
        Completed = "completed",
        /// Could not finish (terminal).
        Failed = "failed",
    }
);

/// A reference to an audit report: its path, content hash and provenance.
pub static AUDIT_ARTIFACT_REF: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "AuditArtifactRef",
        "Where an audit report lives, with its content hash and provenance.",
    )
    .forbid()
    .field(Field::required("report_path", Ty::nonempty()))
    .field(Field::required("content_hash", &*CONTENT_HASH_REF))
    .field(Field::required("provenance", &*PROVENANCE_REF))
    .build()
});

/// The fields every audit payload starts with.
fn common(name: &'static str, doc: &'static str) -> ModelDef {
    ModelDef::new(name, doc)
        .forbid()
        .field(Field::required("mission_id", Ty::nonempty()))
        .field(Field::required("run_id", Ty::nonempty()))
        .field(Field::required("mission_slug", Ty::nonempty()))
        .field(Field::required("mission_number", IntTy::new().ge(1)))
        .field(Field::required("mission_type", Ty::nonempty()))
        .field(Field::required("actor", Ty::nonempty()))
}

/// The contract of a `MissionAuditRequested` payload.
pub static MISSION_AUDIT_REQUESTED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    common(
        "MissionAuditRequestedPayload",
        "Payload of MissionAuditRequested: someone or something asked for an audit.",
    )
    .field(Field::required(
        "trigger_mode",
        Ty::literal_strs(&["manual", "post_merge"]),
    ))
    .field(Field::required(
        "audit_scope",
        Ty::seq(SeqKind::List, Ty::str(), Some(1), None),
    ))
    .field(Field::required(
        "enforcement_mode",
        Ty::literal_strs(&["advisory", "blocking"]),
    ))
    .build()
});

/// The contract of a `MissionAuditStarted` payload.
pub static MISSION_AUDIT_STARTED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    common(
        "MissionAuditStartedPayload",
        "Payload of MissionAuditStarted: the audit began over a fixed scope.",
    )
    .field(Field::required("audit_scope_hash", Ty::nonempty()))
    .build()
});

/// The contract of a `MissionAuditDecisionRequested` payload.
pub static MISSION_AUDIT_DECISION_REQUESTED_PAYLOAD: LazyLock<Arc<ModelDef>> =
    LazyLock::new(|| {
        common(
            "MissionAuditDecisionRequestedPayload",
            "Payload of MissionAuditDecisionRequested: the audit stopped at a decision checkpoint.",
        )
        .field(Field::required("decision_id", Ty::nonempty()))
        .field(Field::required("question", Ty::str()))
        .field(Field::required("context_summary", Ty::str()))
        .field(Field::required("severity", Ty::Enum(&AUDIT_SEVERITY)))
        .build()
    });

/// The contract of a `MissionAuditCompleted` payload (a report reference is mandatory:
/// an audit without a report fails instead).
pub static MISSION_AUDIT_COMPLETED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    common(
        "MissionAuditCompletedPayload",
        "Payload of MissionAuditCompleted: the audit reached a verdict and wrote its report.",
    )
    .field(Field::required("verdict", Ty::Enum(&AUDIT_VERDICT)))
    .field(Field::required("severity", Ty::Enum(&AUDIT_SEVERITY)))
    .field(Field::required("findings_count", IntTy::new().ge(0)))
    .field(Field::required("artifact_ref", &*AUDIT_ARTIFACT_REF))
    .field(Field::required("summary", Ty::str()))
    .build()
});

/// The contract of a `MissionAuditFailed` payload.
pub static MISSION_AUDIT_FAILED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    common(
        "MissionAuditFailedPayload",
        "Payload of MissionAuditFailed: the audit stopped without a verdict.",
    )
    .field(Field::required("error_code", Ty::nonempty()))
    .field(Field::required("error_message", Ty::str()))
    .field(Field::optional(
        "partial_artifact_ref",
        &*AUDIT_ARTIFACT_REF,
    ))
    .build()
});

/// A validated audit report reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditArtifactRef {
    /// Report path.
    pub report_path: String,
    /// Content hash.
    pub content_hash: ContentHashRef,
    /// Provenance.
    pub provenance: ProvenanceRef,
}

/// A validated `MissionAuditRequested` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissionAuditRequestedPayload {
    /// Mission.
    pub mission_id: String,
    /// Run.
    pub run_id: String,
    /// Mission slug.
    pub mission_slug: String,
    /// Mission number (1 or more).
    pub mission_number: Number,
    /// Mission type.
    pub mission_type: String,
    /// Who asked.
    pub actor: String,
    /// `manual` or `post_merge`.
    pub trigger_mode: String,
    /// What to audit (at least one item).
    pub audit_scope: Vec<String>,
    /// `advisory` or `blocking`.
    pub enforcement_mode: String,
}

/// A validated `MissionAuditStarted` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissionAuditStartedPayload {
    /// Mission.
    pub mission_id: String,
    /// Run.
    pub run_id: String,
    /// Mission slug.
    pub mission_slug: String,
    /// Mission number.
    pub mission_number: Number,
    /// Mission type.
    pub mission_type: String,
    /// Who started it.
    pub actor: String,
    /// Hash of the scope.
    pub audit_scope_hash: String,
}

/// A validated `MissionAuditDecisionRequested` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissionAuditDecisionRequestedPayload {
    /// Mission.
    pub mission_id: String,
    /// Run.
    pub run_id: String,
    /// Mission slug.
    pub mission_slug: String,
    /// Mission number.
    pub mission_number: Number,
    /// Mission type.
    pub mission_type: String,
    /// Who asked.
    pub actor: String,
    /// Decision.
    pub decision_id: String,
    /// Question.
    pub question: String,
    /// Context.
    pub context_summary: String,
    /// Severity.
    pub severity: AuditSeverity,
}

/// A validated `MissionAuditCompleted` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissionAuditCompletedPayload {
    /// Mission.
    pub mission_id: String,
    /// Run.
    pub run_id: String,
    /// Mission slug.
    pub mission_slug: String,
    /// Mission number.
    pub mission_number: Number,
    /// Mission type.
    pub mission_type: String,
    /// Who completed it.
    pub actor: String,
    /// Verdict.
    pub verdict: AuditVerdict,
    /// Severity.
    pub severity: AuditSeverity,
    /// Number of findings.
    pub findings_count: Number,
    /// The report.
    pub artifact_ref: AuditArtifactRef,
    /// Summary.
    pub summary: String,
}

/// A validated `MissionAuditFailed` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissionAuditFailedPayload {
    /// Mission.
    pub mission_id: String,
    /// Run.
    pub run_id: String,
    /// Mission slug.
    pub mission_slug: String,
    /// Mission number.
    pub mission_number: Number,
    /// Mission type.
    pub mission_type: String,
    /// Who reported the failure.
    pub actor: String,
    /// Error code.
    pub error_code: String,
    /// Error message.
    pub error_message: String,
    /// Whatever part of the report exists.
    pub partial_artifact_ref: Option<AuditArtifactRef>,
}

/// An open decision checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingDecision {
    /// Decision.
    pub decision_id: String,
    /// Question.
    pub question: String,
    /// Context.
    pub context_summary: String,
    /// Severity.
    pub severity: AuditSeverity,
}

/// A non-fatal problem found while reducing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissionAuditAnomaly {
    /// `event_before_requested`, `event_after_terminal` or `duplicate_decision_id`.
    pub kind: String,
    /// The event.
    pub event_id: String,
    /// Explanation.
    pub message: String,
}

/// The projected state of one audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReducedMissionAuditState {
    /// Status.
    pub audit_status: AuditStatus,
    /// Verdict, once completed.
    pub verdict: Option<AuditVerdict>,
    /// Severity, once completed.
    pub severity: Option<AuditSeverity>,
    /// Findings, once completed.
    pub findings_count: Option<Number>,
    /// The report, once completed.
    pub artifact_ref: Option<AuditArtifactRef>,
    /// Partial report, once failed.
    pub partial_artifact_ref: Option<AuditArtifactRef>,
    /// Summary, once completed.
    pub summary: Option<String>,
    /// Error code, once failed.
    pub error_code: Option<String>,
    /// Error message, once failed.
    pub error_message: Option<String>,
    /// Open decisions (cleared at the end).
    pub pending_decisions: Vec<PendingDecision>,
    /// Mission.
    pub mission_id: Option<String>,
    /// Run.
    pub run_id: Option<String>,
    /// Mission slug.
    pub mission_slug: Option<String>,
    /// Mission number.
    pub mission_number: Option<Number>,
    /// Mission type.
    pub mission_type: Option<String>,
    /// Trigger mode, from the request.
    pub trigger_mode: Option<String>,
    /// Enforcement mode, from the request.
    pub enforcement_mode: Option<String>,
    /// Scope, from the request.
    pub audit_scope: Option<Vec<String>>,
    /// Scope hash, from the start.
    pub audit_scope_hash: Option<String>,
    /// Non-fatal problems.
    pub anomalies: Vec<MissionAuditAnomaly>,
    /// Distinct events of every type.
    pub event_count: u64,
}

impl Default for ReducedMissionAuditState {
    fn default() -> Self {
        ReducedMissionAuditState {
            audit_status: AuditStatus::Pending,
            verdict: None,
            severity: None,
            findings_count: None,
            artifact_ref: None,
            partial_artifact_ref: None,
            summary: None,
            error_code: None,
            error_message: None,
            pending_decisions: Vec::new(),
            mission_id: None,
            run_id: None,
            mission_slug: None,
            mission_number: None,
            mission_type: None,
            trigger_mode: None,
            enforcement_mode: None,
            audit_scope: None,
            audit_scope_hash: None,
            anomalies: Vec::new(),
            event_count: 0,
        }
    }
}

impl ReducedMissionAuditState {
    fn identify(
        &mut self,
        mission_id: &str,
        run_id: &str,
        slug: &str,
        number: &Number,
        mission_type: &str,
    ) {
        if self.mission_id.is_none() {
            self.mission_id = Some(mission_id.to_owned());
            self.run_id = Some(run_id.to_owned());
            self.mission_slug = Some(slug.to_owned());
            self.mission_number = Some(number.clone());
            self.mission_type = Some(mission_type.to_owned());
        }
    }
}

/// A mission audit payload, validated once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AuditPayload {
    /// `MissionAuditRequested`.
    Requested(Box<MissionAuditRequestedPayload>),
    /// `MissionAuditStarted`.
    Started(Box<MissionAuditStartedPayload>),
    /// `MissionAuditDecisionRequested`.
    DecisionRequested(Box<MissionAuditDecisionRequestedPayload>),
    /// `MissionAuditCompleted`.
    Completed(Box<MissionAuditCompletedPayload>),
    /// `MissionAuditFailed`.
    Failed(Box<MissionAuditFailedPayload>),
}

/// What the mission audit reducer keeps of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AuditItem {
    /// An audit event: its type, and its payload or the validation report that refuses
    /// the log when the event is reached.
    Audit(Cow<'static, str>, std::result::Result<AuditPayload, String>),
    /// Any other event: counted only.
    Other,
}

fn parse<T: serde::de::DeserializeOwned>(
    model: &ModelDef,
    raw: &Json<'_>,
) -> std::result::Result<Box<T>, String> {
    parse_with(model, raw)
        .map(Box::new)
        .map_err(|errors| render_report(model.name, &errors))
}

/// The mission audit reducer as a [`Projection`].
///
/// Every event counts (`event_count`); audit events are folded: events after a terminal
/// event and events before the request become anomalies (the latter are still applied);
/// a repeated decision id is an anomaly. An audit event whose payload does not validate
/// refuses the log with [`Error::Replay`] when it is reached. The fold is event by event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MissionAuditProjection {
    st: ReducedMissionAuditState,
    requested_seen: bool,
    terminal_seen: bool,
}

impl MissionAuditProjection {
    fn apply_one(
        &mut self,
        event_id: &str,
        etype: &str,
        payload: &std::result::Result<AuditPayload, String>,
    ) -> Result<()> {
        let s = &mut self.st;
        if self.terminal_seen {
            s.anomalies.push(MissionAuditAnomaly {
                kind: "event_after_terminal".to_owned(),
                event_id: event_id.to_owned(),
                message: format!("Event {} arrived after terminal state", py_str_repr(etype)),
            });
            return Ok(());
        }
        if !self.requested_seen && etype != MISSION_AUDIT_REQUESTED {
            s.anomalies.push(MissionAuditAnomaly {
                kind: "event_before_requested".to_owned(),
                event_id: event_id.to_owned(),
                message: format!(
                    "Event {} arrived before MissionAuditRequested",
                    py_str_repr(etype)
                ),
            });
        }
        if etype == MISSION_AUDIT_REQUESTED {
            self.requested_seen = true;
        }
        let payload = payload.as_ref().map_err(|reason| Error::Replay {
            event_id: event_id.to_owned(),
            reason: reason.clone(),
        })?;
        match payload {
            AuditPayload::Requested(p) => {
                let p = p.as_ref().clone();
                s.mission_id = Some(p.mission_id);
                s.run_id = Some(p.run_id);
                s.mission_slug = Some(p.mission_slug);
                s.mission_number = Some(p.mission_number);
                s.mission_type = Some(p.mission_type);
                s.trigger_mode = Some(p.trigger_mode);
                s.enforcement_mode = Some(p.enforcement_mode);
                s.audit_scope = Some(p.audit_scope);
            }
            AuditPayload::Started(p) => {
                s.audit_scope_hash = Some(p.audit_scope_hash.clone());
                if s.mission_id.as_deref().is_none_or(str::is_empty) {
                    s.mission_id = None;
                }
                s.identify(
                    &p.mission_id,
                    &p.run_id,
                    &p.mission_slug,
                    &p.mission_number,
                    &p.mission_type,
                );
                s.audit_status = AuditStatus::Running;
            }
            AuditPayload::DecisionRequested(p) => {
                if s.pending_decisions
                    .iter()
                    .any(|d| d.decision_id == p.decision_id)
                {
                    s.anomalies.push(MissionAuditAnomaly {
                        kind: "duplicate_decision_id".to_owned(),
                        event_id: event_id.to_owned(),
                        message: format!("Duplicate decision_id: {}", py_str_repr(&p.decision_id)),
                    });
                } else {
                    s.pending_decisions.push(PendingDecision {
                        decision_id: p.decision_id.clone(),
                        question: p.question.clone(),
                        context_summary: p.context_summary.clone(),
                        severity: p.severity,
                    });
                }
                s.identify(
                    &p.mission_id,
                    &p.run_id,
                    &p.mission_slug,
                    &p.mission_number,
                    &p.mission_type,
                );
                s.audit_status = AuditStatus::AwaitingDecision;
            }
            AuditPayload::Completed(p) => {
                let p = p.as_ref().clone();
                s.identify(
                    &p.mission_id,
                    &p.run_id,
                    &p.mission_slug,
                    &p.mission_number,
                    &p.mission_type,
                );
                s.verdict = Some(p.verdict);
                s.severity = Some(p.severity);
                s.findings_count = Some(p.findings_count);
                s.artifact_ref = Some(p.artifact_ref);
                s.summary = Some(p.summary);
                s.pending_decisions.clear();
                s.audit_status = AuditStatus::Completed;
                self.terminal_seen = true;
            }
            AuditPayload::Failed(p) => {
                let p = p.as_ref().clone();
                s.identify(
                    &p.mission_id,
                    &p.run_id,
                    &p.mission_slug,
                    &p.mission_number,
                    &p.mission_type,
                );
                s.error_code = Some(p.error_code);
                s.error_message = Some(p.error_message);
                s.partial_artifact_ref = p.partial_artifact_ref;
                s.pending_decisions.clear();
                s.audit_status = AuditStatus::Failed;
                self.terminal_seen = true;
            }
        }
        Ok(())
    }
}

impl Projection for MissionAuditProjection {
    type Item = AuditItem;
    type State = ReducedMissionAuditState;

    fn needs_payload(event_type: &str) -> bool {
        MISSION_AUDIT_EVENT_TYPES.contains(&event_type)
    }

    fn prepare(event: &EventRef<'_>) -> Option<AuditItem> {
        let raw = event.payload;
        let Some(etype) = MISSION_AUDIT_EVENT_TYPES
            .iter()
            .find(|t| **t == event.event_type)
        else {
            return Some(AuditItem::Other);
        };
        let payload = match *etype {
            MISSION_AUDIT_REQUESTED => {
                parse(&MISSION_AUDIT_REQUESTED_PAYLOAD, raw).map(AuditPayload::Requested)
            }
            MISSION_AUDIT_STARTED => {
                parse(&MISSION_AUDIT_STARTED_PAYLOAD, raw).map(AuditPayload::Started)
            }
            MISSION_AUDIT_DECISION_REQUESTED => {
                parse(&MISSION_AUDIT_DECISION_REQUESTED_PAYLOAD, raw)
                    .map(AuditPayload::DecisionRequested)
            }
            MISSION_AUDIT_COMPLETED => {
                parse(&MISSION_AUDIT_COMPLETED_PAYLOAD, raw).map(AuditPayload::Completed)
            }
            _ => parse(&MISSION_AUDIT_FAILED_PAYLOAD, raw).map(AuditPayload::Failed),
        };
        Some(AuditItem::Audit(Cow::Borrowed(etype), payload))
    }

    fn apply(&mut self, events: Vec<Prepared<AuditItem>>) -> Result<()> {
        self.st.event_count += events.len() as u64;
        for p in &events {
            if let AuditItem::Audit(etype, payload) = &p.item {
                self.apply_one(p.event_id(), etype, payload)?;
            }
        }
        release(events);
        Ok(())
    }

    fn state(&self) -> Result<ReducedMissionAuditState> {
        Ok(self.st.clone())
    }

    fn into_state(self) -> Result<ReducedMissionAuditState> {
        Ok(self.st)
    }
}

/// Replays mission audit events into the state of the audit: a full reduction with
/// [`MissionAuditProjection`].
pub fn reduce_mission_audit_events<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> Result<ReducedMissionAuditState> {
    replay_all(
        MissionAuditProjection::default(),
        prepare::<MissionAuditProjection>(events),
    )
}
