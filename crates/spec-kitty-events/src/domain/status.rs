//! Work-package status: lanes, transitions, evidence and the status reducer.

use crate::FxIndexMap;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, FieldError, ModelDef, SeqKind, Ty, render_report};
use crate::envelope::{Event, EventRef};
use crate::error::Result;
use crate::json::Json;
use crate::json::JsonDeserializer;
use crate::ordering::OrderKey;
use crate::projection::{Prepared, Projection, prepare, replay_all};
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

fn lane_alias(v: &Json<'_>) -> Result<Option<Json<'static>>, String> {
    Ok(v.as_str()
        .and_then(|s| LANE_ALIASES.iter().find(|(a, _)| *a == s))
        .map(|(_, lane)| Json::str(lane.as_str())))
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

fn check_actor(v: &Json<'_>) -> Result<(), String> {
    match v {
        Json::Str(s) if s.trim().is_empty() => Err("actor string must be non-empty".into()),
        Json::Object(m) if m.is_empty() => Err("actor dict must be non-empty".into()),
        _ => Ok(()),
    }
}

fn is_blank(v: Option<&Json<'_>>) -> bool {
    match v {
        None | Some(Json::Null) => true,
        Some(Json::Str(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

fn check_transition_rules(v: &Json<'_>) -> Result<(), String> {
    if v.get("force") == Some(&Json::Bool(true)) && is_blank(v.get("reason")) {
        return Err("force=True requires a non-empty reason".into());
    }
    let to = v.get_str("to_lane");
    if matches!(to, Some("approved" | "done")) && v.get("evidence").is_none_or(Json::is_null) {
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
    pub fn from_value(v: &Value) -> Result<Self, Vec<FieldError>> {
        Self::from_json(&Json::from_value(v))
    }

    /// Validates a parsed payload (see [`StatusTransitionPayload::from_value`]).
    pub fn from_json(v: &Json<'_>) -> Result<Self, Vec<FieldError>> {
        STATUS_TRANSITION_PAYLOAD.parse(v)
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
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    transition_violations(
        p.from_lane,
        p.to_lane,
        p.force,
        blank(&p.review_ref),
        blank(&p.reason),
    )
}

fn transition_violations(
    from_lane: Option<Lane>,
    to_lane: Lane,
    force: bool,
    review_ref_blank: bool,
    reason_blank: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(from) = from_lane
        && from.is_terminal()
        && !force
    {
        out.push(format!("{from} is terminal; requires force=True to exit"));
    }
    if !force {
        let escape = matches!(to_lane, Lane::Blocked | Lane::Canceled)
            && from_lane.is_some_and(|f| !f.is_terminal());
        if !(allowed(from_lane, to_lane) || escape) {
            out.push(format!(
                "Transition {} -> {} is not allowed",
                py_opt_lane(from_lane),
                to_lane.py_name()
            ));
        }
    }
    if let Some(from @ (Lane::ForReview | Lane::Approved)) = from_lane
        && matches!(to_lane, Lane::InProgress | Lane::Planned)
        && review_ref_blank
    {
        out.push(format!("{from} -> {to_lane} requires review_ref"));
    }
    if from_lane == Some(Lane::InProgress) && to_lane == Lane::Planned && reason_blank {
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
    pub wp_states: FxIndexMap<String, WpState>,
    /// Refused events: malformed payloads first, then refused transitions, each in
    /// processing order.
    pub anomalies: Vec<TransitionAnomaly>,
    /// Distinct status events seen.
    pub event_count: u64,
    /// The last status event in replay order.
    pub last_processed_event_id: Option<String>,
}

fn safe_lane(v: Option<&Json<'_>>) -> Option<Lane> {
    v.and_then(Json::as_str).and_then(normalize_lane)
}

/// A valid transition, as the status reducer keeps it: the lanes, and of the texts only
/// what the rules ask of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// Work package.
    pub wp_id: Box<str>,
    /// Lane left.
    pub from_lane: Option<Lane>,
    /// Lane entered.
    pub to_lane: Lane,
    /// Whether the move was forced.
    pub force: bool,
    /// Whether a `review_ref` was given (a reviewer rollback needs one).
    pub has_review_ref: bool,
    /// Whether `review_ref` is missing or blank.
    pub review_ref_blank: bool,
    /// Whether `reason` is missing or blank.
    pub reason_blank: bool,
    /// Evidence, kept only for a move to `done` (the only state that shows it).
    pub evidence: Option<Box<DoneEvidence>>,
}

impl Transition {
    fn is_rollback(&self) -> bool {
        self.from_lane == Some(Lane::ForReview)
            && self.to_lane == Lane::InProgress
            && self.has_review_ref
    }
}

/// What the status reducer keeps of a `WPStatusChanged` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StatusItem {
    /// A payload that satisfies its contract.
    Transition(Transition),
    /// A payload that does not: the anomaly it becomes.
    Malformed(Box<TransitionAnomaly>),
}

impl StatusItem {
    /// Validates the payload of a `WPStatusChanged` event once.
    pub fn of(event_id: &str, payload: &Json<'_>) -> StatusItem {
        match STATUS_TRANSITION_PAYLOAD.validate_json(payload) {
            Ok(norm) => match transition_of(&norm) {
                Some(t) => StatusItem::Transition(t),
                None => StatusItem::Malformed(Box::new(malformed(
                    event_id,
                    payload,
                    &[FieldError::new("internal", "unreadable normalised payload")],
                ))),
            },
            Err(errors) => StatusItem::Malformed(Box::new(malformed(event_id, payload, &errors))),
        }
    }
}

fn malformed(event_id: &str, payload: &Json<'_>, errors: &[FieldError]) -> TransitionAnomaly {
    TransitionAnomaly {
        event_id: event_id.to_owned(),
        wp_id: payload
            .get_str("wp_id")
            .filter(|s| !s.is_empty())
            .unwrap_or("<unknown>")
            .to_owned(),
        from_lane: safe_lane(payload.get("from_lane")),
        to_lane: safe_lane(payload.get("to_lane")),
        reason: format!(
            "payload validation failed: {}",
            render_report("StatusTransitionPayload", errors)
        ),
    }
}

/// Reads a normalised `StatusTransitionPayload` (as the contract engine outputs it).
fn transition_of(norm: &Json<'_>) -> Option<Transition> {
    let lane = |k: &str| norm.get_str(k).and_then(Lane::from_value);
    let blank = |k: &str| norm.get_str(k).is_none_or(|s| s.trim().is_empty());
    let to_lane = lane("to_lane")?;
    let evidence = match norm.get("evidence") {
        Some(e) if to_lane == Lane::Done && !e.is_null() => Some(Box::new(
            DoneEvidence::deserialize(JsonDeserializer(e)).ok()?,
        )),
        _ => None,
    };
    Some(Transition {
        wp_id: norm.get_str("wp_id")?.into(),
        from_lane: lane("from_lane"),
        to_lane,
        force: norm.get("force").and_then(Json::as_bool).unwrap_or(false),
        has_review_ref: norm.get_str("review_ref").is_some(),
        review_ref_blank: blank("review_ref"),
        reason_blank: blank("reason"),
        evidence,
    })
}

/// The status reducer as a [`Projection`]: work-package lanes.
///
/// Events sharing a work package and a Lamport clock form a concurrent group, validated
/// against the state at the start of the group, with reviewer rollbacks applied last and
/// the last valid transition winning. Malformed payloads, `from_lane` mismatches (unless
/// forced) and illegal transitions become anomalies. Groups never span two clocks, so any
/// split at a clock boundary folds to the same state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusProjection {
    #[serde(with = "crate::checkpoint::segments")]
    wp_states: FxIndexMap<String, WpState>,
    malformed: Vec<TransitionAnomaly>,
    refused: Vec<TransitionAnomaly>,
    event_count: u64,
    last_processed_event_id: Option<String>,
}

impl StatusProjection {
    /// Folds status events given with their keys (for reducers that embed this one).
    pub(crate) fn apply_items(&mut self, events: impl IntoIterator<Item = (OrderKey, StatusItem)>) {
        // The transitions of one clock at a time (events come sorted by clock): no copy of
        // the whole log is held.
        let mut block: Vec<(OrderKey, Transition)> = Vec::new();
        let mut order: Vec<(u32, u32)> = Vec::new();
        let mut last: Option<crate::ordering::EventId> = None;
        for (key, item) in events {
            self.event_count += 1;
            last = Some(key.event_id.clone());
            match item {
                StatusItem::Transition(t) => {
                    if block
                        .first()
                        .is_some_and(|(k, _)| k.lamport_clock != key.lamport_clock)
                    {
                        self.apply_clock(&mut block, &mut order);
                        block.clear();
                    }
                    block.push((key, t));
                }
                StatusItem::Malformed(a) => self.malformed.push(*a),
            }
        }
        if !block.is_empty() {
            self.apply_clock(&mut block, &mut order);
        }
        if let Some(last) = last {
            self.last_processed_event_id = Some(last.as_str().to_owned());
        }
    }

    /// Applies the transitions of one clock: concurrent groups keyed by wp_id, in order of
    /// first appearance. Each event gets its group's rank; sorting by (rank, position)
    /// lays the groups out one after the other.
    fn apply_clock(&mut self, block: &mut [(OrderKey, Transition)], order: &mut Vec<(u32, u32)>) {
        order.clear();
        {
            let mut group_index: FxHashMap<&str, u32> = FxHashMap::default();
            for (i, (_, t)) in block.iter().enumerate() {
                let next = group_index.len() as u32;
                let g = *group_index.entry(&*t.wp_id).or_insert(next);
                order.push((g, i as u32));
            }
        }
        order.sort_unstable();
        let mut run = 0;
        while run < order.len() {
            let g = order[run].0;
            let len = order[run..].iter().take_while(|(h, _)| *h == g).count();
            Self::apply_group(
                &mut self.wp_states,
                &mut self.refused,
                block,
                &order[run..run + len],
            );
            run += len;
        }
    }

    /// Applies one concurrent group (its members' `(group, position in parsed)`, in
    /// order): reviewer rollbacks after the other moves.
    fn apply_group(
        wp_states: &mut FxIndexMap<String, WpState>,
        refused: &mut Vec<TransitionAnomaly>,
        parsed: &mut [(OrderKey, Transition)],
        group: &[(u32, u32)],
    ) {
        // Every member of a group shares its wp_id: one lookup, one snapshot.
        let mut slot: Option<usize> = group
            .first()
            .and_then(|&(_, i)| wp_states.get_index_of(&*parsed[i as usize].1.wp_id));
        let snapshot: Option<Lane> = slot
            .and_then(|i| wp_states.get_index(i))
            .map(|(_, s)| s.current_lane);
        for rollbacks in [false, true] {
            for &(_, i) in group {
                if parsed[i as usize].1.is_rollback() != rollbacks {
                    continue;
                }
                Self::apply_one(
                    wp_states,
                    &mut slot,
                    refused,
                    &mut parsed[i as usize],
                    snapshot,
                );
            }
        }
    }

    /// Applies one transition against the lane its group started from; `slot` is the
    /// work package's entry in `wp_states`, once it has one.
    fn apply_one(
        wp_states: &mut FxIndexMap<String, WpState>,
        slot: &mut Option<usize>,
        refused: &mut Vec<TransitionAnomaly>,
        (p, t): &mut (OrderKey, Transition),
        snapshot: Option<Lane>,
    ) {
        let refuse = |reason: String| TransitionAnomaly {
            event_id: p.event_id.as_str().to_owned(),
            wp_id: t.wp_id.to_string(),
            from_lane: t.from_lane,
            to_lane: Some(t.to_lane),
            reason,
        };
        if t.from_lane != snapshot && !t.force {
            refused.push(refuse(format!(
                "from_lane mismatch: expected {}, got {}",
                py_opt_lane(snapshot),
                py_opt_lane(t.from_lane)
            )));
            return;
        }
        let violations = transition_violations(
            t.from_lane,
            t.to_lane,
            t.force,
            t.review_ref_blank,
            t.reason_blank,
        );
        if !violations.is_empty() {
            refused.push(refuse(violations.join("; ")));
            return;
        }
        // The evidence moves into the state: each transition is applied once.
        let evidence = t.evidence.take().map(|e| *e);
        match slot.and_then(|i| wp_states.get_index_mut(i)) {
            Some((_, state)) => {
                state.current_lane = t.to_lane;
                state.last_event_id.clear();
                state.last_event_id.push_str(p.event_id.as_str());
                state.last_transition_at = p.timestamp();
                state.evidence = evidence;
            }
            None => {
                let (i, _) = wp_states.insert_full(
                    t.wp_id.to_string(),
                    WpState {
                        wp_id: t.wp_id.to_string(),
                        current_lane: t.to_lane,
                        last_event_id: p.event_id.as_str().to_owned(),
                        last_transition_at: p.timestamp(),
                        evidence,
                    },
                );
                *slot = Some(i);
            }
        }
    }
}

impl Projection for StatusProjection {
    type Item = StatusItem;
    type State = ReducedStatus;

    fn needs_payload(event_type: &str) -> bool {
        event_type == WP_STATUS_CHANGED
    }

    fn prepare(event: &EventRef<'_>) -> Option<StatusItem> {
        (event.event_type == WP_STATUS_CHANGED)
            .then(|| StatusItem::of(&event.event_id, event.payload))
    }

    fn apply(&mut self, events: Vec<Prepared<StatusItem>>) -> Result<()> {
        self.apply_items(events.into_iter().map(|p| (p.key, p.item)));
        Ok(())
    }

    fn state(&self) -> Result<ReducedStatus> {
        self.clone().into_state()
    }

    fn into_state(self) -> Result<ReducedStatus> {
        let mut anomalies = self.malformed;
        anomalies.extend(self.refused);
        Ok(ReducedStatus {
            wp_states: self.wp_states,
            anomalies,
            event_count: self.event_count,
            last_processed_event_id: self.last_processed_event_id,
        })
    }
}

/// Replays `WPStatusChanged` events into the current lane of every work package (other
/// event types are ignored): a full reduction with [`StatusProjection`]. The result
/// equals the reference's `reduce_status_events`.
pub fn reduce_status_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> ReducedStatus {
    replay_all(
        StatusProjection::default(),
        prepare::<StatusProjection>(events),
    )
    .unwrap_or_default()
}
