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
//! [`Projector`] keeps a projection current as batches arrive: it folds every Lamport
//! group that can no longer grow and keeps the newest one pending (a later event with
//! the same clock may still join it), or the newest few with [`Projector::with_window`]
//! (so that events a few clocks late still fold). When a new event sorts before what was
//! folded — a node that was offline, clock skew — [`Projector::feed`] reports
//! [`Feed::Rebuild`] and changes nothing: only a reduction from scratch gives the exact
//! result then. A projector serialises (serde) into a checkpoint; the store-side flow is
//! in [`crate::checkpoint`].
//!
//! [`replay_all`] is a full reduction: an empty projector fed everything, sorted and
//! deduplicated. It is what `replay()`, every `reduce_*` function and the command line
//! run, so a full replay and an incremental one share one code path per reducer.
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
//! assert_eq!(live.feed(prepare::<StatusProjection>(&[late])).unwrap(), Feed::Rebuild { late: 1 });
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
    type State: Serialize + Send + 'static;

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
    /// time; the events are the projection's to keep (nothing needs copying), and one that
    /// only reads them ends with [`release`] so that freeing them overlaps the next batch.
    /// An error is the reference's refusal of the log at that event.
    fn apply(&mut self, events: Vec<Prepared<Self::Item>>) -> Result<()>;

    /// The reduced state of everything applied.
    fn state(&self) -> Result<Self::State>;

    /// The reduced state, consuming the projection (saves a copy where the state is
    /// the projection's own data).
    fn into_state(self) -> Result<Self::State> {
        self.state()
    }
}

/// Events a [`Projector`] hands to [`Projection::apply`] at a time (rounded up to a whole
/// Lamport clock).
const FOLD_BATCH: usize = 4096;

/// Frees `value` on a pool thread: a reducer that reads its batch by reference ends its
/// [`Projection::apply`] with this, so that freeing the payloads it read (many small
/// blocks) overlaps the fold of the next batch instead of adding to it.
pub fn release<T: Send + 'static>(value: T) {
    rayon::spawn(move || drop(value));
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

/// How records are read for `P`: the envelope's `payload` left as checked text, except
/// when the `event_type` before it is one `P` reads ([`Projection::needs_payload`]): then
/// it is parsed at once, in the same pass. [`prepare_lazy`] takes either.
pub fn payload_member<P: Projection>() -> json::LazyMember<'static> {
    json::LazyMember::new("payload").eager_if("event_type", P::needs_payload)
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

/// Prepares stored rows (`(position, canonical envelope JSON)`, as [`EventStore::scan`]
/// hands them out) for `P` on every core, appending the items to `items`. A stored body
/// was validated when it was appended; one that no longer reads as an envelope is a
/// [`Error::Storage`] naming its position.
///
/// [`EventStore::scan`]: crate::storage::EventStore::scan
pub fn prepare_stored<P: Projection>(
    rows: &[(u64, String)],
    items: &mut Vec<Prepared<P::Item>>,
) -> Result<()> {
    use rayon::prelude::*;
    let prepared: Vec<Result<Option<Prepared<P::Item>>>> = rows
        .par_iter()
        .with_min_len(64)
        .map(|(position, body)| {
            let (tree, raw) = json::parse_lazy_with(body, payload_member::<P>())
                .map_err(|e| Error::Storage(format!("stored event {position} is not JSON: {e}")))?;
            prepare_lazy::<P>(&tree, raw).map_err(|errors| {
                Error::Storage(format!(
                    "stored event {position} is not a valid envelope: {}",
                    crate::contract::render_report("Event", &errors)
                ))
            })
        })
        .collect();
    for p in prepared {
        items.extend(p?);
    }
    Ok(())
}

/// Sorts prepared events into replay order (equal keys keep their input order) and
/// drops repeated ids, the first in sort order winning. Sorts in place: no second copy of
/// the events is made; the repeated ones are freed on a pool thread ([`release`]).
pub fn sort_and_dedup<I: Send + 'static>(items: &mut Vec<Prepared<I>>) {
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
    if keep.iter().all(|&k| k) {
        return;
    }
    let mut i = 0;
    let repeated: Vec<Prepared<I>> = items
        .extract_if(.., |_| {
            i += 1;
            !keep[i - 1]
        })
        .collect();
    release(repeated);
}

/// Reduces prepared events from scratch: an empty [`Projector`] fed everything (sorted
/// and deduplicated first, on every core), then its state. Every reducer's full replay
/// (`replay`, the `reduce_*` functions, the command line) goes through here: there is one
/// code path per reducer, the one incremental replays take too.
pub fn replay_all<P: Projection>(projection: P, items: Vec<Prepared<P::Item>>) -> Result<P::State> {
    let mut projector = Projector::for_unique_ids(projection);
    projector.feed_all(items)?;
    projector.into_state()
}

/// What [`Projector::feed`] did with a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// The batch was folded (or is pending in the open Lamport groups).
    Folded,
    /// Some events sort before what was already folded: nothing was changed, and only a
    /// reduction from scratch gives the exact result.
    Rebuild {
        /// How many events of the batch sort before (or, for a repeated id, would displace
        /// an event) already folded.
        late: u64,
    },
}

/// The order position under which an id was kept, for deciding later duplicates.
type Seen = (u64, IsoKey);

fn seen_key(k: &OrderKey) -> Seen {
    (k.lamport_clock, k.time)
}

/// Sorts prepared events by their keys, keeping the input order of equal keys; already
/// sorted input costs one pass.
fn sort_by_key<I: Send>(items: &mut [Prepared<I>]) {
    use rayon::slice::ParallelSliceMut;
    if items.is_sorted_by(|a, b| a.key <= b.key) {
        return;
    }
    if items.len() < 4096 {
        items.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        items.par_sort_by(|a, b| a.key.cmp(&b.key));
    }
}

/// A projection kept current as batches of events arrive (see the module documentation).
///
/// It folds a Lamport group only once it can no longer grow nor be preceded: events with
/// the highest clock seen, and those within [`Projector::with_window`] clocks of it, stay
/// pending (unfolded, in order) so that events arriving late by up to that many clocks are
/// still taken in without a rebuild. The state always includes the pending events.
///
/// It serialises (with serde) into a checkpoint holding everything needed to go on: the
/// folded state, the pending events, the window and, when it deduplicates, every id seen.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound = "P: Projection")]
pub struct Projector<P: Projection> {
    projection: P,
    /// The highest Lamport clock folded into `projection`.
    folded_through: Option<u64>,
    /// Clocks below the highest one seen that stay pending too.
    #[serde(default)]
    window: u64,
    /// The open groups: sorted events of the newest clocks, not folded yet.
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
            window: 0,
            pending: Vec::new(),
            seen: Some(FxHashMap::default()),
            events: 0,
            refused: None,
        }
    }

    /// An empty projector for a source whose event ids are unique (a store): no ids are
    /// kept, so checkpoints stay small. Its batches must not repeat an id either.
    pub fn for_unique_ids(projection: P) -> Self {
        Projector {
            seen: None,
            ..Projector::new(projection)
        }
    }

    /// Keeps the Lamport groups of the `clocks` clocks below the highest one seen pending
    /// as well (default 0: only the newest group), so that an event up to that many clocks
    /// older than the newest still folds without a rebuild. The result is the same for
    /// every window; a wider one costs a larger checkpoint and a longer [`Projector::state`].
    pub fn with_window(mut self, clocks: u64) -> Self {
        self.window = clocks;
        self
    }

    /// The window (see [`Projector::with_window`]).
    pub fn window(&self) -> u64 {
        self.window
    }

    /// Events taken in so far (each id once).
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Events taken in and not folded yet.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// The highest Lamport clock folded so far.
    pub fn folded_through(&self) -> Option<u64> {
        self.folded_through
    }

    /// Whether an event with this clock sorts before (or within) what was folded.
    fn is_folded(&self, clock: u64) -> bool {
        self.folded_through.is_some_and(|f| clock <= f)
    }

    /// Takes in a batch of prepared events, in any order. Returns [`Feed::Rebuild`], and
    /// changes nothing, when an event sorts before what was already folded.
    pub fn feed(&mut self, mut batch: Vec<Prepared<P::Item>>) -> Result<Feed> {
        sort_by_key(&mut batch);
        self.feed_sorted(batch)
    }

    /// [`Projector::feed`] of a batch already in replay order.
    fn feed_sorted(&mut self, batch: Vec<Prepared<P::Item>>) -> Result<Feed> {
        let fresh = if self.seen.is_none() {
            // Unique ids: only the clocks matter, and the batch is sorted.
            let late = batch.partition_point(|p| self.is_folded(p.lamport_clock()));
            if late > 0 {
                return Ok(Feed::Rebuild { late: late as u64 });
            }
            batch
        } else {
            match self.admit(batch) {
                Ok(fresh) => fresh,
                Err(late) => return Ok(Feed::Rebuild { late }),
            }
        };
        self.events += fresh.len() as u64;
        let mut merged = std::mem::take(&mut self.pending);
        if merged.is_empty() {
            merged = fresh;
        } else {
            // Two sorted runs: the stable sort merges them in one pass.
            merged.extend(fresh);
            sort_by_key(&mut merged);
        }
        let Some(newest) = merged.last().map(Prepared::lamport_clock) else {
            return Ok(Feed::Folded);
        };
        let open = newest.saturating_sub(self.window);
        let split = merged.partition_point(|p| p.lamport_clock() < open);
        self.pending = merged.split_off(split);
        if !merged.is_empty() {
            self.folded_through = merged.last().map(Prepared::lamport_clock);
            self.apply_in_batches(merged);
        }
        Ok(Feed::Folded)
    }

    /// Folds sorted events [`FOLD_BATCH`] at a time, each batch rounded up to a whole
    /// Lamport clock (any split at a clock boundary folds to the same state), so that a
    /// reducer can free each batch on a pool thread ([`release`]) while it folds the
    /// next. Stops at a refusal.
    fn apply_in_batches(&mut self, events: Vec<Prepared<P::Item>>) {
        // A batch of a live feed is usually small: folded as it is, not copied.
        if events.len() <= FOLD_BATCH {
            return self.apply_batch(events);
        }
        let mut rest = events.into_iter().peekable();
        while self.refused.is_none() && rest.peek().is_some() {
            let mut batch: Vec<Prepared<P::Item>> = Vec::with_capacity(rest.len().min(FOLD_BATCH));
            while let Some(p) = rest.next_if(|p| {
                batch.len() < FOLD_BATCH
                    || batch
                        .last()
                        .is_some_and(|last| last.lamport_clock() == p.lamport_clock())
            }) {
                batch.push(p);
            }
            self.apply_batch(batch);
        }
    }

    /// Folds one batch, unless the log was refused before it.
    fn apply_batch(&mut self, batch: Vec<Prepared<P::Item>>) {
        if self.refused.is_none()
            && let Err(e) = self.projection.apply(batch)
        {
            self.refused = Some(refusal(e));
        }
    }

    /// Takes in every event of a log at once (in any order, repeated ids allowed): sorts
    /// and deduplicates it on every core, then feeds it. On an empty projector it always
    /// folds; otherwise it may return [`Feed::Rebuild`] as [`Projector::feed`] does.
    pub fn feed_all(&mut self, mut items: Vec<Prepared<P::Item>>) -> Result<Feed> {
        sort_and_dedup(&mut items);
        self.feed_sorted(items)
    }

    /// Deduplicates a sorted batch against the ids seen (the first in sort order wins)
    /// and records its ids; `Err(late)` (nothing changed) when some of its events sort
    /// before what was folded.
    fn admit(
        &mut self,
        batch: Vec<Prepared<P::Item>>,
    ) -> std::result::Result<Vec<Prepared<P::Item>>, u64> {
        let Some(seen) = &self.seen else {
            return Ok(batch);
        };
        let mut fresh: Vec<Prepared<P::Item>> = Vec::with_capacity(batch.len());
        let mut displaced: FxHashSet<EventId> = FxHashSet::default();
        let mut batch_ids: FxHashMap<EventId, Seen> = FxHashMap::default();
        let mut late = 0u64;
        for p in batch {
            // The batch is sorted: an earlier member with this id sorts first.
            if batch_ids.contains_key(&p.key.event_id) {
                continue;
            }
            let key = seen_key(&p.key);
            if let Some(&kept) = seen.get(&p.key.event_id) {
                if key >= kept {
                    continue; // The kept one sorts first, or ties and came first.
                }
                // The newcomer wins: possible while the kept one is pending, not once it
                // is folded.
                if self.is_folded(kept.0) {
                    late += 1;
                    continue;
                }
                displaced.insert(p.key.event_id.clone());
            }
            if self.is_folded(p.key.lamport_clock) {
                late += 1;
                continue;
            }
            batch_ids.insert(p.key.event_id.clone(), key);
            fresh.push(p);
        }
        if late > 0 {
            return Err(late);
        }
        if !displaced.is_empty() {
            self.pending
                .retain(|p| !displaced.contains(&p.key.event_id));
            self.events -= displaced.len() as u64;
        }
        if let Some(seen) = &mut self.seen {
            seen.extend(batch_ids);
        }
        Ok(fresh)
    }

    /// The reduced state of everything fed, the pending events included.
    pub fn state(&self) -> Result<P::State> {
        self.check_refused()?;
        if self.pending.is_empty() {
            return self.projection.state();
        }
        let mut p = self.projection.clone();
        p.apply(self.pending.clone())?;
        p.into_state()
    }

    /// The reduced state of everything fed, consuming the projector (no copy of the
    /// folded state is made).
    pub fn into_state(mut self) -> Result<P::State> {
        self.check_refused()?;
        self.projection.apply(std::mem::take(&mut self.pending))?;
        self.projection.into_state()
    }

    fn check_refused(&self) -> Result<()> {
        match &self.refused {
            Some((event_id, reason)) => Err(Error::Replay {
                event_id: event_id.clone(),
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }
}

fn refusal(e: Error) -> (String, String) {
    match e {
        Error::Replay { event_id, reason } => (event_id, reason),
        other => (String::new(), other.to_string()),
    }
}
