//! `spec-kitty-events log`: append to, read, replay and inspect a durable event store.

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, mpsc};

use rayon::prelude::*;
use spec_kitty_events::conformance::validate::admit;
use spec_kitty_events::projection::{Prepared, Projection, prepare_lazy};
use spec_kitty_events::records::Record;
use spec_kitty_events::replay::{ProjectionVisitor, ReducerKind, ReplayOptions, with_projection};
use spec_kitty_events::storage::{AppendOutcome, EventStore, ExpectedPosition};
use spec_kitty_events::{EncodedEvent, Error};
use spec_kitty_events_postgres::PostgresStore;
use spec_kitty_events_sqlite::SqliteStore;

use crate::input::{Source, paths_or_stdin};
use crate::output::{Format, Out};
use crate::progress;
use crate::replay_cmd::{Outcome, Reduced, reduce_and_print, report};

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
}

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

/// Stored bodies handed to the workers at a time.
const SCAN_CHUNK: usize = 4096;

/// Prepares stored bodies for `P` on every core. A body the store hands back was
/// validated when it was appended; one that no longer reads as an envelope is a storage
/// error.
fn prepare_bodies<P: Projection>(
    bodies: &[(u64, String)],
    items: &mut Vec<Prepared<P::Item>>,
) -> Result<()> {
    let prepared: Vec<Result<Option<Prepared<P::Item>>>> = bodies
        .par_iter()
        .with_min_len(64)
        .map(|(position, body)| {
            let (tree, raw) = spec_kitty_events::json::parse_lazy(body, "payload")
                .map_err(|e| anyhow::anyhow!("stored event {position} is not JSON: {e}"))?;
            prepare_lazy::<P>(&tree, raw).map_err(|errors| {
                anyhow::anyhow!(
                    "stored event {position} is not a valid envelope: {}",
                    spec_kitty_events::contract::render_report("Event", &errors)
                )
            })
        })
        .collect();
    for p in prepared {
        items.extend(p?);
    }
    Ok(())
}

struct StoreReplay<'a> {
    kind: ReducerKind,
    store: &'a (dyn EventStore + Send),
    aggregate: Option<&'a str>,
    format: Format,
    out: &'a mut Out,
}

impl ProjectionVisitor for StoreReplay<'_> {
    type Output = Result<Reduced>;

    fn visit<P: Projection>(self, projection: P) -> Result<Reduced> {
        let mut items: Vec<Prepared<P::Item>> = Vec::new();
        let mut chunk: Vec<(u64, String)> = Vec::with_capacity(SCAN_CHUNK);
        let mut events = 0usize;
        let mut failure: Option<anyhow::Error> = None;
        self.store.scan(0, self.aggregate, &mut |position, body| {
            chunk.push((position, body.to_owned()));
            events += 1;
            if chunk.len() == SCAN_CHUNK {
                if let Err(e) = prepare_bodies::<P>(&chunk, &mut items) {
                    failure = Some(e);
                    return Ok(std::ops::ControlFlow::Break(()));
                }
                chunk.clear();
            }
            Ok(std::ops::ControlFlow::Continue(()))
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        prepare_bodies::<P>(&chunk, &mut items)?;
        Ok(Reduced {
            state: reduce_and_print(self.kind, projection, items, self.format, self.out)?,
            events,
            rejected: 0,
        })
    }
}

/// `log replay`: replays the stored events (of one aggregate, or all) through a reducer,
/// reading the stored bodies straight into the reducer's prepared form.
pub fn replay(
    store: &mut Store,
    kind: ReducerKind,
    aggregate: Option<&str>,
    options: &ReplayOptions,
    format: Format,
    out: &mut Out,
) -> Result<Outcome> {
    let reduced = with_projection(
        kind,
        options,
        StoreReplay {
            kind,
            store: store.events(),
            aggregate,
            format,
            out: &mut *out,
        },
    )??;
    report(kind, reduced, format, out)
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
