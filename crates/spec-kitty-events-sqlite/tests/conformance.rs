//! The shared storage conformance suite against SQLite.

use spec_kitty_events_sqlite::{SqliteOptions, SqliteStore};
use spec_kitty_events_testkit::store_suite::{DurableBackend, Locations, run};
use std::path::PathBuf;

/// Every location is a new file in one temporary directory.
struct Files {
    dir: tempfile::TempDir,
    next: usize,
}

impl Locations for Files {
    type Store = SqliteStore;
    type Location = PathBuf;
    fn fresh_location(&mut self) -> PathBuf {
        self.next += 1;
        self.dir.path().join(format!("{}.db", self.next))
    }
    fn open(&mut self, path: &PathBuf, error_retention: usize) -> SqliteStore {
        SqliteStore::open_with(
            path,
            SqliteOptions {
                error_retention,
                ..SqliteOptions::default()
            },
        )
        .expect("open sqlite store")
    }
    fn location_of(&self, store: &SqliteStore) -> (PathBuf, usize) {
        let path = store.path().expect("file store").to_path_buf();
        (path, store.options().error_retention)
    }
}

#[test]
fn sqlite_store_passes_the_suite() {
    run(&mut DurableBackend(Files {
        dir: tempfile::tempdir().expect("tempdir"),
        next: 0,
    }));
}

#[test]
fn in_memory_sqlite_store_passes_the_suite_checks_that_need_no_file() {
    use spec_kitty_events::{EventStore, ExpectedPosition};
    use spec_kitty_events_testkit::store_suite::{awkward_events, body_of, scan_all};
    let mut s = SqliteStore::open_in_memory().expect("open");
    let events = awkward_events();
    s.append(&events, ExpectedPosition::Any).expect("append");
    assert_eq!(
        s.read_after(0, 10)
            .expect("read")
            .into_iter()
            .map(|e| e.event)
            .collect::<Vec<_>>(),
        events
    );
    assert_eq!(
        scan_all(&s, 0, None),
        events
            .iter()
            .enumerate()
            .map(|(i, e)| (i as u64 + 1, body_of(e)))
            .collect::<Vec<_>>()
    );
}
