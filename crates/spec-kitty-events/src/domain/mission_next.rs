//! Mission-next runtime: runs, issued and completed steps, decision inputs, and the
//! reducer that projects one run's state.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, ModelDef, SeqKind, StrTy, Ty};
use crate::domain::dossier::parse_with;
use crate::envelope::{Event, EventRef};
use crate::error::Result;
use crate::json::Json;
use crate::projection::{Prepared, Projection, prepare, release, replay_all};

/// Event type: a mission run started.
pub const MISSION_RUN_STARTED: &str = "MissionRunStarted";
/// Event type reserved for planned steps (no payload contract; the reducer skips it).
pub const NEXT_STEP_PLANNED: &str = "NextStepPlanned";
/// Event type: a step was handed to an agent.
pub const NEXT_STEP_ISSUED: &str = "NextStepIssued";
/// Event type: a step finished on its own.
pub const NEXT_STEP_AUTO_COMPLETED: &str = "NextStepAutoCompleted";
/// Event type: the run needs a decision.
pub const DECISION_INPUT_REQUESTED: &str = "DecisionInputRequested";
/// Event type: a decision was answered.
pub const DECISION_INPUT_ANSWERED: &str = "DecisionInputAnswered";
/// Event type: the run finished.
pub const MISSION_RUN_COMPLETED: &str = "MissionRunCompleted";

/// Every mission-next event type (the reserved one included).
pub const MISSION_NEXT_EVENT_TYPES: [&str; 7] = [
    MISSION_RUN_STARTED,
    NEXT_STEP_PLANNED,
    NEXT_STEP_ISSUED,
    NEXT_STEP_AUTO_COMPLETED,
    DECISION_INPUT_REQUESTED,
    DECISION_INPUT_ANSWERED,
    MISSION_RUN_COMPLETED,
];

str_enum!(
    /// Execution states of a mission run.
    MissionRunStatus, MISSION_RUN_STATUS, "Execution states of a mission run.", {
        /// Started and not finished.
        Running = "running",
        /// Finished (terminal).
        Completed = "completed",
    }
);

/// Who acts at run time: a person, a language model or a service.
pub static RUNTIME_ACTOR_IDENTITY: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "RuntimeActorIdentity",
        "Who acts at run time: a person, a language model or a service.",
    )
    .field(Field::required("actor_id", Ty::nonempty()).doc("Actor identifier"))
    .field(
        Field::required("actor_type", StrTy::new().pattern(r"^(human|llm|service)$"))
            .doc("human, llm or service"),
    )
    .field(Field::with_default("display_name", Ty::str(), json!("")).doc("Name to display"))
    .field(Field::optional("provider", Ty::str()).doc("Model provider"))
    .field(Field::optional("model", Ty::str()).doc("Model name"))
    .field(Field::optional("tool", Ty::str()).doc("Tool name"))
    .build()
});

fn run_id() -> Field {
    Field::required("run_id", Ty::nonempty()).doc("Run identifier")
}

fn actor(doc: &'static str) -> Field {
    Field::required("actor", &*RUNTIME_ACTOR_IDENTITY).doc(doc)
}

/// The contract of a `MissionRunStarted` payload.
pub static MISSION_RUN_STARTED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new("MissionRunStartedPayload", "Payload of MissionRunStarted.")
        .field(Field::required("run_id", Ty::nonempty()).doc("Identifier of the new run"))
        .field(Field::required("mission_type", Ty::nonempty()).doc("Mission template being run"))
        .field(actor("Who started the run"))
        .build()
});

/// The contract of a `NextStepIssued` payload.
pub static NEXT_STEP_ISSUED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new("NextStepIssuedPayload", "Payload of NextStepIssued.")
        .field(run_id())
        .field(Field::required("step_id", Ty::nonempty()).doc("Step handed out"))
        .field(Field::required("agent_id", Ty::nonempty()).doc("Agent that takes the step"))
        .field(actor("Who issued the step"))
        .build()
});

/// The contract of a `NextStepAutoCompleted` payload.
pub static NEXT_STEP_AUTO_COMPLETED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "NextStepAutoCompletedPayload",
        "Payload of NextStepAutoCompleted.",
    )
    .field(run_id())
    .field(Field::required("step_id", Ty::nonempty()).doc("Step that finished"))
    .field(Field::required("agent_id", Ty::nonempty()).doc("Agent that finished it"))
    .field(Field::required("result", Ty::nonempty()).doc("Outcome, e.g. success or failed"))
    .field(actor("Actor in whose context the step finished"))
    .build()
});

/// The contract of a `DecisionInputRequested` payload.
pub static DECISION_INPUT_REQUESTED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "DecisionInputRequestedPayload",
        "Payload of DecisionInputRequested.",
    )
    .field(run_id())
    .field(Field::required("decision_id", Ty::nonempty()).doc("Decision identifier"))
    .field(Field::required("step_id", Ty::nonempty()).doc("Step waiting for the decision"))
    .field(Field::required("question", Ty::nonempty()).doc("What is asked"))
    .field(
        Field::with_factory_default(
            "options",
            Ty::seq(SeqKind::Tuple, Ty::str(), None, None),
            json!([]),
        )
        .doc("Proposed answers"),
    )
    .field(Field::optional("input_key", Ty::str()).doc("Key of the input the answer fills"))
    .field(actor("Who asked"))
    .build()
});

/// The contract of a `DecisionInputAnswered` payload.
pub static DECISION_INPUT_ANSWERED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "DecisionInputAnsweredPayload",
        "Payload of DecisionInputAnswered.",
    )
    .field(run_id())
    .field(Field::required("decision_id", Ty::nonempty()).doc("Decision answered"))
    .field(Field::required("answer", Ty::nonempty()).doc("The answer"))
    .field(actor("Who answered"))
    .build()
});

/// The contract of a `MissionRunCompleted` payload.
pub static MISSION_RUN_COMPLETED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "MissionRunCompletedPayload",
        "Payload of MissionRunCompleted.",
    )
    .field(run_id())
    .field(Field::required("mission_type", Ty::nonempty()).doc("Mission template that finished"))
    .field(actor("Actor in whose context the run finished"))
    .build()
});

/// A validated runtime actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeActorIdentity {
    /// Identifier.
    pub actor_id: String,
    /// `human`, `llm` or `service`.
    pub actor_type: String,
    /// Display name (empty by default).
    pub display_name: String,
    /// Model provider.
    pub provider: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Tool.
    pub tool: Option<String>,
}

/// A validated `MissionRunStarted` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissionRunStartedPayload {
    /// Run.
    pub run_id: String,
    /// Mission template.
    pub mission_type: String,
    /// Who started it.
    pub actor: RuntimeActorIdentity,
}

/// A validated `NextStepIssued` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStepIssuedPayload {
    /// Run.
    pub run_id: String,
    /// Step.
    pub step_id: String,
    /// Agent.
    pub agent_id: String,
    /// Who issued it.
    pub actor: RuntimeActorIdentity,
}

/// A validated `NextStepAutoCompleted` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStepAutoCompletedPayload {
    /// Run.
    pub run_id: String,
    /// Step.
    pub step_id: String,
    /// Agent.
    pub agent_id: String,
    /// Outcome.
    pub result: String,
    /// Actor context.
    pub actor: RuntimeActorIdentity,
}

/// A validated `DecisionInputRequested` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionInputRequestedPayload {
    /// Run.
    pub run_id: String,
    /// Decision.
    pub decision_id: String,
    /// Step.
    pub step_id: String,
    /// Question.
    pub question: String,
    /// Proposed answers.
    pub options: Vec<String>,
    /// Input key.
    pub input_key: Option<String>,
    /// Who asked.
    pub actor: RuntimeActorIdentity,
}

/// A validated `DecisionInputAnswered` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionInputAnsweredPayload {
    /// Run.
    pub run_id: String,
    /// Decision.
    pub decision_id: String,
    /// Answer.
    pub answer: String,
    /// Who answered.
    pub actor: RuntimeActorIdentity,
}

/// A validated `MissionRunCompleted` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissionRunCompletedPayload {
    /// Run.
    pub run_id: String,
    /// Mission template.
    pub mission_type: String,
    /// Actor context.
    pub actor: RuntimeActorIdentity,
}

/// An event the mission-next reducer could not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissionNextAnomaly {
    /// The event.
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// Why it was not applied.
    pub reason: String,
}

/// The projected state of one mission run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReducedMissionRunState {
    /// Run, from the first valid `MissionRunStarted`.
    pub run_id: Option<String>,
    /// Mission template.
    pub mission_type: Option<String>,
    /// Run status.
    pub run_status: Option<MissionRunStatus>,
    /// The step issued last and not completed since.
    pub current_step_id: Option<String>,
    /// Completed steps, each once, in completion order.
    pub completed_steps: Vec<String>,
    /// Open decision requests by decision id.
    pub pending_decisions: IndexMap<String, DecisionInputRequestedPayload>,
    /// Answers by decision id.
    pub answered_decisions: IndexMap<String, DecisionInputAnsweredPayload>,
    /// Events that were not applied.
    pub anomalies: Vec<MissionNextAnomaly>,
    /// Distinct mission-next events.
    pub event_count: u64,
    /// The last mission-next event in replay order.
    pub last_processed_event_id: Option<String>,
}

impl MissionRunStatus {
    /// Whether no further event may change the run.
    pub fn is_terminal(self) -> bool {
        self == MissionRunStatus::Completed
    }
}

/// A mission-next payload, validated once (`None`: it does not satisfy its contract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MissionNextPayload {
    /// `MissionRunStarted`.
    Started(Option<MissionRunStartedPayload>),
    /// `NextStepPlanned` (reserved; skipped).
    Planned,
    /// `NextStepIssued`.
    Issued(Option<NextStepIssuedPayload>),
    /// `NextStepAutoCompleted`.
    AutoCompleted(Option<NextStepAutoCompletedPayload>),
    /// `DecisionInputRequested`.
    DecisionRequested(Option<DecisionInputRequestedPayload>),
    /// `DecisionInputAnswered`.
    DecisionAnswered(Option<DecisionInputAnsweredPayload>),
    /// `MissionRunCompleted`.
    Completed(Option<MissionRunCompletedPayload>),
}

impl MissionNextPayload {
    fn of(event_type: &str, raw: &Json<'_>) -> Option<MissionNextPayload> {
        use MissionNextPayload as P;
        Some(match event_type {
            MISSION_RUN_STARTED => P::Started(parse_with(&MISSION_RUN_STARTED_PAYLOAD, raw).ok()),
            NEXT_STEP_PLANNED => P::Planned,
            NEXT_STEP_ISSUED => P::Issued(parse_with(&NEXT_STEP_ISSUED_PAYLOAD, raw).ok()),
            NEXT_STEP_AUTO_COMPLETED => {
                P::AutoCompleted(parse_with(&NEXT_STEP_AUTO_COMPLETED_PAYLOAD, raw).ok())
            }
            DECISION_INPUT_REQUESTED => {
                P::DecisionRequested(parse_with(&DECISION_INPUT_REQUESTED_PAYLOAD, raw).ok())
            }
            DECISION_INPUT_ANSWERED => {
                P::DecisionAnswered(parse_with(&DECISION_INPUT_ANSWERED_PAYLOAD, raw).ok())
            }
            MISSION_RUN_COMPLETED => {
                P::Completed(parse_with(&MISSION_RUN_COMPLETED_PAYLOAD, raw).ok())
            }
            _ => return None,
        })
    }

    fn event_type(&self) -> &'static str {
        use MissionNextPayload as P;
        match self {
            P::Started(_) => MISSION_RUN_STARTED,
            P::Planned => NEXT_STEP_PLANNED,
            P::Issued(_) => NEXT_STEP_ISSUED,
            P::AutoCompleted(_) => NEXT_STEP_AUTO_COMPLETED,
            P::DecisionRequested(_) => DECISION_INPUT_REQUESTED,
            P::DecisionAnswered(_) => DECISION_INPUT_ANSWERED,
            P::Completed(_) => MISSION_RUN_COMPLETED,
        }
    }

    /// The run the (valid) payload names, for the events that must match the run.
    fn run_id(&self) -> Option<&str> {
        use MissionNextPayload as P;
        match self {
            P::Issued(Some(p)) => Some(&p.run_id),
            P::AutoCompleted(Some(p)) => Some(&p.run_id),
            P::DecisionRequested(Some(p)) => Some(&p.run_id),
            P::DecisionAnswered(Some(p)) => Some(&p.run_id),
            P::Completed(Some(p)) => Some(&p.run_id),
            _ => None,
        }
    }
}

/// The mission-next reducer as a [`Projection`]: the state of one run.
///
/// The first valid `MissionRunStarted` fixes the run; events before it, after completion,
/// for another run or with an invalid payload become anomalies. `NextStepPlanned` is
/// reserved and skipped (it still counts). The fold is event by event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MissionNextProjection {
    st: ReducedMissionRunState,
}

impl MissionNextProjection {
    fn apply_one(&mut self, event_id: &str, payload: &MissionNextPayload) {
        use MissionNextPayload as P;
        let s = &mut self.st;
        let etype = payload.event_type();
        let anomaly = |reason: String| MissionNextAnomaly {
            event_id: event_id.to_owned(),
            event_type: etype.to_owned(),
            reason,
        };
        if let P::Planned = payload {
            return;
        }
        if let Some(status) = s.run_status.filter(|st| st.is_terminal()) {
            let reason = if etype == MISSION_RUN_COMPLETED {
                "Duplicate completion (terminal idempotency)".to_owned()
            } else {
                format!("Event after terminal state ({})", status.py_name())
            };
            s.anomalies.push(anomaly(reason));
            return;
        }
        let invalid = || anomaly(format!("Invalid {etype} payload"));
        if let P::Started(started) = payload {
            if s.run_id.is_some() {
                s.anomalies.push(anomaly(
                    "Duplicate MissionRunStarted (first one wins)".to_owned(),
                ));
                return;
            }
            match started {
                Some(p) => {
                    s.run_id = Some(p.run_id.clone());
                    s.mission_type = Some(p.mission_type.clone());
                    s.run_status = Some(MissionRunStatus::Running);
                }
                None => s.anomalies.push(invalid()),
            }
            return;
        }
        let Some(run) = s.run_id.clone() else {
            s.anomalies
                .push(anomaly("Event before MissionRunStarted".to_owned()));
            return;
        };
        let Some(got) = payload.run_id() else {
            s.anomalies.push(invalid());
            return;
        };
        if got != run {
            s.anomalies.push(anomaly(format!(
                "run_id mismatch: expected '{run}', got '{got}'"
            )));
            return;
        }
        match payload {
            P::Issued(Some(p)) => s.current_step_id = Some(p.step_id.clone()),
            P::AutoCompleted(Some(p)) => {
                if s.current_step_id.as_deref() == Some(p.step_id.as_str()) {
                    s.current_step_id = None;
                }
                if !s.completed_steps.contains(&p.step_id) {
                    s.completed_steps.push(p.step_id.clone());
                }
            }
            P::DecisionRequested(Some(p)) => {
                if s.pending_decisions.contains_key(&p.decision_id) {
                    s.anomalies.push(anomaly(format!(
                        "Duplicate decision request '{}'",
                        p.decision_id
                    )));
                } else {
                    s.pending_decisions.insert(p.decision_id.clone(), p.clone());
                }
            }
            P::DecisionAnswered(Some(p)) => {
                s.pending_decisions.shift_remove(&p.decision_id);
                s.answered_decisions
                    .insert(p.decision_id.clone(), p.clone());
            }
            P::Completed(Some(_)) => s.run_status = Some(MissionRunStatus::Completed),
            _ => {}
        }
    }
}

impl Projection for MissionNextProjection {
    type Item = MissionNextPayload;
    type State = ReducedMissionRunState;

    fn needs_payload(event_type: &str) -> bool {
        MISSION_NEXT_EVENT_TYPES.contains(&event_type)
    }

    fn prepare(event: &EventRef<'_>) -> Option<MissionNextPayload> {
        MissionNextPayload::of(&event.event_type, event.payload)
    }

    fn apply(&mut self, events: Vec<Prepared<MissionNextPayload>>) -> Result<()> {
        for p in &events {
            self.st.event_count += 1;
            self.st.last_processed_event_id = Some(p.event_id().to_owned());
            self.apply_one(p.event_id(), &p.item);
        }
        release(events);
        Ok(())
    }

    fn state(&self) -> Result<ReducedMissionRunState> {
        Ok(self.st.clone())
    }

    fn into_state(self) -> Result<ReducedMissionRunState> {
        Ok(self.st)
    }
}

/// Replays mission-next events into the state of the run (other event types are
/// ignored): a full reduction with [`MissionNextProjection`]. `event_count` counts
/// distinct mission-next events.
pub fn reduce_mission_next_events<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> ReducedMissionRunState {
    replay_all(
        MissionNextProjection::default(),
        prepare::<MissionNextProjection>(events),
    )
    .unwrap_or_default()
}
