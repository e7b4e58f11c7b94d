//! Glossary semantic integrity: scopes, term candidates, senses, semantic checks,
//! clarifications, generation blocks, strictness, and the glossary reducer.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, FloatTy, ModelDef, SeqKind, Ty, render_report};
use crate::envelope::{Event, EventRef};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::projection::{Prepared, Projection, prepare, replay_all};

/// `GlossaryScopeActivated`.
pub const GLOSSARY_SCOPE_ACTIVATED: &str = "GlossaryScopeActivated";
/// `TermCandidateObserved`.
pub const TERM_CANDIDATE_OBSERVED: &str = "TermCandidateObserved";
/// `SemanticCheckEvaluated`.
pub const SEMANTIC_CHECK_EVALUATED: &str = "SemanticCheckEvaluated";
/// `GlossaryClarificationRequested`.
pub const GLOSSARY_CLARIFICATION_REQUESTED: &str = "GlossaryClarificationRequested";
/// `GlossaryClarificationResolved`.
pub const GLOSSARY_CLARIFICATION_RESOLVED: &str = "GlossaryClarificationResolved";
/// `GlossarySenseUpdated`.
pub const GLOSSARY_SENSE_UPDATED: &str = "GlossarySenseUpdated";
/// `GenerationBlockedBySemanticConflict`.
pub const GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT: &str = "GenerationBlockedBySemanticConflict";
/// `GlossaryStrictnessSet`.
pub const GLOSSARY_STRICTNESS_SET: &str = "GlossaryStrictnessSet";

const LEVELS: [&str; 3] = ["low", "medium", "high"];
const STRICTNESS: [&str; 3] = ["off", "medium", "max"];

fn confidence() -> Ty {
    Ty::Float(FloatTy::new().ge(0.0).le(1.0))
}

fn step_metadata() -> Field {
    Field::with_factory_default("step_metadata", Ty::dict(Ty::str()), json!({}))
}

/// One conflict found by a semantic check.
pub static SEMANTIC_CONFLICT_ENTRY: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "SemanticConflictEntry",
        "Single conflict finding within a semantic check evaluation.",
    )
    .field(Field::required("term", Ty::nonempty()))
    .field(Field::required(
        "nature",
        Ty::literal_strs(&["overloaded", "drift", "ambiguous"]),
    ))
    .field(Field::required("severity", Ty::literal_strs(&LEVELS)))
    .field(Field::required("description", Ty::str()))
    .build()
});

/// The contract of a `GlossaryScopeActivated` payload.
pub static GLOSSARY_SCOPE_ACTIVATED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "GlossaryScopeActivatedPayload",
        "Payload for GlossaryScopeActivated event.",
    )
    .field(Field::required("mission_id", Ty::nonempty()))
    .field(Field::required("scope_id", Ty::nonempty()))
    .field(Field::required(
        "scope_type",
        Ty::literal_strs(&[
            "spec_kitty_core",
            "team_domain",
            "audience_domain",
            "mission_local",
        ]),
    ))
    .field(Field::required("glossary_version_id", Ty::nonempty()))
    .build()
});

/// The contract of a `TermCandidateObserved` payload.
pub static TERM_CANDIDATE_OBSERVED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "TermCandidateObservedPayload",
        "Payload for TermCandidateObserved event.",
    )
    .field(Field::required("mission_id", Ty::nonempty()))
    .field(Field::required("scope_id", Ty::nonempty()))
    .field(Field::required("step_id", Ty::nonempty()))
    .field(Field::required("term_surface", Ty::nonempty()))
    .field(Field::required("confidence", confidence()))
    .field(Field::required("actor", Ty::nonempty()))
    .field(step_metadata())
    .build()
});

/// The contract of a `GlossarySenseUpdated` payload.
pub static GLOSSARY_SENSE_UPDATED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "GlossarySenseUpdatedPayload",
        "Payload for GlossarySenseUpdated event.",
    )
    .field(Field::required("mission_id", Ty::nonempty()))
    .field(Field::required("scope_id", Ty::nonempty()))
    .field(Field::required("term_surface", Ty::nonempty()))
    .field(Field::optional("before_sense", Ty::str()))
    .field(Field::required("after_sense", Ty::nonempty()))
    .field(Field::required("reason", Ty::str()))
    .field(Field::required("actor", Ty::nonempty()))
    .build()
});

/// The contract of a `GlossaryStrictnessSet` payload.
pub static GLOSSARY_STRICTNESS_SET_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "GlossaryStrictnessSetPayload",
        "Payload for GlossaryStrictnessSet event (mission-wide policy change).",
    )
    .field(Field::required("mission_id", Ty::nonempty()))
    .field(Field::required(
        "new_strictness",
        Ty::literal_strs(&STRICTNESS),
    ))
    .field(Field::optional(
        "previous_strictness",
        Ty::literal_strs(&STRICTNESS),
    ))
    .field(Field::required("actor", Ty::nonempty()))
    .build()
});

/// The contract of a `SemanticCheckEvaluated` payload.
pub static SEMANTIC_CHECK_EVALUATED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "SemanticCheckEvaluatedPayload",
        "Payload for SemanticCheckEvaluated event (step-level semantic check).",
    )
    .field(Field::required("mission_id", Ty::nonempty()))
    .field(Field::required("scope_id", Ty::nonempty()))
    .field(Field::required("step_id", Ty::nonempty()))
    .field(Field::required(
        "conflicts",
        Ty::seq(SeqKind::Tuple, &*SEMANTIC_CONFLICT_ENTRY, None, None),
    ))
    .field(Field::required("severity", Ty::literal_strs(&LEVELS)))
    .field(Field::required("confidence", confidence()))
    .field(Field::required(
        "recommended_action",
        Ty::literal_strs(&["block", "warn", "pass"]),
    ))
    .field(Field::required(
        "effective_strictness",
        Ty::literal_strs(&STRICTNESS),
    ))
    .field(step_metadata())
    .build()
});

/// The contract of a `GlossaryClarificationRequested` payload.
pub static GLOSSARY_CLARIFICATION_REQUESTED_PAYLOAD: LazyLock<Arc<ModelDef>> =
    LazyLock::new(|| {
        ModelDef::new(
            "GlossaryClarificationRequestedPayload",
            "Payload for GlossaryClarificationRequested event.",
        )
        .field(Field::required("mission_id", Ty::nonempty()))
        .field(Field::required("scope_id", Ty::nonempty()))
        .field(Field::required("step_id", Ty::nonempty()))
        .field(Field::required("semantic_check_event_id", Ty::nonempty()))
        .field(Field::required("term", Ty::nonempty()))
        .field(Field::required("question", Ty::str()))
        .field(Field::required(
            "options",
            Ty::seq(SeqKind::Tuple, Ty::str(), None, None),
        ))
        .field(Field::required("urgency", Ty::literal_strs(&LEVELS)))
        .field(Field::required("actor", Ty::nonempty()))
        .build()
    });

/// The contract of a `GlossaryClarificationResolved` payload.
pub static GLOSSARY_CLARIFICATION_RESOLVED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "GlossaryClarificationResolvedPayload",
        "Payload for GlossaryClarificationResolved event.",
    )
    .field(Field::required("mission_id", Ty::nonempty()))
    .field(Field::required("clarification_event_id", Ty::nonempty()))
    .field(Field::required("selected_meaning", Ty::nonempty()))
    .field(Field::required("actor", Ty::nonempty()))
    .build()
});

/// The contract of a `GenerationBlockedBySemanticConflict` payload.
pub static GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT_PAYLOAD: LazyLock<Arc<ModelDef>> =
    LazyLock::new(|| {
        ModelDef::new(
            "GenerationBlockedBySemanticConflictPayload",
            "Payload for GenerationBlockedBySemanticConflict event.",
        )
        .field(Field::required("mission_id", Ty::nonempty()))
        .field(Field::required("step_id", Ty::nonempty()))
        .field(Field::required(
            "conflict_event_ids",
            Ty::seq(SeqKind::Tuple, Ty::str(), Some(1), None),
        ))
        .field(Field::required(
            "blocking_strictness",
            Ty::literal_strs(&["medium", "max"]),
        ))
        .field(step_metadata())
        .build()
    });

fn model_of(event_type: &str) -> Option<&'static ModelDef> {
    Some(match event_type {
        GLOSSARY_SCOPE_ACTIVATED => &GLOSSARY_SCOPE_ACTIVATED_PAYLOAD,
        TERM_CANDIDATE_OBSERVED => &TERM_CANDIDATE_OBSERVED_PAYLOAD,
        SEMANTIC_CHECK_EVALUATED => &SEMANTIC_CHECK_EVALUATED_PAYLOAD,
        GLOSSARY_CLARIFICATION_REQUESTED => &GLOSSARY_CLARIFICATION_REQUESTED_PAYLOAD,
        GLOSSARY_CLARIFICATION_RESOLVED => &GLOSSARY_CLARIFICATION_RESOLVED_PAYLOAD,
        GLOSSARY_SENSE_UPDATED => &GLOSSARY_SENSE_UPDATED_PAYLOAD,
        GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT => &GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT_PAYLOAD,
        GLOSSARY_STRICTNESS_SET => &GLOSSARY_STRICTNESS_SET_PAYLOAD,
        _ => return None,
    })
}

/// A non-fatal issue met while reducing glossary events (permissive mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlossaryAnomaly {
    /// The event.
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// What was wrong.
    pub reason: String,
}

/// A clarification request and its resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClarificationRecord {
    /// The request event.
    pub request_event_id: String,
    /// The semantic check it is about.
    pub semantic_check_event_id: String,
    /// The term in question.
    pub term: String,
    /// Whether it was resolved.
    pub resolved: bool,
    /// The resolving event.
    pub resolution_event_id: Option<String>,
}

/// The projected glossary state. Payloads are kept as their normalised JSON, as compact
/// trees ([`Json`]: entries in order, no per-object hash table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReducedGlossaryState {
    /// Mission of the first glossary event.
    pub mission_id: String,
    /// Activated scopes by scope id.
    pub active_scopes: IndexMap<String, Json<'static>>,
    /// Current strictness (`medium` until set).
    pub current_strictness: String,
    /// Every strictness change.
    pub strictness_history: Vec<Json<'static>>,
    /// Observations per scope, then per term (both sorted).
    pub term_candidates: BTreeMap<String, BTreeMap<String, Vec<Json<'static>>>>,
    /// Latest sense per scope, then per term (both sorted).
    pub term_senses: BTreeMap<String, BTreeMap<String, Json<'static>>>,
    /// Clarification requests in order.
    pub clarifications: Vec<ClarificationRecord>,
    /// Semantic checks in order.
    pub semantic_checks: Vec<Json<'static>>,
    /// Generation blocks in order.
    pub generation_blocks: Vec<Json<'static>>,
    /// Issues met (permissive mode).
    pub anomalies: Vec<GlossaryAnomaly>,
    /// Distinct glossary events.
    pub event_count: u64,
    /// The last glossary event in replay order.
    pub last_processed_event_id: Option<String>,
}

impl Default for ReducedGlossaryState {
    fn default() -> Self {
        ReducedGlossaryState {
            mission_id: String::new(),
            active_scopes: IndexMap::new(),
            current_strictness: "medium".into(),
            strictness_history: Vec::new(),
            term_candidates: BTreeMap::new(),
            term_senses: BTreeMap::new(),
            clarifications: Vec::new(),
            semantic_checks: Vec::new(),
            generation_blocks: Vec::new(),
            anomalies: Vec::new(),
            event_count: 0,
            last_processed_event_id: None,
        }
    }
}

fn s(p: &Json<'_>, k: &str) -> String {
    p.get_str(k).unwrap_or_default().to_owned()
}

/// The glossary event types, in the order of [`model_of`].
const GLOSSARY_EVENT_TYPES: [&str; 8] = [
    GLOSSARY_SCOPE_ACTIVATED,
    TERM_CANDIDATE_OBSERVED,
    SEMANTIC_CHECK_EVALUATED,
    GLOSSARY_CLARIFICATION_REQUESTED,
    GLOSSARY_CLARIFICATION_RESOLVED,
    GLOSSARY_SENSE_UPDATED,
    GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT,
    GLOSSARY_STRICTNESS_SET,
];

/// What the glossary reducer keeps of an event: its type and its normalised payload, or
/// the validation report that refuses the log when the event is reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlossaryItem {
    event_type: Cow<'static, str>,
    payload: std::result::Result<Json<'static>, String>,
}

/// The glossary reducer as a [`Projection`].
///
/// In strict mode (the reference's default) a reference to an unactivated scope, a sense
/// update for an unobserved term, a clarification about an unknown check, a burst of more
/// than three open clarifications for one check, or a resolution of an unknown
/// clarification refuses the log; in permissive mode they become anomalies. An invalid
/// payload refuses the log in both modes. The fold is event by event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlossaryProjection {
    strict: bool,
    st: ReducedGlossaryState,
    check_ids: BTreeSet<String>,
}

impl GlossaryProjection {
    /// An empty projection; `strict` refuses the log where the reference raises.
    pub fn new(strict: bool) -> Self {
        GlossaryProjection {
            strict,
            st: ReducedGlossaryState::default(),
            check_ids: BTreeSet::new(),
        }
    }

    fn apply_one(
        &mut self,
        event_id: &str,
        event_type: &str,
        payload: std::result::Result<Json<'static>, String>,
    ) -> Result<()> {
        let refuse = |reason: String| Error::Replay {
            event_id: event_id.to_owned(),
            reason,
        };
        let p = payload.map_err(refuse)?;
        if self.st.event_count == 1 {
            self.st.mission_id = s(&p, "mission_id");
        }
        let strict = self.strict;
        let anomaly =
            |st: &mut ReducedGlossaryState, strict_msg: String, reason: String| -> Result<()> {
                if strict {
                    return Err(refuse(strict_msg));
                }
                st.anomalies.push(GlossaryAnomaly {
                    event_id: event_id.to_owned(),
                    event_type: event_type.to_owned(),
                    reason,
                });
                Ok(())
            };
        let check_scope = |st: &mut ReducedGlossaryState| -> Result<()> {
            let scope = s(&p, "scope_id");
            if !st.active_scopes.contains_key(&scope) {
                anomaly(
                    st,
                    format!("Event {event_id} references unactivated scope '{scope}'"),
                    format!("References unactivated scope '{scope}'"),
                )?;
            }
            Ok(())
        };
        let st = &mut self.st;
        match event_type {
            GLOSSARY_SCOPE_ACTIVATED => {
                st.active_scopes.insert(s(&p, "scope_id"), p);
            }
            GLOSSARY_STRICTNESS_SET => {
                st.current_strictness = s(&p, "new_strictness");
                st.strictness_history.push(p);
            }
            TERM_CANDIDATE_OBSERVED => {
                check_scope(st)?;
                st.term_candidates
                    .entry(s(&p, "scope_id"))
                    .or_default()
                    .entry(s(&p, "term_surface"))
                    .or_default()
                    .push(p);
            }
            GLOSSARY_SENSE_UPDATED => {
                check_scope(st)?;
                let (scope, term) = (s(&p, "scope_id"), s(&p, "term_surface"));
                let observed = st
                    .term_candidates
                    .get(&scope)
                    .is_some_and(|t| t.contains_key(&term));
                if !observed {
                    anomaly(
                        st,
                        format!(
                            "GlossarySenseUpdated for unobserved term '{term}' in event {event_id}"
                        ),
                        format!("Sense update for unobserved term '{term}'"),
                    )?;
                }
                st.term_senses.entry(scope).or_default().insert(term, p);
            }
            SEMANTIC_CHECK_EVALUATED => {
                check_scope(st)?;
                st.semantic_checks.push(p);
                self.check_ids.insert(event_id.to_owned());
            }
            GLOSSARY_CLARIFICATION_REQUESTED => {
                check_scope(st)?;
                let check = s(&p, "semantic_check_event_id");
                if !self.check_ids.contains(check.as_str()) {
                    anomaly(
                        st,
                        format!(
                            "GlossaryClarificationRequested references unknown semantic check '{check}' in event {event_id}"
                        ),
                        format!("References unknown semantic check '{check}'"),
                    )?;
                    return Ok(());
                }
                let open = st
                    .clarifications
                    .iter()
                    .filter(|c| c.semantic_check_event_id == check && !c.resolved)
                    .count();
                if open >= 3 {
                    anomaly(
                        st,
                        format!(
                            "Clarification burst cap exceeded for semantic check '{check}' in event {event_id}"
                        ),
                        format!(
                            "Burst cap exceeded: >3 active clarifications for semantic check '{check}'"
                        ),
                    )?;
                } else {
                    st.clarifications.push(ClarificationRecord {
                        request_event_id: event_id.to_owned(),
                        semantic_check_event_id: check,
                        term: s(&p, "term"),
                        resolved: false,
                        resolution_event_id: None,
                    });
                }
            }
            GLOSSARY_CLARIFICATION_RESOLVED => {
                let target = s(&p, "clarification_event_id");
                match st
                    .clarifications
                    .iter_mut()
                    .find(|c| c.request_event_id == target)
                {
                    Some(c) => {
                        c.resolved = true;
                        c.resolution_event_id = Some(event_id.to_owned());
                    }
                    None => anomaly(
                        st,
                        format!(
                            "GlossaryClarificationResolved references unknown clarification '{target}' in event {event_id}"
                        ),
                        format!("Resolution for unknown clarification '{target}'"),
                    )?,
                }
            }
            _ => st.generation_blocks.push(p),
        }
        Ok(())
    }
}

impl Projection for GlossaryProjection {
    type Item = GlossaryItem;
    type State = ReducedGlossaryState;

    fn needs_payload(event_type: &str) -> bool {
        GLOSSARY_EVENT_TYPES.contains(&event_type)
    }

    fn prepare(event: &EventRef<'_>) -> Option<GlossaryItem> {
        let event_type = GLOSSARY_EVENT_TYPES
            .iter()
            .find(|t| **t == event.event_type)?;
        let model = model_of(event_type)?;
        let payload = match model.validate_owned(event.payload) {
            Ok(normalised @ Json::Object(_)) => Ok(normalised),
            Ok(_) => Ok(Json::Object(Vec::new())),
            Err(errors) => Err(render_report(model.name, &errors)),
        };
        Some(GlossaryItem {
            event_type: Cow::Borrowed(event_type),
            payload,
        })
    }

    fn apply(&mut self, events: Vec<Prepared<GlossaryItem>>) -> Result<()> {
        for p in events {
            self.st.event_count += 1;
            self.st.last_processed_event_id = Some(p.event_id().to_owned());
            self.apply_one(p.key.event_id.as_str(), &p.item.event_type, p.item.payload)?;
        }
        Ok(())
    }

    fn state(&self) -> Result<ReducedGlossaryState> {
        Ok(self.st.clone())
    }

    fn into_state(self) -> Result<ReducedGlossaryState> {
        Ok(self.st)
    }
}

/// Replays glossary events (other types are ignored) into the glossary state: a full
/// reduction with [`GlossaryProjection`]. The result equals the reference's.
pub fn reduce_glossary_events<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    strict: bool,
) -> Result<ReducedGlossaryState> {
    replay_all(
        GlossaryProjection::new(strict),
        prepare::<GlossaryProjection>(events),
    )
}
