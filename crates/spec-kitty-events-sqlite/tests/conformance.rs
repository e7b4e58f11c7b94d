//! The shared storage conformance suite against SQLite.

use spec_kitty_events_sqlite::{SqliteOptions, SqliteStore};
use spec_kitty_events_testkit::store_suite::{Backend, run};
use std::path::PathBuf;

struct Sqlite {
    dir: tempfile::TempDir,
    next: usize,
}

impl Sqlite {
    fn open(path: PathBuf, error_retention: usize) -> SqliteStore {
        SqliteStore::open_with(
            path,
            SqliteOptions {
                error_retention,
                ..SqliteOptions::default()
            },
        )
        .expect("open sqlite store")
    }
    fn fresh(&mut self, error_retention: usize) -> SqliteStore {
        self.next += 1;
        Self::open(
            self.dir.path().join(format!("{}.db", self.next)),
            error_retention,
        )
    }
    fn reopen(store: SqliteStore) -> SqliteStore {
        let path = store.path().expect("file store").to_path_buf();
        let retention = store.options().error_retention;
        drop(store);
        Self::open(path, retention)
    }
    fn second(store: &SqliteStore) -> SqliteStore {
        Self::open(
            store.path().expect("file store").to_path_buf(),
            store.options().error_retention,
        )
    }
}

impl Backend for Sqlite {
    type Events = SqliteStore;
    type Clocks = SqliteStore;
    type Errors = SqliteStore;
    fn durable(&self) -> bool {
        true
    }
    fn fresh_events(&mut self) -> SqliteStore {
        self.fresh(100)
    }
    fn fresh_clocks(&mut self) -> SqliteStore {
        self.fresh(100)
    }
    fn fresh_errors(&mut self, max_entries: usize) -> SqliteStore {
        self.fresh(max_entries)
    }
    fn reopen_events(&mut self, store: SqliteStore) -> SqliteStore {
        Self::reopen(store)
    }
    fn reopen_clocks(&mut self, store: SqliteStore) -> SqliteStore {
        Self::reopen(store)
    }
    fn reopen_errors(&mut self, store: SqliteStore) -> SqliteStore {
        Self::reopen(store)
    }
    fn second_events(&mut self, store: &SqliteStore) -> Option<SqliteStore> {
        Some(Self::second(store))
    }
    fn second_clocks(&mut self, store: &SqliteStore) -> Option<SqliteStore> {
        Some(Self::second(store))
    }
}

#[test]
fn sqlite_store_passes_the_suite() {
    let mut backend = Sqlite {
        dir: tempfile::tempdir().expect("tempdir"),
        next: 0,
    };
    run(&mut backend);
}

#[test]
fn in_memory_sqlite_store_passes_the_suite_checks_that_need_no_file() {
    use spec_kitty_events::{EventStore, ExpectedPosition};
    let mut s = SqliteStore::open_in_memory().expect("open");
    let events = spec_kitty_events_testkit::store_suite::awkward_events();
    s.append(&events, ExpectedPosition::Any).expect("append");
    assert_eq!(
        s.read_after(0, 10)
            .expect("read")
            .into_iter()
            .map(|e| e.event)
            .collect::<Vec<_>>(),
        events
    );
}
