//! SQLite storage for spec-kitty-events: the embedded default.
//!
//! [`SqliteStore`] implements [`EventStore`], [`ClockStorage`], [`ErrorStorage`] and
//! [`CheckpointStore`] on one SQLite database file (SQLite is compiled in, nothing needs to be installed):
//!
//! - WAL journal, a busy timeout so that several processes can share one file, and
//!   `synchronous=FULL` by default (an acknowledged append survives a power cut; see
//!   [`Durability`]);
//! - each append is one `BEGIN IMMEDIATE` transaction, one prepared
//!   `INSERT … ON CONFLICT (event_id) DO NOTHING` per event: an event whose id is taken is
//!   then told a duplicate or a conflict by comparing the stored text, so a batch with
//!   conflicting ids costs what a clean one costs. Positions (`events.position`, the rowid)
//!   increase in commit order without gaps, which makes [`EventStore::scan`] and
//!   [`EventStore::read_after`] safe catch-up cursors;
//! - events are stored as the canonical JSON of the envelope ([`EncodedEvent`]) next to the
//!   columns the queries need (unique event id; aggregate and position); reads in clock order
//!   scan in position order and sort in memory;
//! - the page cache may grow to [`SqliteOptions::cache_kib`] (64 MiB by default), enough
//!   to keep the indexes of a large bulk append in memory;
//! - replay checkpoints live in the `checkpoints` table, one row per reducer, mode, roster
//!   and aggregate filter, each saved by one upsert in its own write transaction that keeps
//!   the stored row when it covers a later position (of the same version);
//! - clock ticks are single `INSERT … ON CONFLICT DO UPDATE … RETURNING` statements, hence
//!   atomic across processes;
//! - the schema is created and migrated by the crate ([`SCHEMA_VERSION`] in
//!   `PRAGMA user_version`); a file written by a newer version is refused.
//!
//! Lamport clocks are unsigned 64-bit values while SQLite integers are signed: the
//! `lamport_key`/`value_key` columns hold the clock with its top bit flipped
//! (`clock ^ 2^63`), which keeps the order and the full range.
//!
//! ```
//! use spec_kitty_events::{AppendOutcome, ClockStorage, Event, EventStore, ExpectedPosition};
//! use spec_kitty_events_sqlite::SqliteStore;
//! # fn main() -> spec_kitty_events::Result<()> {
//! let dir = std::env::temp_dir().join(format!("ske-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let mut store = SqliteStore::open(dir.join("events.db"))?;
//! let clock = store.tick("runner-01")?;
//! let event = Event::from_value(&serde_json::json!({
//!     "event_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "event_type": "WPStatusChanged",
//!     "aggregate_id": "mission/WP01", "timestamp": "2026-04-05T12:00:00Z",
//!     "build_id": "b1", "node_id": "runner-01", "lamport_clock": clock,
//!     "project_uuid": "12345678-1234-5678-1234-567812345678",
//!     "correlation_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"
//! }))?;
//! store.append(&[event.clone()], ExpectedPosition::NoEvents)?;
//! assert_eq!(store.load_events("mission/WP01")?, vec![event.clone()]);
//! // Appending it again changes nothing; a different event under its id is refused.
//! let mut other = serde_json::to_value(&event).unwrap();
//! other["build_id"] = "b2".into();
//! let other: Event = serde_json::from_value(other).unwrap();
//! assert_eq!(store.append(&[event, other], ExpectedPosition::Any)?,
//!            [AppendOutcome::Duplicate(1), AppendOutcome::Conflict(1)]);
//! # drop(store); std::fs::remove_dir_all(&dir).unwrap();
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use spec_kitty_events::storage::{
    Checkpoint, CheckpointInfo, CheckpointKey, CheckpointStore, ClockStorage,
    DEFAULT_MAX_ERROR_ENTRIES, ErrorStorage, EventStore, NodeStats, ScanVisitor, check_limit,
    clock_from_key, clock_key, clock_overflow, refuse_conflicts, same_event, single_aggregate,
    sql_int, sql_uint,
};
use spec_kitty_events::{AppendOutcome, EncodedEvent, Error, ErrorEntry, ExpectedPosition, Result};

/// The schema version this crate writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Versioned migrations: entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: events, clocks, errors.
    "CREATE TABLE events (
         position     INTEGER PRIMARY KEY,
         event_id     TEXT NOT NULL UNIQUE,
         aggregate_id TEXT NOT NULL,
         node_id      TEXT NOT NULL,
         lamport_key  INTEGER NOT NULL,
         body         TEXT NOT NULL
     );
     CREATE INDEX events_by_aggregate ON events (aggregate_id, position);
     CREATE INDEX events_by_clock ON events (lamport_key, node_id);
     CREATE TABLE clocks (
         node_id   TEXT PRIMARY KEY,
         value_key INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE errors (
         id   INTEGER PRIMARY KEY AUTOINCREMENT,
         body TEXT NOT NULL
     );",
    // 2: reads in clock order sort in memory after a scan in position order (sequential,
    // and cheaper than following an index into the table); the clock index only cost
    // every append an index insert.
    "DROP INDEX events_by_clock;",
    // 3: checkpoints of replays (one per reducer, mode, roster and aggregate filter).
    "CREATE TABLE checkpoints (
         reducer    TEXT NOT NULL,
         mode       TEXT NOT NULL,
         roster     TEXT NOT NULL,
         scope      TEXT NOT NULL,
         position   INTEGER NOT NULL,
         version    TEXT NOT NULL,
         state      BLOB NOT NULL,
         written_at INTEGER NOT NULL,
         PRIMARY KEY (reducer, mode, roster, scope)
     );",
];

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: an acknowledged commit survives a power cut.
    #[default]
    Full,
    /// `synchronous=NORMAL`: an acknowledged commit survives a crash of the process but
    /// the last ones may be lost on a power cut; faster.
    Normal,
}

/// Settings of a [`SqliteStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// How long a writer waits for another process's write lock.
    pub busy_timeout: Duration,
    /// How many error entries are kept (oldest evicted first).
    pub error_retention: usize,
    /// Commit durability.
    pub durability: Durability,
    /// The most memory the connection's page cache may use, in KiB (`PRAGMA cache_size`).
    /// Appends insert into the event-id and aggregate indexes at random places; a cache that
    /// holds them spares re-reading and spilling pages in large transactions.
    pub cache_kib: u32,
    /// How many pages the write-ahead log may hold before a commit copies them into the
    /// database (`PRAGMA wal_autocheckpoint`). SQLite's default, 1,000 pages, makes a large
    /// append copy the same index pages again and again (3.7 page writes per page of the
    /// finished database, appending the 100k-event corpus log); 16,384 pages (64 MiB of log
    /// at most) copy far fewer twice. Readers are unaffected: they read the log as they read
    /// the database.
    pub wal_autocheckpoint_pages: u32,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout: Duration::from_secs(60),
            error_retention: DEFAULT_MAX_ERROR_ENTRIES,
            durability: Durability::Full,
            cache_kib: 64 * 1024,
            wal_autocheckpoint_pages: 16_384,
        }
    }
}

/// Events, clocks and error entries in one SQLite database.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: Option<PathBuf>,
    options: SqliteOptions,
}

fn storage(e: impl std::fmt::Display) -> Error {
    Error::Storage(format!("sqlite: {e}"))
}

/// Runs `step` again while SQLite answers `SQLITE_BUSY` without waiting, up to `timeout`.
/// Opening a new database while other processes open it too can meet such answers (the
/// switch to WAL and the first read of the WAL index take locks that SQLite does not wait
/// for through the busy handler).
fn retry_busy<T>(
    timeout: Duration,
    mut step: impl FnMut() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match step() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && start.elapsed() < timeout =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database at `path` with default
    /// options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens the database at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path).map_err(storage)?;
        Self::init(conn, Some(path), options)
    }

    /// A private in-memory database (not durable; useful for tests).
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(storage)?;
        Self::init(conn, None, SqliteOptions::default())
    }

    fn init(conn: Connection, path: Option<PathBuf>, options: SqliteOptions) -> Result<Self> {
        conn.busy_timeout(options.busy_timeout).map_err(storage)?;
        conn.set_prepared_statement_cache_capacity(32);
        let _mode: String = retry_busy(options.busy_timeout, || {
            conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        })
        .map_err(storage)?;
        let sync = match options.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", sync)
            .map_err(storage)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(storage)?;
        conn.pragma_update(None, "cache_size", -i64::from(options.cache_kib))
            .map_err(storage)?;
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            i64::from(options.wal_autocheckpoint_pages),
        )
        .map_err(storage)?;
        let mut store = SqliteStore {
            conn,
            path,
            options,
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let timeout = self.options.busy_timeout;
        let current: i64 = retry_busy(timeout, || {
            self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        })
        .map_err(storage)?;
        if current == SCHEMA_VERSION {
            return Ok(());
        }
        let conn = &self.conn;
        let tx = retry_busy(timeout, || {
            rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
        })
        .map_err(storage)?;
        // Read again under the write lock: another process may have migrated meanwhile.
        let current: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(storage)?;
        if current > SCHEMA_VERSION {
            return Err(Error::Storage(format!(
                "sqlite: the database has schema version {current}, newer than this \
                 library's {SCHEMA_VERSION}"
            )));
        }
        for sql in &MIGRATIONS[usize::try_from(current).unwrap_or(0)..] {
            tx.execute_batch(sql).map_err(storage)?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(storage)?;
        tx.commit().map_err(storage)
    }

    /// The database file (`None` for an in-memory database).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &SqliteOptions {
        &self.options
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(storage)
    }
}

impl EventStore for SqliteStore {
    fn append_encoded(
        &mut self,
        events: &[EncodedEvent],
        expected: ExpectedPosition,
    ) -> Result<Vec<AppendOutcome>> {
        let aggregate = if expected == ExpectedPosition::Any {
            None
        } else {
            single_aggregate(events)?
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let mut out = Vec::with_capacity(events.len());
        {
            if let Some(agg) = aggregate {
                let last: Option<i64> = tx
                    .prepare_cached("SELECT MAX(position) FROM events WHERE aggregate_id = ?1")
                    .and_then(|mut s| s.query_row(params![agg], |r| r.get(0)))
                    .map_err(storage)?;
                expected.check(agg, last.map(sql_uint))?;
            }
            // Events are taken one after the other: an insert that the unique event id
            // turns into a no-op is a duplicate or a conflict, told apart by the body.
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO events (event_id, aggregate_id, node_id, lamport_key, body)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (event_id) DO NOTHING",
                )
                .map_err(storage)?;
            let mut find = tx
                .prepare_cached("SELECT position, body FROM events WHERE event_id = ?1")
                .map_err(storage)?;
            for e in events {
                let inserted = insert
                    .execute(params![
                        e.event_id(),
                        e.aggregate_id(),
                        e.node_id(),
                        clock_key(e.lamport_clock()),
                        e.body()
                    ])
                    .map_err(storage)?;
                if inserted == 1 {
                    out.push(AppendOutcome::Appended(sql_uint(tx.last_insert_rowid())));
                    continue;
                }
                let (p, stored): (i64, Option<String>) = find
                    .query_row(params![e.event_id()], |r| {
                        let body = r.get_ref(1)?.as_str()?;
                        // The stored text is copied only when it differs.
                        Ok((r.get(0)?, (body != e.body()).then(|| body.to_owned())))
                    })
                    .map_err(storage)?;
                let same = match &stored {
                    None => true,
                    Some(stored) => same_event(stored, e.body())?,
                };
                out.push(if same {
                    AppendOutcome::Duplicate(sql_uint(p))
                } else {
                    AppendOutcome::Conflict(sql_uint(p))
                });
            }
        }
        // Dropping the transaction on an error rolls the whole batch back.
        refuse_conflicts(expected, events, &out)?;
        tx.commit().map_err(storage)?;
        Ok(out)
    }

    fn scan(
        &self,
        after: u64,
        aggregate_id: Option<&str>,
        visit: &mut ScanVisitor<'_>,
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(match aggregate_id {
                None => "SELECT position, body FROM events WHERE position > ?1 ORDER BY position",
                Some(_) => {
                    "SELECT position, body FROM events WHERE aggregate_id = ?2 AND position > ?1
                     ORDER BY position"
                }
            })
            .map_err(storage)?;
        let mut rows = match aggregate_id {
            None => stmt.query(params![sql_int(after)]),
            Some(a) => stmt.query(params![sql_int(after), a]),
        }
        .map_err(storage)?;
        while let Some(row) = rows.next().map_err(storage)? {
            let p: i64 = row.get(0).map_err(storage)?;
            let body = row.get_ref(1).map_err(storage)?.as_str().map_err(storage)?;
            if visit(sql_uint(p), body)?.is_break() {
                break;
            }
        }
        Ok(())
    }

    fn last_position(&self, aggregate_id: Option<&str>) -> Result<Option<u64>> {
        let last: Option<i64> = match aggregate_id {
            Some(a) => self
                .conn
                .prepare_cached("SELECT MAX(position) FROM events WHERE aggregate_id = ?1")
                .and_then(|mut s| s.query_row(params![a], |r| r.get(0))),
            None => self
                .conn
                .prepare_cached("SELECT MAX(position) FROM events")
                .and_then(|mut s| s.query_row([], |r| r.get(0))),
        }
        .map_err(storage)?;
        Ok(last.map(sql_uint))
    }

    fn stats(&self) -> Result<BTreeMap<String, NodeStats>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT node_id, COUNT(*), MAX(lamport_key) FROM events GROUP BY node_id",
            )
            .map_err(storage)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    NodeStats {
                        event_count: sql_uint(r.get(1)?),
                        max_lamport_clock: clock_from_key(r.get(2)?),
                    },
                ))
            })
            .map_err(storage)?;
        rows.collect::<rusqlite::Result<BTreeMap<_, _>>>()
            .map_err(storage)
    }
}

impl ClockStorage for SqliteStore {
    fn load(&self, node_id: &str) -> Result<u64> {
        let v: Option<i64> = self
            .conn
            .prepare_cached("SELECT value_key FROM clocks WHERE node_id = ?1")
            .and_then(|mut s| s.query_row(params![node_id], |r| r.get(0)).optional())
            .map_err(storage)?;
        Ok(v.map_or(0, clock_from_key))
    }

    fn save(&mut self, node_id: &str, value: u64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO clocks (node_id, value_key) VALUES (?1, ?2)
                 ON CONFLICT (node_id) DO UPDATE SET value_key = excluded.value_key",
            )
            .and_then(|mut s| s.execute(params![node_id, clock_key(value)]))
            .map_err(storage)?;
        Ok(())
    }

    fn tick(&mut self, node_id: &str) -> Result<u64> {
        let v: Option<i64> = self
            .conn
            .prepare_cached(
                "INSERT INTO clocks (node_id, value_key) VALUES (?1, ?2)
                 ON CONFLICT (node_id) DO UPDATE SET value_key = clocks.value_key + 1
                 WHERE clocks.value_key < ?3
                 RETURNING value_key",
            )
            .and_then(|mut s| {
                s.query_row(params![node_id, clock_key(1), i64::MAX], |r| r.get(0))
                    .optional()
            })
            .map_err(storage)?;
        v.map(clock_from_key).ok_or_else(clock_overflow)
    }

    fn update(&mut self, node_id: &str, remote: u64) -> Result<u64> {
        let next = remote.checked_add(1).ok_or_else(clock_overflow)?;
        let v: Option<i64> = self
            .conn
            .prepare_cached(
                "INSERT INTO clocks (node_id, value_key) VALUES (?1, ?2)
                 ON CONFLICT (node_id) DO UPDATE
                 SET value_key = max(clocks.value_key + 1, excluded.value_key)
                 WHERE clocks.value_key < ?3
                 RETURNING value_key",
            )
            .and_then(|mut s| {
                s.query_row(params![node_id, clock_key(next), i64::MAX], |r| r.get(0))
                    .optional()
            })
            .map_err(storage)?;
        v.map(clock_from_key).ok_or_else(clock_overflow)
    }
}

fn checkpoint_key(
    reducer: String,
    mode: String,
    roster: String,
    scope: &str,
) -> Result<CheckpointKey> {
    let aggregate = CheckpointKey::aggregate_of(scope)
        .ok_or_else(|| storage(format!("unknown checkpoint scope {scope:?}")))?;
    Ok(CheckpointKey {
        reducer,
        mode,
        roster,
        aggregate,
    })
}

impl CheckpointStore for SqliteStore {
    fn load_checkpoint(&self, key: &CheckpointKey) -> Result<Option<Checkpoint>> {
        self.conn
            .prepare_cached(
                "SELECT position, version, state, written_at FROM checkpoints
                 WHERE reducer = ?1 AND mode = ?2 AND roster = ?3 AND scope = ?4",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![key.reducer, key.mode, key.roster, key.scope()],
                    |r| {
                        Ok(Checkpoint {
                            key: key.clone(),
                            position: sql_uint(r.get(0)?),
                            version: r.get(1)?,
                            state: r.get(2)?,
                            written_at: sql_uint(r.get(3)?),
                        })
                    },
                )
                .optional()
            })
            .map_err(storage)
    }

    fn save_checkpoint(&mut self, c: &Checkpoint) -> Result<bool> {
        // A checkpoint is a cache of what the events say: its commit need not wait for the
        // disk (`synchronous=NORMAL` keeps it atomic, and a power cut can only lose it
        // whole, never an event committed after it: the WAL is written in order).
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(storage)?;
        let saved = self.save_checkpoint_tx(c);
        let sync = match self.options.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        self.conn
            .pragma_update(None, "synchronous", sync)
            .map_err(storage)?;
        saved
    }

    fn list_checkpoints(&self) -> Result<Vec<CheckpointInfo>> {
        list_checkpoints(&self.conn)
    }

    fn drop_checkpoints(&mut self, reducer: Option<&str>) -> Result<u64> {
        let n = match reducer {
            Some(r) => self
                .conn
                .execute("DELETE FROM checkpoints WHERE reducer = ?1", params![r]),
            None => self.conn.execute("DELETE FROM checkpoints", []),
        }
        .map_err(storage)?;
        Ok(n as u64)
    }
}

impl SqliteStore {
    fn save_checkpoint_tx(&mut self, c: &Checkpoint) -> Result<bool> {
        // One statement in one write transaction: the old checkpoint or the new one, whole.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let changed = tx
            .prepare_cached(
                "INSERT INTO checkpoints
                     (reducer, mode, roster, scope, position, version, state, written_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (reducer, mode, roster, scope) DO UPDATE SET
                     position = excluded.position, version = excluded.version,
                     state = excluded.state, written_at = excluded.written_at
                 WHERE checkpoints.version <> excluded.version
                    OR checkpoints.position <= excluded.position",
            )
            .and_then(|mut s| {
                s.execute(params![
                    c.key.reducer,
                    c.key.mode,
                    c.key.roster,
                    c.key.scope(),
                    sql_int(c.position),
                    c.version,
                    c.state,
                    sql_int(c.written_at)
                ])
            })
            .map_err(storage)?;
        tx.commit().map_err(storage)?;
        Ok(changed == 1)
    }
}

fn list_checkpoints(conn: &Connection) -> Result<Vec<CheckpointInfo>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT reducer, mode, roster, scope, position, version, length(state), written_at
                 FROM checkpoints ORDER BY reducer, mode, roster, scope",
        )
        .map_err(storage)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })
        .map_err(storage)?;
    let mut out = Vec::new();
    for row in rows {
        let (reducer, mode, roster, scope, position, version, size, written_at) =
            row.map_err(storage)?;
        out.push(CheckpointInfo {
            key: checkpoint_key(reducer, mode, roster, &scope)?,
            position: sql_uint(position),
            version,
            size: sql_uint(size),
            written_at: sql_uint(written_at),
        });
    }
    Ok(out)
}

impl ErrorStorage for SqliteStore {
    fn append(&mut self, entry: &ErrorEntry) -> Result<()> {
        let body = serde_json::to_string(entry).map_err(storage)?;
        let keep = sql_int(self.options.error_retention as u64);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        tx.prepare_cached("INSERT INTO errors (body) VALUES (?1)")
            .and_then(|mut s| s.execute(params![body]))
            .map_err(storage)?;
        tx.prepare_cached(
            "DELETE FROM errors WHERE id <= (SELECT id FROM errors ORDER BY id DESC LIMIT 1 OFFSET ?1)",
        )
        .and_then(|mut s| s.execute(params![keep]))
        .map_err(storage)?;
        tx.commit().map_err(storage)
    }

    fn load_recent(&self, limit: usize) -> Result<Vec<ErrorEntry>> {
        check_limit(limit)?;
        let limit = limit.min(self.options.error_retention);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM errors ORDER BY id DESC LIMIT ?1")
            .map_err(storage)?;
        let rows = stmt
            .query_map(params![sql_int(limit as u64)], |r| r.get::<_, String>(0))
            .map_err(storage)?;
        let mut out = Vec::new();
        for body in rows {
            let body = body.map_err(storage)?;
            out.push(
                serde_json::from_str(&body)
                    .map_err(|e| storage(format!("stored error entry is invalid: {e}")))?,
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        store
            .conn
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(store);
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn version_1_files_are_migrated_in_place() {
        use spec_kitty_events_testkit::store_suite::event;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let mut store = SqliteStore::open(&path).unwrap();
        let events: Vec<_> = (0..3).map(|i| event(i, "a", "n", i as u64)).collect();
        EventStore::append(&mut store, &events, ExpectedPosition::Any).unwrap();
        // Turn the file back into what version 1 wrote.
        store
            .conn
            .execute_batch(
                "CREATE INDEX events_by_clock ON events (lamport_key, node_id);
                 DROP TABLE checkpoints;
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        drop(store);
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let indexes: Vec<String> = store
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(indexes, ["events_by_aggregate"]);
        assert_eq!(store.load_all_events().unwrap(), events);
        assert_eq!(
            EventStore::append(
                &mut store,
                &[event(3, "a", "n", 3)],
                ExpectedPosition::At(3)
            )
            .unwrap(),
            [AppendOutcome::Appended(4)]
        );
    }

    #[test]
    fn the_cache_size_option_is_applied() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_with(
            dir.path().join("x.db"),
            SqliteOptions {
                cache_kib: 1234,
                ..SqliteOptions::default()
            },
        )
        .unwrap();
        let kib: i64 = store
            .conn
            .query_row("PRAGMA cache_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kib, -1234);
    }

    #[test]
    fn wal_mode_is_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("x.db")).unwrap();
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
