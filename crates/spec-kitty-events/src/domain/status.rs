//! Work-package status: lanes, transitions, evidence and the status reducer.

use indexmap::IndexMap;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, ModelDef, SeqKind, Ty, render_report};
use crate::envelope::Event;
use crate::timestamp::Timestamp;

/// The event type of a lane transition.
pub const WP_STATUS_CHANGED: &str = "WPStatusChanged";

str_enum!(
    /// Work-package lifecycle lanes.
    Lane, LANE, "Work-package lifecycle lanes.", {
        /// Not started.
        Planned = "planned",
        /// Taken by someone.
        Claimed = "claimed",
        /// Being worked on.
        InProgress = "in_progress",
        /// Waiting for review.
        ForReview = "for_review",
        /// Review passed.
        Approved = "approved",
        /// Finished (terminal).
        Done = "done",
        /// Blocked.
        Blocked = "blocked",
        /// Abandoned (terminal).
        Canceled = "canceled",
    }
);

str_enum!(
    /// V1 compatibility sync lanes for downstream consumers.
    SyncLaneV1, SYNC_LANE_V1, "V1 compatibility sync lanes for downstream consumers.", {
        /// Not started.
        Planned = "planned",
        /// Under way.
        Doing = "doing",
        /// Waiting for review.
        ForReview = "for_review",
        /// Finished.
        Done = "done",
    }
);

str_enum!(
    /// V2 sync lanes preserving the explicit approved review outcome.
    SyncLaneV2, SYNC_LANE_V2, "V2 sync lanes preserving the explicit approved review outcome.", {
        /// Not started.
        Planned = "planned",
        /// Under way.
        Doing = "doing",
        /// Waiting for review.
        ForReview = "for_review",
        /// Review passed.
        Approved = "approved",
        /// Finished.
        Done = "done",
    }
);

str_enum!(
    /// How a work-package is being executed.
    ExecutionMode, EXECUTION_MODE, "How a work-package is being executed.", {
        /// In a git worktree.
        Worktree = "worktree",
        /// Directly in the repository.
        DirectRepo = "direct_repo",
    }
);

/// Lanes that can only be left with `force`.
pub const TERMINAL_LANES: [Lane; 2] = [Lane::Done, Lane::Canceled];

impl Lane {
    /// Whether the lane is terminal.
    pub fn is_terminal(self) -> bool {
        TERMINAL_LANES.contains(&self)
    }
    /// The V1 sync lane.
    pub fn to_sync_v1(self) -> SyncLaneV1 {
        match self {
            Lane::Planned | Lane::Claimed | Lane::Canceled => SyncLaneV1::Planned,
            Lane::InProgress | Lane::Blocked => SyncLaneV1::Doing,
            Lane::ForReview => SyncLaneV1::ForReview,
            Lane::Approved | Lane::Done => SyncLaneV1::Done,
        }
    }
    /// The V2 sync lane.
    pub fn to_sync_v2(self) -> SyncLaneV2 {
        match self {
            Lane::Planned | Lane::Claimed | Lane::Canceled => SyncLaneV2::Planned,
            Lane::InProgress | Lane::Blocked => SyncLaneV2::Doing,
            Lane::ForReview => SyncLaneV2::ForReview,
            Lane::Approved => SyncLaneV2::Approved,
            Lane::Done => SyncLaneV2::Done,
        }
    }
}

/// Lane aliases accepted on input: `doing` means `in_progress`.
pub const LANE_ALIASES: [(&str, Lane); 1] = [("doing", Lane::InProgress)];

/// Resolves a lane name or alias.
///
/// ```
/// use spec_kitty_events::domain::status::{Lane, normalize_lane};
/// assert_eq!(normalize_lane("doing"), Some(Lane::InProgress));
/// assert_eq!(normalize_lane("in_review"), None);
/// ```
pub fn normalize_lane(s: &str) -> Option<Lane> {
    Lane::from_value(s).or_else(|| LANE_ALIASES.iter().find(|(a, _)| *a == s).map(|(_, l)| *l))
}

fn lane_alias(v: &Value) -> Result<Option<Value>, String> {
    Ok(v.as_str()
        .and_then(|s| LANE_ALIASES.iter().find(|(a, _)| *a == s))
        .map(|(_, lane)| Value::String(lane.as_str().to_owned())))
}

/// Evidence of repository changes.
pub static REPO_EVIDENCE: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "RepoEvidence",
        "Evidence of repository changes for a completed work-package.",
    )
    .field(Field::required("repo", Ty::nonempty()).doc("Repository identifier"))
    .field(Field::required("branch", Ty::nonempty()).doc("Branch name"))
    .field(Field::required("commit", Ty::nonempty()).doc("Commit SHA or reference"))
    .field(Field::optional("files_touched", Ty::list(Ty::str())).doc("List of files modified"))
    .build()
});

/// One verification step.
pub static VERIFICATION_ENTRY: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "VerificationEntry",
        "A single verification step (e.g. test run, lint check).",
    )
    .field(Field::required("command", Ty::nonempty()).doc("Command that was executed"))
    .field(Field::required("result", Ty::nonempty()).doc("Outcome of the command"))
    .field(Field::optional("summary", Ty::str()).doc("Human-readable summary"))
    .build()
});

/// A reviewer's verdict.
pub static REVIEW_VERDICT: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ReviewVerdict",
        "Verdict from a human or automated reviewer.",
    )
    .field(Field::required("reviewer", Ty::nonempty()).doc("Who reviewed"))
    .field(Field::required("verdict", Ty::nonempty()).doc("Verdict string"))
    .field(Field::optional("reference", Ty::str()).doc("URL or reference for the review"))
    .build()
});

/// The evidence bundle required to approve or finish a work package.
pub static DONE_EVIDENCE: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "DoneEvidence",
        "Evidence bundle required when a WP transitions to DONE.",
    )
    .field(
        Field::required(
            "repos",
            Ty::seq(SeqKind::List, &*REPO_EVIDENCE, Some(1), None),
        )
        .doc("At least one repo with changes"),
    )
    .field(
        Field::with_factory_default("verification", Ty::list(&*VERIFICATION_ENTRY), json!([]))
            .doc("Verification steps executed"),
    )
    .field(Field::required("review", &*REVIEW_VERDICT).doc("Review verdict"))
    .build()
});

/// Metadata of a forced transition.
pub static FORCE_METADATA: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ForceMetadata",
        "Metadata attached when a transition is forced.",
    )
    .field(
        Field::with_default("force", Ty::Literal(vec![Value::Bool(true)]), json!(true))
            .doc("Always True for forced transitions"),
    )
    .field(Field::required("actor", Ty::nonempty()).doc("Who forced the transition"))
    .field(Field::required("reason", Ty::nonempty()).doc("Why the transition was forced"))
    .build()
});

fn check_actor(v: &Value) -> Result<(), String> {
    match v {
        Value::String(s) if s.trim().is_empty() => Err("actor string must be non-empty".into()),
        Value::Object(m) if m.is_empty() => Err("actor dict must be non-empty".into()),
        _ => Ok(()),
    }
}

fn is_blank(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

fn check_transition_rules(v: &Value) -> Result<(), String> {
    if v.get("force") == Some(&Value::Bool(true)) && is_blank(v.get("reason")) {
        return Err("force=True requires a non-empty reason".into());
    }
    let to = v.get("to_lane").and_then(Value::as_str);
    if matches!(to, Some("approved" | "done")) && v.get("evidence").is_none_or(Value::is_null) {
        return Err("to_lane in {'approved', 'done'} requires evidence".into());
    }
    Ok(())
}

/// The contract of a `WPStatusChanged` payload.
pub static STATUS_TRANSITION_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "StatusTransitionPayload",
        "Payload for a WPStatusChanged event describing a lane transition.",
    )
    .forbid()
    .field(Field::required("mission_slug", Ty::nonempty()).doc("Mission identifier"))
    .field(Field::required("wp_id", Ty::nonempty()).doc("Work-package identifier"))
    .field(
        Field::with_default(
            "from_lane",
            Ty::optional(Ty::Enum(&LANE)).before(lane_alias),
            Value::Null,
        )
        .doc("Lane the WP is transitioning from (None for initial)"),
    )
    .field(
        Field::required("to_lane", Ty::Enum(&LANE).before(lane_alias))
            .doc("Lane the WP is transitioning to"),
    )
    .field(
        Field::required(
            "actor",
            Ty::Union(vec![
                ("str".into(), Ty::str()),
                ("dict[str,any]".into(), Ty::object()),
            ])
            .check(check_actor),
        )
        .doc("Who initiated the transition: a string identifier or a structured object"),
    )
    .field(
        Field::with_default("force", Ty::bool(), json!(false))
            .doc("Whether this is a forced transition"),
    )
    .field(
        Field::optional("reason", Ty::str())
            .doc("Reason for the transition (required when force=True)"),
    )
    .field(
        Field::required("execution_mode", Ty::Enum(&EXECUTION_MODE))
            .doc("How the work-package is being executed"),
    )
    .field(Field::optional("review_ref", Ty::str()).doc("Reference to an external review"))
    .field(
        Field::optional("evidence", &*DONE_EVIDENCE)
            .doc("Evidence bundle (required when to_lane=DONE)"),
    )
    .check(check_transition_rules)
    .build()
});

/// Evidence of repository changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepoEvidence {
    /// Repository.
    pub repo: String,
    /// Branch.
    pub branch: String,
    /// Commit.
    pub commit: String,
    /// Files modified.
    pub files_touched: Option<Vec<String>>,
}

/// One verification step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerificationEntry {
    /// Command run.
    pub command: String,
    /// Its outcome.
    pub result: String,
    /// Summary.
    pub summary: Option<String>,
}

/// A reviewer's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewVerdict {
    /// Who reviewed.
    pub reviewer: String,
    /// The verdict.
    pub verdict: String,
    /// A reference to the review.
    pub reference: Option<String>,
}

/// Evidence required to approve or finish a work package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoneEvidence {
    /// At least one repository.
    pub repos: Vec<RepoEvidence>,
    /// Verification steps.
    pub verification: Vec<VerificationEntry>,
    /// Review verdict.
    pub review: ReviewVerdict,
}

/// A validated `WPStatusChanged` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusTransitionPayload {
    /// Mission.
    pub mission_slug: String,
    /// Work package.
    pub wp_id: String,
    /// Lane left (`None` for the first transition).
    pub from_lane: Option<Lane>,
    /// Lane entered.
    pub to_lane: Lane,
    /// Who moved it: a string or a structured object.
    pub actor: Value,
    /// Whether the move was forced.
    pub force: bool,
    /// Why.
    pub reason: Option<String>,
    /// How the work package is executed.
    pub execution_mode: ExecutionMode,
    /// External review reference.
    pub review_ref: Option<String>,
    /// Evidence bundle.
    pub evidence: Option<DoneEvidence>,
}

impl StatusTransitionPayload {
    /// Validates a payload object (lane aliases resolved, unknown keys refused).
    pub fn from_value(v: &Value) -> Result<Self, Vec<crate::contract::FieldError>> {
        let normalized = STATUS_TRANSITION_PAYLOAD.validate(v)?;
        serde_json::from_value(normalized)
            .map_err(|e| vec![crate::contract::FieldError::new("internal", e.to_string())])
    }

    /// Validates a payload object in place (see [`StatusTransitionPayload::from_value`]).
    pub fn from_object(
        m: &serde_json::Map<String, Value>,
    ) -> Result<Self, Vec<crate::contract::FieldError>> {
        let normalized = STATUS_TRANSITION_PAYLOAD.validate_object(m)?;
        serde_json::from_value(normalized)
            .map_err(|e| vec![crate::contract::FieldError::new("internal", e.to_string())])
    }

    /// A display name for the actor: the string itself, or the first non-empty string of
    /// `profile`, `role`, `display_name`, `actor_id`, then any value; else `unknown`.
    pub fn actor_label(&self) -> &str {
        match &self.actor {
            Value::String(s) => s,
            Value::Object(m) => ["profile", "role", "display_name", "actor_id"]
                .iter()
                .find_map(|k| m.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
                .or_else(|| {
                    m.values()
                        .find_map(|v| v.as_str().filter(|s| !s.is_empty()))
                })
                .unwrap_or("unknown"),
            _ => "unknown",
        }
    }
}

fn py_opt_lane(l: Option<Lane>) -> String {
    l.map_or_else(|| "None".to_owned(), Lane::py_name)
}

fn allowed(from: Option<Lane>, to: Lane) -> bool {
    use Lane::*;
    matches!(
        (from, to),
        (None, Planned)
            | (Some(Planned), Claimed)
            | (Some(Claimed), InProgress)
            | (Some(InProgress), ForReview)
            | (Some(InProgress), Approved)
            | (Some(ForReview), Approved)
            | (Some(ForReview), Done)
            | (Some(Approved), Done)
            | (Some(ForReview), InProgress)
            | (Some(ForReview), Planned)
            | (Some(Approved), InProgress)
            | (Some(Approved), Planned)
            | (Some(InProgress), Planned)
            | (Some(Blocked), InProgress)
    )
}

/// Checks a transition against the lane rules and returns every violation found (empty
/// when allowed): leaving a terminal lane without force, a move outside the transition
/// matrix, a review rollback without `review_ref`, an abandon without a reason.
///
/// ```
/// use serde_json::json;
/// use spec_kitty_events::domain::status::{StatusTransitionPayload, validate_transition};
/// let p = StatusTransitionPayload::from_value(&json!({"mission_slug": "m", "wp_id": "WP01",
///     "from_lane": "planned", "to_lane": "for_review", "actor": "a", "execution_mode": "worktree"})).unwrap();
/// assert_eq!(validate_transition(&p), ["Transition Lane.PLANNED -> Lane.FOR_REVIEW is not allowed"]);
/// ```
pub fn validate_transition(p: &StatusTransitionPayload) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(from) = p.from_lane
        && from.is_terminal()
        && !p.force
    {
        out.push(format!("{from} is terminal; requires force=True to exit"));
    }
    if !p.force {
        let escape = matches!(p.to_lane, Lane::Blocked | Lane::Canceled)
            && p.from_lane.is_some_and(|f| !f.is_terminal());
        if !(allowed(p.from_lane, p.to_lane) || escape) {
            out.push(format!(
                "Transition {} -> {} is not allowed",
                py_opt_lane(p.from_lane),
                p.to_lane.py_name()
            ));
        }
    }
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    if let Some(from @ (Lane::ForReview | Lane::Approved)) = p.from_lane
        && matches!(p.to_lane, Lane::InProgress | Lane::Planned)
        && blank(&p.review_ref)
    {
        out.push(format!("{from} -> {} requires review_ref", p.to_lane));
    }
    if p.from_lane == Some(Lane::InProgress) && p.to_lane == Lane::Planned && blank(&p.reason) {
        out.push("in_progress -> planned requires reason".into());
    }
    out
}

/// The current state of one work package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WpState {
    /// Work package.
    pub wp_id: String,
    /// Its lane.
    pub current_lane: Lane,
    /// The event that put it there.
    pub last_event_id: String,
    /// When.
    pub last_transition_at: Timestamp,
    /// Evidence, when the lane is `done`.
    pub evidence: Option<DoneEvidence>,
}

/// An event the reducer could not apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionAnomaly {
    /// The event.
    pub event_id: String,
    /// Its work package (`<unknown>` when unreadable).
    pub wp_id: String,
    /// Lane it claimed to leave.
    pub from_lane: Option<Lane>,
    /// Lane it tried to enter.
    pub to_lane: Option<Lane>,
    /// Why it was refused.
    pub reason: String,
}

/// The reduced status of every work package.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReducedStatus {
    /// State per work package, in first-transition order.
    pub wp_states: IndexMap<String, WpState>,
    /// Refused events, in processing order.
    pub anomalies: Vec<TransitionAnomaly>,
    /// Distinct status events seen.
    pub event_count: u64,
    /// The last status event in replay order.
    pub last_processed_event_id: Option<String>,
}

fn safe_lane(v: Option<&Value>) -> Option<Lane> {
    v.and_then(Value::as_str).and_then(normalize_lane)
}

fn is_rollback(p: &StatusTransitionPayload) -> bool {
    p.from_lane == Some(Lane::ForReview) && p.to_lane == Lane::InProgress && p.review_ref.is_some()
}

/// Replays `WPStatusChanged` events into the current lane of every work package.
///
/// Other event types are ignored. Events are sorted into replay order and deduplicated;
/// events sharing a work package and a Lamport clock form a concurrent group, validated
/// against the state at the start of the group, with reviewer rollbacks applied last and
/// the last valid transition winning. Malformed payloads, `from_lane` mismatches (unless
/// forced) and illegal transitions become anomalies. The result equals the reference's.
pub fn reduce_status_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> ReducedStatus {
    let unique = crate::ordering::sort_and_dedup(
        events
            .into_iter()
            .filter(|e| e.event_type == WP_STATUS_CHANGED),
    );
    let Some(last) = unique.last() else {
        return ReducedStatus::default();
    };
    let last_processed_event_id = Some(last.event_id.clone());
    let event_count = unique.len() as u64;
    let mut anomalies = Vec::new();

    let mut parsed: Vec<(&Event, StatusTransitionPayload)> = Vec::with_capacity(unique.len());
    for e in &unique {
        match StatusTransitionPayload::from_object(&e.payload) {
            Ok(p) => parsed.push((e, p)),
            Err(errors) => {
                let wp_id = e
                    .payload
                    .get("wp_id")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .unwrap_or("<unknown>");
                anomalies.push(TransitionAnomaly {
                    event_id: e.event_id.clone(),
                    wp_id: wp_id.to_owned(),
                    from_lane: safe_lane(e.payload.get("from_lane")),
                    to_lane: safe_lane(e.payload.get("to_lane")),
                    reason: format!(
                        "payload validation failed: {}",
                        render_report("StatusTransitionPayload", &errors)
                    ),
                });
            }
        }
    }

    // Concurrent groups keyed by (wp_id, lamport_clock), in order of first appearance.
    let mut group_index: FxHashMap<(&str, u64), usize> = FxHashMap::default();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, (e, p)) in parsed.iter().enumerate() {
        let key = (p.wp_id.as_str(), e.lamport_clock);
        let g = *group_index.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }

    let mut states: IndexMap<String, WpState> = IndexMap::new();
    let mut lanes: FxHashMap<&str, Lane> = FxHashMap::default();
    for group in &groups {
        let ordered = group
            .iter()
            .filter(|&&i| !is_rollback(&parsed[i].1))
            .chain(group.iter().filter(|&&i| is_rollback(&parsed[i].1)));
        // Every member of a group shares its wp_id, so one snapshot suffices.
        let snapshot: Option<Lane> = group
            .first()
            .and_then(|&i| lanes.get(parsed[i].1.wp_id.as_str()).copied());
        for &i in ordered {
            let (e, p) = &parsed[i];
            if p.from_lane != snapshot && !p.force {
                anomalies.push(TransitionAnomaly {
                    event_id: e.event_id.clone(),
                    wp_id: p.wp_id.clone(),
                    from_lane: p.from_lane,
                    to_lane: Some(p.to_lane),
                    reason: format!(
                        "from_lane mismatch: expected {}, got {}",
                        py_opt_lane(snapshot),
                        py_opt_lane(p.from_lane)
                    ),
                });
                continue;
            }
            let violations = validate_transition(p);
            if !violations.is_empty() {
                anomalies.push(TransitionAnomaly {
                    event_id: e.event_id.clone(),
                    wp_id: p.wp_id.clone(),
                    from_lane: p.from_lane,
                    to_lane: Some(p.to_lane),
                    reason: violations.join("; "),
                });
                continue;
            }
            let state = WpState {
                wp_id: p.wp_id.clone(),
                current_lane: p.to_lane,
                last_event_id: e.event_id.clone(),
                last_transition_at: e.timestamp.clone(),
                evidence: if p.to_lane == Lane::Done {
                    p.evidence.clone()
                } else {
                    None
                },
            };
            lanes.insert(p.wp_id.as_str(), p.to_lane);
            states.insert(p.wp_id.clone(), state);
        }
    }
    ReducedStatus {
        wp_states: states,
        anomalies,
        event_count,
        last_processed_event_id,
    }
}
