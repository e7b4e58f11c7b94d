//! The shared storage conformance suite against PostgreSQL (a temporary server started
//! by the test itself; every location is its own schema).

use spec_kitty_events_postgres::{PostgresOptions, PostgresStore};
use spec_kitty_events_testkit::pg_server::TempPostgres;
use spec_kitty_events_testkit::store_suite::{Backend, run};

struct Pg {
    url: String,
    next: usize,
}

fn open(url: &str, options: PostgresOptions) -> PostgresStore {
    PostgresStore::connect_with(url, options).expect("connect")
}

impl Pg {
    fn fresh(&mut self, error_retention: usize) -> PostgresStore {
        self.next += 1;
        open(
            &self.url,
            PostgresOptions {
                schema: Some(format!("suite {}", self.next)),
                error_retention,
            },
        )
    }
    fn reopen(store: PostgresStore) -> PostgresStore {
        let (url, options) = (store.url().to_owned(), store.options().clone());
        drop(store);
        open(&url, options)
    }
    fn second(store: &PostgresStore) -> PostgresStore {
        open(store.url(), store.options().clone())
    }
}

impl Backend for Pg {
    type Events = PostgresStore;
    type Clocks = PostgresStore;
    type Errors = PostgresStore;
    fn durable(&self) -> bool {
        true
    }
    fn fresh_events(&mut self) -> PostgresStore {
        self.fresh(100)
    }
    fn fresh_clocks(&mut self) -> PostgresStore {
        self.fresh(100)
    }
    fn fresh_errors(&mut self, max_entries: usize) -> PostgresStore {
        self.fresh(max_entries)
    }
    fn reopen_events(&mut self, store: PostgresStore) -> PostgresStore {
        Self::reopen(store)
    }
    fn reopen_clocks(&mut self, store: PostgresStore) -> PostgresStore {
        Self::reopen(store)
    }
    fn reopen_errors(&mut self, store: PostgresStore) -> PostgresStore {
        Self::reopen(store)
    }
    fn second_events(&mut self, store: &PostgresStore) -> Option<PostgresStore> {
        Some(Self::second(store))
    }
    fn second_clocks(&mut self, store: &PostgresStore) -> Option<PostgresStore> {
        Some(Self::second(store))
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
    run(&mut Pg {
        url: url.clone(),
        next: 0,
    });

    // The default schema (search_path) works too, and a newer schema is refused.
    let store = PostgresStore::connect(&url).expect("connect default schema");
    assert_eq!(
        store.schema_version().expect("version"),
        spec_kitty_events_postgres::SCHEMA_VERSION
    );
    drop(store);
    let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("raw client");
    c.batch_execute("UPDATE ske_schema_version SET version = version + 1")
        .expect("bump");
    let err = PostgresStore::connect(&url).expect_err("newer schema must be refused");
    assert!(err.to_string().contains("newer"), "{err}");
}
