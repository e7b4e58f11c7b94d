//! Checkpointed replays from a store: projections that keep up with the log.
//!
//! [`replay_store`] replays the events of an [`EventStore`] through a reducer the way a
//! full replay does, but starts from the checkpoint the store keeps for the replay
//! ([`CheckpointStore`]): it restores the saved [`Projector`], scans only the events
//! stored after the checkpoint's position, folds them, and saves the new checkpoint. The
//! result is always that of a full replay (the reference's reduction of every stored
//! event):
//!
//! - a store's positions increase in commit order, so a checkpoint at position `P` covers
//!   exactly the stored events (of its aggregate filter) at positions up to `P`, and the
//!   events after it are exactly the ones a scan after `P` hands out;
//! - the new events fold onto the checkpoint when none of them sorts before what the
//!   checkpoint has folded (see [`Projector`]: every group older than the newest
//!   [`DEFAULT_WINDOW`] Lamport clocks); otherwise — a node that was offline, clock skew —
//!   the replay starts from scratch ([`FullReason::Late`]);
//! - a checkpoint written by another library version or checkpoint format
//!   ([`version`]), one that does not decode, or one that covers more than the store holds
//!   is ignored, and the replay starts from scratch;
//! - a new checkpoint is saved in one transaction and never replaces one that covers more
//!   ([`crate::storage::supersedes`]), so concurrent replays and appends are safe;
//! - a checkpoint is rewritten whole, so writing one costs what the state weighs, however
//!   few events are new: a fold rewrites it only once the events stored after it reach
//!   an eighth of the events it covers ([`REWRITE_FRACTION`]) or [`REWRITE_AFTER`] events;
//!   until then each replay folds the events since the checkpoint (a few percent of the
//!   log at most) and leaves it as it is. A full replay always writes one.
//!
//! Which case folds, reducer by reducer. Every reducer folds replay order, so the rule is
//! one for all: the new events fold when each has a Lamport clock above every clock the
//! checkpoint has folded (the newest [`DEFAULT_WINDOW`] clocks stay pending, unfolded, so
//! an event late by fewer clocks still folds); an event at or below a folded clock means a
//! rebuild, always from scratch (no earlier point is kept). What differs is why a group
//! must be whole before it is folded:
//!
//! | reducer | folds | rebuilds | what a Lamport group decides |
//! | --- | --- | --- | --- |
//! | status | new clocks above the folded ones | an event at or below a folded clock | a work package's transitions at one clock are checked against the state before the group, rollbacks last |
//! | lifecycle | the same | the same | each clock's mission events are applied cancellation last, then by id; work-package events as status |
//! | collaboration, glossary, mission-next, dossier, mission-audit, decision-point, connector, sync | the same | the same | nothing: an event-by-event fold, in replay order (dossier's mixed-namespace refusal and every strict-mode refusal are kept in the checkpoint) |
//!
//! A refusal (the reference raising) is part of the checkpoint: later folds keep refusing,
//! as a full replay of the longer log would, until a rebuild.
//!
//! ```
//! use spec_kitty_events::checkpoint::{Replayed, FullReason, checkpoint_key, replay_store};
//! use spec_kitty_events::domain::status::StatusProjection;
//! use spec_kitty_events::replay::{ReducerKind, ReplayOptions};
//! use spec_kitty_events::{Event, EventStore, ExpectedPosition, InMemoryEventStore};
//! # fn main() -> spec_kitty_events::Result<()> {
//! let ev = |n: u32, clock: u64, from: Option<&str>, to: &str| Event::from_value(&serde_json::json!({
//!     "event_id": format!("01ARZ3NDEKTSV4RRFFQ69G5F{n:02}"), "event_type": "WPStatusChanged",
//!     "aggregate_id": "m/WP01", "timestamp": "2026-04-05T12:00:00Z", "build_id": "b",
//!     "node_id": "n", "lamport_clock": clock,
//!     "project_uuid": "12345678-1234-5678-1234-567812345678",
//!     "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
//!     "payload": {"mission_slug": "m", "wp_id": "WP01", "from_lane": from, "to_lane": to,
//!                 "actor": "a", "execution_mode": "worktree"}}));
//! let key = checkpoint_key(ReducerKind::Status, &ReplayOptions::default(), None);
//! let mut store = InMemoryEventStore::new();
//! store.append(&[ev(1, 1, None, "planned")?], ExpectedPosition::Any)?;
//! let first = replay_store(&mut store, StatusProjection::default(), &key, false)?;
//! assert_eq!(first.replayed, Replayed::Full { events: 1, reason: FullReason::NoCheckpoint });
//! store.append(&[ev(2, 2, Some("planned"), "claimed")?], ExpectedPosition::Any)?;
//! let second = replay_store(&mut store, StatusProjection::default(), &key, false)?;
//! assert_eq!(second.replayed, Replayed::Folded { checkpoint: 1, events: 1 });
//! assert_eq!(second.position, 2);
//! assert_eq!(second.state?.wp_states["WP01"].current_lane.as_str(), "claimed");
//! # Ok(()) }
//! ```

pub(crate) mod segments;

use std::ops::ControlFlow;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::pipeline::read_and_prepare;
use crate::projection::{Feed, Prepared, Projection, Projector, prepare_stored};
use crate::replay::{ProjectionVisitor, ReducerKind, ReplayOptions, to_json, with_projection};
use crate::storage::{Checkpoint, CheckpointKey, CheckpointStore, EventStore};

/// The checkpoint format: raised whenever the serialised form of a projector changes.
pub const FORMAT_VERSION: u32 = 3;

/// Lamport clocks below the newest that store replays keep pending (see
/// [`Projector::with_window`]): events that arrive up to this many clocks late still fold
/// onto a checkpoint.
pub const DEFAULT_WINDOW: u64 = 64;

/// A fold rewrites the checkpoint once the events stored after it reach this fraction
/// (1/N) of the events the checkpoint covers ...
pub const REWRITE_FRACTION: u64 = 8;

/// ... or this many events, whichever comes first.
pub const REWRITE_AFTER: u64 = 50_000;

/// Whether a fold of `new` events onto a checkpoint covering `covered` events rewrites it.
///
/// ```
/// use spec_kitty_events::checkpoint::rewrites_checkpoint;
/// assert!(rewrites_checkpoint(0, 20));          // a first fold
/// assert!(rewrites_checkpoint(20, 5));          // an eighth or more
/// assert!(!rewrites_checkpoint(95_000, 5_000)); // 5 %: folded again next time
/// assert!(rewrites_checkpoint(1_000_000, 50_000));
/// assert!(!rewrites_checkpoint(10, 0));         // nothing new
/// ```
pub fn rewrites_checkpoint(covered: u64, new: u64) -> bool {
    new > 0 && (new.saturating_mul(REWRITE_FRACTION) >= covered || new >= REWRITE_AFTER)
}

/// Stored rows prepared on the worker threads at a time.
const SCAN_CHUNK: usize = 4096;

/// The version stored with every checkpoint: the library's version and the checkpoint
/// format. A checkpoint written under another version is not used.
///
/// ```
/// assert!(spec_kitty_events::checkpoint::version().starts_with(env!("CARGO_PKG_VERSION")));
/// ```
pub fn version() -> String {
    format!("{}+checkpoint.{FORMAT_VERSION}", env!("CARGO_PKG_VERSION"))
}

/// JSON text with every object's keys sorted, no insignificant whitespace: two equal
/// documents have one canonical text, whatever their key order.
///
/// ```
/// use spec_kitty_events::checkpoint::canonical_json;
/// let a = serde_json::json!({"b": [1, {"y": 2, "x": 1}], "a": null});
/// assert_eq!(canonical_json(&a), r#"{"a":null,"b":[1,{"x":1,"y":2}]}"#);
/// ```
pub fn canonical_json(value: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&m[k])))
                        .collect(),
                )
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// The roster part of a checkpoint key: the hex SHA-256 of the roster's canonical JSON,
/// empty without a roster.
///
/// ```
/// use spec_kitty_events::checkpoint::roster_hash;
/// let a = serde_json::json!({"p1": {"participant_id": "p1", "participant_type": "human"}});
/// let b = serde_json::json!({"p1": {"participant_type": "human", "participant_id": "p1"}});
/// assert_eq!(roster_hash(Some(&a)), roster_hash(Some(&b)));
/// assert_eq!(roster_hash(Some(&a)).len(), 64);
/// assert_eq!(roster_hash(None), "");
/// ```
pub fn roster_hash(roster: Option<&Value>) -> String {
    roster.map_or_else(String::new, |r| {
        let digest = Sha256::digest(canonical_json(r).as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    })
}

/// The key of the checkpoint of a replay of `kind` with `options`, over the whole log or
/// one aggregate.
pub fn checkpoint_key(
    kind: ReducerKind,
    options: &ReplayOptions,
    aggregate: Option<&str>,
) -> CheckpointKey {
    CheckpointKey {
        reducer: kind.name().to_owned(),
        mode: options.mode.name().to_owned(),
        roster: roster_hash(options.roster.as_ref()),
        aggregate: aggregate.map(str::to_owned),
    }
}

/// Serialises a projector into checkpoint bytes: MessagePack with structs as maps
/// (`rmp-serde`'s named form). The projections hold JSON values, whose arbitrary-precision
/// numbers need a self-describing format that keeps struct field names; of the candidates
/// measured on a status checkpoint of 150,000 work packages (the `checkpoint_formats`
/// example, figures in BENCHMARKS.md) it decodes fastest: 60 MB in 158 ms, against
/// 232 ms for JSON (71 MB) and 361 ms for CBOR. The status projection's work packages, most
/// of a status checkpoint, are written as independent segments that encode and decode on
/// every core (`segments`).
pub fn encode<P: Projection>(projector: &Projector<P>) -> Result<Vec<u8>> {
    rmp_serde::to_vec_named(projector)
        .map_err(|e| Error::InvalidArgument(format!("cannot serialise the projection: {e}")))
}

/// Restores a projector from checkpoint bytes written by [`encode`] (of the same version).
pub fn decode<P: Projection>(bytes: &[u8]) -> Result<Projector<P>> {
    rmp_serde::from_slice(bytes)
        .map_err(|e| Error::Storage(format!("checkpoint does not decode: {e}")))
}

/// How [`replay_store`] came to its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayed {
    /// The events stored after the checkpoint were folded onto it.
    Folded {
        /// The position the checkpoint covered.
        checkpoint: u64,
        /// Stored events read after it (0: nothing new).
        events: u64,
    },
    /// Every stored event was replayed.
    Full {
        /// Stored events read.
        events: u64,
        /// Why the checkpoint was not used.
        reason: FullReason,
    },
}

/// Why [`replay_store`] replayed everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FullReason {
    /// The store holds no checkpoint for this replay.
    NoCheckpoint,
    /// The caller asked for a full replay.
    Requested,
    /// The checkpoint was written by another library version or format.
    OtherVersion(String),
    /// The checkpoint did not decode.
    Unreadable(String),
    /// The store holds fewer events than the checkpoint covers (it was replaced).
    StoreBehind {
        /// The position the checkpoint covered.
        checkpoint: u64,
    },
    /// Some new events sort before what the checkpoint had folded.
    Late {
        /// How many of the new events.
        late: u64,
        /// The position the checkpoint covered.
        checkpoint: u64,
    },
}

/// The outcome of [`replay_store`] (`T`: the reduced state or the reducer's refusal) or
/// of [`replay_store_then`] (`T`: what its consumer made of them).
#[derive(Debug)]
pub struct StoreReplay<T> {
    /// The reduced state, or the reducer's refusal of the log ([`Error::Replay`]).
    pub state: T,
    /// How the state was reached.
    pub replayed: Replayed,
    /// The last store position the state covers (0: none).
    pub position: u64,
    /// Whether a checkpoint was written: not when nothing was new, nor when the new events
    /// were too few to be worth a rewrite ([`rewrites_checkpoint`]), nor when a concurrent
    /// replay had already saved one covering more.
    pub saved: bool,
    /// Size of the checkpoint written or used, in bytes.
    pub checkpoint_bytes: u64,
}

/// Stored events read by a scan, prepared.
struct Scanned<I> {
    items: Vec<Prepared<I>>,
    /// Rows read.
    rows: u64,
    /// The last position read (`after` when none).
    last: u64,
}

/// Scans the stored events after `after` (of one aggregate, or all) and prepares them
/// for `P` on every core: rows are read on this thread (the only one that uses the store)
/// while another hands the chunks already read to the pool, so reading and preparing
/// overlap. A row that cannot be prepared stops the scan with its error.
fn scan_prepared<P: Projection, S: EventStore + ?Sized>(
    store: &S,
    after: u64,
    aggregate: Option<&str>,
) -> Result<Scanned<P::Item>> {
    // The whole log holds at most this many rows: room for them all (capacity never
    // written costs address space, not memory); a scan of one aggregate grows as it goes.
    let expected = match aggregate {
        None => store
            .last_position(None)?
            .map_or(0, |l| l.saturating_sub(after)),
        Some(_) => 0,
    };
    let (mut rows, mut last) = (0u64, after);
    let (scanned, prepared) = read_and_prepare(
        SCAN_CHUNK,
        Vec::with_capacity(usize::try_from(expected).unwrap_or(0)),
        |push| {
            store.scan(after, aggregate, &mut |position, body| {
                rows += 1;
                last = position;
                Ok(if push((position, body.to_owned())) {
                    ControlFlow::Continue(())
                } else {
                    // The preparing thread stopped at a row it could not prepare.
                    ControlFlow::Break(())
                })
            })
        },
        |_, chunk, items| prepare_stored::<P>(&chunk, items),
        |join| join(),
    );
    // A row that could not be prepared comes before any later failure to read.
    let items = joined(prepared)?;
    scanned?;
    Ok(Scanned { items, rows, last })
}

/// A checkpoint of this version that the store's log can continue.
fn usable<S: EventStore + CheckpointStore + ?Sized>(
    store: &S,
    key: &CheckpointKey,
) -> Result<std::result::Result<Checkpoint, FullReason>> {
    let Some(checkpoint) = store.load_checkpoint(key)? else {
        return Ok(Err(FullReason::NoCheckpoint));
    };
    if checkpoint.version != version() {
        return Ok(Err(FullReason::OtherVersion(checkpoint.version)));
    }
    let last = store.last_position(key.aggregate.as_deref())?.unwrap_or(0);
    if last < checkpoint.position {
        return Ok(Err(FullReason::StoreBehind {
            checkpoint: checkpoint.position,
        }));
    }
    Ok(Ok(checkpoint))
}

fn joined<T>(r: std::thread::Result<T>) -> T {
    r.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Replays the events of `store` (of `key`'s aggregate filter) through `projection`
/// (empty, built with `key`'s mode and roster), from the store's checkpoint of `key`
/// unless `full`, and saves the new checkpoint (see the module documentation). The state
/// is always that of a full replay of every event the scan saw.
pub fn replay_store<P, S>(
    store: &mut S,
    projection: P,
    key: &CheckpointKey,
    full: bool,
) -> Result<StoreReplay<Result<P::State>>>
where
    P: Projection,
    S: EventStore + CheckpointStore + ?Sized,
{
    replay_store_then(store, projection, key, full, |state| state)
}

/// [`replay_store`], handing the state (or the reducer's refusal) to `then`, which runs on
/// a thread of its own while the calling thread writes the new checkpoint: a command that
/// prints the state does so while the store writes. The checkpoint is decoded (on another
/// thread) while the new events are read, too; the store is only used from the calling
/// thread.
pub fn replay_store_then<P, S, T>(
    store: &mut S,
    projection: P,
    key: &CheckpointKey,
    full: bool,
    then: impl FnOnce(Result<P::State>) -> T + Send,
) -> Result<StoreReplay<T>>
where
    P: Projection,
    S: EventStore + CheckpointStore + ?Sized,
    T: Send,
{
    let aggregate = key.aggregate.as_deref();
    let usable = if full {
        Err(FullReason::Requested)
    } else {
        usable(store, key)?
    };
    let reason = match usable {
        Ok(checkpoint) => match fold_onto::<P, S>(store, &checkpoint, aggregate)? {
            Ok(f) => {
                let Folded {
                    projector,
                    replayed,
                    last,
                    save,
                    bytes,
                } = f;
                return finish(store, projector, key, last, replayed, save, bytes, then);
            }
            Err(reason) => reason,
        },
        Err(reason) => reason,
    };
    let mut projector = Projector::for_unique_ids(projection).with_window(DEFAULT_WINDOW);
    let Scanned { items, rows, last } = scan_prepared::<P, S>(store, 0, aggregate)?;
    // A store holds each id once; an empty projector folds any batch.
    projector.feed(items)?;
    let replayed = Replayed::Full {
        events: rows,
        reason,
    };
    finish(store, projector, key, last, replayed, true, 0, then)
}

/// A checkpoint with the events stored after it folded on.
struct Folded<P: Projection> {
    projector: Projector<P>,
    replayed: Replayed,
    /// The last position scanned.
    last: u64,
    /// Whether the checkpoint is worth rewriting ([`rewrites_checkpoint`]).
    save: bool,
    /// Size of the checkpoint used.
    bytes: u64,
}

/// Decodes `checkpoint` (on another thread, while the events stored after it are read and
/// prepared) and folds those events on; `Ok(Err(reason))` when only a full replay gives
/// the exact result.
fn fold_onto<P, S>(
    store: &mut S,
    checkpoint: &Checkpoint,
    aggregate: Option<&str>,
) -> Result<std::result::Result<Folded<P>, FullReason>>
where
    P: Projection,
    S: EventStore + CheckpointStore + ?Sized,
{
    let position = checkpoint.position;
    let (decoded, scanned) = std::thread::scope(|scope| {
        let decoding = scope.spawn(|| decode::<P>(&checkpoint.state));
        let scanned = scan_prepared::<P, S>(store, position, aggregate);
        (joined(decoding.join()), scanned)
    });
    let Scanned { items, rows, last } = scanned?;
    let mut projector = match decoded {
        Ok(projector) => projector,
        Err(e) => return Ok(Err(FullReason::Unreadable(e.to_string()))),
    };
    let covered = projector.events();
    if let Feed::Rebuild { late } = projector.feed(items)? {
        return Ok(Err(FullReason::Late {
            late,
            checkpoint: position,
        }));
    }
    Ok(Ok(Folded {
        projector,
        replayed: Replayed::Folded {
            checkpoint: position,
            events: rows,
        },
        last,
        save: rewrites_checkpoint(covered, rows),
        bytes: checkpoint.state.len() as u64,
    }))
}

#[allow(clippy::too_many_arguments)]
fn finish<P, S, T>(
    store: &mut S,
    projector: Projector<P>,
    key: &CheckpointKey,
    position: u64,
    replayed: Replayed,
    save: bool,
    used_bytes: u64,
    then: impl FnOnce(Result<P::State>) -> T + Send,
) -> Result<StoreReplay<T>>
where
    P: Projection,
    S: EventStore + CheckpointStore + ?Sized,
    T: Send,
{
    let checkpoint = if save {
        Some(Checkpoint {
            key: key.clone(),
            position,
            version: version(),
            state: encode(&projector)?,
            written_at: now_millis(),
        })
    } else {
        None
    };
    let checkpoint_bytes = checkpoint
        .as_ref()
        .map_or(used_bytes, |c| c.state.len() as u64);
    let (state, saved) = std::thread::scope(|scope| {
        let consuming = scope.spawn(move || then(projector.into_state()));
        let saved = checkpoint.map(|c| store.save_checkpoint(&c));
        (joined(consuming.join()), saved)
    });
    Ok(StoreReplay {
        state,
        replayed,
        position,
        saved: saved.transpose()?.unwrap_or(false),
        checkpoint_bytes,
    })
}

struct JsonReplay<'a, S: ?Sized> {
    store: &'a mut S,
    key: &'a CheckpointKey,
    full: bool,
}

impl<S: EventStore + CheckpointStore + ?Sized> ProjectionVisitor for JsonReplay<'_, S> {
    type Output = Result<StoreReplay<Result<Value>>>;
    fn visit<P: Projection>(self, projection: P) -> Self::Output {
        replay_store_then(self.store, projection, self.key, self.full, |state| {
            state.and_then(to_json)
        })
    }
}

/// [`replay_store`] for a reducer chosen at run time, the state as JSON (as the
/// reference's `model_dump(mode="json")` renders it).
pub fn replay_store_json<S: EventStore + CheckpointStore + ?Sized>(
    store: &mut S,
    kind: ReducerKind,
    options: &ReplayOptions,
    aggregate: Option<&str>,
    full: bool,
) -> Result<StoreReplay<Result<Value>>> {
    let key = checkpoint_key(kind, options, aggregate);
    with_projection(
        kind,
        options,
        JsonReplay {
            store,
            key: &key,
            full,
        },
    )?
}
