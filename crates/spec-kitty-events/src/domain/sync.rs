//! Sync lifecycle: ingest outcomes with idempotent delivery tracking, external
//! reference links, and the sync reducer.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, IntTy, ModelDef, Ty};
use crate::domain::connector::validated_payload;
use crate::envelope::{Event, EventRef};
use crate::error::Result;
use crate::json::py;
use crate::projection::{Prepared, Projection, prepare, release, replay_all};
use std::borrow::Cow;

/// `SyncIngestAccepted`.
pub const SYNC_INGEST_ACCEPTED: &str = "SyncIngestAccepted";
/// `SyncIngestRejected`.
pub const SYNC_INGEST_REJECTED: &str = "SyncIngestRejected";
/// `SyncRetryScheduled`.
pub const SYNC_RETRY_SCHEDULED: &str = "SyncRetryScheduled";
/// `SyncDeadLettered`.
pub const SYNC_DEAD_LETTERED: &str = "SyncDeadLettered";
/// `SyncReplayCompleted`.
pub const SYNC_REPLAY_COMPLETED: &str = "SyncReplayCompleted";
/// `ExternalReferenceLinked`.
pub const EXTERNAL_REFERENCE_LINKED: &str = "ExternalReferenceLinked";

fn sync_model(name: &'static str, doc: &'static str, extra: Vec<Field>) -> Arc<ModelDef> {
    let mut m = ModelDef::new(name, doc)
        .field(Field::required("delivery_id", Ty::nonempty()))
        .field(Field::required("source_event_fingerprint", Ty::nonempty()))
        .field(Field::required("connector_id", Ty::nonempty()))
        .field(Field::required("mission_id", Ty::nonempty()))
        .field(Field::required("recorded_at", Ty::DateTime));
    for f in extra {
        m = m.field(f);
    }
    m.build()
}

/// The contract of a `SyncIngestAccepted` payload.
pub static SYNC_INGEST_ACCEPTED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    sync_model(
        "SyncIngestAcceptedPayload",
        "Payload for SyncIngestAccepted events.",
        vec![
            Field::required("ingest_batch_id", Ty::nonempty()),
            Field::required("ingested_count", IntTy::new().gt(0)),
        ],
    )
});

/// The contract of a `SyncIngestRejected` payload.
pub static SYNC_INGEST_REJECTED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    sync_model(
        "SyncIngestRejectedPayload",
        "Payload for SyncIngestRejected events.",
        vec![
            Field::required("rejection_reason", Ty::nonempty()),
            Field::required("rejected_payload_ref", Ty::nonempty()),
        ],
    )
});

/// The contract of a `SyncRetryScheduled` payload.
pub static SYNC_RETRY_SCHEDULED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    sync_model(
        "SyncRetryScheduledPayload",
        "Payload for SyncRetryScheduled events.",
        vec![
            Field::required("retry_attempt", IntTy::new().ge(1)),
            Field::required("max_retries", IntTy::new().ge(1)),
            Field::required("next_retry_at", Ty::DateTime),
        ],
    )
});

/// The contract of a `SyncDeadLettered` payload.
pub static SYNC_DEAD_LETTERED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    sync_model(
        "SyncDeadLetteredPayload",
        "Payload for SyncDeadLettered events.",
        vec![
            Field::required("failure_reason", Ty::nonempty()),
            Field::required("total_attempts", IntTy::new().ge(1)),
            Field::required("dead_letter_ref", Ty::nonempty()),
        ],
    )
});

/// The contract of a `SyncReplayCompleted` payload.
pub static SYNC_REPLAY_COMPLETED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    sync_model(
        "SyncReplayCompletedPayload",
        "Payload for SyncReplayCompleted events.",
        vec![
            Field::required("replay_id", Ty::nonempty()),
            Field::required("replayed_count", IntTy::new().ge(0)),
            Field::required("replay_source", Ty::nonempty()),
        ],
    )
});

/// The contract of an `ExternalReferenceLinked` payload.
pub static EXTERNAL_REFERENCE_LINKED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ExternalReferenceLinkedPayload",
        "Payload for ExternalReferenceLinked events.",
    )
    .field(Field::required("link_id", Ty::nonempty()))
    .field(Field::required("connector_id", Ty::nonempty()))
    .field(Field::required("external_provider", Ty::nonempty()))
    .field(Field::required("external_ref_type", Ty::nonempty()))
    .field(Field::required("external_ref_id", Ty::nonempty()))
    .field(Field::required("external_ref_url", Ty::AnyHttpUrl))
    .field(Field::required("internal_aggregate_type", Ty::nonempty()))
    .field(Field::required("internal_aggregate_id", Ty::nonempty()))
    .field(Field::required("mission_id", Ty::nonempty()))
    .field(Field::required("linked_by", Ty::nonempty()))
    .field(Field::required("recorded_at", Ty::DateTime))
    .build()
});

/// `(model, outcome, count key)` of each sync event type.
fn outcome_of(event_type: &str) -> Option<(&'static ModelDef, &'static str, &'static str)> {
    Some(match event_type {
        SYNC_INGEST_ACCEPTED => (&SYNC_INGEST_ACCEPTED_PAYLOAD, "accepted", "accepted_count"),
        SYNC_INGEST_REJECTED => (&SYNC_INGEST_REJECTED_PAYLOAD, "rejected", "rejected_count"),
        SYNC_RETRY_SCHEDULED => (
            &SYNC_RETRY_SCHEDULED_PAYLOAD,
            "retry_scheduled",
            "retry_count",
        ),
        SYNC_DEAD_LETTERED => (
            &SYNC_DEAD_LETTERED_PAYLOAD,
            "dead_lettered",
            "dead_letter_count",
        ),
        SYNC_REPLAY_COMPLETED => (
            &SYNC_REPLAY_COMPLETED_PAYLOAD,
            "replay_completed",
            "replay_count",
        ),
        _ => return None,
    })
}

/// A non-fatal issue met while reducing sync events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncAnomaly {
    /// `duplicate_delivery_pair`, `malformed_payload` or `unknown_event_type`.
    pub kind: String,
    /// The event.
    pub event_id: String,
    /// What was wrong.
    pub message: String,
}

/// The projected state of a sync pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReducedSyncState {
    /// Connector of the last counted outcome.
    pub connector_id: Option<String>,
    /// Counts per outcome.
    pub outcome_counts: IndexMap<String, u64>,
    /// `(event_id, outcome, delivery_id)` per counted outcome.
    pub outcome_log: Vec<(String, String, String)>,
    /// Every `(delivery_id, source_event_fingerprint)` counted, sorted (the reference keeps
    /// an unordered set).
    pub seen_delivery_pairs: BTreeSet<(String, String)>,
    /// Issues met.
    pub anomalies: Vec<SyncAnomaly>,
    /// Distinct events seen (all types).
    pub event_count: u64,
}

impl Default for ReducedSyncState {
    fn default() -> Self {
        let outcome_counts = [
            "accepted_count",
            "rejected_count",
            "retry_count",
            "dead_letter_count",
            "replay_count",
        ]
        .into_iter()
        .map(|k| (k.to_owned(), 0))
        .collect();
        ReducedSyncState {
            connector_id: None,
            outcome_counts,
            outcome_log: Vec::new(),
            seen_delivery_pairs: BTreeSet::new(),
            anomalies: Vec::new(),
            event_count: 0,
        }
    }
}

/// The payload fields the sync reducer reads, from a validated payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncFields {
    connector_id: String,
    delivery_id: String,
    source_event_fingerprint: String,
}

/// What the sync reducer keeps of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SyncItem {
    /// An outcome event: its type, and its fields or the `malformed_payload` message.
    Outcome(Cow<'static, str>, std::result::Result<SyncFields, String>),
    /// Any other event: counted only.
    Other,
}

/// The sync event types with an outcome.
const OUTCOME_EVENT_TYPES: [&str; 5] = [
    SYNC_INGEST_ACCEPTED,
    SYNC_INGEST_REJECTED,
    SYNC_RETRY_SCHEDULED,
    SYNC_DEAD_LETTERED,
    SYNC_REPLAY_COMPLETED,
];

/// The sync reducer as a [`Projection`]: outcome counts and log.
///
/// A `(delivery_id, source_event_fingerprint)` pair counts once: a repeat is a
/// `duplicate_delivery_pair` anomaly; malformed payloads are `malformed_payload`
/// anomalies. `event_count` counts every distinct event. The fold is event by event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncProjection {
    st: ReducedSyncState,
}

impl SyncProjection {
    fn apply_one(
        &mut self,
        event_id: &str,
        event_type: &str,
        fields: &std::result::Result<SyncFields, String>,
    ) {
        let s = &mut self.st;
        let Some((_, outcome, count_key)) = outcome_of(event_type) else {
            return;
        };
        let p = match fields {
            Ok(p) => p,
            Err(message) => {
                s.anomalies.push(SyncAnomaly {
                    kind: "malformed_payload".into(),
                    event_id: event_id.to_owned(),
                    message: message.clone(),
                });
                return;
            }
        };
        let pair = (p.delivery_id.clone(), p.source_event_fingerprint.clone());
        if s.seen_delivery_pairs.contains(&pair) {
            s.anomalies.push(SyncAnomaly {
                kind: "duplicate_delivery_pair".into(),
                event_id: event_id.to_owned(),
                message: format!(
                    "Duplicate (delivery_id, source_event_fingerprint) pair: ({}, {})",
                    py::str_repr(&pair.0),
                    py::str_repr(&pair.1)
                ),
            });
            return;
        }
        s.connector_id = Some(p.connector_id.clone());
        if let Some(c) = s.outcome_counts.get_mut(count_key) {
            *c += 1;
        }
        s.outcome_log
            .push((event_id.to_owned(), outcome.to_owned(), pair.0.clone()));
        s.seen_delivery_pairs.insert(pair);
    }
}

impl Projection for SyncProjection {
    type Item = SyncItem;
    type State = ReducedSyncState;

    fn needs_payload(event_type: &str) -> bool {
        OUTCOME_EVENT_TYPES.contains(&event_type)
    }

    fn prepare(event: &EventRef<'_>) -> Option<SyncItem> {
        let Some(etype) = OUTCOME_EVENT_TYPES.iter().find(|t| **t == event.event_type) else {
            return Some(SyncItem::Other);
        };
        let (model, _, _) = outcome_of(etype)?;
        let fields = validated_payload(model, etype, event.payload).map(|p| {
            let text = |k: &str| p.get_str(k).unwrap_or_default().to_owned();
            SyncFields {
                connector_id: text("connector_id"),
                delivery_id: text("delivery_id"),
                source_event_fingerprint: text("source_event_fingerprint"),
            }
        });
        Some(SyncItem::Outcome(Cow::Borrowed(etype), fields))
    }

    fn apply(&mut self, events: Vec<Prepared<SyncItem>>) -> Result<()> {
        self.st.event_count += events.len() as u64;
        for p in &events {
            if let SyncItem::Outcome(etype, fields) = &p.item {
                self.apply_one(p.event_id(), etype, fields);
            }
        }
        release(events);
        Ok(())
    }

    fn state(&self) -> Result<ReducedSyncState> {
        Ok(self.st.clone())
    }

    fn into_state(self) -> Result<ReducedSyncState> {
        Ok(self.st)
    }
}

/// Replays sync events into outcome counts and log: a full reduction with
/// [`SyncProjection`]. The result equals the reference's (its set of pairs, unordered
/// there, is sorted here).
pub fn reduce_sync_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> ReducedSyncState {
    replay_all(SyncProjection::default(), prepare::<SyncProjection>(events)).unwrap_or_default()
}
