//! Storage traits for events, Lamport clocks and error entries, with in-memory
//! implementations. Durable backends live in their own crates.

use std::collections::{BTreeMap, HashMap, VecDeque};

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

/// What happened to one event of an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendOutcome {
    /// Stored at this position.
    Appended(u64),
    /// An identical event was already stored at this position; nothing changed.
    Duplicate(u64),
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

/// Durable or in-memory event persistence.
///
/// Semantics every implementation keeps:
/// - a batch is appended atomically: all of it or none of it;
/// - re-appending an identical event is a no-op ([`AppendOutcome::Duplicate`]); a
///   different event under an existing id is refused with [`Error::EventIdConflict`];
/// - reads by aggregate and of everything come back ordered by
///   `(lamport_clock, node_id)`, ties in append order;
/// - [`EventStore::read_after`] pages through the log by global position.
pub trait EventStore {
    /// Appends `events` atomically. With an expectation other than
    /// [`ExpectedPosition::Any`], every event must belong to one aggregate, whose last
    /// position must match before the append.
    fn append(
        &mut self,
        events: &[Event],
        expected: ExpectedPosition,
    ) -> Result<Vec<AppendOutcome>>;

    /// Events of one aggregate, ordered by `(lamport_clock, node_id)`.
    fn load_events(&self, aggregate_id: &str) -> Result<Vec<Event>>;

    /// Every event, ordered by `(lamport_clock, node_id)`.
    fn load_all_events(&self) -> Result<Vec<Event>>;

    /// Up to `limit` events with a position greater than `after`, in position order.
    fn read_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>>;

    /// The last position of an aggregate (or of the whole log with `None`).
    fn last_position(&self, aggregate_id: Option<&str>) -> Result<Option<u64>>;

    /// Event count and highest Lamport clock per `node_id`, ordered by node id.
    fn stats(&self) -> Result<BTreeMap<String, NodeStats>> {
        Ok(stats_of(&self.load_all_events()?))
    }

    /// Saves one event idempotently.
    fn save_event(&mut self, event: &Event) -> Result<()> {
        self.append(std::slice::from_ref(event), ExpectedPosition::Any)
            .map(|_| ())
    }
}

/// Checks that every event of an expectation-bearing batch targets one aggregate and
/// returns it.
pub fn single_aggregate(events: &[Event]) -> Result<Option<&str>> {
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

/// Event persistence in memory (not durable).
#[derive(Debug, Default, Clone)]
pub struct InMemoryEventStore {
    log: Vec<Event>,
    by_id: HashMap<String, u64>,
    last_by_aggregate: HashMap<String, u64>,
}

impl InMemoryEventStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl EventStore for InMemoryEventStore {
    fn append(
        &mut self,
        events: &[Event],
        expected: ExpectedPosition,
    ) -> Result<Vec<AppendOutcome>> {
        if expected != ExpectedPosition::Any
            && let Some(agg) = single_aggregate(events)?
        {
            expected.check(agg, self.last_by_aggregate.get(agg).copied())?;
        }
        // Validate the whole batch before touching anything.
        let mut pending: HashMap<&str, &Event> = HashMap::new();
        for e in events {
            if let Some(&pos) = self.by_id.get(&e.event_id) {
                if &self.log[(pos - 1) as usize] != e {
                    return Err(Error::EventIdConflict {
                        event_id: e.event_id.clone(),
                    });
                }
            } else if let Some(prev) = pending.insert(&e.event_id, e)
                && prev != e
            {
                return Err(Error::EventIdConflict {
                    event_id: e.event_id.clone(),
                });
            }
        }
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            if let Some(&pos) = self.by_id.get(&e.event_id) {
                out.push(AppendOutcome::Duplicate(pos));
                continue;
            }
            self.log.push(e.clone());
            let pos = self.log.len() as u64;
            self.by_id.insert(e.event_id.clone(), pos);
            self.last_by_aggregate.insert(e.aggregate_id.clone(), pos);
            out.push(AppendOutcome::Appended(pos));
        }
        Ok(out)
    }

    fn load_events(&self, aggregate_id: &str) -> Result<Vec<Event>> {
        let mut v: Vec<Event> = self
            .log
            .iter()
            .filter(|e| e.aggregate_id == aggregate_id)
            .cloned()
            .collect();
        sort_for_read(&mut v);
        Ok(v)
    }

    fn load_all_events(&self) -> Result<Vec<Event>> {
        let mut v = self.log.clone();
        sort_for_read(&mut v);
        Ok(v)
    }

    fn read_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>> {
        let start = usize::try_from(after)
            .unwrap_or(usize::MAX)
            .min(self.log.len());
        Ok(self.log[start..]
            .iter()
            .take(limit)
            .enumerate()
            .map(|(i, e)| StoredEvent {
                position: (start + i + 1) as u64,
                event: e.clone(),
            })
            .collect())
    }

    fn last_position(&self, aggregate_id: Option<&str>) -> Result<Option<u64>> {
        Ok(match aggregate_id {
            Some(a) => self.last_by_aggregate.get(a).copied(),
            None => (!self.log.is_empty()).then_some(self.log.len() as u64),
        })
    }

    fn stats(&self) -> Result<BTreeMap<String, NodeStats>> {
        Ok(stats_of(&self.log))
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
            .ok_or_else(|| Error::InvalidArgument("clock overflow".into()))?;
        self.save(node_id, next)?;
        Ok(next)
    }
    /// Atomically sets the value to `max(stored, remote) + 1` and returns it.
    fn update(&mut self, node_id: &str, remote: u64) -> Result<u64> {
        let next = self
            .load(node_id)?
            .max(remote)
            .checked_add(1)
            .ok_or_else(|| Error::InvalidArgument("clock overflow".into()))?;
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
