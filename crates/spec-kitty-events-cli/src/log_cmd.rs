//! `spec-kitty-events log`: append to, read, replay and inspect a durable event store.

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use spec_kitty_events::conformance::validate::admit;
use spec_kitty_events::projection::{Projection, prepare};
use spec_kitty_events::records::Record;
use spec_kitty_events::replay::{ProjectionVisitor, ReducerKind, ReplayOptions, with_projection};
use spec_kitty_events::storage::{AppendOutcome, EventStore, ExpectedPosition};
use spec_kitty_events::{Error, Event};
use spec_kitty_events_postgres::PostgresStore;
use spec_kitty_events_sqlite::SqliteStore;

use crate::input::{Source, paths_or_stdin};
use crate::output::{Format, Out};
use crate::progress;
use crate::replay_cmd::{Outcome, Reduced, reduce_and_print, report};

/// The store used when none is named: a SQLite file in the current project.
pub const DEFAULT_STORE: &str = "sqlite:.spec-kitty/events.db";

/// Events appended per transaction.
const APPEND_BATCH: usize = 1000;

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

    fn events(&mut self) -> &mut dyn EventStore {
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
}

/// The outcome of `log append`.
#[derive(Debug, Default, Serialize)]
pub struct AppendReport {
    /// Events newly stored.
    pub appended: u64,
    /// Events already stored, identical: nothing changed.
    pub duplicates: u64,
    /// Records refused.
    pub rejected: u64,
    /// Every refusal.
    pub rejections: Vec<Rejection>,
}

struct Pending {
    events: Vec<Event>,
    origins: Vec<(Arc<str>, usize)>,
}

fn flush(
    store: &mut dyn EventStore,
    pending: &mut Pending,
    report: &mut AppendReport,
) -> Result<()> {
    if pending.events.is_empty() {
        return Ok(());
    }
    let tally = |outcomes: &[AppendOutcome], report: &mut AppendReport| {
        for o in outcomes {
            match o {
                AppendOutcome::Appended(_) => report.appended += 1,
                AppendOutcome::Duplicate(_) => report.duplicates += 1,
            }
        }
    };
    match store.append(&pending.events, ExpectedPosition::Any) {
        Ok(outcomes) => tally(&outcomes, report),
        Err(Error::EventIdConflict { .. }) => {
            // One event contradicts a stored one: append the batch event by event so that
            // only the contradicting ones are refused.
            for (event, (file, line)) in pending.events.iter().zip(&pending.origins) {
                match store.append(std::slice::from_ref(event), ExpectedPosition::Any) {
                    Ok(outcomes) => tally(&outcomes, report),
                    Err(e @ Error::EventIdConflict { .. }) => {
                        report.rejected += 1;
                        report.rejections.push(Rejection {
                            file: file.to_string(),
                            line: *line,
                            reasons: vec![format!("event_id: {e}")],
                        });
                    }
                    Err(e) => return Err(e).context("append failed"),
                }
            }
        }
        Err(e) => return Err(e).context("append failed"),
    }
    pending.events.clear();
    pending.origins.clear();
    Ok(())
}

fn reasons_of(rec: Record<'_>) -> Result<Event, Vec<String>> {
    let v = rec.value.map_err(|m| vec![m])?;
    admit(&v).map(|e| e.to_event()).map_err(|violations| {
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
            .collect()
    })
}

/// `log append`: validates every record fail-closed (envelope, cutover policy, payload
/// contract) and appends the valid ones in atomic batches. A bad record never blocks the
/// good ones.
pub fn append(
    store: &mut Store,
    files: &[String],
    format: Format,
    out: &mut Out,
) -> Result<AppendReport> {
    let mut report = AppendReport::default();
    let mut pending = Pending {
        events: Vec::with_capacity(APPEND_BATCH),
        origins: Vec::with_capacity(APPEND_BATCH),
    };
    let events = store.events();
    for path in paths_or_stdin(files) {
        let source = Source::open(&path)?;
        let bar = progress::for_bytes(source.len, "appending");
        let mut failure: Option<anyhow::Error> = None;
        type Checked = (Arc<str>, usize, Result<Event, Vec<String>>);
        let file = Arc::clone(&source.name);
        let work = |rec: Record<'_>| -> Checked {
            let line = rec.line;
            (Arc::clone(&file), line, reasons_of(rec))
        };
        source.process(
            &|n| bar.set_position(n),
            &work,
            &mut |(file, line, checked): Checked| {
                match checked {
                    Ok(event) => {
                        pending.events.push(event);
                        pending.origins.push((file, line));
                        if pending.events.len() >= APPEND_BATCH
                            && let Err(e) = flush(events, &mut pending, &mut report)
                        {
                            failure = Some(e);
                            return false;
                        }
                    }
                    Err(reasons) => {
                        report.rejected += 1;
                        report.rejections.push(Rejection {
                            file: file.to_string(),
                            line,
                            reasons,
                        });
                    }
                }
                true
            },
        )?;
        bar.finish_and_clear();
        if let Some(e) = failure {
            return Err(e);
        }
    }
    flush(events, &mut pending, &mut report)?;
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
    events: &'a [Event],
    format: Format,
    out: &'a mut Out,
}

impl ProjectionVisitor for StoreReplay<'_> {
    type Output = Result<Reduced>;
    fn visit<P: Projection>(self, projection: P) -> Result<Reduced> {
        let items = prepare::<P>(self.events);
        Ok(Reduced {
            state: reduce_and_print(self.kind, projection, items, self.format, self.out)?,
            events: self.events.len(),
            rejected: 0,
        })
    }
}

/// `log replay`: replays the stored events (of one aggregate, or all) through a reducer.
pub fn replay(
    store: &mut Store,
    kind: ReducerKind,
    aggregate: Option<&str>,
    options: &ReplayOptions,
    format: Format,
    out: &mut Out,
) -> Result<Outcome> {
    let events = store.events();
    let loaded = match aggregate {
        Some(a) => events.load_events(a)?,
        None => events.load_all_events()?,
    };
    let reduced = with_projection(
        kind,
        options,
        StoreReplay {
            kind,
            events: &loaded,
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
