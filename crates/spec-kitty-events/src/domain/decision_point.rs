//! Decision points: opened (from an ADR or a planning interview), widened to Slack,
//! discussed, resolved and overridden; payload contracts and the reducer that projects one
//! decision point's state.
//!
//! Opened, Discussing and Resolved payloads are discriminated by `origin_surface`
//! (`adr` or `planning_interview`); a payload without it is read as an ADR payload.

use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::{Arc, LazyLock};

use crate::contract::ty::TaggedTy;
use crate::contract::{Field, FieldError, ModelDef, SeqKind, Ty, render_report};
use crate::domain::decision_moment::{
    CLOSURE_MESSAGE_REF, ClosureMessageRef, DEFAULT_CHANNEL_REF, DISCUSSING_SNAPSHOT_KIND,
    DefaultChannelRef, DiscussingSnapshotKind, ORIGIN_FLOW, ORIGIN_SURFACE, OriginFlow,
    OriginSurface, ParticipantIdentity, SUMMARY_BLOCK, SummaryBlock, TEAMSPACE_REF,
    TERMINAL_OUTCOME, THREAD_REF, TeamspaceRef, TerminalOutcome, ThreadRef, WideningChannel,
    WideningProjection, participants_field,
};
use crate::domain::dossier::py_str_repr;
use crate::envelope::{Event, EventRef};
use crate::error::Result;
use crate::json::Json;
use crate::json::JsonDeserializer;
use crate::projection::{Prepared, Projection, prepare, release, replay_all};
use std::borrow::Cow;

/// Event type: a decision point was opened.
pub const DECISION_POINT_OPENED: &str = "DecisionPointOpened";
/// Event type: a decision point was widened to a Slack thread.
pub const DECISION_POINT_WIDENED: &str = "DecisionPointWidened";
/// Event type: a decision point is being discussed.
pub const DECISION_POINT_DISCUSSING: &str = "DecisionPointDiscussing";
/// Event type: a decision point was resolved.
pub const DECISION_POINT_RESOLVED: &str = "DecisionPointResolved";
/// Event type: a resolved decision point was overridden.
pub const DECISION_POINT_OVERRIDDEN: &str = "DecisionPointOverridden";

/// Every decision-point event type.
pub const DECISION_POINT_EVENT_TYPES: [&str; 5] = [
    DECISION_POINT_OPENED,
    DECISION_POINT_WIDENED,
    DECISION_POINT_DISCUSSING,
    DECISION_POINT_RESOLVED,
    DECISION_POINT_OVERRIDDEN,
];

str_enum!(
    /// States of a decision point.
    DecisionPointState, DECISION_POINT_STATE, "States of a decision point.", {
        /// Opened.
        Open = "open",
        /// Widened to external participants.
        Widened = "widened",
        /// Under discussion.
        Discussing = "discussing",
        /// Resolved.
        Resolved = "resolved",
        /// Overridden (terminal).
        Overridden = "overridden",
    }
);

str_enum!(
    /// The authority an actor holds over a decision.
    DecisionAuthorityRole, DECISION_AUTHORITY_ROLE, "", {
        /// Owns the mission and may decide.
        MissionOwner = "mission_owner",
        /// Advises.
        Advisory = "advisory",
        /// Is kept informed.
        Informed = "informed",
    }
);

fn nonempty(name: &'static str, doc: &'static str) -> Field {
    Field::required(name, Ty::nonempty()).doc(doc)
}

fn actor_type() -> Field {
    Field::required("actor_type", Ty::literal_strs(&["human", "llm", "service"]))
        .doc("human, llm or service")
}

fn origin(tag: &'static str) -> Field {
    Field::required("origin_surface", Ty::literal_str(tag)).doc("Origin surface (discriminator)")
}

fn strings_min1(name: &'static str, doc: &'static str) -> Field {
    Field::required(name, Ty::seq(SeqKind::Tuple, Ty::str(), Some(1), None)).doc(doc)
}

/// Identity fields every payload carries (`phase` aside).
fn ids(m: ModelDef) -> ModelDef {
    m.field(nonempty("decision_point_id", "Decision point identifier"))
        .field(nonempty("mission_id", "Mission identifier"))
        .field(nonempty("run_id", "Run identifier"))
        .field(nonempty("mission_slug", "Mission slug"))
        .field(nonempty("mission_type", "Mission type"))
}

/// The ADR-style body shared by Opened, Discussing, Resolved (ADR) and Overridden, after
/// `origin_surface`.
fn adr_body(m: ModelDef) -> ModelDef {
    ids(m)
        .field(nonempty("phase", "Mission phase"))
        .field(nonempty("actor_id", "Acting actor"))
        .field(actor_type())
        .field(Field::required("authority_role", &DECISION_AUTHORITY_ROLE).doc("Authority held"))
        .field(
            Field::required("mission_owner_authority_flag", Ty::bool())
                .doc("Whether mission-owner authority is claimed"),
        )
        .field(
            Field::required("mission_owner_authority_path", Ty::str())
                .doc("Where that authority comes from"),
        )
        .field(nonempty("rationale", "Why"))
        .field(strings_min1(
            "alternatives_considered",
            "Alternatives weighed",
        ))
        .field(strings_min1("evidence_refs", "Evidence references"))
        .field(timestamps_entered())
        .field(recorded_at())
}

fn timestamps_entered() -> Field {
    Field::required("state_entered_at", Ty::DateTime).doc("When the state was entered")
}

fn recorded_at() -> Field {
    Field::required("recorded_at", Ty::DateTime).doc("When the event was recorded")
}

fn adr_model(name: &'static str, doc: &'static str) -> Arc<ModelDef> {
    adr_body(ModelDef::new(name, doc).forbid().field(origin("adr"))).build()
}

/// Reads a payload without `origin_surface` as an ADR payload, as the reference does.
fn default_origin_adr(v: &Json<'_>) -> Result<Option<Json<'static>>, String> {
    match v {
        Json::Object(m) if v.get("origin_surface").is_none() => {
            let mut m = Json::Object(m.clone()).into_owned();
            if let Json::Object(entries) = &mut m {
                entries.push(("origin_surface".into(), Json::str("adr")));
            }
            Ok(Some(m))
        }
        _ => Ok(None),
    }
}

fn tagged_union(
    name: &'static str,
    doc: &'static str,
    adr: &Arc<ModelDef>,
    interview: &Arc<ModelDef>,
) -> Arc<ModelDef> {
    ModelDef::root(
        name,
        doc,
        Ty::Tagged(Box::new(TaggedTy {
            discriminator: "origin_surface",
            variants: vec![
                ("adr", Arc::clone(adr)),
                ("planning_interview", Arc::clone(interview)),
            ],
        })),
    )
    .before(default_origin_adr)
    .build()
}

/// `DecisionPointOpened`, ADR origin.
pub static DECISION_POINT_OPENED_ADR_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    adr_model(
        "DecisionPointOpenedAdrPayload",
        "DecisionPointOpened from an ADR.",
    )
});

/// `DecisionPointOpened`, planning-interview origin (the question as asked).
pub static DECISION_POINT_OPENED_INTERVIEW_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ids(ModelDef::new(
        "DecisionPointOpenedInterviewPayload",
        "DecisionPointOpened from a planning interview question.",
    )
    .forbid()
    .field(origin("planning_interview")))
    .field(nonempty("phase", "Mission phase"))
    .field(Field::required("origin_flow", &ORIGIN_FLOW).doc("Flow that asked"))
    .field(nonempty("question", "The question"))
    .field(
        Field::required("options", Ty::seq(SeqKind::Tuple, Ty::str(), Some(0), None))
            .doc("Proposed answers"),
    )
    .field(nonempty("input_key", "Input the answer fills"))
    .field(nonempty("step_id", "Step that asked"))
    .field(nonempty("actor_id", "Acting actor"))
    .field(actor_type())
    .field(timestamps_entered())
    .field(recorded_at())
    .build()
});

/// The contract of a `DecisionPointOpened` payload: ADR or interview, by `origin_surface`.
pub static DECISION_POINT_OPENED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    tagged_union(
        "tagged-union[DecisionPointOpenedAdrPayload,DecisionPointOpenedInterviewPayload]",
        "DecisionPointOpened payload, by origin surface.",
        &DECISION_POINT_OPENED_ADR_PAYLOAD,
        &DECISION_POINT_OPENED_INTERVIEW_PAYLOAD,
    )
});

/// The contract of a `DecisionPointWidened` payload (interview origin only).
pub static DECISION_POINT_WIDENED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ids(ModelDef::new(
        "DecisionPointWidenedPayload",
        "A Slack thread was opened for an interview decision point.",
    )
    .forbid()
    .field(origin("planning_interview")))
    .field(Field::required("channel", Ty::literal_str("slack")).doc("Widening channel"))
    .field(Field::required("teamspace_ref", &*TEAMSPACE_REF))
    .field(Field::required(
        "default_channel_ref",
        &*DEFAULT_CHANNEL_REF,
    ))
    .field(Field::required("thread_ref", &*THREAD_REF))
    .field(participants_field(
        "invited_participants",
        "Who was invited",
    ))
    .field(nonempty("widened_by", "Who widened it"))
    .field(Field::required("widened_at", Ty::DateTime).doc("When it was widened"))
    .field(recorded_at())
    .build()
});

/// `DecisionPointDiscussing`, ADR origin.
pub static DECISION_POINT_DISCUSSING_ADR_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    adr_model(
        "DecisionPointDiscussingAdrPayload",
        "DecisionPointDiscussing from an ADR.",
    )
});

/// `DecisionPointDiscussing`, planning-interview origin (a contribution snapshot).
pub static DECISION_POINT_DISCUSSING_INTERVIEW_PAYLOAD: LazyLock<Arc<ModelDef>> =
    LazyLock::new(|| {
        ids(ModelDef::new(
            "DecisionPointDiscussingInterviewPayload",
            "A snapshot of the discussion of an interview decision point.",
        )
        .forbid()
        .field(origin("planning_interview")))
        .field(Field::required("snapshot_kind", &DISCUSSING_SNAPSHOT_KIND).doc("Snapshot kind"))
        .field(
            Field::with_factory_default(
                "contributions",
                Ty::seq(SeqKind::Tuple, Ty::str(), None, None),
                json!([]),
            )
            .doc("Contributions"),
        )
        .field(nonempty("actor_id", "Acting actor"))
        .field(actor_type())
        .field(timestamps_entered())
        .field(recorded_at())
        .build()
    });

/// The contract of a `DecisionPointDiscussing` payload: ADR or interview.
pub static DECISION_POINT_DISCUSSING_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    tagged_union(
        "tagged-union[DecisionPointDiscussingAdrPayload,DecisionPointDiscussingInterviewPayload]",
        "DecisionPointDiscussing payload, by origin surface.",
        &DECISION_POINT_DISCUSSING_ADR_PAYLOAD,
        &DECISION_POINT_DISCUSSING_INTERVIEW_PAYLOAD,
    )
});

/// `DecisionPointResolved`, ADR origin.
pub static DECISION_POINT_RESOLVED_ADR_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    adr_model(
        "DecisionPointResolvedAdrPayload",
        "DecisionPointResolved from an ADR.",
    )
});

fn blank(v: &Json<'_>, key: &str) -> bool {
    match v.get(key) {
        None | Some(Json::Null) => true,
        Some(Json::Str(s)) => s.is_empty(),
        Some(_) => false,
    }
}

/// The outcome rules of an interview resolution: an answer exactly when resolved, and a
/// rationale (and no "other" answer) otherwise.
fn outcome_fields(v: &Json<'_>) -> Result<(), String> {
    let outcome = v.get_str("terminal_outcome").unwrap_or_default();
    if outcome == TerminalOutcome::Resolved.as_str() {
        if blank(v, "final_answer") {
            return Err("final_answer is required when terminal_outcome=resolved".into());
        }
        return Ok(());
    }
    if !v.get("final_answer").is_none_or(Json::is_null) {
        return Err(format!(
            "final_answer must be absent when terminal_outcome={outcome}"
        ));
    }
    if blank(v, "rationale") {
        return Err(format!(
            "rationale is required when terminal_outcome={outcome}"
        ));
    }
    if v.get("other_answer").and_then(Json::as_bool) == Some(true) {
        return Err(format!(
            "other_answer must be False when terminal_outcome={outcome}"
        ));
    }
    Ok(())
}

/// `DecisionPointResolved`, planning-interview origin.
pub static DECISION_POINT_RESOLVED_INTERVIEW_PAYLOAD: LazyLock<Arc<ModelDef>> =
    LazyLock::new(|| {
        ids(ModelDef::new(
            "DecisionPointResolvedInterviewPayload",
            "The resolution of an interview decision point.",
        )
        .forbid()
        .field(origin("planning_interview")))
        .field(Field::required("terminal_outcome", &TERMINAL_OUTCOME).doc("How it ended"))
        .field(Field::optional("final_answer", Ty::str()).doc("The answer, when resolved"))
        .field(
            Field::with_default("other_answer", Ty::bool(), json!(false))
                .doc("Whether the answer is outside the options"),
        )
        .field(Field::optional("rationale", Ty::str()).doc("Why"))
        .field(Field::optional("summary", &*SUMMARY_BLOCK).doc("Summary of the discussion"))
        .field(participants_field("actual_participants", "Who took part"))
        .field(nonempty("resolved_by", "Who resolved it"))
        .field(
            Field::with_default("closed_locally_while_widened", Ty::bool(), json!(false))
                .doc("Closed locally although widened to Slack"),
        )
        .field(
            Field::optional("closure_message", &*CLOSURE_MESSAGE_REF)
                .doc("The Slack closure message"),
        )
        .field(timestamps_entered())
        .field(recorded_at())
        .check(outcome_fields)
        .build()
    });

/// The contract of a `DecisionPointResolved` payload: ADR or interview.
pub static DECISION_POINT_RESOLVED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    tagged_union(
        "tagged-union[DecisionPointResolvedAdrPayload,function-after[_enforce_outcome_fields(), DecisionPointResolvedInterviewPayload]]",
        "DecisionPointResolved payload, by origin surface.",
        &DECISION_POINT_RESOLVED_ADR_PAYLOAD,
        &DECISION_POINT_RESOLVED_INTERVIEW_PAYLOAD,
    )
});

/// The contract of a `DecisionPointOverridden` payload (ADR style; origin optional).
pub static DECISION_POINT_OVERRIDDEN_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    adr_body(
        ModelDef::new(
            "DecisionPointOverriddenPayload",
            "A resolved decision point was overridden.",
        )
        .forbid()
        .field(Field::optional("origin_surface", &ORIGIN_SURFACE).doc("Origin surface")),
    )
    .build()
});

/// A validated ADR-style payload (Opened, Discussing or Resolved from an ADR, or any
/// Overridden).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdrDecisionPayload {
    /// Origin (always `adr` except on Overridden, where it is optional).
    pub origin_surface: Option<OriginSurface>,
    /// Decision point.
    pub decision_point_id: String,
    /// Mission.
    pub mission_id: String,
    /// Run.
    pub run_id: String,
    /// Mission slug.
    pub mission_slug: String,
    /// Mission type.
    pub mission_type: String,
    /// Phase.
    pub phase: String,
    /// Actor.
    pub actor_id: String,
    /// `human`, `llm` or `service`.
    pub actor_type: String,
    /// Authority.
    pub authority_role: DecisionAuthorityRole,
    /// Mission-owner authority claimed.
    pub mission_owner_authority_flag: bool,
    /// Source of that authority.
    pub mission_owner_authority_path: String,
    /// Why.
    pub rationale: String,
    /// Alternatives.
    pub alternatives_considered: Vec<String>,
    /// Evidence.
    pub evidence_refs: Vec<String>,
    /// State entered at.
    pub state_entered_at: String,
    /// Recorded at.
    pub recorded_at: String,
}

/// A validated interview-origin `DecisionPointOpened` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionPointOpenedInterviewPayload {
    /// Always `planning_interview`.
    pub origin_surface: OriginSurface,
    /// Decision point.
    pub decision_point_id: String,
    /// Mission.
    pub mission_id: String,
    /// Run.
    pub run_id: String,
    /// Mission slug.
    pub mission_slug: String,
    /// Mission type.
    pub mission_type: String,
    /// Phase.
    pub phase: String,
    /// Flow.
    pub origin_flow: OriginFlow,
    /// Question.
    pub question: String,
    /// Options.
    pub options: Vec<String>,
    /// Input key.
    pub input_key: String,
    /// Step.
    pub step_id: String,
    /// Actor.
    pub actor_id: String,
    /// Actor type.
    pub actor_type: String,
    /// State entered at.
    pub state_entered_at: String,
    /// Recorded at.
    pub recorded_at: String,
}

/// A validated `DecisionPointWidened` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionPointWidenedPayload {
    /// Always `planning_interview`.
    pub origin_surface: OriginSurface,
    /// Decision point.
    pub decision_point_id: String,
    /// Mission.
    pub mission_id: String,
    /// Run.
    pub run_id: String,
    /// Mission slug.
    pub mission_slug: String,
    /// Mission type.
    pub mission_type: String,
    /// Channel.
    pub channel: WideningChannel,
    /// Teamspace.
    pub teamspace_ref: TeamspaceRef,
    /// Default channel.
    pub default_channel_ref: DefaultChannelRef,
    /// Thread.
    pub thread_ref: ThreadRef,
    /// Invited.
    pub invited_participants: Vec<ParticipantIdentity>,
    /// Who widened.
    pub widened_by: String,
    /// When.
    pub widened_at: String,
    /// Recorded at.
    pub recorded_at: String,
}

/// A validated interview-origin `DecisionPointDiscussing` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionPointDiscussingInterviewPayload {
    /// Always `planning_interview`.
    pub origin_surface: OriginSurface,
    /// Decision point.
    pub decision_point_id: String,
    /// Mission.
    pub mission_id: String,
    /// Run.
    pub run_id: String,
    /// Mission slug.
    pub mission_slug: String,
    /// Mission type.
    pub mission_type: String,
    /// Snapshot kind.
    pub snapshot_kind: DiscussingSnapshotKind,
    /// Contributions.
    pub contributions: Vec<String>,
    /// Actor.
    pub actor_id: String,
    /// Actor type.
    pub actor_type: String,
    /// State entered at.
    pub state_entered_at: String,
    /// Recorded at.
    pub recorded_at: String,
}

/// A validated interview-origin `DecisionPointResolved` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionPointResolvedInterviewPayload {
    /// Always `planning_interview`.
    pub origin_surface: OriginSurface,
    /// Decision point.
    pub decision_point_id: String,
    /// Mission.
    pub mission_id: String,
    /// Run.
    pub run_id: String,
    /// Mission slug.
    pub mission_slug: String,
    /// Mission type.
    pub mission_type: String,
    /// Outcome.
    pub terminal_outcome: TerminalOutcome,
    /// Answer.
    pub final_answer: Option<String>,
    /// Answer outside the options.
    pub other_answer: bool,
    /// Why.
    pub rationale: Option<String>,
    /// Summary.
    pub summary: Option<SummaryBlock>,
    /// Participants.
    pub actual_participants: Vec<ParticipantIdentity>,
    /// Resolver.
    pub resolved_by: String,
    /// Closed locally while widened.
    pub closed_locally_while_widened: bool,
    /// Closure message.
    pub closure_message: Option<ClosureMessageRef>,
    /// State entered at.
    pub state_entered_at: String,
    /// Recorded at.
    pub recorded_at: String,
}

/// A decision-point payload in its validated form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecisionPointPayload {
    /// ADR style (Opened, Discussing, Resolved from an ADR; Overridden).
    Adr(Box<AdrDecisionPayload>),
    /// Interview Opened.
    OpenedInterview(Box<DecisionPointOpenedInterviewPayload>),
    /// Widened.
    Widened(Box<DecisionPointWidenedPayload>),
    /// Interview Discussing.
    DiscussingInterview(Box<DecisionPointDiscussingInterviewPayload>),
    /// Interview Resolved.
    ResolvedInterview(Box<DecisionPointResolvedInterviewPayload>),
}

fn typed<T: serde::de::DeserializeOwned>(v: &Json<'_>) -> Result<T, Vec<FieldError>> {
    T::deserialize(JsonDeserializer(v))
        .map_err(|e| vec![FieldError::new("internal", e.to_string())])
}

/// The contract of `event_type`'s payload, if it is a decision-point type.
pub fn payload_model(event_type: &str) -> Option<&'static Arc<ModelDef>> {
    Some(match event_type {
        DECISION_POINT_OPENED => &DECISION_POINT_OPENED_PAYLOAD,
        DECISION_POINT_WIDENED => &DECISION_POINT_WIDENED_PAYLOAD,
        DECISION_POINT_DISCUSSING => &DECISION_POINT_DISCUSSING_PAYLOAD,
        DECISION_POINT_RESOLVED => &DECISION_POINT_RESOLVED_PAYLOAD,
        DECISION_POINT_OVERRIDDEN => &DECISION_POINT_OVERRIDDEN_PAYLOAD,
        _ => return None,
    })
}

/// Validates a decision-point payload of `event_type` into its typed form (`None` for
/// other event types).
pub fn parse_payload(
    event_type: &str,
    payload: &Json<'_>,
) -> Option<Result<DecisionPointPayload, Vec<FieldError>>> {
    let model = payload_model(event_type)?;
    Some(model.validate_json(payload).and_then(|v| {
        let interview =
            v.get_str("origin_surface") == Some(OriginSurface::PlanningInterview.as_str());
        Ok(match event_type {
            DECISION_POINT_WIDENED => DecisionPointPayload::Widened(Box::new(typed(&v)?)),
            DECISION_POINT_OPENED if interview => {
                DecisionPointPayload::OpenedInterview(Box::new(typed(&v)?))
            }
            DECISION_POINT_DISCUSSING if interview => {
                DecisionPointPayload::DiscussingInterview(Box::new(typed(&v)?))
            }
            DECISION_POINT_RESOLVED if interview => {
                DecisionPointPayload::ResolvedInterview(Box::new(typed(&v)?))
            }
            _ => DecisionPointPayload::Adr(Box::new(typed(&v)?)),
        })
    }))
}

/// An event the decision-point reducer could not apply, or a policy it saw broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionPointAnomaly {
    /// `invalid_transition`, `authority_policy_violation`, `llm_policy_violation`,
    /// `malformed_payload`, `event_after_terminal`, `origin_mismatch` or
    /// `missing_summary`.
    pub kind: String,
    /// The event.
    pub event_id: String,
    /// What happened.
    pub message: String,
}

/// The projected state of one decision point.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReducedDecisionPointState {
    /// Current state.
    pub state: Option<DecisionPointState>,
    /// Decision point.
    pub decision_point_id: Option<String>,
    /// Mission.
    pub mission_id: Option<String>,
    /// Run.
    pub run_id: Option<String>,
    /// Mission slug.
    pub mission_slug: Option<String>,
    /// Mission type.
    pub mission_type: Option<String>,
    /// Phase.
    pub phase: Option<String>,
    /// Last actor.
    pub last_actor_id: Option<String>,
    /// Its type.
    pub last_actor_type: Option<String>,
    /// Last authority role.
    pub last_authority_role: Option<DecisionAuthorityRole>,
    /// Last rationale.
    pub last_rationale: Option<String>,
    /// Last alternatives.
    pub last_alternatives_considered: Option<Vec<String>>,
    /// Last evidence.
    pub last_evidence_refs: Option<Vec<String>>,
    /// When the current state was entered.
    pub last_state_entered_at: Option<String>,
    /// Anomalies, in replay order.
    pub anomalies: Vec<DecisionPointAnomaly>,
    /// Distinct events of any type.
    pub event_count: u64,
    /// Origin surface, from Opened.
    pub origin_surface: Option<OriginSurface>,
    /// Interview flow.
    pub origin_flow: Option<OriginFlow>,
    /// Interview question.
    pub question: Option<String>,
    /// Interview options.
    pub options: Option<Vec<String>>,
    /// Interview input key.
    pub input_key: Option<String>,
    /// Interview step.
    pub step_id: Option<String>,
    /// Widening, once widened.
    pub widening: Option<WideningProjection>,
    /// Interview outcome.
    pub terminal_outcome: Option<TerminalOutcome>,
    /// Interview answer.
    pub final_answer: Option<String>,
    /// Answer outside the options.
    pub other_answer: bool,
    /// Summary.
    pub summary: Option<SummaryBlock>,
    /// Participants.
    pub actual_participants: Vec<ParticipantIdentity>,
    /// Resolver.
    pub resolved_by: Option<String>,
    /// Closed locally while widened.
    pub closed_locally_while_widened: bool,
    /// Closure message.
    pub closure_message: Option<ClosureMessageRef>,
}

impl DecisionPointState {
    fn of_event(event_type: &str) -> Option<Self> {
        Some(match event_type {
            DECISION_POINT_OPENED => DecisionPointState::Open,
            DECISION_POINT_WIDENED => DecisionPointState::Widened,
            DECISION_POINT_DISCUSSING => DecisionPointState::Discussing,
            DECISION_POINT_RESOLVED => DecisionPointState::Resolved,
            DECISION_POINT_OVERRIDDEN => DecisionPointState::Overridden,
            _ => return None,
        })
    }

    /// Whether a decision point in `from` (`None`: not opened) may move to `to`.
    pub fn allows(from: Option<Self>, to: Self) -> bool {
        use DecisionPointState::*;
        match from {
            None => to == Open,
            Some(Open) => matches!(to, Widened | Discussing | Resolved),
            Some(Widened) => matches!(to, Widened | Discussing | Resolved),
            Some(Discussing) => matches!(to, Discussing | Resolved),
            Some(Resolved) => to == Overridden,
            Some(Overridden) => false,
        }
    }
}

fn origin_repr(o: OriginSurface) -> String {
    format!("<{}: '{}'>", o.py_name(), o.as_str())
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// A payload carrying the five ids of a decision point, which the state keeps.
trait DecisionPointIds {
    /// Takes `decision_point_id`, `mission_id`, `run_id`, `mission_slug` and
    /// `mission_type` out of the payload (they are moved into the state, not copied).
    fn take_ids(&mut self) -> [String; 5];
}

macro_rules! decision_point_ids {
    ($($payload:ty),+ $(,)?) => {$(
        impl DecisionPointIds for $payload {
            fn take_ids(&mut self) -> [String; 5] {
                use std::mem::take;
                [
                    take(&mut self.decision_point_id),
                    take(&mut self.mission_id),
                    take(&mut self.run_id),
                    take(&mut self.mission_slug),
                    take(&mut self.mission_type),
                ]
            }
        }
    )+};
}

decision_point_ids!(
    AdrDecisionPayload,
    DecisionPointOpenedInterviewPayload,
    DecisionPointWidenedPayload,
    DecisionPointDiscussingInterviewPayload,
    DecisionPointResolvedInterviewPayload,
);

impl ReducedDecisionPointState {
    fn set_ids(&mut self, p: &mut impl DecisionPointIds) {
        let [dp, mission, run, slug, mtype] = p.take_ids();
        self.decision_point_id = Some(dp);
        self.mission_id = Some(mission);
        self.run_id = Some(run);
        self.mission_slug = Some(slug);
        self.mission_type = Some(mtype);
    }

    fn apply_adr(&mut self, mut p: AdrDecisionPayload) {
        self.set_ids(&mut p);
        self.phase = Some(p.phase);
        self.last_actor_id = Some(p.actor_id);
        self.last_actor_type = Some(p.actor_type);
        self.last_authority_role = Some(p.authority_role);
        self.last_rationale = Some(p.rationale);
        self.last_alternatives_considered = Some(p.alternatives_considered);
        self.last_evidence_refs = Some(p.evidence_refs);
        self.last_state_entered_at = Some(p.state_entered_at);
    }
}

/// Policy checks of ADR-style payloads: the anomaly, if the event breaks one.
fn adr_policy(
    event_type: &str,
    target: DecisionPointState,
    p: &AdrDecisionPayload,
) -> Option<(&'static str, String)> {
    let authority_required = matches!(
        target,
        DecisionPointState::Resolved | DecisionPointState::Overridden
    );
    if authority_required
        && (p.actor_type != "human"
            || p.authority_role != DecisionAuthorityRole::MissionOwner
            || !p.mission_owner_authority_flag)
    {
        return Some((
            "authority_policy_violation",
            format!(
                "{} requires actor_type='human', authority_role='mission_owner', and \
                 mission_owner_authority_flag=True; got actor_type={}, authority_role={}, \
                 mission_owner_authority_flag={}",
                py_str_repr(event_type),
                py_str_repr(&p.actor_type),
                py_str_repr(p.authority_role.as_str()),
                py_bool(p.mission_owner_authority_flag)
            ),
        ));
    }
    if p.actor_type == "llm" {
        if p.phase != "P0" {
            return Some((
                "llm_policy_violation",
                format!(
                    "LLM actor only allowed in phase='P0'; got phase={}",
                    py_str_repr(&p.phase)
                ),
            ));
        }
        if !matches!(
            p.authority_role,
            DecisionAuthorityRole::Advisory | DecisionAuthorityRole::Informed
        ) {
            return Some((
                "llm_policy_violation",
                format!(
                    "LLM actor must have advisory or informed role; got authority_role={}",
                    py_str_repr(p.authority_role.as_str())
                ),
            ));
        }
        if p.mission_owner_authority_flag {
            return Some((
                "llm_policy_violation",
                "LLM actor must not carry mission-owner authority".to_owned(),
            ));
        }
    }
    None
}

/// What the decision-point reducer keeps of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DecisionPointItem {
    /// A decision-point event: its type, its `decision_point_id` as given (for
    /// messages), and its payload or the `malformed_payload` message it becomes.
    Event {
        /// The event type.
        event_type: Cow<'static, str>,
        /// The raw `decision_point_id`, when a string.
        decision_point_id: Option<String>,
        /// The validated payload, or the anomaly message.
        payload: std::result::Result<DecisionPointPayload, String>,
    },
    /// Any other event: counted only.
    Other,
}

/// The decision-point reducer as a [`Projection`]: the state of one decision point.
///
/// Transitions: not opened → open; open → widened, discussing or resolved; widened →
/// discussing or resolved (a repeated widening is absorbed silently); discussing →
/// discussing or resolved; resolved → overridden; overridden is terminal. Broken
/// transitions, invalid payloads, events after the terminal state and ADR authority or
/// LLM policy breaches become anomalies and are not applied; an origin surface differing
/// from the first one seen is reported but applied; an interview resolution after a
/// widening without a summary, or claiming a local close without a widening, is reported
/// too. `event_count` counts every distinct event. The fold is event by event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionPointProjection {
    st: ReducedDecisionPointState,
    seen_origin: Option<OriginSurface>,
}

impl Projection for DecisionPointProjection {
    type Item = DecisionPointItem;
    type State = ReducedDecisionPointState;

    fn needs_payload(event_type: &str) -> bool {
        DECISION_POINT_EVENT_TYPES.contains(&event_type)
    }

    fn prepare(event: &EventRef<'_>) -> Option<DecisionPointItem> {
        let Some(etype) = DECISION_POINT_EVENT_TYPES
            .iter()
            .find(|t| **t == event.event_type)
        else {
            return Some(DecisionPointItem::Other);
        };
        let payload = match parse_payload(etype, event.payload) {
            Some(Ok(p)) => Ok(p),
            Some(Err(errors)) => {
                let model = payload_model(etype).map_or("", |m| m.name);
                Err(format!(
                    "Payload validation failed for {}: {}",
                    py_str_repr(etype),
                    render_report(model, &errors)
                ))
            }
            None => return Some(DecisionPointItem::Other),
        };
        Some(DecisionPointItem::Event {
            event_type: Cow::Borrowed(etype),
            decision_point_id: event
                .payload
                .get_str("decision_point_id")
                .map(str::to_owned),
            payload,
        })
    }

    fn apply(&mut self, events: Vec<Prepared<DecisionPointItem>>) -> Result<()> {
        self.st.event_count += events.len() as u64;
        for p in &events {
            if let DecisionPointItem::Event {
                event_type,
                decision_point_id,
                payload,
            } = &p.item
            {
                self.apply_one(
                    p.event_id(),
                    event_type,
                    decision_point_id.as_deref(),
                    payload,
                );
            }
        }
        release(events);
        Ok(())
    }

    fn state(&self) -> Result<ReducedDecisionPointState> {
        Ok(self.st.clone())
    }

    fn into_state(self) -> Result<ReducedDecisionPointState> {
        Ok(self.st)
    }
}

impl DecisionPointProjection {
    fn apply_one(
        &mut self,
        event_id: &str,
        etype: &str,
        decision_point_id: Option<&str>,
        parsed: &std::result::Result<DecisionPointPayload, String>,
    ) {
        let s = &mut self.st;
        let seen_origin = &mut self.seen_origin;
        let Some(target) = DecisionPointState::of_event(etype) else {
            return;
        };
        let anomaly = |s: &mut ReducedDecisionPointState, kind: &str, message: String| {
            s.anomalies.push(DecisionPointAnomaly {
                kind: kind.to_owned(),
                event_id: event_id.to_owned(),
                message,
            });
        };
        if s.state == Some(DecisionPointState::Overridden) {
            anomaly(
                s,
                "event_after_terminal",
                format!(
                    "Event {} arrived after terminal state 'overridden'",
                    py_str_repr(etype)
                ),
            );
            return;
        }
        if target == DecisionPointState::Widened && s.state == Some(DecisionPointState::Widened) {
            return;
        }
        if !DecisionPointState::allows(s.state, target) {
            let message = format!(
                "Invalid transition: {} -> {}",
                s.state.map_or("None", DecisionPointState::as_str),
                target.as_str()
            );
            anomaly(s, "invalid_transition", message);
            return;
        }
        let payload = match parsed {
            Ok(p) => p.clone(),
            Err(message) => {
                anomaly(s, "malformed_payload", message.clone());
                return;
            }
        };
        let event_origin = match &payload {
            DecisionPointPayload::Adr(p) => p.origin_surface,
            _ => Some(OriginSurface::PlanningInterview),
        };
        if let Some(o) = event_origin {
            match *seen_origin {
                None => *seen_origin = Some(o),
                Some(prior) if prior != o => {
                    let dp = decision_point_id.map_or_else(|| "'?'".to_owned(), py_str_repr);
                    anomaly(
                        s,
                        "origin_mismatch",
                        format!(
                            "Event origin_surface={} differs from prior {} for decision_point_id={dp}",
                            origin_repr(o),
                            origin_repr(prior)
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        if let DecisionPointPayload::Adr(p) = &payload
            && let Some((kind, message)) = adr_policy(etype, target, p)
        {
            anomaly(s, kind, message);
            return;
        }
        s.state = Some(target);
        match payload {
            DecisionPointPayload::Adr(p) => {
                s.apply_adr(*p);
                if etype == DECISION_POINT_OPENED {
                    s.origin_surface = Some(OriginSurface::Adr);
                }
            }
            DecisionPointPayload::OpenedInterview(p) => {
                let mut p = *p;
                s.set_ids(&mut p);
                s.phase = Some(p.phase);
                s.last_actor_id = Some(p.actor_id);
                s.last_actor_type = Some(p.actor_type);
                s.last_state_entered_at = Some(p.state_entered_at);
                s.origin_surface = Some(OriginSurface::PlanningInterview);
                s.origin_flow = Some(p.origin_flow);
                s.question = Some(p.question);
                s.options = Some(p.options);
                s.input_key = Some(p.input_key);
                s.step_id = Some(p.step_id);
            }
            DecisionPointPayload::Widened(p) => {
                let mut p = *p;
                s.set_ids(&mut p);
                s.widening = Some(WideningProjection {
                    channel: p.channel,
                    teamspace_ref: p.teamspace_ref,
                    default_channel_ref: p.default_channel_ref,
                    thread_ref: p.thread_ref,
                    invited_participants: p.invited_participants,
                    widened_by: p.widened_by,
                    widened_at: p.widened_at,
                });
            }
            DecisionPointPayload::DiscussingInterview(p) => {
                let mut p = *p;
                s.set_ids(&mut p);
                s.last_actor_id = Some(p.actor_id);
                s.last_actor_type = Some(p.actor_type);
                s.last_state_entered_at = Some(p.state_entered_at);
            }
            DecisionPointPayload::ResolvedInterview(p) => {
                let mut p = *p;
                s.set_ids(&mut p);
                s.last_state_entered_at = Some(p.state_entered_at);
                s.last_rationale = p.rationale;
                s.terminal_outcome = Some(p.terminal_outcome);
                s.final_answer = p.final_answer;
                s.other_answer = p.other_answer;
                let missing_summary = p.summary.is_none();
                s.summary = p.summary;
                s.actual_participants = p.actual_participants;
                s.resolved_by = Some(p.resolved_by);
                s.closure_message = p.closure_message;
                if s.widening.is_some() && missing_summary {
                    anomaly(
                        s,
                        "missing_summary",
                        "DecisionPointResolved with origin=planning_interview requires summary \
                         when a prior DecisionPointWidened exists for this decision_point_id"
                            .to_owned(),
                    );
                }
                s.closed_locally_while_widened = false;
                if p.closed_locally_while_widened {
                    if s.widening.is_none() {
                        anomaly(
                            s,
                            "invalid_transition",
                            format!(
                                "closed_locally_while_widened=True without prior \
                                 DecisionPointWidened (event_id={})",
                                py_str_repr(event_id)
                            ),
                        );
                    } else {
                        s.closed_locally_while_widened = true;
                    }
                }
            }
        }
    }
}

/// Replays decision-point events: a full reduction with [`DecisionPointProjection`].
pub fn reduce_decision_point_events<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> ReducedDecisionPointState {
    replay_all(
        DecisionPointProjection::default(),
        prepare::<DecisionPointProjection>(events),
    )
    .unwrap_or_default()
}
