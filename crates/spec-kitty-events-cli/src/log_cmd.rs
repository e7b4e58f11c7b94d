//! `spec-kitty-events log`: append to, read, replay and inspect a durable event store.

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, mpsc};

use spec_kitty_events::checkpoint::{
    self, FullReason, Replayed, checkpoint_key, replay_store_then,
};
use spec_kitty_events::conformance::validate::admit;
use spec_kitty_events::projection::Projection;
use spec_kitty_events::records::Record;
use spec_kitty_events::replay::{ProjectionVisitor, ReducerKind, ReplayOptions, with_projection};
use spec_kitty_events::storage::{
    AppendOutcome, CheckpointInfo, CheckpointKey, CheckpointStore, EventStore, ExpectedPosition,
};
use spec_kitty_events::{EncodedEvent, Error};
use spec_kitty_events_postgres::PostgresStore;
use spec_kitty_events_sqlite::SqliteStore;

use crate::input::{Source, paths_or_stdin};
use crate::output::{Format, Out};
use crate::progress;
use crate::replay_cmd::{self, Outcome, print_state};

/// The store used when none is named: a SQLite file in the current project.
pub const DEFAULT_STORE: &str = "sqlite:.spec-kitty/events.db";

/// Valid records appended per transaction by `log append`: each batch is one commit (one
/// `fsync` of the SQLite WAL, one PostgreSQL commit), durable once it returns.
const APPEND_BATCH: usize = 8192;

/// Batches validated ahead of the store: the next one is checked while the store writes
/// the current one.
const BATCHES_AHEAD: usize = 1;

/// Events read per page when listing.
const PAGE: usize = 1000;

/// An opened store.
pub enum Store {
    /// Embedded SQLite.
    Sqlite(Box<SqliteStore>),
    /// PostgreSQL server.
    Postgres(Box<PostgresStore>),
}

impl Store {
    /// Opens `sqlite:PATH` (creating the file and its directory) or `postgres://…`.
    pub fn open(url: &str) -> Result<Store> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = Path::new(path);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let store =
                SqliteStore::open(path).with_context(|| format!("cannot open store {url}"))?;
            Ok(Store::Sqlite(Box::new(store)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let store =
                PostgresStore::connect(url).context("cannot connect to the PostgreSQL store")?;
            Ok(Store::Postgres(Box::new(store)))
        } else {
            bail!("unsupported store {url:?}: use sqlite:PATH or postgres://USER@HOST/DB")
        }
    }

    fn events(&mut self) -> &mut (dyn EventStore + Send) {
        match self {
            Store::Sqlite(s) => s.as_mut(),
            Store::Postgres(s) => s.as_mut(),
        }
    }

    fn checkpointed(&mut self) -> &mut (dyn CheckpointedStore + Send) {
        match self {
            Store::Sqlite(s) => s.as_mut(),
            Store::Postgres(s) => s.as_mut(),
        }
    }
}

/// A store that keeps events and replay checkpoints.
trait CheckpointedStore: EventStore + CheckpointStore {}

impl<T: EventStore + CheckpointStore> CheckpointedStore for T {}

/// A record refused by `log append`.
#[derive(Debug, Serialize)]
pub struct Rejection {
    /// Input file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Why, one entry per problem (`path: message (kind)`).
    pub reasons: Vec<String>,
    /// The record's place in the whole input, to report refusals in input order.
    #[serde(skip)]
    seq: usize,
}

/// The outcome of `log append`.
#[derive(Debug, Default, Serialize)]
pub struct AppendReport {
    /// Events newly stored.
    pub appended: u64,
    /// Events already stored, identical: nothing changed.
    pub duplicates: u64,
    /// Records refused (invalid, or a different event holds their id).
    pub rejected: u64,
    /// Every refusal, in input order.
    pub rejections: Vec<Rejection>,
}

/// Where a record came from.
struct Origin {
    seq: usize,
    file: Arc<str>,
    line: usize,
}

impl Origin {
    fn refuse(self, reasons: Vec<String>) -> Rejection {
        Rejection {
            file: self.file.to_string(),
            line: self.line,
            reasons,
            seq: self.seq,
        }
    }
}

/// Valid records on their way to the store, encoded.
struct Batch {
    events: Vec<EncodedEvent>,
    origins: Vec<Origin>,
}

impl Batch {
    fn new() -> Self {
        Batch {
            events: Vec::with_capacity(APPEND_BATCH),
            origins: Vec::with_capacity(APPEND_BATCH),
        }
    }
}

/// The store side of `log append`: appends each batch in one transaction and tallies the
/// per-event outcomes; a conflict refuses that record alone.
fn write_batches(
    store: &mut (dyn EventStore + Send),
    batches: mpsc::Receiver<Batch>,
) -> Result<AppendReport> {
    let mut report = AppendReport::default();
    for batch in batches {
        let outcomes = store
            .append_encoded(&batch.events, ExpectedPosition::Any)
            .context("append failed")?;
        for ((outcome, event), origin) in outcomes.iter().zip(&batch.events).zip(batch.origins) {
            match outcome {
                AppendOutcome::Appended(_) => report.appended += 1,
                AppendOutcome::Duplicate(_) => report.duplicates += 1,
                AppendOutcome::Conflict(p) => {
                    let conflict = Error::EventIdConflict {
                        event_id: event.event_id().to_owned(),
                    };
                    report.rejections.push(origin.refuse(vec![format!(
                        "event_id: {conflict} (the stored event is at position {p})"
                    )]));
                }
            }
        }
    }
    Ok(report)
}

/// A valid record encoded for the store (on the worker threads), or why it is refused:
/// the envelope, the cutover policy and the payload's contract must all hold.
fn encoded(rec: Record<'_>) -> Result<EncodedEvent, Vec<String>> {
    let v = rec.value.map_err(|m| vec![m])?;
    let event = admit(&v).map_err(|violations| {
        violations
            .iter()
            .map(|x| {
                let path = if x.path.is_empty() {
                    "<record>"
                } else {
                    &x.path
                };
                format!("{path}: {} ({})", x.message, x.kind)
            })
            .collect::<Vec<_>>()
    })?;
    EncodedEvent::new(&event.to_event()).map_err(|e| vec![e.to_string()])
}

/// The reading side of `log append`: validates and encodes every record on the worker
/// threads, sends full batches of valid ones to the writer and returns the refused ones.
/// Stops early when the writer is gone (it failed; its error is the one reported).
fn read_batches(files: &[String], writer: &mpsc::SyncSender<Batch>) -> Result<Vec<Rejection>> {
    let mut rejections = Vec::new();
    let mut batch = Batch::new();
    let mut seq = 0usize;
    for path in paths_or_stdin(files) {
        let source = Source::open(&path)?;
        let bar = progress::for_bytes(source.len, "appending");
        let mut writer_gone = false;
        type Checked = (Arc<str>, usize, Result<EncodedEvent, Vec<String>>);
        let file = Arc::clone(&source.name);
        let work = |rec: Record<'_>| -> Checked {
            let line = rec.line;
            (Arc::clone(&file), line, encoded(rec))
        };
        source.process(
            &|n| bar.set_position(n),
            &work,
            &mut |(file, line, checked): Checked| {
                seq += 1;
                let origin = Origin { seq, file, line };
                match checked {
                    Ok(event) => {
                        batch.events.push(event);
                        batch.origins.push(origin);
                        if batch.events.len() >= APPEND_BATCH
                            && writer
                                .send(std::mem::replace(&mut batch, Batch::new()))
                                .is_err()
                        {
                            writer_gone = true;
                            return false;
                        }
                    }
                    Err(reasons) => rejections.push(origin.refuse(reasons)),
                }
                true
            },
        )?;
        bar.finish_and_clear();
        if writer_gone {
            return Ok(rejections);
        }
    }
    if !batch.events.is_empty() {
        // A failed send means the writer failed; its error is the one reported.
        let _ = writer.send(batch);
    }
    Ok(rejections)
}

/// `log append`: validates every record fail-closed (envelope, cutover policy, payload
/// contract) and appends the valid ones in batches of [`APPEND_BATCH`], one transaction
/// each, while the next batch is being validated. Every refused record (invalid, or a
/// different event already holds its id) is reported with its file and line, and never
/// holds up the others. When the report is printed every appended event is durable; if
/// the process stops earlier, the batches committed so far stay and appending the same
/// input again completes the job (what is stored counts as duplicates).
pub fn append(
    store: &mut Store,
    files: &[String],
    format: Format,
    out: &mut Out,
) -> Result<AppendReport> {
    let events = store.events();
    let (to_writer, batches) = mpsc::sync_channel::<Batch>(BATCHES_AHEAD);
    let (read, written) = std::thread::scope(|scope| {
        let writer = scope.spawn(move || write_batches(events, batches));
        let read = read_batches(files, &to_writer);
        drop(to_writer);
        (read, writer.join())
    });
    // The writer's error first: the reader stops when the writer fails.
    let mut report = written.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    report.rejections.extend(read?);
    report.rejections.sort_by_key(|r| r.seq);
    report.rejected = report.rejections.len() as u64;
    match format {
        Format::Json => {
            serde_json::to_writer(&mut *out.out(), &report)?;
            writeln!(out.out())?;
        }
        Format::Human => {
            let w = out.err();
            for r in &report.rejections {
                for reason in &r.reasons {
                    writeln!(w, "{}:{}: rejected: {reason}", r.file, r.line)?;
                }
            }
            writeln!(
                out.out(),
                "appended {}, duplicates {}, rejected {}",
                report.appended,
                report.duplicates,
                report.rejected
            )?;
        }
    }
    Ok(report)
}

/// `log list`: stored events in position order (the catch-up order), optionally of one
/// aggregate and after a position, read page by page.
pub fn list(
    store: &mut Store,
    aggregate: Option<&str>,
    after: u64,
    limit: Option<usize>,
    format: Format,
    out: &mut Out,
) -> Result<usize> {
    let events = store.events();
    let mut cursor = after;
    let mut shown = 0usize;
    'pages: loop {
        let page = events.read_after(cursor, PAGE)?;
        let Some(last) = page.last() else { break };
        cursor = last.position;
        for stored in &page {
            if aggregate.is_some_and(|a| a != stored.event.aggregate_id) {
                continue;
            }
            if limit.is_some_and(|l| shown >= l) {
                break 'pages;
            }
            shown += 1;
            let w = out.out();
            match format {
                Format::Json => {
                    serde_json::to_writer(
                        &mut *w,
                        &json!({"position": stored.position, "event": stored.event}),
                    )?;
                    writeln!(w)?;
                }
                Format::Human => {
                    let e = &stored.event;
                    writeln!(
                        w,
                        "{:>8}  {:>6}  {:<14} {:<28} {:<26} {}",
                        stored.position,
                        e.lamport_clock,
                        e.node_id,
                        e.event_type,
                        e.event_id,
                        e.aggregate_id
                    )?;
                }
            }
        }
        if page.len() < PAGE {
            break;
        }
    }
    Ok(shown)
}

struct StoreReplay<'a> {
    kind: ReducerKind,
    store: &'a mut (dyn CheckpointedStore + Send),
    key: &'a CheckpointKey,
    full: bool,
    format: Format,
    out: &'a mut Out,
}

/// What `log replay` did, for the summary line.
struct Done {
    state: Result<(), Error>,
    replayed: Replayed,
    position: u64,
    saved: bool,
}

impl ProjectionVisitor for StoreReplay<'_> {
    type Output = Result<Done>;

    fn visit<P: Projection>(self, projection: P) -> Result<Done> {
        let (kind, format, out) = (self.kind, self.format, self.out);
        // The state is printed while the store writes the new checkpoint.
        let r = replay_store_then(self.store, projection, self.key, self.full, |state| {
            state.map(|state| print_state(kind, state, format, out))
        })?;
        let state = match r.state {
            Ok(printed) => {
                printed?;
                Ok(())
            }
            Err(e) => Err(e),
        };
        Ok(Done {
            state,
            replayed: r.replayed,
            position: r.position,
            saved: r.saved,
        })
    }
}

/// A count with thousands separators (`95,000`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn events(n: u64) -> String {
    format!("{} event{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// The summary of a checkpointed replay, as `log replay` prints it; `saved` says whether
/// the replay wrote a new checkpoint.
pub fn describe(replayed: &Replayed, position: u64, saved: bool) -> String {
    match replayed {
        Replayed::Folded {
            checkpoint,
            events: 0,
        } => format!(
            "no new events since the checkpoint at position {}",
            thousands(*checkpoint)
        ),
        Replayed::Folded {
            checkpoint,
            events: n,
        } => format!(
            "folded {} new {} onto the checkpoint at position {} (now at position {}{})",
            thousands(*n),
            if *n == 1 { "event" } else { "events" },
            thousands(*checkpoint),
            thousands(position),
            if saved {
                ""
            } else {
                "; the checkpoint is kept until more events are new"
            }
        ),
        Replayed::Full { events: n, reason } => {
            let why = match reason {
                FullReason::NoCheckpoint => "no checkpoint yet".to_owned(),
                FullReason::Requested => "--full".to_owned(),
                FullReason::OtherVersion(v) => {
                    format!("the checkpoint was written by version {v}")
                }
                FullReason::Unreadable(e) => format!("the checkpoint is unreadable ({e})"),
                FullReason::StoreBehind { checkpoint } => format!(
                    "the store holds less than the checkpoint at position {} covers",
                    thousands(*checkpoint)
                ),
                FullReason::Late { late, checkpoint } => format!(
                    "{} sorted before the checkpoint at position {}",
                    events(*late),
                    thousands(*checkpoint)
                ),
            };
            format!("full replay of {}: {why}", events(*n))
        }
    }
}

/// `log replay`: replays the stored events (of one aggregate, or all) through a reducer,
/// from the store's checkpoint of this replay unless `full` (which ignores and rewrites
/// it), and saves the new checkpoint. The state is always that of a full replay.
#[allow(clippy::too_many_arguments)]
pub fn replay(
    store: &mut Store,
    kind: ReducerKind,
    aggregate: Option<&str>,
    options: &ReplayOptions,
    full: bool,
    format: Format,
    out: &mut Out,
) -> Result<Outcome> {
    let key = checkpoint_key(kind, options, aggregate);
    let done = with_projection(
        kind,
        options,
        StoreReplay {
            kind,
            store: store.checkpointed(),
            key: &key,
            full,
            format,
            out: &mut *out,
        },
    )??;
    match done.state {
        Ok(()) => {
            if format == Format::Human {
                writeln!(
                    out.err(),
                    "{}",
                    describe(&done.replayed, done.position, done.saved)
                )?;
            }
            Ok(Outcome::Printed { rejected: 0 })
        }
        Err(e) => replay_cmd::refusal(kind, e, out),
    }
}

fn age(written_at: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let secs = now.saturating_sub(written_at) / 1000;
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86_400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

fn size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

/// `log checkpoints`: lists the stored replay checkpoints (reducer, mode, roster,
/// aggregate, position, size, age, version), or with `drop` removes them (of one reducer,
/// or all).
pub fn checkpoints(
    store: &mut Store,
    drop: bool,
    reducer: Option<ReducerKind>,
    format: Format,
    out: &mut Out,
) -> Result<()> {
    let store = store.checkpointed();
    let reducer = reducer.map(ReducerKind::name);
    if drop {
        let n = store.drop_checkpoints(reducer)?;
        match format {
            Format::Json => {
                serde_json::to_writer(&mut *out.out(), &json!({"dropped": n}))?;
                writeln!(out.out())?;
            }
            Format::Human => writeln!(out.out(), "dropped {n} checkpoint(s)")?,
        }
        return Ok(());
    }
    let list: Vec<CheckpointInfo> = store
        .list_checkpoints()?
        .into_iter()
        .filter(|c| reducer.is_none_or(|r| r == c.key.reducer))
        .collect();
    match format {
        Format::Json => {
            for c in &list {
                serde_json::to_writer(
                    &mut *out.out(),
                    &json!({
                        "reducer": c.key.reducer, "mode": c.key.mode,
                        "roster": (!c.key.roster.is_empty()).then_some(&c.key.roster),
                        "aggregate": c.key.aggregate, "position": c.position,
                        "size": c.size, "written_at_ms": c.written_at, "version": c.version,
                        "current": c.version == checkpoint::version(),
                    }),
                )?;
                writeln!(out.out())?;
            }
        }
        Format::Human => {
            let w = out.out();
            writeln!(
                w,
                "{:<15} {:<11} {:<9} {:<24} {:>12} {:>10} {:>5}  VERSION",
                "REDUCER", "MODE", "ROSTER", "AGGREGATE", "POSITION", "SIZE", "AGE"
            )?;
            for c in &list {
                let roster = if c.key.roster.is_empty() {
                    "-".to_owned()
                } else {
                    c.key.roster.chars().take(8).collect()
                };
                let stale = if c.version == checkpoint::version() {
                    ""
                } else {
                    " (other version: not used)"
                };
                writeln!(
                    w,
                    "{:<15} {:<11} {:<9} {:<24} {:>12} {:>10} {:>5}  {}{stale}",
                    c.key.reducer,
                    c.key.mode,
                    roster,
                    c.key.aggregate.as_deref().unwrap_or("(all)"),
                    thousands(c.position),
                    size(c.size),
                    age(c.written_at),
                    c.version
                )?;
            }
            writeln!(w, "\n{} checkpoint(s)", list.len())?;
        }
    }
    Ok(())
}

/// `log stats`: per node, the number of events and the highest Lamport clock. Comparing
/// the figures of two machines' stores shows which node's events one of them lacks.
pub fn stats(store: &mut Store, format: Format, out: &mut Out) -> Result<()> {
    let events = store.events();
    let per_node = events.stats()?;
    let last = events.last_position(None)?;
    let total: u64 = per_node.values().map(|s| s.event_count).sum();
    match format {
        Format::Json => {
            let nodes: BTreeMap<&String, Value> = per_node
                .iter()
                .map(|(n, s)| (n, json!({"event_count": s.event_count, "max_lamport_clock": s.max_lamport_clock})))
                .collect();
            serde_json::to_writer(
                &mut *out.out(),
                &json!({"events": total, "last_position": last, "nodes": nodes}),
            )?;
            writeln!(out.out())?;
        }
        Format::Human => {
            let w = out.out();
            writeln!(w, "{:<24} {:>10} {:>12}", "NODE", "EVENTS", "MAX CLOCK")?;
            for (node, s) in &per_node {
                writeln!(
                    w,
                    "{node:<24} {:>10} {:>12}",
                    s.event_count, s.max_lamport_clock
                )?;
            }
            writeln!(
                w,
                "\n{total} event(s), last position {}",
                last.map_or_else(|| "-".to_owned(), |p| p.to_string())
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(95_000), "95,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn summaries_say_what_happened() {
        let folded = Replayed::Folded {
            checkpoint: 95_000,
            events: 5_000,
        };
        assert_eq!(
            describe(&folded, 100_000, true),
            "folded 5,000 new events onto the checkpoint at position 95,000 (now at position 100,000)"
        );
        assert_eq!(
            describe(&folded, 100_000, false),
            "folded 5,000 new events onto the checkpoint at position 95,000 (now at position \
             100,000; the checkpoint is kept until more events are new)"
        );
        let late = Replayed::Full {
            events: 100_000,
            reason: FullReason::Late {
                late: 12,
                checkpoint: 95_000,
            },
        };
        assert_eq!(
            describe(&late, 100_000, true),
            "full replay of 100,000 events: 12 events sorted before the checkpoint at position 95,000"
        );
        let one = Replayed::Full {
            events: 1,
            reason: FullReason::OtherVersion("0.0.1+checkpoint.1".into()),
        };
        assert_eq!(
            describe(&one, 1, true),
            "full replay of 1 event: the checkpoint was written by version 0.0.1+checkpoint.1"
        );
    }
}
