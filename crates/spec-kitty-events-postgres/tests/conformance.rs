//! The shared storage conformance suite against PostgreSQL (a temporary server started
//! by the test itself; every location is its own schema).

use spec_kitty_events::{EventStore, ExpectedPosition};
use spec_kitty_events_postgres::{PostgresOptions, PostgresStore};
use spec_kitty_events_testkit::pg_server::TempPostgres;
use spec_kitty_events_testkit::store_suite::{DurableBackend, Locations, event, run};

/// Every location is a new schema of one database.
struct Schemas {
    url: String,
    next: usize,
}

impl Locations for Schemas {
    type Store = PostgresStore;
    type Location = Option<String>;
    fn fresh_location(&mut self) -> Option<String> {
        self.next += 1;
        Some(format!("suite {}", self.next))
    }
    fn open(&mut self, schema: &Option<String>, error_retention: usize) -> PostgresStore {
        PostgresStore::connect_with(
            &self.url,
            PostgresOptions {
                schema: schema.clone(),
                error_retention,
            },
        )
        .expect("connect")
    }
    fn location_of(&self, store: &PostgresStore) -> (Option<String>, usize) {
        let options = store.options();
        (options.schema.clone(), options.error_retention)
    }
}

#[test]
fn postgres_store_passes_the_suite() {
    let server = TempPostgres::start();
    // A linguistic (ICU) default collation, under which "a" < "B": the store must still
    // order node ids bytewise.
    let url = server.create_database_with(
        "suite",
        &[
            "--template=template0",
            "--locale-provider=icu",
            "--icu-locale=en-US",
        ],
    );
    run(&mut DurableBackend(Schemas {
        url: url.clone(),
        next: 0,
    }));

    // The default schema (search_path) works too; a version-1 schema is migrated in
    // place; a newer schema is refused.
    let mut store = PostgresStore::connect(&url).expect("connect default schema");
    assert_eq!(
        store.schema_version().expect("version"),
        spec_kitty_events_postgres::SCHEMA_VERSION
    );
    let events: Vec<_> = (0..3).map(|i| event(i, "a", "n", i as u64)).collect();
    store
        .append(&events, ExpectedPosition::Any)
        .expect("append");
    drop(store);
    let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("raw client");
    c.batch_execute(
        "CREATE INDEX ske_events_by_clock ON ske_events (lamport_key, node_id, position);
         DROP TABLE ske_checkpoints;
         UPDATE ske_schema_version SET version = 1;",
    )
    .expect("back to version 1");
    let store = PostgresStore::connect(&url).expect("migrate from version 1");
    assert_eq!(
        store.schema_version().expect("version"),
        spec_kitty_events_postgres::SCHEMA_VERSION
    );
    assert_eq!(store.load_all_events().expect("read"), events);
    let indexes: Vec<String> = c
        .query(
            "SELECT indexname::text FROM pg_indexes WHERE tablename = 'ske_events'
             AND schemaname = current_schema() ORDER BY 1",
            &[],
        )
        .expect("indexes")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        indexes,
        [
            "ske_events_by_aggregate",
            "ske_events_event_id_key",
            "ske_events_pkey"
        ]
    );
    drop(store);
    c.batch_execute("UPDATE ske_schema_version SET version = version + 1")
        .expect("bump");
    let err = PostgresStore::connect(&url).expect_err("newer schema must be refused");
    assert!(err.to_string().contains("newer"), "{err}");
}
