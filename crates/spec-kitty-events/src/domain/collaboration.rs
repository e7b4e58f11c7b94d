//! Collaboration: participants, presence, drive intent, focus, prompt-step executions,
//! warnings and acknowledgements, comments, decisions, linked sessions.

use std::sync::{Arc, LazyLock};

use crate::contract::{Field, ModelDef, SeqKind, Ty};
use crate::domain::decision_moment::PARTICIPANT_IDENTITY;

/// An authentication principal bound to a participant.
pub static AUTH_PRINCIPAL_BINDING: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "AuthPrincipalBinding",
        "Binding of an authentication principal to a participant.",
    )
    .field(Field::required("auth_principal_id", Ty::nonempty()))
    .field(Field::required("participant_id", Ty::nonempty()))
    .field(Field::required("bound_at", Ty::DateTime))
    .build()
});

/// What a participant is focused on.
pub static FOCUS_TARGET: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "FocusTarget",
        "Focus target: a work package, a step or a file.",
    )
    .field(Field::required(
        "target_type",
        Ty::literal_strs(&["wp", "step", "file"]),
    ))
    .field(Field::required("target_id", Ty::nonempty()))
    .build()
});

fn pid() -> Field {
    Field::required("participant_id", Ty::nonempty())
}
fn mission() -> Field {
    Field::required("mission_id", Ty::nonempty())
}
fn opt_str(name: &'static str) -> Field {
    Field::optional(name, Ty::str())
}
fn severity() -> Field {
    Field::required("severity", Ty::literal_strs(&["info", "warning"]))
}
fn participants() -> Field {
    Field::required(
        "participant_ids",
        Ty::seq(SeqKind::List, Ty::str(), Some(2), None),
    )
}

macro_rules! collab_model {
    ($(#[$doc:meta])* $static:ident, $name:literal, $desc:literal, [$($field:expr),+ $(,)?]) => {
        $(#[$doc])*
        pub static $static: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
            ModelDef::new($name, $desc)$(.field($field))+.build()
        });
    };
}

collab_model!(
    /// The contract of a `ParticipantInvited` payload.
    PARTICIPANT_INVITED_PAYLOAD, "ParticipantInvitedPayload", "Payload for ParticipantInvited events.",
    [pid(), Field::required("participant_identity", &*PARTICIPANT_IDENTITY), Field::required("invited_by", Ty::nonempty()), mission()]
);
collab_model!(
    /// The contract of a `ParticipantJoined` payload.
    PARTICIPANT_JOINED_PAYLOAD, "ParticipantJoinedPayload", "Payload for ParticipantJoined events.",
    [pid(), Field::required("participant_identity", &*PARTICIPANT_IDENTITY), mission(), opt_str("auth_principal_id")]
);
collab_model!(
    /// The contract of a `ParticipantLeft` payload.
    PARTICIPANT_LEFT_PAYLOAD, "ParticipantLeftPayload", "Payload for ParticipantLeft events.",
    [pid(), mission(), opt_str("reason")]
);
collab_model!(
    /// The contract of a `PresenceHeartbeat` payload.
    PRESENCE_HEARTBEAT_PAYLOAD, "PresenceHeartbeatPayload", "Payload for PresenceHeartbeat events.",
    [pid(), mission(), opt_str("session_id")]
);
collab_model!(
    /// The contract of a `DriveIntentSet` payload.
    DRIVE_INTENT_SET_PAYLOAD, "DriveIntentSetPayload", "Payload for DriveIntentSet events.",
    [pid(), mission(), Field::required("intent", Ty::literal_strs(&["active", "inactive"]))]
);
collab_model!(
    /// The contract of a `FocusChanged` payload.
    FOCUS_CHANGED_PAYLOAD, "FocusChangedPayload", "Payload for FocusChanged events.",
    [pid(), mission(), Field::required("focus_target", &*FOCUS_TARGET), Field::optional("previous_focus_target", &*FOCUS_TARGET)]
);
collab_model!(
    /// The contract of a `PromptStepExecutionStarted` payload.
    PROMPT_STEP_EXECUTION_STARTED_PAYLOAD, "PromptStepExecutionStartedPayload", "Payload for PromptStepExecutionStarted events.",
    [pid(), mission(), Field::required("step_id", Ty::nonempty()), opt_str("wp_id"), opt_str("step_description")]
);
collab_model!(
    /// The contract of a `PromptStepExecutionCompleted` payload.
    PROMPT_STEP_EXECUTION_COMPLETED_PAYLOAD, "PromptStepExecutionCompletedPayload", "Payload for PromptStepExecutionCompleted events.",
    [pid(), mission(), Field::required("step_id", Ty::nonempty()), opt_str("wp_id"),
     Field::required("outcome", Ty::literal_strs(&["success", "failure", "skipped"]))]
);
collab_model!(
    /// The contract of a `ConcurrentDriverWarning` payload.
    CONCURRENT_DRIVER_WARNING_PAYLOAD, "ConcurrentDriverWarningPayload", "Payload for ConcurrentDriverWarning events.",
    [Field::required("warning_id", Ty::nonempty()), mission(), participants(), Field::required("focus_target", &*FOCUS_TARGET), severity()]
);
collab_model!(
    /// The contract of a `PotentialStepCollisionDetected` payload.
    POTENTIAL_STEP_COLLISION_DETECTED_PAYLOAD, "PotentialStepCollisionDetectedPayload", "Payload for PotentialStepCollisionDetected events.",
    [Field::required("warning_id", Ty::nonempty()), mission(), participants(), Field::required("step_id", Ty::nonempty()), opt_str("wp_id"), severity()]
);
collab_model!(
    /// The contract of a `WarningAcknowledged` payload.
    WARNING_ACKNOWLEDGED_PAYLOAD, "WarningAcknowledgedPayload", "Payload for WarningAcknowledged events.",
    [pid(), mission(), Field::required("warning_id", Ty::nonempty()),
     Field::required("acknowledgement", Ty::literal_strs(&["continue", "hold", "reassign", "defer"]))]
);
collab_model!(
    /// The contract of a `CommentPosted` payload.
    COMMENT_POSTED_PAYLOAD, "CommentPostedPayload", "Payload for CommentPosted events.",
    [pid(), mission(), Field::required("comment_id", Ty::nonempty()), Field::required("content", Ty::nonempty()), opt_str("reply_to")]
);
collab_model!(
    /// The contract of a `DecisionCaptured` payload.
    DECISION_CAPTURED_PAYLOAD, "DecisionCapturedPayload", "Payload for DecisionCaptured events.",
    [pid(), mission(), Field::required("decision_id", Ty::nonempty()), Field::required("topic", Ty::nonempty()),
     Field::required("chosen_option", Ty::nonempty()), opt_str("rationale"), opt_str("referenced_warning_id")]
);
collab_model!(
    /// The contract of a `SessionLinked` payload.
    SESSION_LINKED_PAYLOAD, "SessionLinkedPayload", "Payload for SessionLinked events.",
    [pid(), mission(), Field::required("primary_session_id", Ty::nonempty()), Field::required("linked_session_id", Ty::nonempty()),
     Field::required("link_type", Ty::literal_strs(&["cli_to_saas", "saas_to_cli"]))]
);

/// The payload model of a collaboration event type.
pub fn model_of(event_type: &str) -> Option<&'static ModelDef> {
    Some(match event_type {
        "ParticipantInvited" => &PARTICIPANT_INVITED_PAYLOAD,
        "ParticipantJoined" => &PARTICIPANT_JOINED_PAYLOAD,
        "ParticipantLeft" => &PARTICIPANT_LEFT_PAYLOAD,
        "PresenceHeartbeat" => &PRESENCE_HEARTBEAT_PAYLOAD,
        "DriveIntentSet" => &DRIVE_INTENT_SET_PAYLOAD,
        "FocusChanged" => &FOCUS_CHANGED_PAYLOAD,
        "PromptStepExecutionStarted" => &PROMPT_STEP_EXECUTION_STARTED_PAYLOAD,
        "PromptStepExecutionCompleted" => &PROMPT_STEP_EXECUTION_COMPLETED_PAYLOAD,
        "ConcurrentDriverWarning" => &CONCURRENT_DRIVER_WARNING_PAYLOAD,
        "PotentialStepCollisionDetected" => &POTENTIAL_STEP_COLLISION_DETECTED_PAYLOAD,
        "WarningAcknowledged" => &WARNING_ACKNOWLEDGED_PAYLOAD,
        "CommentPosted" => &COMMENT_POSTED_PAYLOAD,
        "DecisionCaptured" => &DECISION_CAPTURED_PAYLOAD,
        "SessionLinked" => &SESSION_LINKED_PAYLOAD,
        _ => return None,
    })
}

use crate::contract::{FieldError, PathItem, render_report};
use crate::envelope::{Event, EventRef};
use crate::error::{Error, Result};
use crate::json::{Json, py};
use crate::projection::{Prepared, Projection, prepare, release, replay_all};
use crate::timestamp::Timestamp;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// The collaboration event types, in the order of [`model_of`].
const COLLABORATION_EVENT_TYPES: [&str; 14] = [
    "ParticipantInvited",
    "ParticipantJoined",
    "ParticipantLeft",
    "PresenceHeartbeat",
    "DriveIntentSet",
    "FocusChanged",
    "PromptStepExecutionStarted",
    "PromptStepExecutionCompleted",
    "ConcurrentDriverWarning",
    "PotentialStepCollisionDetected",
    "WarningAcknowledged",
    "CommentPosted",
    "DecisionCaptured",
    "SessionLinked",
];

/// A non-fatal issue met while reducing collaboration events (permissive mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollaborationAnomaly {
    /// The event.
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// What was wrong.
    pub reason: String,
}

/// A warning and its acknowledgements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningEntry {
    /// Warning id.
    pub warning_id: String,
    /// The event that raised (or first referenced) it.
    pub event_id: String,
    /// `ConcurrentDriverWarning`, `PotentialStepCollisionDetected` or `UnknownWarning`.
    pub warning_type: String,
    /// Participants concerned.
    pub participant_ids: Vec<String>,
    /// Acknowledgement per participant.
    pub acknowledgements: IndexMap<String, String>,
}

/// A captured decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionEntry {
    /// Decision id.
    pub decision_id: String,
    /// The event.
    pub event_id: String,
    /// Who decided.
    pub participant_id: String,
    /// About what.
    pub topic: String,
    /// What was chosen.
    pub chosen_option: String,
    /// The warning it answers.
    pub referenced_warning_id: Option<String>,
}

/// A posted comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentEntry {
    /// Comment id.
    pub comment_id: String,
    /// The event.
    pub event_id: String,
    /// Author.
    pub participant_id: String,
    /// Text.
    pub content: String,
    /// The comment it answers.
    pub reply_to: Option<String>,
}

/// The projected collaboration state. Identities are kept as their normalised JSON; the
/// reference's unordered sets (`active_drivers`, `participants_by_focus` values) are
/// sorted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReducedCollaborationState {
    /// Mission of the first collaboration event.
    pub mission_id: String,
    /// Active participants.
    pub participants: IndexMap<String, Value>,
    /// Participants who left.
    pub departed_participants: IndexMap<String, Value>,
    /// Last heartbeat per participant.
    pub presence: IndexMap<String, String>,
    /// Participants driving.
    pub active_drivers: BTreeSet<String>,
    /// Focus per participant.
    pub focus_by_participant: IndexMap<String, Value>,
    /// Participants per focus key (`type:id`).
    pub participants_by_focus: IndexMap<String, BTreeSet<String>>,
    /// Warnings in first-seen order.
    pub warnings: Vec<WarningEntry>,
    /// Decisions in order.
    pub decisions: Vec<DecisionEntry>,
    /// Comments in order.
    pub comments: Vec<CommentEntry>,
    /// Open step executions per participant.
    pub active_executions: IndexMap<String, Vec<String>>,
    /// Linked sessions per participant.
    pub linked_sessions: IndexMap<String, Vec<String>>,
    /// Issues met (permissive mode).
    pub anomalies: Vec<CollaborationAnomaly>,
    /// Distinct collaboration events.
    pub event_count: u64,
    /// The last collaboration event in replay order.
    pub last_processed_event_id: Option<String>,
}

/// A warning as collected: its id as given, raising event, type, participants,
/// acknowledgements.
type PendingWarning = (Value, String, String, Vec<Value>, IndexMap<String, Value>);

/// What the collaboration reducer keeps of an event: its type and its payload as given
/// (the reference reads collaboration payloads field by field, unvalidated), with the
/// nested identity or focus target validated once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollaborationItem {
    event_type: Cow<'static, str>,
    payload: Json<'static>,
    /// `participant_identity` or `focus_target`, normalised, when it validates: kept as
    /// the compact tree and made a `Value` only when the fold keeps it.
    nested: Option<Json<'static>>,
}

/// The collaboration reducer as a [`Projection`]: roster, presence, drivers, focus,
/// warnings, decisions, comments, executions and linked sessions.
///
/// In strict mode (the reference's default) an unknown or departed participant, an
/// unmatched step completion or an acknowledgement of an unknown warning refuses the log;
/// permissive mode records anomalies instead. The fold is event by event, so any split
/// folds to the same state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollaborationProjection {
    strict: bool,
    st: ReducedCollaborationState,
    invited: IndexMap<String, Value>,
    warnings: IndexMap<String, PendingWarning>,
    executions: IndexMap<String, Vec<Value>>,
    links: IndexMap<String, Vec<Value>>,
}

/// A string field of an entry the reference builds with a model (it refuses the log when
/// the value is not a string).
fn entry_text(event_id: &str, v: Option<&Json<'_>>, model: &str, field: &str) -> Result<String> {
    match v {
        None => Ok(String::new()),
        Some(Json::Str(s)) => Ok(s.to_string()),
        Some(_) => Err(Error::Replay {
            event_id: event_id.to_owned(),
            reason: format!(
                "1 validation error for {model}\n{field}\n  Input should be a valid string [type=string_type]"
            ),
        }),
    }
}

fn entry_opt_text(
    event_id: &str,
    v: Option<&Json<'_>>,
    model: &str,
    field: &str,
) -> Result<Option<String>> {
    match v {
        None | Some(Json::Null) => Ok(None),
        other => entry_text(event_id, other, model, field).map(Some),
    }
}

fn participant_of(p: &Json<'_>) -> Option<String> {
    p.get_str("participant_id")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A value as the reference's messages print it (`{value!r}`).
fn key_text(v: &Value) -> String {
    py::repr(&Json::from_value(v))
}

/// The event being applied.
struct Current<'x> {
    event_id: &'x str,
    event_type: &'x str,
    timestamp: &'x Timestamp,
}

impl CollaborationProjection {
    /// An empty projection; `strict` refuses the log where the reference raises, and
    /// `roster` seeds participants (participant id → identity, validated).
    pub fn new(strict: bool, roster: Option<&Map<String, Value>>) -> Result<Self> {
        let mut st = ReducedCollaborationState::default();
        if let Some(roster) = roster {
            for (pid, identity) in roster {
                let normalized = PARTICIPANT_IDENTITY.validate(identity).map_err(|errors| {
                    Error::InvalidArgument(format!(
                        "roster entry {pid}: {}",
                        crate::contract::render_report("ParticipantIdentity", &errors)
                    ))
                })?;
                st.participants.insert(pid.clone(), normalized);
            }
        }
        Ok(CollaborationProjection {
            strict,
            st,
            invited: IndexMap::new(),
            warnings: IndexMap::new(),
            executions: IndexMap::new(),
            links: IndexMap::new(),
        })
    }

    fn anomaly(&mut self, e: &Current<'_>, reason: String) {
        self.st.anomalies.push(CollaborationAnomaly {
            event_id: e.event_id.to_owned(),
            event_type: e.event_type.to_owned(),
            reason,
        });
    }

    fn refuse(e: &Current<'_>, reason: String) -> Error {
        Error::Replay {
            event_id: e.event_id.to_owned(),
            reason,
        }
    }

    /// Whether `pid` is an active participant; otherwise an anomaly, or a refusal in
    /// strict mode.
    fn active(&mut self, pid: &Value, e: &Current<'_>) -> Result<bool> {
        // The reference looks the id up in a dict: a list or dict raises a TypeError.
        py::dict_key(&Json::from_value(pid)).map_err(|reason| Self::refuse(e, reason))?;
        let key = pid.as_str().unwrap_or_default();
        if pid.is_string() && self.st.participants.contains_key(key) {
            return Ok(true);
        }
        if pid.is_string() && self.st.departed_participants.contains_key(key) {
            if self.strict {
                return Err(Self::refuse(
                    e,
                    format!(
                        "Participant {} has departed (event_id={}, event_type={})",
                        key_text(pid),
                        e.event_id,
                        e.event_type
                    ),
                ));
            }
            self.anomaly(e, format!("Participant {} has departed", key_text(pid)));
            return Ok(false);
        }
        if self.strict {
            return Err(Self::refuse(
                e,
                format!(
                    "Unknown participant {} in event {} (type={}). Not in mission roster.",
                    key_text(pid),
                    e.event_id,
                    e.event_type
                ),
            ));
        }
        self.anomaly(e, format!("Unknown participant {}", key_text(pid)));
        Ok(false)
    }

    fn unfocus(&mut self, pid: &str) {
        if let Some(key) = self.st.focus_by_participant.get(pid).map(focus_key)
            && let Some(set) = self.st.participants_by_focus.get_mut(&key)
        {
            set.remove(pid);
            if set.is_empty() {
                self.st.participants_by_focus.shift_remove(&key);
            }
        }
    }

    fn apply_one(&mut self, e: &Current<'_>, item: &CollaborationItem) -> Result<()> {
        let p = &item.payload;
        let et = e.event_type;
        let pid = participant_of(p);
        match et {
            "ParticipantInvited" | "ParticipantJoined" => {
                let Some(pid) = pid else {
                    self.anomaly(e, "Missing participant_id in payload".into());
                    return Ok(());
                };
                let Some(identity) = item.nested.as_ref() else {
                    self.anomaly(e, "Invalid participant_identity in payload".into());
                    return Ok(());
                };
                if et == "ParticipantInvited" {
                    if self.st.participants.contains_key(&pid) || self.invited.contains_key(&pid) {
                        self.anomaly(
                            e,
                            format!(
                                "Participant {} already invited or active (duplicate invite)",
                                py::str_repr(&pid)
                            ),
                        );
                    } else {
                        self.invited.insert(pid, identity.to_value());
                    }
                } else if self.st.participants.contains_key(&pid)
                    && !self.st.departed_participants.contains_key(&pid)
                {
                    self.anomaly(
                        e,
                        format!("Duplicate join for participant {}", py::str_repr(&pid)),
                    );
                } else {
                    self.st.departed_participants.shift_remove(&pid);
                    self.invited.shift_remove(&pid);
                    self.st.participants.insert(pid, identity.to_value());
                }
            }
            "ParticipantLeft" => {
                let Some(pid) = pid else {
                    self.anomaly(e, "Missing participant_id in payload".into());
                    return Ok(());
                };
                let Some(identity) = self.st.participants.shift_remove(&pid) else {
                    self.anomaly(
                        e,
                        format!(
                            "Participant {} not in roster (duplicate leave or unknown)",
                            py::str_repr(&pid)
                        ),
                    );
                    return Ok(());
                };
                self.st.departed_participants.insert(pid.clone(), identity);
                self.st.active_drivers.remove(&pid);
                self.unfocus(&pid);
                self.st.focus_by_participant.shift_remove(&pid);
                self.st.presence.shift_remove(&pid);
                self.executions.shift_remove(&pid);
            }
            "PresenceHeartbeat" => {
                let Some(pid) = pid else { return Ok(()) };
                if self.st.departed_participants.contains_key(&pid)
                    && !self.st.participants.contains_key(&pid)
                {
                    if self.strict {
                        return Err(Self::refuse(
                            e,
                            format!(
                                "Participant {} has departed (event_id={}, event_type={et})",
                                py::str_repr(&pid),
                                e.event_id
                            ),
                        ));
                    }
                    self.anomaly(
                        e,
                        format!("Participant {} has departed", py::str_repr(&pid)),
                    );
                    self.st.presence.insert(pid, e.timestamp.to_json_string());
                    return Ok(());
                }
                if self.active(&Value::String(pid.clone()), e)? {
                    self.st.presence.insert(pid, e.timestamp.to_json_string());
                }
            }
            _ => return self.apply_rest(e, item, pid),
        }
        Ok(())
    }

    fn apply_rest(
        &mut self,
        e: &Current<'_>,
        item: &CollaborationItem,
        pid: Option<String>,
    ) -> Result<()> {
        let p = &item.payload;
        let et = e.event_type;
        let field = |k: &str| {
            p.get(k)
                .map_or(Value::String(String::new()), Json::to_value)
        };
        if let "ConcurrentDriverWarning" | "PotentialStepCollisionDetected" = et {
            let Some(wid) = p.get_str("warning_id").filter(|s| !s.is_empty()) else {
                return Ok(());
            };
            let pids: Vec<Value> = match p.get("participant_ids") {
                None => Vec::new(),
                Some(Json::Array(pids)) => pids.iter().map(Json::to_value).collect(),
                Some(_) => return Ok(()),
            };
            for x in &pids {
                self.active(x, e)?;
            }
            let key = format!("s{wid}");
            let acks = self
                .warnings
                .get(&key)
                .map(|w| w.4.clone())
                .unwrap_or_default();
            self.warnings.insert(
                key,
                (
                    Value::String(wid.to_owned()),
                    e.event_id.to_owned(),
                    et.to_owned(),
                    pids,
                    acks,
                ),
            );
            return Ok(());
        }
        let Some(pid) = pid else { return Ok(()) };
        if !self.active(&Value::String(pid.clone()), e)? {
            return Ok(());
        }
        match et {
            "DriveIntentSet" => match p.get_str("intent") {
                Some("active") => {
                    self.st.active_drivers.insert(pid);
                }
                Some("inactive") => {
                    self.st.active_drivers.remove(&pid);
                }
                _ => {}
            },
            "FocusChanged" => {
                let Some(target) = item.nested.as_ref() else {
                    self.anomaly(e, "Invalid focus_target in payload".into());
                    return Ok(());
                };
                self.unfocus(&pid);
                let target = target.to_value();
                let key = focus_key(&target);
                self.st.focus_by_participant.insert(pid.clone(), target);
                self.st
                    .participants_by_focus
                    .entry(key)
                    .or_default()
                    .insert(pid);
            }
            "PromptStepExecutionStarted" => {
                self.executions
                    .entry(pid)
                    .or_default()
                    .push(field("step_id"));
            }
            "PromptStepExecutionCompleted" => {
                let step = field("step_id");
                let step_json = Json::from_value(&step);
                // Python's list membership: `True` finds `1`.
                let found = self.executions.get(&pid).and_then(|steps| {
                    steps
                        .iter()
                        .position(|s| py::eq(&Json::from_value(s), &step_json))
                });
                match found {
                    Some(i) => {
                        if let Some(steps) = self.executions.get_mut(&pid) {
                            steps.remove(i);
                        }
                    }
                    None => {
                        if self.strict {
                            return Err(Self::refuse(
                                e,
                                format!(
                                    "No matching PromptStepExecutionStarted for step {} by participant {} (event_id={}, event_type={et})",
                                    key_text(&step),
                                    py::str_repr(&pid),
                                    e.event_id
                                ),
                            ));
                        }
                        self.anomaly(
                            e,
                            format!(
                                "No matching PromptStepExecutionStarted for step {} by participant {}",
                                key_text(&step),
                                py::str_repr(&pid)
                            ),
                        );
                    }
                }
            }
            "WarningAcknowledged" => {
                let wid = field("warning_id");
                let ack = field("acknowledgement");
                let key = py::dict_key(&Json::from_value(&wid))
                    .map_err(|reason| Self::refuse(e, reason))?;
                match self.warnings.get_mut(&key) {
                    Some(w) => {
                        w.4.insert(pid, ack);
                    }
                    None => {
                        if self.strict {
                            return Err(Self::refuse(
                                e,
                                format!(
                                    "Warning {} not found (event_id={}, event_type={et})",
                                    key_text(&wid),
                                    e.event_id
                                ),
                            ));
                        }
                        self.anomaly(e, format!("Warning {} not found", key_text(&wid)));
                        let mut acks = IndexMap::new();
                        acks.insert(pid.clone(), ack);
                        self.warnings.insert(
                            key,
                            (
                                wid,
                                e.event_id.to_owned(),
                                "UnknownWarning".into(),
                                vec![Value::String(pid)],
                                acks,
                            ),
                        );
                    }
                }
            }
            "CommentPosted" => {
                let id = e.event_id;
                let entry = CommentEntry {
                    comment_id: entry_text(id, p.get("comment_id"), "CommentEntry", "comment_id")?,
                    event_id: id.to_owned(),
                    participant_id: pid,
                    content: entry_text(id, p.get("content"), "CommentEntry", "content")?,
                    reply_to: entry_opt_text(id, p.get("reply_to"), "CommentEntry", "reply_to")?,
                };
                self.st.comments.push(entry);
            }
            "DecisionCaptured" => {
                let id = e.event_id;
                let entry = DecisionEntry {
                    decision_id: entry_text(
                        id,
                        p.get("decision_id"),
                        "DecisionEntry",
                        "decision_id",
                    )?,
                    event_id: id.to_owned(),
                    participant_id: pid,
                    topic: entry_text(id, p.get("topic"), "DecisionEntry", "topic")?,
                    chosen_option: entry_text(
                        id,
                        p.get("chosen_option"),
                        "DecisionEntry",
                        "chosen_option",
                    )?,
                    referenced_warning_id: entry_opt_text(
                        id,
                        p.get("referenced_warning_id"),
                        "DecisionEntry",
                        "referenced_warning_id",
                    )?,
                };
                self.st.decisions.push(entry);
            }
            "SessionLinked" => {
                self.links
                    .entry(pid)
                    .or_default()
                    .push(field("linked_session_id"));
            }
            _ => {}
        }
        Ok(())
    }

    /// Builds the final state. Its entries must hold strings where the reference's models
    /// require them: like the reference, each warning entry is checked as it is built, then
    /// the state's executions and linked sessions, and the first model with a problem
    /// refuses the log with its report.
    fn finish(mut self) -> Result<ReducedCollaborationState> {
        let last = self.st.last_processed_event_id.clone().unwrap_or_default();
        let refuse = |model: &str, errors: &[FieldError]| Error::Replay {
            event_id: last.clone(),
            reason: render_report(model, errors),
        };
        let not_str = |v: &Value, path: Vec<PathItem>| {
            let mut e = FieldError::new("string_type", "Input should be a valid string")
                .with_input(&Json::from_value(v));
            for item in path.into_iter().rev() {
                e = e.within(item);
            }
            e
        };
        let key = |k: &'static str| PathItem::Key(Cow::Borrowed(k));
        for (wid, event_id, kind, pids, acks) in std::mem::take(&mut self.warnings).into_values() {
            let mut errors = Vec::new();
            if !wid.is_string() {
                errors.push(not_str(&wid, vec![key("warning_id")]));
            }
            for (i, p) in pids.iter().enumerate() {
                if !p.is_string() {
                    errors.push(not_str(p, vec![key("participant_ids"), PathItem::Index(i)]));
                }
            }
            for (k, v) in &acks {
                if !v.is_string() {
                    errors.push(not_str(
                        v,
                        vec![
                            key("acknowledgements"),
                            PathItem::Key(Cow::Owned(k.clone())),
                        ],
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(refuse("WarningEntry", &errors));
            }
            let text = |v: Value| match v {
                Value::String(s) => s,
                _ => String::new(),
            };
            self.st.warnings.push(WarningEntry {
                warning_id: text(wid),
                event_id,
                warning_type: kind,
                participant_ids: pids.into_iter().map(text).collect(),
                acknowledgements: acks.into_iter().map(|(k, v)| (k, text(v))).collect(),
            });
        }
        let mut errors = Vec::new();
        let mut lists = |map: IndexMap<String, Vec<Value>>, field: &'static str| {
            let mut out = IndexMap::new();
            for (pid, items) in map {
                for (i, v) in items.iter().enumerate() {
                    if !v.is_string() {
                        errors.push(not_str(
                            v,
                            vec![
                                key(field),
                                PathItem::Key(Cow::Owned(pid.clone())),
                                PathItem::Index(i),
                            ],
                        ));
                    }
                }
                let items = items
                    .into_iter()
                    .map(|v| match v {
                        Value::String(s) => s,
                        _ => String::new(),
                    })
                    .collect();
                out.insert(pid, items);
            }
            out
        };
        let executions = lists(std::mem::take(&mut self.executions), "active_executions");
        let links = lists(std::mem::take(&mut self.links), "linked_sessions");
        if !errors.is_empty() {
            return Err(refuse("ReducedCollaborationState", &errors));
        }
        self.st.active_executions = executions;
        self.st.linked_sessions = links;
        Ok(self.st)
    }
}

fn focus_key(target: &Value) -> String {
    let f = |k: &str| {
        target
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    format!("{}:{}", f("target_type"), f("target_id"))
}

/// The payload keys the fold reads for each event type (besides `mission_id`, read from
/// the first event).
fn read_keys(event_type: &str) -> &'static [&'static str] {
    match event_type {
        "DriveIntentSet" => &["participant_id", "intent"],
        "PromptStepExecutionStarted" | "PromptStepExecutionCompleted" => {
            &["participant_id", "step_id"]
        }
        "ConcurrentDriverWarning" | "PotentialStepCollisionDetected" => {
            &["warning_id", "participant_ids"]
        }
        "WarningAcknowledged" => &["participant_id", "warning_id", "acknowledgement"],
        "CommentPosted" => &["participant_id", "comment_id", "content", "reply_to"],
        "DecisionCaptured" => &[
            "participant_id",
            "decision_id",
            "topic",
            "chosen_option",
            "referenced_warning_id",
        ],
        "SessionLinked" => &["participant_id", "linked_session_id"],
        // Invited, joined, left, heartbeat, focus (the identity and the focus target are
        // validated at prepare and kept apart).
        _ => &["participant_id"],
    }
}

impl Projection for CollaborationProjection {
    type Item = CollaborationItem;
    type State = ReducedCollaborationState;

    fn needs_payload(event_type: &str) -> bool {
        COLLABORATION_EVENT_TYPES.contains(&event_type)
    }

    fn prepare(event: &EventRef<'_>) -> Option<CollaborationItem> {
        let event_type = COLLABORATION_EVENT_TYPES
            .iter()
            .find(|t| **t == event.event_type)?;
        let nested = |key: &str, model: &'static ModelDef| -> Option<Json<'static>> {
            static EMPTY: Json<'static> = Json::Object(Vec::new());
            match event.payload.get(key).unwrap_or(&EMPTY) {
                v @ Json::Object(_) => model.validate_owned(v).ok(),
                _ => None,
            }
        };
        let nested = match *event_type {
            "ParticipantInvited" | "ParticipantJoined" => {
                nested("participant_identity", &PARTICIPANT_IDENTITY)
            }
            "FocusChanged" => nested("focus_target", &FOCUS_TARGET),
            _ => None,
        };
        // Only the keys the fold reads are kept (absent ones stay absent: the reference's
        // defaults for them apply), under the static names: no copy of a key is held.
        let keys = read_keys(event_type);
        let payload = match event.payload {
            Json::Object(entries) => Json::Object(
                entries
                    .iter()
                    .filter_map(|(k, v)| {
                        let name = ["mission_id"]
                            .iter()
                            .chain(keys)
                            .find(|name| **name == k.as_ref())?;
                        Some((Cow::Borrowed(*name), v.clone().into_owned()))
                    })
                    .collect(),
            ),
            _ => Json::Object(Vec::new()),
        };
        Some(CollaborationItem {
            event_type: Cow::Borrowed(event_type),
            payload,
            nested,
        })
    }

    fn apply(&mut self, events: Vec<Prepared<CollaborationItem>>) -> Result<()> {
        for p in &events {
            if self.st.event_count == 0 {
                self.st.mission_id = p
                    .item
                    .payload
                    .get_str("mission_id")
                    .unwrap_or_default()
                    .to_owned();
            }
            self.st.event_count += 1;
            self.st.last_processed_event_id = Some(p.event_id().to_owned());
            let timestamp = p.key.timestamp();
            let current = Current {
                event_id: p.event_id(),
                event_type: &p.item.event_type,
                timestamp: &timestamp,
            };
            self.apply_one(&current, &p.item)?;
        }
        release(events);
        Ok(())
    }

    fn state(&self) -> Result<ReducedCollaborationState> {
        self.clone().into_state()
    }

    fn into_state(self) -> Result<ReducedCollaborationState> {
        if self.st.event_count == 0 {
            return Ok(ReducedCollaborationState::default());
        }
        self.finish()
    }
}

/// Replays collaboration events (other types are ignored): a full reduction with
/// [`CollaborationProjection`]. The result equals the reference's.
pub fn reduce_collaboration_events<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    strict: bool,
    roster: Option<&Map<String, Value>>,
) -> Result<ReducedCollaborationState> {
    replay_all(
        CollaborationProjection::new(strict, roster)?,
        prepare::<CollaborationProjection>(events),
    )
}
