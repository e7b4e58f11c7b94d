//! PostgreSQL storage for spec-kitty-events: the same semantics as the in-memory and
//! SQLite stores, for many writers on many machines.
//!
//! [`PostgresStore`] implements [`EventStore`], [`ClockStorage`] and [`ErrorStorage`] over
//! one connection (`postgres` crate, settings from a URL such as
//! `postgresql://user:secret@db.example:5432/events`), optionally inside its own
//! schema ([`PostgresOptions::schema`]) so that several logs can share a database.
//!
//! - An append is one transaction that first takes `LOCK TABLE ske_events IN EXCLUSIVE
//!   MODE` (writers queue, readers are not blocked): positions are assigned as
//!   `max + 1, …` under that lock, so they are dense and become visible strictly in
//!   order, which keeps [`EventStore::read_after`] a safe catch-up cursor with many
//!   writers. Each batch costs three statements whatever its size (look-up of existing
//!   ids, current maximum, one `INSERT … SELECT FROM unnest(…)`).
//! - Identifier columns use the `"C"` collation, so `(lamport_clock, node_id)` ordering
//!   is byte order, as in the other stores, whatever the database's locale.
//! - Events are stored as the canonical JSON text of the envelope (not `jsonb`, which
//!   would reorder keys), so what comes back is exactly what went in.
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
    ClockStorage, DEFAULT_MAX_ERROR_ENTRIES, ErrorStorage, EventStore, NodeStats, check_limit,
    single_aggregate,
};
use spec_kitty_events::{
    AppendOutcome, Error, ErrorEntry, Event, ExpectedPosition, Result, StoredEvent,
};

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

/// Maps a Lamport clock to a signed column value preserving order.
fn enc(v: u64) -> i64 {
    (v ^ (1 << 63)) as i64
}

/// Inverse of [`enc`].
fn dec(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn position(v: i64) -> u64 {
    v.max(0) as u64
}

fn decode_event(body: &str) -> Result<Event> {
    serde_json::from_str(body)
        .map_err(|e| other(format!("stored event is not a valid envelope: {e}")))
}

fn overflow() -> Error {
    Error::InvalidArgument("clock overflow".into())
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

    fn bodies(
        &self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Event>> {
        let inner = &mut *self.borrow()?;
        let stmt = prepared(&mut inner.statements, &mut inner.client, sql)?;
        let rows = inner.client.query(&stmt, params).map_err(storage)?;
        rows.iter()
            .map(|r| decode_event(r.get::<_, &str>(0)))
            .collect()
    }
}

impl EventStore for PostgresStore {
    fn append(
        &mut self,
        events: &[Event],
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
        let bodies = events
            .iter()
            .map(serde_json::to_string)
            .collect::<std::result::Result<Vec<String>, _>>()
            .map_err(other)?;
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
            expected.check(agg, last.map(position))?;
        }
        let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
        let s = prepared(
            statements,
            &mut tx,
            "SELECT event_id, position, body FROM ske_events WHERE event_id = ANY($1)",
        )?;
        let mut stored: HashMap<String, (i64, String)> = HashMap::new();
        for row in tx.query(&s, &[&ids]).map_err(storage)? {
            stored.insert(row.get(0), (row.get(1), row.get(2)));
        }
        let s = prepared(
            statements,
            &mut tx,
            "SELECT coalesce(max(position), 0) FROM ske_events",
        )?;
        let mut next: i64 = tx.query_one(&s, &[]).map_err(storage)?.get(0);
        // Positions of events new in this batch, by id, with their index.
        let mut pending: HashMap<&str, (i64, usize)> = HashMap::new();
        let mut out = Vec::with_capacity(events.len());
        let (mut positions, mut eids, mut aggs, mut nodes, mut clocks, mut texts) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for (i, (e, body)) in events.iter().zip(&bodies).enumerate() {
            if let Some((p, old)) = stored.get(&e.event_id) {
                if old == body || decode_event(old)? == *e {
                    out.push(AppendOutcome::Duplicate(position(*p)));
                    continue;
                }
                return Err(Error::EventIdConflict {
                    event_id: e.event_id.clone(),
                });
            }
            if let Some(&(p, j)) = pending.get(e.event_id.as_str()) {
                if events[j] == *e {
                    out.push(AppendOutcome::Duplicate(position(p)));
                    continue;
                }
                return Err(Error::EventIdConflict {
                    event_id: e.event_id.clone(),
                });
            }
            next += 1;
            pending.insert(&e.event_id, (next, i));
            out.push(AppendOutcome::Appended(position(next)));
            positions.push(next);
            eids.push(e.event_id.as_str());
            aggs.push(e.aggregate_id.as_str());
            nodes.push(e.node_id.as_str());
            clocks.push(enc(e.lamport_clock));
            texts.push(body.as_str());
        }
        if !positions.is_empty() {
            let s = prepared(
                statements,
                &mut tx,
                "INSERT INTO ske_events (position, event_id, aggregate_id, node_id, lamport_key, body)
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[],
                                      $5::bigint[], $6::text[])",
            )?;
            tx.execute(&s, &[&positions, &eids, &aggs, &nodes, &clocks, &texts])
                .map_err(storage)?;
        }
        tx.commit().map_err(storage)?;
        Ok(out)
    }

    fn load_events(&self, aggregate_id: &str) -> Result<Vec<Event>> {
        self.bodies(
            "SELECT body FROM ske_events WHERE aggregate_id = $1
             ORDER BY lamport_key, node_id, position",
            &[&aggregate_id],
        )
    }

    fn load_all_events(&self) -> Result<Vec<Event>> {
        self.bodies(
            "SELECT body FROM ske_events ORDER BY lamport_key, node_id, position",
            &[],
        )
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
            .query(&stmt, &[&clamp(after), &clamp(limit as u64)])
            .map_err(storage)?;
        rows.iter()
            .map(|r| {
                Ok(StoredEvent {
                    position: position(r.get(0)),
                    event: decode_event(r.get::<_, &str>(1))?,
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
        Ok(row.get::<_, Option<i64>>(0).map(position))
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
                        event_count: position(r.get(1)),
                        max_lamport_clock: dec(r.get(2)),
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
        Ok(row.map_or(0, |r| dec(r.get(0))))
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
            .execute(&s, &[&node_id, &enc(value)])
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
            .query_opt(&s, &[&node_id, &enc(1), &i64::MAX])
            .map_err(storage)?;
        row.map(|r| dec(r.get(0))).ok_or_else(overflow)
    }

    fn update(&mut self, node_id: &str, remote: u64) -> Result<u64> {
        let next = remote.checked_add(1).ok_or_else(overflow)?;
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
            .query_opt(&s, &[&node_id, &enc(next), &i64::MAX])
            .map_err(storage)?;
        row.map(|r| dec(r.get(0))).ok_or_else(overflow)
    }
}

impl ErrorStorage for PostgresStore {
    fn append(&mut self, entry: &ErrorEntry) -> Result<()> {
        let body = serde_json::to_string(entry).map_err(other)?;
        let keep = clamp(self.options.error_retention as u64);
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
            .query(&s, &[&clamp(limit as u64)])
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
    fn clock_encoding_keeps_order_and_range() {
        let values = [0, 1, (1 << 63) - 1, 1 << 63, u64::MAX];
        for w in values.windows(2) {
            assert!(enc(w[0]) < enc(w[1]));
        }
        for v in values {
            assert_eq!(dec(enc(v)), v);
        }
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident(r#"a"b"#), r#""a""b""#);
    }
}
