//! PostgreSQL storage for spec-kitty-events: the same semantics as the in-memory and
//! SQLite stores, for many writers on many machines.
//!
//! [`PostgresStore`] implements [`EventStore`], [`ClockStorage`], [`ErrorStorage`] and
//! [`CheckpointStore`] over one connection (`postgres` crate, settings from a URL such as
//! `postgresql://user:secret@db.example:5432/events`), optionally inside its own
//! schema ([`PostgresOptions::schema`]) so that several logs can share a database.
//!
//! - An append is one transaction that first takes `LOCK TABLE ske_events IN EXCLUSIVE
//!   MODE` (writers queue, readers are not blocked): positions are assigned as
//!   `max + 1, …` under that lock, so they are dense and become visible strictly in
//!   order, which keeps [`EventStore::scan`] and [`EventStore::read_after`] safe catch-up
//!   cursors with many writers. Each batch costs three statements whatever its size and
//!   however many of its events are duplicates or conflicts (look-up of the batch's ids,
//!   current maximum, one `INSERT … SELECT FROM unnest(…)` of the new events); the outcome
//!   of every event is decided in between by [`plan_append`], the rule every store shares.
//! - [`EventStore::scan`] reads through a portal in chunks of 4,096 rows inside one
//!   read-only transaction (one snapshot): rows stream, and stopping early stops the
//!   transfer.
//! - Identifier columns use the `"C"` collation, so `(lamport_clock, node_id)` ordering
//!   is byte order, as in the other stores, whatever the database's locale.
//! - Events are stored as the canonical JSON text of the envelope (not `jsonb`, which
//!   would reorder keys), so what comes back is exactly what went in.
//! - Replay checkpoints live in `ske_checkpoints`, one row per reducer, mode, roster and
//!   aggregate filter, each saved by one `INSERT … ON CONFLICT DO UPDATE … WHERE` that
//!   keeps the stored row when it covers a later position (of the same version); the row
//!   lock of the upsert serialises concurrent saves of one key.
//! - Clock ticks are single `INSERT … ON CONFLICT DO UPDATE … RETURNING` statements:
//!   atomic across connections and machines.
//! - The crate creates and migrates its tables (`ske_schema_version`), serialised by an
//!   advisory lock, and refuses a schema newer than it knows ([`SCHEMA_VERSION`]).
//!
//! ## Tests
//!
//! The crate's tests and benches start their own temporary server
//! (`spec_kitty_events_testkit::pg_server`): they need the PostgreSQL server binaries
//! (`initdb`, `pg_ctl`, `postgres`, `createdb`; Debian: `apt-get install -y postgresql`)
//! and, when run as root, `runuser` (util-linux) to run the server as `nobody`. They are
//! never skipped: without the binaries they fail and say what is missing.
//!
//! Lamport clocks are stored with the top bit flipped (`clock ^ 2^63`) in `bigint`
//! columns (`lamport_key`, `value_key`), which keeps the order and the full `u64` range.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use postgres::{Client, GenericClient, NoTls, Statement};
use spec_kitty_events::storage::{
    Checkpoint, CheckpointInfo, CheckpointKey, CheckpointStore, ClockStorage,
    DEFAULT_MAX_ERROR_ENTRIES, ErrorStorage, EventStore, NodeStats, ScanVisitor, check_limit,
    clock_from_key, clock_key, clock_overflow, decode_stored, plan_append, refuse_conflicts,
    single_aggregate, sql_int, sql_uint,
};
use spec_kitty_events::{
    AppendOutcome, EncodedEvent, Error, ErrorEntry, ExpectedPosition, Result, StoredEvent,
};

/// Rows fetched per round trip by [`EventStore::scan`] (about 2.5 MB of realistic
/// events): few round trips, each of which waits for the server to be scheduled.
const SCAN_CHUNK: i32 = 4096;

/// The schema version this crate writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Versioned migrations: entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: events, clocks, errors.
    r#"CREATE TABLE ske_events (
           position     bigint PRIMARY KEY,
           event_id     text COLLATE "C" NOT NULL UNIQUE,
           aggregate_id text COLLATE "C" NOT NULL,
           node_id      text COLLATE "C" NOT NULL,
           lamport_key  bigint NOT NULL,
           body         text NOT NULL
       );
       CREATE INDEX ske_events_by_aggregate ON ske_events (aggregate_id, position);
       CREATE INDEX ske_events_by_clock ON ske_events (lamport_key, node_id, position);
       CREATE TABLE ske_clocks (
           node_id   text COLLATE "C" PRIMARY KEY,
           value_key bigint NOT NULL
       );
       CREATE TABLE ske_errors (
           id   bigserial PRIMARY KEY,
           body text NOT NULL
       );"#,
    // 2: reads in clock order sort in memory after a scan in position order; the clock
    // index only cost every append an index insert.
    "DROP INDEX ske_events_by_clock;",
    // 3: checkpoints of replays (one per reducer, mode, roster and aggregate filter); the
    // state is stored uncompressed (it is written and read whole, and compressing tens of
    // megabytes would cost more than it saves).
    r#"CREATE TABLE ske_checkpoints (
           reducer    text COLLATE "C" NOT NULL,
           mode       text COLLATE "C" NOT NULL,
           roster     text COLLATE "C" NOT NULL,
           scope      text COLLATE "C" NOT NULL,
           position   bigint NOT NULL,
           version    text NOT NULL,
           state      bytea NOT NULL,
           written_at bigint NOT NULL,
           PRIMARY KEY (reducer, mode, roster, scope)
       );
       ALTER TABLE ske_checkpoints ALTER COLUMN state SET STORAGE EXTERNAL;"#,
];

/// Settings of a [`PostgresStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The schema holding the tables (created if missing); `None`: the connection's
    /// default `search_path`.
    pub schema: Option<String>,
    /// How many error entries are kept (oldest evicted first).
    pub error_retention: usize,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: None,
            error_retention: DEFAULT_MAX_ERROR_ENTRIES,
        }
    }
}

struct Inner {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

/// Events, clocks and error entries in a PostgreSQL database.
pub struct PostgresStore {
    inner: RefCell<Inner>,
    url: String,
    options: PostgresOptions,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

fn storage(e: postgres::Error) -> Error {
    match e.as_db_error() {
        Some(db) => Error::Storage(format!("postgres: {db}")),
        None => Error::Storage(format!("postgres: {e}")),
    }
}

fn other(e: impl std::fmt::Display) -> Error {
    Error::Storage(format!("postgres: {e}"))
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Prepares `sql` once per connection.
fn prepared(
    statements: &mut HashMap<&'static str, Statement>,
    client: &mut impl GenericClient,
    sql: &'static str,
) -> Result<Statement> {
    if let Some(s) = statements.get(sql) {
        return Ok(s.clone());
    }
    let s = client.prepare(sql).map_err(storage)?;
    statements.insert(sql, s.clone());
    Ok(s)
}

impl PostgresStore {
    /// Connects with default options.
    pub fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, PostgresOptions::default())
    }

    /// Connects to `url` (a `postgresql://` URL or a `key=value` string), creating or
    /// migrating the tables if needed.
    pub fn connect_with(url: &str, options: PostgresOptions) -> Result<Self> {
        let mut client = Client::connect(url, NoTls).map_err(storage)?;
        if let Some(schema) = &options.schema {
            client
                .batch_execute(&format!("SET search_path TO {}", quote_ident(schema)))
                .map_err(storage)?;
        }
        let store = PostgresStore {
            inner: RefCell::new(Inner {
                client,
                statements: HashMap::new(),
            }),
            url: url.to_owned(),
            options,
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&self) -> Result<()> {
        let inner = &mut *self.inner.borrow_mut();
        let mut tx = inner.client.transaction().map_err(storage)?;
        let key = format!(
            "spec-kitty-events schema {}",
            self.options.schema.as_deref().unwrap_or("")
        );
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&key])
            .map_err(storage)?;
        if let Some(schema) = &self.options.schema {
            tx.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {}",
                quote_ident(schema)
            ))
            .map_err(storage)?;
        }
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS ske_schema_version (version integer NOT NULL)",
        )
        .map_err(storage)?;
        let current: i32 = tx
            .query_opt("SELECT max(version) FROM ske_schema_version", &[])
            .map_err(storage)?
            .and_then(|r| r.get::<_, Option<i32>>(0))
            .unwrap_or(0);
        if current > SCHEMA_VERSION {
            return Err(other(format!(
                "the database has schema version {current}, newer than this library's \
                 {SCHEMA_VERSION}"
            )));
        }
        if current == SCHEMA_VERSION {
            return tx.commit().map_err(storage);
        }
        for sql in &MIGRATIONS[usize::try_from(current).unwrap_or(0)..] {
            tx.batch_execute(sql).map_err(storage)?;
        }
        tx.execute("DELETE FROM ske_schema_version", &[])
            .map_err(storage)?;
        tx.execute(
            "INSERT INTO ske_schema_version (version) VALUES ($1)",
            &[&SCHEMA_VERSION],
        )
        .map_err(storage)?;
        tx.commit().map_err(storage)
    }

    /// The URL the store connected to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &PostgresOptions {
        &self.options
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i32> {
        let inner = &mut *self.inner.borrow_mut();
        let row = inner
            .client
            .query_one("SELECT max(version) FROM ske_schema_version", &[])
            .map_err(storage)?;
        Ok(row.get::<_, Option<i32>>(0).unwrap_or(0))
    }

    fn borrow(&self) -> Result<std::cell::RefMut<'_, Inner>> {
        self.inner
            .try_borrow_mut()
            .map_err(|_| other("connection already in use"))
    }
}

impl EventStore for PostgresStore {
    fn append_encoded(
        &mut self,
        events: &[EncodedEvent],
        expected: ExpectedPosition,
    ) -> Result<Vec<AppendOutcome>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let aggregate = if expected == ExpectedPosition::Any {
            None
        } else {
            single_aggregate(events)?
        };
        let inner = &mut *self.borrow()?;
        let Inner { client, statements } = inner;
        let mut tx = client.transaction().map_err(storage)?;
        tx.batch_execute("LOCK TABLE ske_events IN EXCLUSIVE MODE")
            .map_err(storage)?;
        if let Some(agg) = aggregate {
            let s = prepared(
                statements,
                &mut tx,
                "SELECT max(position) FROM ske_events WHERE aggregate_id = $1",
            )?;
            let last: Option<i64> = tx.query_one(&s, &[&agg]).map_err(storage)?.get(0);
            expected.check(agg, last.map(sql_uint))?;
        }
        let ids: Vec<&str> = events.iter().map(EncodedEvent::event_id).collect();
        let s = prepared(
            statements,
            &mut tx,
            "SELECT event_id, position, body FROM ske_events WHERE event_id = ANY($1)",
        )?;
        let found = tx.query(&s, &[&ids]).map_err(storage)?;
        let stored: HashMap<&str, (u64, &str)> = found
            .iter()
            .map(|r| (r.get(0), (sql_uint(r.get(1)), r.get(2))))
            .collect();
        let s = prepared(
            statements,
            &mut tx,
            "SELECT coalesce(max(position), 0) FROM ske_events",
        )?;
        let last: i64 = tx.query_one(&s, &[]).map_err(storage)?.get(0);
        let plan = plan_append(events, sql_uint(last) + 1, |id| stored.get(id).copied())?;
        // Dropping the transaction on an error rolls the whole batch back.
        refuse_conflicts(expected, events, &plan.outcomes)?;
        if !plan.new.is_empty() {
            let (mut positions, mut eids, mut aggs, mut nodes, mut clocks, mut bodies) =
                (vec![], vec![], vec![], vec![], vec![], vec![]);
            for &(p, e) in &plan.new {
                positions.push(sql_int(p));
                eids.push(e.event_id());
                aggs.push(e.aggregate_id());
                nodes.push(e.node_id());
                clocks.push(clock_key(e.lamport_clock()));
                bodies.push(e.body());
            }
            let s = prepared(
                statements,
                &mut tx,
                "INSERT INTO ske_events (position, event_id, aggregate_id, node_id, lamport_key, body)
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[],
                                      $5::bigint[], $6::text[])",
            )?;
            tx.execute(&s, &[&positions, &eids, &aggs, &nodes, &clocks, &bodies])
                .map_err(storage)?;
        }
        tx.commit().map_err(storage)?;
        Ok(plan.outcomes)
    }

    fn scan(
        &self,
        after: u64,
        aggregate_id: Option<&str>,
        visit: &mut ScanVisitor<'_>,
    ) -> Result<()> {
        let inner = &mut *self.borrow()?;
        let Inner { client, statements } = inner;
        // A portal fetched in chunks: rows are streamed, and stopping early stops the
        // transfer. One statement, hence one snapshot.
        let mut tx = client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(storage)?;
        let portal = match aggregate_id {
            None => {
                let s = prepared(
                    statements,
                    &mut tx,
                    "SELECT position, body FROM ske_events WHERE position > $1 ORDER BY position",
                )?;
                tx.bind(&s, &[&sql_int(after)])
            }
            Some(a) => {
                let s = prepared(
                    statements,
                    &mut tx,
                    "SELECT position, body FROM ske_events WHERE aggregate_id = $2
                     AND position > $1 ORDER BY position",
                )?;
                tx.bind(&s, &[&sql_int(after), &a])
            }
        }
        .map_err(storage)?;
        loop {
            let rows = tx.query_portal(&portal, SCAN_CHUNK).map_err(storage)?;
            for r in &rows {
                if visit(sql_uint(r.get(0)), r.get(1))?.is_break() {
                    return tx.commit().map_err(storage);
                }
            }
            if rows.len() < SCAN_CHUNK as usize {
                return tx.commit().map_err(storage);
            }
        }
    }

    fn read_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let inner = &mut *self.borrow()?;
        let stmt = prepared(
            &mut inner.statements,
            &mut inner.client,
            "SELECT position, body FROM ske_events WHERE position > $1
             ORDER BY position LIMIT $2",
        )?;
        let rows = inner
            .client
            .query(&stmt, &[&sql_int(after), &sql_int(limit as u64)])
            .map_err(storage)?;
        rows.iter()
            .map(|r| {
                Ok(StoredEvent {
                    position: sql_uint(r.get(0)),
                    event: decode_stored(r.get(1))?,
                })
            })
            .collect()
    }

    fn last_position(&self, aggregate_id: Option<&str>) -> Result<Option<u64>> {
        let inner = &mut *self.borrow()?;
        let row = match aggregate_id {
            Some(a) => {
                let s = prepared(
                    &mut inner.statements,
                    &mut inner.client,
                    "SELECT max(position) FROM ske_events WHERE aggregate_id = $1",
                )?;
                inner.client.query_one(&s, &[&a])
            }
            None => {
                let s = prepared(
                    &mut inner.statements,
                    &mut inner.client,
                    "SELECT max(position) FROM ske_events",
                )?;
                inner.client.query_one(&s, &[])
            }
        }
        .map_err(storage)?;
        Ok(row.get::<_, Option<i64>>(0).map(sql_uint))
    }

    fn stats(&self) -> Result<BTreeMap<String, NodeStats>> {
        let inner = &mut *self.borrow()?;
        let s = prepared(
            &mut inner.statements,
            &mut inner.client,
            "SELECT node_id, count(*), max(lamport_key) FROM ske_events GROUP BY node_id",
        )?;
        let rows = inner.client.query(&s, &[]).map_err(storage)?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get::<_, String>(0),
                    NodeStats {
                        event_count: sql_uint(r.get(1)),
                        max_lamport_clock: clock_from_key(r.get(2)),
                    },
                )
            })
            .collect())
    }
}

impl ClockStorage for PostgresStore {
    fn load(&self, node_id: &str) -> Result<u64> {
        let inner = &mut *self.borrow()?;
        let s = prepared(
            &mut inner.statements,
            &mut inner.client,
            "SELECT value_key FROM ske_clocks WHERE node_id = $1",
        )?;
        let row = inner.client.query_opt(&s, &[&node_id]).map_err(storage)?;
        Ok(row.map_or(0, |r| clock_from_key(r.get(0))))
    }

    fn save(&mut self, node_id: &str, value: u64) -> Result<()> {
        let inner = &mut *self.borrow()?;
        let s = prepared(
            &mut inner.statements,
            &mut inner.client,
            "INSERT INTO ske_clocks (node_id, value_key) VALUES ($1, $2)
             ON CONFLICT (node_id) DO UPDATE SET value_key = EXCLUDED.value_key",
        )?;
        inner
            .client
            .execute(&s, &[&node_id, &clock_key(value)])
            .map_err(storage)?;
        Ok(())
    }

    fn tick(&mut self, node_id: &str) -> Result<u64> {
        let inner = &mut *self.borrow()?;
        let s = prepared(
            &mut inner.statements,
            &mut inner.client,
            "INSERT INTO ske_clocks (node_id, value_key) VALUES ($1, $2)
             ON CONFLICT (node_id) DO UPDATE SET value_key = ske_clocks.value_key + 1
             WHERE ske_clocks.value_key < $3
             RETURNING value_key",
        )?;
        let row = inner
            .client
            .query_opt(&s, &[&node_id, &clock_key(1), &i64::MAX])
            .map_err(storage)?;
        row.map(|r| clock_from_key(r.get(0)))
            .ok_or_else(clock_overflow)
    }

    fn update(&mut self, node_id: &str, remote: u64) -> Result<u64> {
        let next = remote.checked_add(1).ok_or_else(clock_overflow)?;
        let inner = &mut *self.borrow()?;
        let s = prepared(
            &mut inner.statements,
            &mut inner.client,
            "INSERT INTO ske_clocks (node_id, value_key) VALUES ($1, $2)
             ON CONFLICT (node_id) DO UPDATE
             SET value_key = greatest(ske_clocks.value_key + 1, EXCLUDED.value_key)
             WHERE ske_clocks.value_key < $3
             RETURNING value_key",
        )?;
        let row = inner
            .client
            .query_opt(&s, &[&node_id, &clock_key(next), &i64::MAX])
            .map_err(storage)?;
        row.map(|r| clock_from_key(r.get(0)))
            .ok_or_else(clock_overflow)
    }
}

impl CheckpointStore for PostgresStore {
    fn load_checkpoint(&self, key: &CheckpointKey) -> Result<Option<Checkpoint>> {
        let inner = &mut *self.borrow()?;
        let s = prepared(
            &mut inner.statements,
            &mut inner.client,
            "SELECT position, version, state, written_at FROM ske_checkpoints
             WHERE reducer = $1 AND mode = $2 AND roster = $3 AND scope = $4",
        )?;
        let row = inner
            .client
            .query_opt(&s, &[&key.reducer, &key.mode, &key.roster, &key.scope()])
            .map_err(storage)?;
        Ok(row.map(|r| Checkpoint {
            key: key.clone(),
            position: sql_uint(r.get(0)),
            version: r.get(1),
            state: r.get(2),
            written_at: sql_uint(r.get(3)),
        }))
    }

    fn save_checkpoint(&mut self, c: &Checkpoint) -> Result<bool> {
        let inner = &mut *self.borrow()?;
        // One statement, its own transaction: the old checkpoint or the new one, whole; a
        // concurrent save of the same key waits on the row and then sees the winner.
        let s = prepared(
            &mut inner.statements,
            &mut inner.client,
            "INSERT INTO ske_checkpoints
                 (reducer, mode, roster, scope, position, version, state, written_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (reducer, mode, roster, scope) DO UPDATE SET
                 position = EXCLUDED.position, version = EXCLUDED.version,
                 state = EXCLUDED.state, written_at = EXCLUDED.written_at
             WHERE ske_checkpoints.version <> EXCLUDED.version
                OR ske_checkpoints.position <= EXCLUDED.position",
        )?;
        let n = inner
            .client
            .execute(
                &s,
                &[
                    &c.key.reducer,
                    &c.key.mode,
                    &c.key.roster,
                    &c.key.scope(),
                    &sql_int(c.position),
                    &c.version,
                    &c.state,
                    &sql_int(c.written_at),
                ],
            )
            .map_err(storage)?;
        Ok(n == 1)
    }

    fn list_checkpoints(&self) -> Result<Vec<CheckpointInfo>> {
        let inner = &mut *self.borrow()?;
        let s = prepared(
            &mut inner.statements,
            &mut inner.client,
            "SELECT reducer, mode, roster, scope, position, version, octet_length(state),
                    written_at
             FROM ske_checkpoints ORDER BY reducer, mode, roster, scope",
        )?;
        let rows = inner.client.query(&s, &[]).map_err(storage)?;
        rows.iter()
            .map(|r| {
                let scope: &str = r.get(3);
                let aggregate = CheckpointKey::aggregate_of(scope)
                    .ok_or_else(|| other(format!("unknown checkpoint scope {scope:?}")))?;
                Ok(CheckpointInfo {
                    key: CheckpointKey {
                        reducer: r.get(0),
                        mode: r.get(1),
                        roster: r.get(2),
                        aggregate,
                    },
                    position: sql_uint(r.get(4)),
                    version: r.get(5),
                    size: sql_uint(i64::from(r.get::<_, i32>(6))),
                    written_at: sql_uint(r.get(7)),
                })
            })
            .collect()
    }

    fn drop_checkpoints(&mut self, reducer: Option<&str>) -> Result<u64> {
        let inner = &mut *self.borrow()?;
        match reducer {
            Some(r) => inner
                .client
                .execute("DELETE FROM ske_checkpoints WHERE reducer = $1", &[&r]),
            None => inner.client.execute("DELETE FROM ske_checkpoints", &[]),
        }
        .map_err(storage)
    }
}

impl ErrorStorage for PostgresStore {
    fn append(&mut self, entry: &ErrorEntry) -> Result<()> {
        let body = serde_json::to_string(entry).map_err(other)?;
        let keep = sql_int(self.options.error_retention as u64);
        let inner = &mut *self.borrow()?;
        let Inner { client, statements } = inner;
        let mut tx = client.transaction().map_err(storage)?;
        let ins = prepared(
            statements,
            &mut tx,
            "INSERT INTO ske_errors (body) VALUES ($1)",
        )?;
        tx.execute(&ins, &[&body]).map_err(storage)?;
        let del = prepared(
            statements,
            &mut tx,
            "DELETE FROM ske_errors WHERE id <=
                 (SELECT id FROM ske_errors ORDER BY id DESC OFFSET $1 LIMIT 1)",
        )?;
        tx.execute(&del, &[&keep]).map_err(storage)?;
        tx.commit().map_err(storage)
    }

    fn load_recent(&self, limit: usize) -> Result<Vec<ErrorEntry>> {
        check_limit(limit)?;
        let limit = limit.min(self.options.error_retention);
        let inner = &mut *self.borrow()?;
        let s = prepared(
            &mut inner.statements,
            &mut inner.client,
            "SELECT body FROM ske_errors ORDER BY id DESC LIMIT $1",
        )?;
        let rows = inner
            .client
            .query(&s, &[&sql_int(limit as u64)])
            .map_err(storage)?;
        rows.iter()
            .map(|r| {
                serde_json::from_str(r.get::<_, &str>(0))
                    .map_err(|e| other(format!("stored error entry is invalid: {e}")))
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident(r#"a"b"#), r#""a""b""#);
    }
}
