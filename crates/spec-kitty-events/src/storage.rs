//! Storage traits for events, Lamport clocks and error entries, with in-memory
//! implementations, and the pieces durable backends share (the encoded row, the outcome
//! rules of an append, the clock encoding of SQL columns). Durable backends live in their
//! own crates.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::ControlFlow;

use crate::envelope::Event;
use crate::error::{Error, Result};
use crate::error_log::ErrorEntry;

/// An event with the global position the store gave it (1-based, increasing).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Global position.
    pub position: u64,
    /// The event.
    pub event: Event,
}

/// Per-node statistics of a store, for gap detection: a node whose events carry clocks
/// `1..=n` has `event_count == max_lamport_clock == n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeStats {
    /// How many events of this node are stored.
    pub event_count: u64,
    /// The highest Lamport clock among them.
    pub max_lamport_clock: u64,
}

/// Computes [`NodeStats`] per `node_id` from events.
///
/// ```
/// use spec_kitty_events::{Event, EventStore, ExpectedPosition, InMemoryEventStore, NodeStats};
/// let ev = |id: &str, node: &str, clock: u64| Event::from_value(&serde_json::json!({
///     "event_id": id, "event_type": "X", "aggregate_id": "a",
///     "timestamp": "2026-01-01T00:00:00Z", "build_id": "b", "node_id": node,
///     "lamport_clock": clock, "project_uuid": "12345678-1234-5678-1234-567812345678",
///     "correlation_id": id})).unwrap();
/// let mut store = InMemoryEventStore::new();
/// store.append(&[ev("01ARZ3NDEKTSV4RRFFQ69G5FA1", "n1", 1),
///                ev("01ARZ3NDEKTSV4RRFFQ69G5FA2", "n1", 3),
///                ev("01ARZ3NDEKTSV4RRFFQ69G5FA3", "n2", 2)], ExpectedPosition::Any).unwrap();
/// let stats = store.stats().unwrap();
/// // n1 has 2 events but reached clock 3: one of its events is missing here.
/// assert_eq!(stats["n1"], NodeStats { event_count: 2, max_lamport_clock: 3 });
/// assert_eq!(stats["n2"], NodeStats { event_count: 1, max_lamport_clock: 2 });
/// ```
pub fn stats_of<'a>(events: impl IntoIterator<Item = &'a Event>) -> BTreeMap<String, NodeStats> {
    let mut out: BTreeMap<String, NodeStats> = BTreeMap::new();
    for e in events {
        let s = out.entry(e.node_id.clone()).or_default();
        s.event_count += 1;
        s.max_lamport_clock = s.max_lamport_clock.max(e.lamport_clock);
    }
    out
}

/// What happened to one event of an append. Every outcome names a position: where the
/// event now is, or where the event that holds its id is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendOutcome {
    /// Stored at this position.
    Appended(u64),
    /// The same event was already stored at this position; nothing changed.
    Duplicate(u64),
    /// A different event holds this event id, at this position; nothing of this event was
    /// stored.
    Conflict(u64),
}

impl AppendOutcome {
    /// The position the outcome names.
    pub fn position(self) -> u64 {
        match self {
            AppendOutcome::Appended(p)
            | AppendOutcome::Duplicate(p)
            | AppendOutcome::Conflict(p) => p,
        }
    }

    /// Whether the event was refused because a different event holds its id.
    pub fn is_conflict(self) -> bool {
        matches!(self, AppendOutcome::Conflict(_))
    }
}

/// The optimistic-concurrency expectation of an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpectedPosition {
    /// No check.
    #[default]
    Any,
    /// The aggregate must have no events yet.
    NoEvents,
    /// The aggregate's last event must be at this position.
    At(u64),
}

impl ExpectedPosition {
    /// Checks `actual` (the aggregate's last position) against the expectation.
    pub fn check(self, aggregate_id: &str, actual: Option<u64>) -> Result<()> {
        let expected = match self {
            ExpectedPosition::Any => return Ok(()),
            ExpectedPosition::NoEvents => None,
            ExpectedPosition::At(p) => Some(p),
        };
        if expected == actual {
            Ok(())
        } else {
            Err(Error::ConcurrencyConflict {
                aggregate_id: aggregate_id.to_owned(),
                expected,
                actual,
            })
        }
    }
}

/// An event as every store keeps it: the canonical JSON of the whole envelope, encoded
/// once, and the fields stores index. It is built only from an [`Event`], so the two always
/// agree; encoding can thus happen wherever it is cheapest (for instance on the threads that
/// validated the events) before [`EventStore::append_encoded`].
///
/// ```
/// use spec_kitty_events::{EncodedEvent, Event};
/// # fn main() -> spec_kitty_events::Result<()> {
/// let event = Event::from_value(&serde_json::json!({
///     "event_id": "01ARZ3NDEKTSV4RRFFQ69G5FA1", "event_type": "X", "aggregate_id": "a",
///     "timestamp": "2026-01-01T00:00:00Z", "build_id": "b", "node_id": "n1",
///     "lamport_clock": 4, "project_uuid": "12345678-1234-5678-1234-567812345678",
///     "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FA1"}))?;
/// let encoded = EncodedEvent::new(&event)?;
/// assert_eq!(encoded.body(), serde_json::to_string(&event).unwrap());
/// assert_eq!((encoded.event_id(), encoded.lamport_clock()), ("01ARZ3NDEKTSV4RRFFQ69G5FA1", 4));
/// assert_eq!(encoded.decode()?, event);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedEvent {
    event_id: String,
    aggregate_id: String,
    node_id: String,
    lamport_clock: u64,
    body: String,
}

impl EncodedEvent {
    /// Encodes `event`: its canonical JSON ([`Event::to_json_string`], the text its serde
    /// serialisation gives too) is the stored text.
    pub fn new(event: &Event) -> Result<Self> {
        let body = event.to_json_string();
        Ok(EncodedEvent {
            event_id: event.event_id.clone(),
            aggregate_id: event.aggregate_id.clone(),
            node_id: event.node_id.clone(),
            lamport_clock: event.lamport_clock,
            body,
        })
    }

    /// The event id.
    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    /// The aggregate id.
    pub fn aggregate_id(&self) -> &str {
        &self.aggregate_id
    }

    /// The emitting node.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// The Lamport clock.
    pub fn lamport_clock(&self) -> u64 {
        self.lamport_clock
    }

    /// The canonical JSON of the envelope: what stores keep and hand back.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The event again.
    pub fn decode(&self) -> Result<Event> {
        decode_stored(&self.body)
    }
}

/// Encodes every event of a batch.
pub fn encode_all(events: &[Event]) -> Result<Vec<EncodedEvent>> {
    events.iter().map(EncodedEvent::new).collect()
}

/// Decodes a stored body; one that is not a valid envelope is a storage error.
pub fn decode_stored(body: &str) -> Result<Event> {
    serde_json::from_str(body)
        .map_err(|e| Error::Storage(format!("stored event is not a valid envelope: {e}")))
}

/// Whether a stored body and a new one hold the same event: the same canonical JSON or,
/// failing that (a body written by another version of the encoder), equal envelopes once
/// decoded. This is what tells a [`AppendOutcome::Duplicate`] from a
/// [`AppendOutcome::Conflict`].
///
/// ```
/// use spec_kitty_events::storage::same_event;
/// let a = r#"{"event_id":"01ARZ3NDEKTSV4RRFFQ69G5FA1","event_type":"X","aggregate_id":"a","payload":{"n":1},"timestamp":"2026-01-01T00:00:00Z","build_id":"b","node_id":"n","lamport_clock":1,"causation_id":null,"project_uuid":"12345678-1234-5678-1234-567812345678","project_slug":null,"correlation_id":"01ARZ3NDEKTSV4RRFFQ69G5FA1","schema_version":"3.0.0","data_tier":0}"#;
/// assert!(same_event(a, a).unwrap());
/// assert!(!same_event(a, &a.replace(r#""n":1"#, r#""n":2"#)).unwrap());
/// ```
pub fn same_event(stored: &str, new: &str) -> Result<bool> {
    Ok(stored == new || decode_stored(stored)? == decode_stored(new)?)
}

/// The all-or-nothing rule of appends with an expectation: a conflict refuses the whole
/// batch with [`Error::EventIdConflict`], naming the first conflicting event. With
/// [`ExpectedPosition::Any`] conflicts are outcomes, never errors.
pub fn refuse_conflicts(
    expected: ExpectedPosition,
    events: &[EncodedEvent],
    outcomes: &[AppendOutcome],
) -> Result<()> {
    if expected == ExpectedPosition::Any {
        return Ok(());
    }
    match outcomes.iter().position(|o| o.is_conflict()) {
        Some(i) => Err(Error::EventIdConflict {
            event_id: events[i].event_id.clone(),
        }),
        None => Ok(()),
    }
}

/// The decisions of an append, for stores that look up a batch's ids first and insert
/// afterwards (see [`plan_append`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendPlan<'a> {
    /// One outcome per event, in input order.
    pub outcomes: Vec<AppendOutcome>,
    /// The events to store with the positions they get, in input order.
    pub new: Vec<(u64, &'a EncodedEvent)>,
}

/// Decides the outcome of every event of a batch as if they were appended one after the
/// other: `stored(id)` gives the position and body of the stored event holding `id`, `next`
/// is the position the first new event gets (new events get consecutive positions).
///
/// ```
/// use spec_kitty_events::{AppendOutcome, EncodedEvent, Event};
/// use spec_kitty_events::storage::plan_append;
/// # fn main() -> spec_kitty_events::Result<()> {
/// let ev = |id: &str, build: &str| Event::from_value(&serde_json::json!({
///     "event_id": id, "event_type": "X", "aggregate_id": "a",
///     "timestamp": "2026-01-01T00:00:00Z", "build_id": build, "node_id": "n",
///     "lamport_clock": 1, "project_uuid": "12345678-1234-5678-1234-567812345678",
///     "correlation_id": id})).and_then(|e| EncodedEvent::new(&e));
/// let stored = ev("01ARZ3NDEKTSV4RRFFQ69G5FA1", "b")?;
/// let batch = [ev("01ARZ3NDEKTSV4RRFFQ69G5FA2", "b")?,       // new
///              stored.clone(),                              // already stored at 1
///              ev("01ARZ3NDEKTSV4RRFFQ69G5FA1", "other")?,   // a different event, same id
///              ev("01ARZ3NDEKTSV4RRFFQ69G5FA2", "b")?];      // repeats the first
/// let plan = plan_append(&batch, 2, |id| (id == stored.event_id()).then_some((1, stored.body())))?;
/// assert_eq!(plan.outcomes, [AppendOutcome::Appended(2), AppendOutcome::Duplicate(1),
///                            AppendOutcome::Conflict(1), AppendOutcome::Duplicate(2)]);
/// assert_eq!(plan.new.len(), 1);
/// # Ok(()) }
/// ```
pub fn plan_append<'a, 's>(
    events: &'a [EncodedEvent],
    next: u64,
    stored: impl Fn(&str) -> Option<(u64, &'s str)>,
) -> Result<AppendPlan<'a>> {
    let mut next = next;
    let mut outcomes = Vec::with_capacity(events.len());
    let mut new: Vec<(u64, &'a EncodedEvent)> = Vec::with_capacity(events.len());
    // Ids appended earlier in this batch: position and body.
    let mut pending: HashMap<&'a str, (u64, &'a str)> = HashMap::new();
    for e in events {
        let holder = match stored(&e.event_id) {
            Some(found) => Some(found),
            None => pending.get(e.event_id.as_str()).copied(),
        };
        outcomes.push(match holder {
            Some((p, body)) if same_event(body, &e.body)? => AppendOutcome::Duplicate(p),
            Some((p, _)) => AppendOutcome::Conflict(p),
            None => {
                pending.insert(&e.event_id, (next, &e.body));
                new.push((next, e));
                next += 1;
                AppendOutcome::Appended(next - 1)
            }
        });
    }
    Ok(AppendPlan { outcomes, new })
}

/// What [`EventStore::scan`] hands each stored row to: its position and the stored
/// canonical JSON of the envelope. Return [`ControlFlow::Break`] to stop early.
pub type ScanVisitor<'v> = dyn FnMut(u64, &str) -> Result<ControlFlow<()>> + 'v;

/// Durable or in-memory event persistence.
///
/// Semantics every implementation keeps (the test kit's store suite holds every backend to
/// them):
///
/// - **One transaction per append, one outcome per event.** [`EventStore::append`] stores a
///   batch in one transaction and returns one [`AppendOutcome`] per event, in input order.
///   Events are taken as if appended one after the other: an event with an id not yet stored
///   is [`Appended`](AppendOutcome::Appended); an event whose id is stored, or was appended
///   earlier in the same batch, is a [`Duplicate`](AppendOutcome::Duplicate) when it is the
///   same event ([`same_event`]) and a [`Conflict`](AppendOutcome::Conflict) otherwise, both
///   naming the position of the event holding the id. Nothing of a conflicting event is
///   stored and a stored event is never overwritten.
/// - **With [`ExpectedPosition::Any`]** conflicts are reported per event and the rest of the
///   batch is stored: a batch with conflicting ids costs what a clean batch costs.
/// - **With an expectation** ([`ExpectedPosition::NoEvents`], [`ExpectedPosition::At`]) the
///   append is all or nothing: every event must belong to one aggregate
///   ([`Error::InvalidArgument`] otherwise), whose last position must match before the
///   append ([`Error::ConcurrencyConflict`]), and a conflict refuses the whole batch with
///   [`Error::EventIdConflict`] naming the first conflicting id. Duplicates are accepted.
/// - **An error stores nothing** of the batch.
/// - **Positions** are 1-based and assigned in commit order without gaps (duplicates and
///   conflicts take none), so [`EventStore::scan`] and [`EventStore::read_after`] are safe
///   catch-up cursors with many writers.
/// - **Durable when acknowledged**: once `append` returns, the batch is committed (for a
///   durable backend, as durably as its settings say).
/// - Reads by aggregate and of everything come back ordered by `(lamport_clock, node_id)`,
///   ties in position order; [`EventStore::scan`] hands out the stored text in position
///   order, exactly as it was stored.
///
/// ```
/// use spec_kitty_events::{AppendOutcome, Error, Event, EventStore, ExpectedPosition,
///                         InMemoryEventStore};
/// # fn main() -> spec_kitty_events::Result<()> {
/// let ev = |id: &str, clock: u64, actor: &str| Event::from_value(&serde_json::json!({
///     "event_id": id, "event_type": "X", "aggregate_id": "wp", "payload": {"actor": actor},
///     "timestamp": "2026-01-01T00:00:00Z", "build_id": "b", "node_id": "n",
///     "lamport_clock": clock, "project_uuid": "12345678-1234-5678-1234-567812345678",
///     "correlation_id": id}));
/// let (a, b, c) = ("01ARZ3NDEKTSV4RRFFQ69G5FA1", "01ARZ3NDEKTSV4RRFFQ69G5FA2",
///                  "01ARZ3NDEKTSV4RRFFQ69G5FA3");
/// let mut store = InMemoryEventStore::new();
/// store.append(&[ev(a, 1, "x")?], ExpectedPosition::Any)?;
/// // New, duplicate, conflicting (same id, other content), new: one transaction.
/// let out = store.append(&[ev(b, 2, "x")?, ev(a, 1, "x")?, ev(a, 1, "y")?, ev(c, 3, "x")?],
///                        ExpectedPosition::Any)?;
/// assert_eq!(out, [AppendOutcome::Appended(2), AppendOutcome::Duplicate(1),
///                  AppendOutcome::Conflict(1), AppendOutcome::Appended(3)]);
/// // With an expectation, a conflict refuses the batch.
/// let r = store.append(&[ev("01ARZ3NDEKTSV4RRFFQ69G5FA4", 4, "x")?, ev(a, 1, "y")?],
///                      ExpectedPosition::At(3));
/// assert!(matches!(r, Err(Error::EventIdConflict { .. })));
/// assert_eq!(store.last_position(None)?, Some(3));
/// # Ok(()) }
/// ```
pub trait EventStore {
    /// Appends `events` in one transaction and returns one outcome per event, in input
    /// order (see the trait's semantics). Encodes each event once, then calls
    /// [`EventStore::append_encoded`].
    fn append(
        &mut self,
        events: &[Event],
        expected: ExpectedPosition,
    ) -> Result<Vec<AppendOutcome>> {
        let encoded = encode_all(events)?;
        self.append_encoded(&encoded, expected)
    }

    /// [`EventStore::append`] of events encoded beforehand.
    fn append_encoded(
        &mut self,
        events: &[EncodedEvent],
        expected: ExpectedPosition,
    ) -> Result<Vec<AppendOutcome>>;

    /// Hands every stored row with a position greater than `after` (of one aggregate, or
    /// of all with `None`) to `visit`, in position order, without decoding it: the position
    /// and the canonical envelope JSON exactly as stored. Rows are streamed, not collected;
    /// `visit` may stop the scan with [`ControlFlow::Break`], and an error from it ends the
    /// scan with that error. `visit` must not call back into the store.
    ///
    /// Position order is the order of commits; a consumer that needs the replay order sorts
    /// by itself (as the reducers do).
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use spec_kitty_events::{EncodedEvent, Event, EventStore, ExpectedPosition,
    ///                         InMemoryEventStore};
    /// # fn main() -> spec_kitty_events::Result<()> {
    /// let ev = |id: &str, agg: &str| Event::from_value(&serde_json::json!({
    ///     "event_id": id, "event_type": "X", "aggregate_id": agg,
    ///     "timestamp": "2026-01-01T00:00:00Z", "build_id": "b", "node_id": "n",
    ///     "lamport_clock": 1, "project_uuid": "12345678-1234-5678-1234-567812345678",
    ///     "correlation_id": id}));
    /// let events = [ev("01ARZ3NDEKTSV4RRFFQ69G5FA1", "a")?, ev("01ARZ3NDEKTSV4RRFFQ69G5FA2", "b")?,
    ///               ev("01ARZ3NDEKTSV4RRFFQ69G5FA3", "a")?];
    /// let mut store = InMemoryEventStore::new();
    /// store.append(&events, ExpectedPosition::Any)?;
    /// let mut seen = Vec::new();
    /// store.scan(0, Some("a"), &mut |position, body| {
    ///     seen.push((position, body.to_owned()));
    ///     Ok(ControlFlow::Continue(()))
    /// })?;
    /// assert_eq!(seen, [(1, EncodedEvent::new(&events[0])?.body().to_owned()),
    ///                   (3, EncodedEvent::new(&events[2])?.body().to_owned())]);
    /// # Ok(()) }
    /// ```
    fn scan(
        &self,
        after: u64,
        aggregate_id: Option<&str>,
        visit: &mut ScanVisitor<'_>,
    ) -> Result<()>;

    /// Events of one aggregate, ordered by `(lamport_clock, node_id)`, ties in position
    /// order.
    fn load_events(&self, aggregate_id: &str) -> Result<Vec<Event>> {
        load_sorted(self, Some(aggregate_id))
    }

    /// Every event, ordered by `(lamport_clock, node_id)`, ties in position order.
    fn load_all_events(&self) -> Result<Vec<Event>> {
        load_sorted(self, None)
    }

    /// Up to `limit` events with a position greater than `after`, in position order.
    fn read_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        self.scan(after, None, &mut |position, body| {
            out.push(StoredEvent {
                position,
                event: decode_stored(body)?,
            });
            Ok(if out.len() >= limit {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        })?;
        Ok(out)
    }

    /// The last position of an aggregate (or of the whole log with `None`).
    fn last_position(&self, aggregate_id: Option<&str>) -> Result<Option<u64>>;

    /// Event count and highest Lamport clock per `node_id`, ordered by node id.
    fn stats(&self) -> Result<BTreeMap<String, NodeStats>> {
        Ok(stats_of(&self.load_all_events()?))
    }

    /// Saves one event idempotently: a duplicate is a no-op, a conflict is refused with
    /// [`Error::EventIdConflict`].
    fn save_event(&mut self, event: &Event) -> Result<()> {
        let outcomes = self.append(std::slice::from_ref(event), ExpectedPosition::Any)?;
        if outcomes.iter().any(|o| o.is_conflict()) {
            return Err(Error::EventIdConflict {
                event_id: event.event_id.clone(),
            });
        }
        Ok(())
    }
}

/// Decodes the scanned rows (of one aggregate, or all) and sorts them into the read order.
fn load_sorted<S: EventStore + ?Sized>(
    store: &S,
    aggregate_id: Option<&str>,
) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    store.scan(0, aggregate_id, &mut |_, body| {
        out.push(decode_stored(body)?);
        Ok(ControlFlow::Continue(()))
    })?;
    sort_for_read(&mut out);
    Ok(out)
}

/// Checks that every event of an expectation-bearing batch targets one aggregate and
/// returns it (`None` for an empty batch).
pub fn single_aggregate(events: &[EncodedEvent]) -> Result<Option<&str>> {
    let mut ids = events.iter().map(|e| e.aggregate_id.as_str());
    let Some(first) = ids.next() else {
        return Ok(None);
    };
    if ids.any(|id| id != first) {
        return Err(Error::InvalidArgument(
            "an append with an expected position must target a single aggregate".into(),
        ));
    }
    Ok(Some(first))
}

/// Sorts events into the store read order: `(lamport_clock, node_id)`, stable.
pub fn sort_for_read(events: &mut [Event]) {
    events.sort_by(|a, b| (a.lamport_clock, &a.node_id).cmp(&(b.lamport_clock, &b.node_id)));
}

/// Lamport clocks in signed 64-bit SQL columns: the clock with its top bit flipped, which
/// keeps the order and the full `u64` range.
///
/// ```
/// use spec_kitty_events::storage::{clock_from_key, clock_key};
/// assert!(clock_key(0) < clock_key(1 << 63) && clock_key(1 << 63) < clock_key(u64::MAX));
/// assert_eq!(clock_from_key(clock_key(u64::MAX)), u64::MAX);
/// ```
pub fn clock_key(clock: u64) -> i64 {
    (clock ^ (1 << 63)) as i64
}

/// Inverse of [`clock_key`].
pub fn clock_from_key(key: i64) -> u64 {
    (key as u64) ^ (1 << 63)
}

/// A position or count as a signed SQL parameter (saturating at `i64::MAX`).
pub fn sql_int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A position or count read from a signed SQL column (negative values read as 0).
pub fn sql_uint(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The error of a clock that would pass `u64::MAX`.
pub fn clock_overflow() -> Error {
    Error::InvalidArgument("clock overflow".into())
}

/// Event persistence in memory (not durable). It keeps what the durable stores keep, the
/// encoded rows, and decodes on reading, so that it behaves exactly as they do.
#[derive(Debug, Default, Clone)]
pub struct InMemoryEventStore {
    rows: Vec<EncodedEvent>,
    by_id: HashMap<String, u64>,
    last_by_aggregate: HashMap<String, u64>,
    checkpoints: BTreeMap<CheckpointKey, Checkpoint>,
}

impl InMemoryEventStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl EventStore for InMemoryEventStore {
    fn append_encoded(
        &mut self,
        events: &[EncodedEvent],
        expected: ExpectedPosition,
    ) -> Result<Vec<AppendOutcome>> {
        if expected != ExpectedPosition::Any
            && let Some(agg) = single_aggregate(events)?
        {
            expected.check(agg, self.last_by_aggregate.get(agg).copied())?;
        }
        let (rows, by_id) = (&self.rows, &self.by_id);
        let plan = plan_append(events, rows.len() as u64 + 1, |id| {
            let p = *by_id.get(id)?;
            Some((p, rows[(p - 1) as usize].body()))
        })?;
        refuse_conflicts(expected, events, &plan.outcomes)?;
        for (p, e) in plan.new {
            self.by_id.insert(e.event_id.clone(), p);
            self.last_by_aggregate.insert(e.aggregate_id.clone(), p);
            self.rows.push(e.clone());
        }
        Ok(plan.outcomes)
    }

    fn scan(
        &self,
        after: u64,
        aggregate_id: Option<&str>,
        visit: &mut ScanVisitor<'_>,
    ) -> Result<()> {
        let start = usize::try_from(after)
            .unwrap_or(usize::MAX)
            .min(self.rows.len());
        for (i, row) in self.rows.iter().enumerate().skip(start) {
            if aggregate_id.is_some_and(|a| a != row.aggregate_id) {
                continue;
            }
            if visit(i as u64 + 1, &row.body)?.is_break() {
                break;
            }
        }
        Ok(())
    }

    fn last_position(&self, aggregate_id: Option<&str>) -> Result<Option<u64>> {
        Ok(match aggregate_id {
            Some(a) => self.last_by_aggregate.get(a).copied(),
            None => (!self.rows.is_empty()).then_some(self.rows.len() as u64),
        })
    }

    fn stats(&self) -> Result<BTreeMap<String, NodeStats>> {
        let mut out: BTreeMap<String, NodeStats> = BTreeMap::new();
        for r in &self.rows {
            let s = out.entry(r.node_id.clone()).or_default();
            s.event_count += 1;
            s.max_lamport_clock = s.max_lamport_clock.max(r.lamport_clock);
        }
        Ok(out)
    }
}

/// What a checkpoint is for: one reducer, run in one mode with one roster, over the whole
/// log or one aggregate. Replays that differ in any of these never share a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckpointKey {
    /// The reducer's command-line name (`status`, `mission-next`, …).
    pub reducer: String,
    /// The mode's name (`default`, `strict`, `permissive`).
    pub mode: String,
    /// The hex SHA-256 of the roster's canonical JSON, empty without a roster.
    pub roster: String,
    /// The aggregate the replay is limited to, `None` for the whole log.
    pub aggregate: Option<String>,
}

impl CheckpointKey {
    /// The aggregate filter as stores keep it in a `NOT NULL` key column: `*` for the
    /// whole log, `=` and the id for one aggregate (so that no aggregate id, not even an
    /// empty one, can be mistaken for the whole log).
    ///
    /// ```
    /// use spec_kitty_events::storage::CheckpointKey;
    /// assert_eq!(CheckpointKey::scope_of(None), "*");
    /// assert_eq!(CheckpointKey::scope_of(Some("m/WP01")), "=m/WP01");
    /// assert_eq!(CheckpointKey::aggregate_of("=m/WP01"), Some(Some("m/WP01".to_owned())));
    /// assert_eq!(CheckpointKey::aggregate_of("*"), Some(None));
    /// assert_eq!(CheckpointKey::aggregate_of("m/WP01"), None);
    /// ```
    pub fn scope_of(aggregate: Option<&str>) -> String {
        match aggregate {
            None => "*".to_owned(),
            Some(a) => format!("={a}"),
        }
    }

    /// The inverse of [`CheckpointKey::scope_of`] (`None` for a text it never writes).
    pub fn aggregate_of(scope: &str) -> Option<Option<String>> {
        match scope {
            "*" => Some(None),
            s => s.strip_prefix('=').map(|a| Some(a.to_owned())),
        }
    }

    /// The key's aggregate filter as stores keep it ([`CheckpointKey::scope_of`]).
    pub fn scope(&self) -> String {
        Self::scope_of(self.aggregate.as_deref())
    }
}

/// A saved projection: the serialised state of a replay and the store position it
/// covers (every event of its key's filter at a position up to and including it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// What it is for.
    pub key: CheckpointKey,
    /// The last store position it covers (0: none).
    pub position: u64,
    /// The library and checkpoint format that wrote it; a checkpoint of another version is
    /// not used.
    pub version: String,
    /// The serialised projector.
    pub state: Vec<u8>,
    /// When it was written, in milliseconds since the Unix epoch.
    pub written_at: u64,
}

/// A stored checkpoint without its state, for listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointInfo {
    /// What it is for.
    pub key: CheckpointKey,
    /// The last store position it covers.
    pub position: u64,
    /// The version that wrote it.
    pub version: String,
    /// Size of the serialised state in bytes.
    pub size: u64,
    /// When it was written, in milliseconds since the Unix epoch.
    pub written_at: u64,
}

impl Checkpoint {
    /// The checkpoint without its state.
    pub fn info(&self) -> CheckpointInfo {
        CheckpointInfo {
            key: self.key.clone(),
            position: self.position,
            version: self.version.clone(),
            size: self.state.len() as u64,
            written_at: self.written_at,
        }
    }
}

/// Whether a new checkpoint replaces the stored one of its key (`stored`: its position and
/// version): always when none is stored or the stored one is of another version, else
/// only when it covers at least as much. A replay that read an older snapshot of the log
/// thus never overwrites a newer checkpoint.
///
/// ```
/// use spec_kitty_events::storage::supersedes;
/// assert!(supersedes(None, 5, "v1"));
/// assert!(supersedes(Some((5, "v1")), 5, "v1"));
/// assert!(!supersedes(Some((6, "v1")), 5, "v1"));
/// assert!(supersedes(Some((6, "v0")), 5, "v1"));
/// ```
pub fn supersedes(stored: Option<(u64, &str)>, position: u64, version: &str) -> bool {
    match stored {
        None => true,
        Some((p, v)) => v != version || p <= position,
    }
}

/// Persistence of checkpoints, next to the events they summarise.
///
/// Semantics every implementation keeps (the test kit's checkpoint suite holds every
/// backend to them):
///
/// - **One checkpoint per key**, replaced by [`CheckpointStore::save_checkpoint`] in one
///   transaction: a reader sees the old checkpoint or the new one, whole, never a mix,
///   whatever happens to the writer.
/// - **Never backwards**: a save replaces the stored checkpoint only as [`supersedes`]
///   says (same version: at least the same position), so of two replays saving at once
///   the one that saw more of the log wins, whatever the order of their commits.
/// - What is loaded is exactly what was saved, state bytes included.
///
/// ```
/// use spec_kitty_events::InMemoryEventStore;
/// use spec_kitty_events::storage::{Checkpoint, CheckpointKey, CheckpointStore};
/// # fn main() -> spec_kitty_events::Result<()> {
/// let key = CheckpointKey { reducer: "status".into(), mode: "default".into(),
///                           roster: String::new(), aggregate: None };
/// let at = |position: u64| Checkpoint { key: key.clone(), position, version: "v1".into(),
///                                      state: vec![1, 2, 3], written_at: 0 };
/// let mut store = InMemoryEventStore::new();
/// assert!(store.save_checkpoint(&at(10))?);
/// assert!(!store.save_checkpoint(&at(7))?); // an older replay does not overwrite it
/// assert_eq!(store.load_checkpoint(&key)?, Some(at(10)));
/// assert_eq!(store.list_checkpoints()?.len(), 1);
/// assert_eq!(store.drop_checkpoints(None)?, 1);
/// assert_eq!(store.load_checkpoint(&key)?, None);
/// # Ok(()) }
/// ```
pub trait CheckpointStore {
    /// The checkpoint of `key`, if one is stored.
    fn load_checkpoint(&self, key: &CheckpointKey) -> Result<Option<Checkpoint>>;

    /// Stores `checkpoint` in one transaction, replacing the one of its key when
    /// [`supersedes`] allows; returns whether it was stored.
    fn save_checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<bool>;

    /// Every stored checkpoint without its state, ordered by key (reducer, mode, roster,
    /// aggregate filter).
    fn list_checkpoints(&self) -> Result<Vec<CheckpointInfo>>;

    /// Removes the checkpoints of one reducer (or all with `None`); returns how many.
    fn drop_checkpoints(&mut self, reducer: Option<&str>) -> Result<u64>;
}

/// Sorts checkpoint listings into the order [`CheckpointStore::list_checkpoints`] gives:
/// by reducer, mode, roster and stored aggregate filter ([`CheckpointKey::scope`]).
pub fn sort_checkpoint_infos(infos: &mut [CheckpointInfo]) {
    infos.sort_by(|a, b| {
        (&a.key.reducer, &a.key.mode, &a.key.roster, a.key.scope()).cmp(&(
            &b.key.reducer,
            &b.key.mode,
            &b.key.roster,
            b.key.scope(),
        ))
    });
}

impl CheckpointStore for InMemoryEventStore {
    fn load_checkpoint(&self, key: &CheckpointKey) -> Result<Option<Checkpoint>> {
        Ok(self.checkpoints.get(key).cloned())
    }

    fn save_checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<bool> {
        let stored = self
            .checkpoints
            .get(&checkpoint.key)
            .map(|c| (c.position, c.version.as_str()));
        if !supersedes(stored, checkpoint.position, &checkpoint.version) {
            return Ok(false);
        }
        self.checkpoints
            .insert(checkpoint.key.clone(), checkpoint.clone());
        Ok(true)
    }

    fn list_checkpoints(&self) -> Result<Vec<CheckpointInfo>> {
        let mut out: Vec<CheckpointInfo> =
            self.checkpoints.values().map(Checkpoint::info).collect();
        sort_checkpoint_infos(&mut out);
        Ok(out)
    }

    fn drop_checkpoints(&mut self, reducer: Option<&str>) -> Result<u64> {
        let before = self.checkpoints.len();
        self.checkpoints
            .retain(|k, _| reducer.is_some_and(|r| r != k.reducer));
        Ok((before - self.checkpoints.len()) as u64)
    }
}

/// Persistence of Lamport clock values, one per node.
pub trait ClockStorage {
    /// The stored value (0 if never saved).
    fn load(&self, node_id: &str) -> Result<u64>;
    /// Overwrites the stored value.
    fn save(&mut self, node_id: &str, value: u64) -> Result<()>;
    /// Atomically increments and returns the new value. Durable stores make this atomic
    /// across processes.
    fn tick(&mut self, node_id: &str) -> Result<u64> {
        let next = self
            .load(node_id)?
            .checked_add(1)
            .ok_or_else(clock_overflow)?;
        self.save(node_id, next)?;
        Ok(next)
    }
    /// Atomically sets the value to `max(stored, remote) + 1` and returns it.
    fn update(&mut self, node_id: &str, remote: u64) -> Result<u64> {
        let next = self
            .load(node_id)?
            .max(remote)
            .checked_add(1)
            .ok_or_else(clock_overflow)?;
        self.save(node_id, next)?;
        Ok(next)
    }
}

/// Clock values in memory (not durable).
#[derive(Debug, Default, Clone)]
pub struct InMemoryClockStorage {
    clocks: BTreeMap<String, u64>,
}

impl InMemoryClockStorage {
    /// Empty storage.
    pub fn new() -> Self {
        Self::default()
    }
}

impl ClockStorage for InMemoryClockStorage {
    fn load(&self, node_id: &str) -> Result<u64> {
        Ok(self.clocks.get(node_id).copied().unwrap_or(0))
    }
    fn save(&mut self, node_id: &str, value: u64) -> Result<()> {
        self.clocks.insert(node_id.to_owned(), value);
        Ok(())
    }
}

/// The default number of error entries kept.
pub const DEFAULT_MAX_ERROR_ENTRIES: usize = 100;

/// Append-only persistence of error entries with a retention limit.
pub trait ErrorStorage {
    /// Appends an entry, evicting the oldest beyond the retention limit.
    fn append(&mut self, entry: &ErrorEntry) -> Result<()>;
    /// The most recent entries, newest first. `limit` must be at least 1.
    fn load_recent(&self, limit: usize) -> Result<Vec<ErrorEntry>>;
}

/// Checks the `limit` argument of [`ErrorStorage::load_recent`].
pub fn check_limit(limit: usize) -> Result<()> {
    if limit < 1 {
        Err(Error::InvalidArgument(format!(
            "Limit must be ≥ 1, got {limit}"
        )))
    } else {
        Ok(())
    }
}

/// Error entries in memory (not durable).
#[derive(Debug, Clone)]
pub struct InMemoryErrorStorage {
    entries: VecDeque<ErrorEntry>,
    max_entries: usize,
}

impl Default for InMemoryErrorStorage {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_ERROR_ENTRIES)
    }
}

impl InMemoryErrorStorage {
    /// Storage keeping at most `max_entries` entries.
    pub fn new(max_entries: usize) -> Self {
        InMemoryErrorStorage {
            entries: VecDeque::new(),
            max_entries,
        }
    }
}

impl ErrorStorage for InMemoryErrorStorage {
    fn append(&mut self, entry: &ErrorEntry) -> Result<()> {
        self.entries.push_back(entry.clone());
        while self.entries.len() > self.max_entries {
            self.entries.pop_front();
        }
        Ok(())
    }
    fn load_recent(&self, limit: usize) -> Result<Vec<ErrorEntry>> {
        check_limit(limit)?;
        Ok(self.entries.iter().rev().take(limit).cloned().collect())
    }
}
