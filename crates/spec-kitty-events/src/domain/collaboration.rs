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
