//! Projections: reducers that can be fed sorted events in batches, snapshotted and
//! restored, with results always equal to one reduction of every event.
//!
//! A reducer implements [`Projection`] in two parts:
//!
//! - [`Projection::prepare`] looks at one event on its own — it validates the payload once
//!   and keeps what the fold needs (an [`Projection::Item`]), or drops an event the
//!   reducer ignores. It is a pure function of the event, so it runs in parallel, as the
//!   events are read;
//! - [`Projection::apply`] folds prepared events, in the reference's replay order
//!   (`(lamport_clock, timestamp.isoformat(), event_id)`, repeated ids removed), one or
//!   more whole Lamport groups at a time. Every reducer keeps the law
//!   `apply(A ++ B) == apply(A); apply(B)` when `A` ends where a Lamport clock ends —
//!   the law the property tests check.
//!
//! [`replay_all`] is a full reduction: prepare, sort, deduplicate, apply everything.
//! [`Projector`] keeps a projection current as batches arrive: it folds every Lamport
//! group that can no longer grow and keeps the newest one pending (a later event with
//! the same clock may still join it). When a new event sorts before what was folded —
//! a node that was offline, clock skew — [`Projector::feed`] reports
//! [`Feed::Rebuild`]: only a reduction from scratch gives the exact result then.
//!
//! ```
//! use spec_kitty_events::Event;
//! use spec_kitty_events::domain::status::StatusProjection;
//! use spec_kitty_events::projection::{Feed, Projector, prepare, replay_all};
//! let ev = |id: &str, clock: u64, from: Option<&str>, to: &str| Event::from_value(&serde_json::json!({
//!     "event_id": id, "event_type": "WPStatusChanged", "aggregate_id": "m/WP01",
//!     "timestamp": "2026-04-05T12:00:00Z", "build_id": "b", "node_id": "n",
//!     "lamport_clock": clock, "project_uuid": "12345678-1234-5678-1234-567812345678",
//!     "correlation_id": id,
//!     "payload": {"mission_slug": "m", "wp_id": "WP01", "from_lane": from, "to_lane": to,
//!                 "actor": "a", "execution_mode": "worktree"}})).unwrap();
//! let log = [ev("01ARZ3NDEKTSV4RRFFQ69G5FA1", 1, None, "planned"),
//!            ev("01ARZ3NDEKTSV4RRFFQ69G5FA2", 2, Some("planned"), "claimed")];
//! let mut live = Projector::new(StatusProjection::default());
//! assert_eq!(live.feed(prepare::<StatusProjection>(&log[..1])).unwrap(), Feed::Folded);
//! assert_eq!(live.feed(prepare::<StatusProjection>(&log[1..])).unwrap(), Feed::Folded);
//! let whole = replay_all(StatusProjection::default(), prepare::<StatusProjection>(&log)).unwrap();
//! assert_eq!(live.state().unwrap(), whole);
//! // An event that sorts before the folded ones cannot be folded on top.
//! let late = ev("01ARZ3NDEKTSV4RRFFQ69G5FA0", 1, None, "planned");
//! assert_eq!(live.feed(prepare::<StatusProjection>(&[late])).unwrap(), Feed::Rebuild);
//! ```

use rustc_hash::{FxHashMap, FxHashSet};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::envelope::{Event, EventRef};
use crate::error::{Error, Result};
use crate::json::{self, Json};
use crate::ordering::{EventId, OrderKey};
use crate::timestamp::IsoKey;

/// A reducer that can be fed events in batches (see the module documentation).
pub trait Projection: Clone + Send + Sync + Serialize + DeserializeOwned + 'static {
    /// What [`Projection::prepare`] keeps of one event.
    type Item: Clone + Send + Sync + Serialize + DeserializeOwned + 'static;
    /// The reduced state, serialising as the reference's `model_dump(mode="json")`.
    type State: Serialize + Send;

    /// Looks at one event: `None` when the reducer ignores it altogether (it is then
    /// neither counted nor deduplicated), else what the fold needs, with the payload
    /// validated (or the validation failure recorded).
    fn prepare(event: &EventRef<'_>) -> Option<Self::Item>;

    /// Whether [`Projection::prepare`] reads the payload of events of `event_type`
    /// (`true` unless a reducer says otherwise). Readers may leave the payload of other
    /// events unparsed and hand `prepare` an empty object in its place.
    fn needs_payload(event_type: &str) -> bool {
        let _ = event_type;
        true
    }

    /// Folds events in replay order, repeated ids removed, whole Lamport groups at a
    /// time; the events are the projection's to keep (nothing needs copying). An error is
    /// the reference's refusal of the log at that event.
    fn apply(&mut self, events: Vec<Prepared<Self::Item>>) -> Result<()>;

    /// The reduced state of everything applied.
    fn state(&self) -> Result<Self::State>;

    /// The reduced state, consuming the projection (saves a copy where the state is
    /// the projection's own data).
    fn into_state(self) -> Result<Self::State> {
        self.state()
    }
}

/// A prepared event: its place in the replay order and what the reducer keeps of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prepared<I> {
    /// Where the event sorts.
    pub key: OrderKey,
    /// Input position, set while sorting: equal keys keep their input order.
    #[serde(skip)]
    seq: u32,
    /// What the reducer keeps.
    pub item: I,
}

impl<I> Prepared<I> {
    /// A prepared event.
    pub fn new(key: OrderKey, item: I) -> Self {
        Prepared { key, seq: 0, item }
    }

    /// The event's id.
    pub fn event_id(&self) -> &str {
        self.key.event_id.as_str()
    }

    /// The event's Lamport clock.
    pub fn lamport_clock(&self) -> u64 {
        self.key.lamport_clock
    }
}

/// Prepares one event for `P`.
pub fn prepare_ref<P: Projection>(event: &EventRef<'_>) -> Option<Prepared<P::Item>> {
    P::prepare(event).map(|item| {
        Prepared::new(
            OrderKey::new(event.lamport_clock, &event.timestamp, &event.event_id),
            item,
        )
    })
}

/// Prepares one record read with [`json::parse_lazy`] (its `payload` left as `raw`
/// text): validates the envelope, parses the payload only when `P` reads it, and prepares
/// the event. `Err` holds the envelope's validation errors.
pub fn prepare_lazy<P: Projection>(
    envelope: &Json<'_>,
    raw: Option<&str>,
) -> std::result::Result<Option<Prepared<P::Item>>, Vec<crate::contract::FieldError>> {
    let event = EventRef::from_json(envelope)?;
    match raw {
        Some(raw) if P::needs_payload(&event.event_type) => {
            // The text was checked with the envelope: it parses.
            let payload = json::parse(raw).unwrap_or_else(|_| Json::Object(Vec::new()));
            Ok(prepare_ref::<P>(&EventRef {
                payload: &payload,
                ..event
            }))
        }
        _ => Ok(prepare_ref::<P>(&event)),
    }
}

/// Prepares owned events for `P`, in parallel when there are many.
pub fn prepare<'a, P: Projection>(
    events: impl IntoIterator<Item = &'a Event>,
) -> Vec<Prepared<P::Item>> {
    use rayon::prelude::*;
    let one = |e: &&Event| {
        let payload = if P::needs_payload(&e.event_type) {
            e.payload.json()
        } else {
            Json::Object(Vec::new())
        };
        prepare_ref::<P>(&e.as_ref(&payload))
    };
    let events: Vec<&Event> = events.into_iter().collect();
    if events.len() < 2048 {
        events.iter().filter_map(one).collect()
    } else {
        events.par_iter().filter_map(one).collect()
    }
}

/// Sorts prepared events into replay order (equal keys keep their input order) and
/// drops repeated ids, the first in sort order winning. Sorts in place: no second copy of
/// the events is made.
pub fn sort_and_dedup<I: Send>(items: &mut Vec<Prepared<I>>) {
    use rayon::slice::ParallelSliceMut;
    for (i, p) in items.iter_mut().enumerate() {
        p.seq = u32::try_from(i).unwrap_or(u32::MAX);
    }
    items.par_sort_unstable_by(|a, b| a.key.cmp(&b.key).then(a.seq.cmp(&b.seq)));
    let keep: Vec<bool> = {
        let mut seen: FxHashSet<&EventId> = FxHashSet::default();
        seen.reserve(items.len());
        items.iter().map(|p| seen.insert(&p.key.event_id)).collect()
    };
    let mut i = 0;
    items.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

/// Reduces prepared events from scratch: sort, deduplicate, apply, state.
pub fn replay_all<P: Projection>(
    mut projection: P,
    mut items: Vec<Prepared<P::Item>>,
) -> Result<P::State> {
    sort_and_dedup(&mut items);
    projection.apply(items)?;
    projection.into_state()
}

/// What [`Projector::feed`] did with a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// The batch was folded (or is pending in the open Lamport group).
    Folded,
    /// Some event sorts before what was already folded: nothing was changed, and only a
    /// reduction from scratch gives the exact result.
    Rebuild,
}

/// The order position under which an id was kept, for deciding later duplicates.
type Seen = (u64, IsoKey);

fn seen_key(k: &OrderKey) -> Seen {
    (k.lamport_clock, k.time)
}

/// A projection kept current as batches of events arrive (see the module documentation).
///
/// It serialises (with serde) into a checkpoint holding everything needed to go on: the
/// folded state, the open Lamport group and, when it deduplicates, every id seen.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound = "P: Projection")]
pub struct Projector<P: Projection> {
    projection: P,
    /// The highest Lamport clock folded into `projection`.
    folded_through: Option<u64>,
    /// The open group: sorted events of the highest clock seen, not folded yet.
    pending: Vec<Prepared<P::Item>>,
    /// Ids seen and where they sorted; `None` when the source guarantees unique ids.
    seen: Option<FxHashMap<EventId, Seen>>,
    /// Events taken in (repeated ids not counted).
    events: u64,
    /// The refusal met while folding, if any: the state of the log from then on.
    refused: Option<(String, String)>,
}

impl<P: Projection> Projector<P> {
    /// An empty projector that deduplicates event ids across batches.
    pub fn new(projection: P) -> Self {
        Projector {
            projection,
            folded_through: None,
            pending: Vec::new(),
            seen: Some(FxHashMap::default()),
            events: 0,
            refused: None,
        }
    }

    /// An empty projector for a source whose event ids are unique (a store): no ids are
    /// kept, so checkpoints stay small.
    pub fn for_unique_ids(projection: P) -> Self {
        Projector {
            seen: None,
            ..Projector::new(projection)
        }
    }

    /// Events taken in so far (each id once).
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The highest Lamport clock folded so far.
    pub fn folded_through(&self) -> Option<u64> {
        self.folded_through
    }

    /// Takes in a batch of prepared events, in any order.
    pub fn feed(&mut self, mut batch: Vec<Prepared<P::Item>>) -> Result<Feed> {
        batch.sort_by(|a, b| a.key.cmp(&b.key));
        // Decide everything before changing anything: a rebuild leaves the projector as
        // it was.
        let mut fresh: Vec<Prepared<P::Item>> = Vec::with_capacity(batch.len());
        let mut displaced: FxHashSet<EventId> = FxHashSet::default();
        let mut batch_ids: FxHashMap<EventId, Seen> = FxHashMap::default();
        for p in batch {
            if let Some(seen) = &self.seen {
                // The batch is sorted: an earlier member with this id sorts first.
                if batch_ids.contains_key(&p.key.event_id) {
                    continue;
                }
                let key = seen_key(&p.key);
                if let Some(&kept) = seen.get(&p.key.event_id) {
                    if key >= kept {
                        continue; // The kept one sorts first, or ties and came first.
                    }
                    // The newcomer wins: possible while the kept one is pending, not once
                    // it is folded.
                    if self.folded_through.is_some_and(|f| kept.0 <= f) {
                        return Ok(Feed::Rebuild);
                    }
                    displaced.insert(p.key.event_id.clone());
                }
                batch_ids.insert(p.key.event_id.clone(), key);
            }
            if self
                .folded_through
                .is_some_and(|f| p.key.lamport_clock <= f)
            {
                return Ok(Feed::Rebuild);
            }
            fresh.push(p);
        }
        if !displaced.is_empty() {
            self.pending
                .retain(|p| !displaced.contains(&p.key.event_id));
            self.events -= displaced.len() as u64;
        }
        if let Some(seen) = &mut self.seen {
            seen.extend(batch_ids);
        }
        self.events += fresh.len() as u64;
        let mut merged = std::mem::take(&mut self.pending);
        merged.extend(fresh);
        merged.sort_by(|a, b| a.key.cmp(&b.key));
        let Some(open) = merged.last().map(Prepared::lamport_clock) else {
            return Ok(Feed::Folded);
        };
        let split = merged.partition_point(|p| p.lamport_clock() < open);
        self.pending = merged.split_off(split);
        if !merged.is_empty() {
            self.folded_through = merged.last().map(Prepared::lamport_clock);
            if self.refused.is_none()
                && let Err(e) = self.projection.apply(merged)
            {
                self.refused = Some(refusal(e));
            }
        }
        Ok(Feed::Folded)
    }

    /// The reduced state of everything fed, the open group included.
    pub fn state(&self) -> Result<P::State> {
        if let Some((event_id, reason)) = &self.refused {
            return Err(Error::Replay {
                event_id: event_id.clone(),
                reason: reason.clone(),
            });
        }
        if self.pending.is_empty() {
            return self.projection.state();
        }
        let mut p = self.projection.clone();
        p.apply(self.pending.clone())?;
        p.state()
    }
}

fn refusal(e: Error) -> (String, String) {
    match e {
        Error::Replay { event_id, reason } => (event_id, reason),
        other => (String::new(), other.to_string()),
    }
}
