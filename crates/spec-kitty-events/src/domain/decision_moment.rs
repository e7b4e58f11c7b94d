//! Decision-moment building blocks shared by the decision-point contracts: origin surfaces
//! and flows, terminal outcomes, Slack teamspace/channel/thread/closure references, summary
//! blocks, participant identities and the widening projection.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, ModelDef, SeqKind, Ty};
use crate::json::Json;

str_enum!(
    /// Where a decision point came from.
    OriginSurface, ORIGIN_SURFACE, "Where a decision point came from.", {
        /// An architecture decision record.
        Adr = "adr",
        /// A planning interview question.
        PlanningInterview = "planning_interview",
    }
);

str_enum!(
    /// The Spec Kitty flow that asked an interview question.
    OriginFlow, ORIGIN_FLOW, "The Spec Kitty flow that asked an interview question.", {
        /// Charter.
        Charter = "charter",
        /// Specify.
        Specify = "specify",
        /// Plan.
        Plan = "plan",
    }
);

str_enum!(
    /// How a decision point ended.
    TerminalOutcome, TERMINAL_OUTCOME, "How a decision point ended.", {
        /// Answered.
        Resolved = "resolved",
        /// Put off.
        Deferred = "deferred",
        /// Dropped.
        Canceled = "canceled",
    }
);

str_enum!(
    /// Where a summary block came from.
    SummarySource, SUMMARY_SOURCE, "Where a summary block came from.", {
        /// Extracted from a Slack thread.
        SlackExtraction = "slack_extraction",
        /// Written by hand.
        Manual = "manual",
        /// Set by the mission owner.
        MissionOwnerOverride = "mission_owner_override",
    }
);

str_enum!(
    /// The channel a decision point is widened to.
    WideningChannel, WIDENING_CHANNEL, "The channel a decision point is widened to.", {
        /// Slack.
        Slack = "slack",
    }
);

str_enum!(
    /// What a discussion snapshot holds.
    DiscussingSnapshotKind, DISCUSSING_SNAPSHOT_KIND, "What a discussion snapshot holds.", {
        /// One participant's contribution.
        ParticipantContribution = "participant_contribution",
        /// A digest of the discussion.
        Digest = "digest",
        /// A note of the mission owner.
        OwnerNote = "owner_note",
    }
);

/// A summary of a decision, with its provenance.
pub static SUMMARY_BLOCK: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "SummaryBlock",
        "A summary of a decision, with its provenance.",
    )
    .forbid()
    .field(Field::required("text", Ty::nonempty()).doc("The summary (non-empty)"))
    .field(Field::required("source", &SUMMARY_SOURCE).doc("Where the summary came from"))
    .field(Field::optional("extracted_at", Ty::DateTime).doc("When it was extracted, if it was"))
    .field(Field::optional("candidate_answer", Ty::str()).doc("An answer proposed by the summary"))
    .build()
});

/// A Slack-connected teamspace.
pub static TEAMSPACE_REF: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new("TeamspaceRef", "A Slack-connected teamspace.")
        .forbid()
        .field(Field::required("teamspace_id", Ty::nonempty()).doc("Teamspace identifier"))
        .field(Field::optional("name", Ty::str()).doc("Display name"))
        .build()
});

/// The default Slack channel of a teamspace.
pub static DEFAULT_CHANNEL_REF: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "DefaultChannelRef",
        "The default Slack channel of a teamspace.",
    )
    .forbid()
    .field(Field::required("channel_id", Ty::nonempty()).doc("Channel identifier"))
    .field(Field::optional("name", Ty::str()).doc("Display name"))
    .build()
});

/// A Slack thread.
pub static THREAD_REF: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new("ThreadRef", "A Slack thread.")
        .forbid()
        .field(Field::optional("slack_team_id", Ty::str()).doc("Slack workspace (team) id"))
        .field(Field::required("channel_id", Ty::nonempty()).doc("Channel identifier"))
        .field(Field::required("thread_ts", Ty::nonempty()).doc("Thread timestamp (Slack ts)"))
        .field(Field::optional("url", Ty::str()).doc("Link to the thread"))
        .build()
});

/// The Slack message that announced a decision's closure.
pub static CLOSURE_MESSAGE_REF: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ClosureMessageRef",
        "The Slack message that announced a decision's closure.",
    )
    .forbid()
    .field(Field::required("channel_id", Ty::nonempty()).doc("Channel identifier"))
    .field(Field::required("thread_ts", Ty::nonempty()).doc("Thread timestamp (Slack ts)"))
    .field(Field::required("message_ts", Ty::nonempty()).doc("Message timestamp (Slack ts)"))
    .field(Field::optional("url", Ty::str()).doc("Link to the message"))
    .build()
});

fn at_least_one_external_ref(v: &Json<'_>) -> Result<(), String> {
    let keys = ["slack_user_id", "slack_team_id", "teamspace_member_id"];
    // Each present value is a non-empty string, hence truthy.
    if keys.iter().any(|k| v.get(k).is_some_and(|x| !x.is_null())) {
        Ok(())
    } else {
        Err(
            "ParticipantExternalRefs must populate at least one of slack_user_id, \
             slack_team_id, teamspace_member_id"
                .to_owned(),
        )
    }
}

/// A participant's identities on other channels (at least one must be given).
pub static PARTICIPANT_EXTERNAL_REFS: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ParticipantExternalRefs",
        "A participant's identities on other channels (at least one must be given).",
    )
    .forbid()
    .field(Field::optional("slack_user_id", Ty::nonempty()))
    .field(Field::optional("slack_team_id", Ty::nonempty()))
    .field(Field::optional("teamspace_member_id", Ty::nonempty()))
    .check(at_least_one_external_ref)
    .build()
});

/// A mission-scoped participant identity minted by the SaaS.
pub static PARTICIPANT_IDENTITY: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ParticipantIdentity",
        "A mission-scoped participant identity minted by the SaaS.",
    )
    .field(Field::required("participant_id", Ty::nonempty()).doc("Mission-scoped identifier"))
    .field(
        Field::required(
            "participant_type",
            Ty::literal_strs(&["human", "llm_context"]),
        )
        .doc("human or llm_context"),
    )
    .field(Field::optional("display_name", Ty::str()).doc("Name to display"))
    .field(Field::optional("session_id", Ty::str()).doc("SaaS session identifier"))
    .field(
        Field::optional("external_refs", &*PARTICIPANT_EXTERNAL_REFS)
            .doc("Identities on other channels"),
    )
    .build()
});

/// A tuple of participant identities (empty by default).
pub(crate) fn participants_field(name: &'static str, doc: &'static str) -> Field {
    Field::with_factory_default(
        name,
        Ty::seq(SeqKind::Tuple, &*PARTICIPANT_IDENTITY, None, None),
        Value::Array(Vec::new()),
    )
    .doc(doc)
}

/// A validated summary block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryBlock {
    /// The summary.
    pub text: String,
    /// Provenance.
    pub source: SummarySource,
    /// When it was extracted.
    pub extracted_at: Option<String>,
    /// Proposed answer.
    pub candidate_answer: Option<String>,
}

/// A validated teamspace reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamspaceRef {
    /// Teamspace.
    pub teamspace_id: String,
    /// Display name.
    pub name: Option<String>,
}

/// A validated default-channel reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultChannelRef {
    /// Channel.
    pub channel_id: String,
    /// Display name.
    pub name: Option<String>,
}

/// A validated thread reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRef {
    /// Slack team.
    pub slack_team_id: Option<String>,
    /// Channel.
    pub channel_id: String,
    /// Thread timestamp.
    pub thread_ts: String,
    /// Link.
    pub url: Option<String>,
}

/// A validated closure-message reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureMessageRef {
    /// Channel.
    pub channel_id: String,
    /// Thread timestamp.
    pub thread_ts: String,
    /// Message timestamp.
    pub message_ts: String,
    /// Link.
    pub url: Option<String>,
}

/// Validated external identities of a participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantExternalRefs {
    /// Slack user.
    pub slack_user_id: Option<String>,
    /// Slack team.
    pub slack_team_id: Option<String>,
    /// Teamspace member.
    pub teamspace_member_id: Option<String>,
}

/// A validated participant identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantIdentity {
    /// Identifier.
    pub participant_id: String,
    /// `human` or `llm_context`.
    pub participant_type: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Session.
    pub session_id: Option<String>,
    /// Identities on other channels.
    pub external_refs: Option<ParticipantExternalRefs>,
}

/// The widening of a decision point, as the reducer projects it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WideningProjection {
    /// Channel used.
    pub channel: WideningChannel,
    /// Teamspace widened to.
    pub teamspace_ref: TeamspaceRef,
    /// Its default channel.
    pub default_channel_ref: DefaultChannelRef,
    /// The thread created.
    pub thread_ref: ThreadRef,
    /// Who was invited.
    pub invited_participants: Vec<ParticipantIdentity>,
    /// Who widened it.
    pub widened_by: String,
    /// When.
    pub widened_at: String,
}
