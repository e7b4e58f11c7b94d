//! Several processes on one SQLite file: concurrent writers, and writers killed with
//! SIGKILL in the middle of appends.

use spec_kitty_events_sqlite::SqliteStore;
use spec_kitty_events_testkit::store_processes::{
    child_main, run_append_and_replay, run_checkpoint_crash_rounds, run_concurrent_writers,
    run_crash_rounds,
};

fn open(path: &str) -> SqliteStore {
    SqliteStore::open(path).expect("the store opens")
}

fn open_checked(path: &str) -> SqliteStore {
    let conn = rusqlite::Connection::open(path).expect("raw open");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok", "database integrity");
    drop(conn);
    open(path)
}

/// The child side: does nothing unless started by the tests below.
#[test]
fn child_writer() {
    child_main(open);
}

#[test]
fn four_processes_append_100k_events_to_one_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("shared.db");
    let path = path.to_str().expect("utf-8 path");
    run_concurrent_writers("child_writer", path, open_checked, 4, 25_000, 500);
}

#[test]
fn writers_killed_mid_append_lose_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("crash.db");
    let path = path.to_str().expect("utf-8 path");
    let report = run_crash_rounds("child_writer", path, open_checked, 20);
    eprintln!("{report:?}");
    assert!(
        report.acknowledged >= 20,
        "at least one acknowledged batch per round"
    );
}

#[test]
fn checkpoint_writers_killed_mid_save_leave_a_whole_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("checkpoint-crash.db");
    let path = path.to_str().expect("utf-8 path");
    let report = run_checkpoint_crash_rounds("child_writer", path, open_checked, 20);
    eprintln!("{report:?}");
    assert_eq!(report.rounds, 20);
}

#[test]
fn two_processes_append_and_replay_from_checkpoints_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("append-replay.db");
    let path = path.to_str().expect("utf-8 path");
    run_append_and_replay("child_writer", path, open_checked, 2, 40);
}
