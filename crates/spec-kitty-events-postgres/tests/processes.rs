//! Several processes on one PostgreSQL database: concurrent writers, writers killed with
//! SIGKILL in the middle of appends or checkpoint saves, and processes appending and
//! replaying from checkpoints at once. The server is a temporary one started here.

use spec_kitty_events_postgres::{PostgresOptions, PostgresStore};
use spec_kitty_events_testkit::pg_server::TempPostgres;
use spec_kitty_events_testkit::store_processes::{
    child_main, run_append_and_replay, run_checkpoint_crash_rounds, run_concurrent_writers,
    run_crash_rounds,
};

/// `location` is `<url>#<schema>`.
fn open(location: &str) -> PostgresStore {
    let (url, schema) = location.rsplit_once('#').expect("url#schema");
    PostgresStore::connect_with(
        url,
        PostgresOptions {
            schema: Some(schema.to_owned()),
            ..PostgresOptions::default()
        },
    )
    .expect("the store opens")
}

/// The child side: does nothing unless started by the tests below.
#[test]
fn child_writer() {
    child_main(open);
}

#[test]
fn four_processes_append_100k_events_to_one_database() {
    let server = TempPostgres::start();
    let url = server.create_database("procs");
    run_concurrent_writers(
        "child_writer",
        &format!("{url}#concurrent"),
        open,
        4,
        25_000,
        500,
    );
}

#[test]
fn writers_killed_mid_append_lose_nothing_acknowledged() {
    let server = TempPostgres::start();
    let url = server.create_database("crash");
    let report = run_crash_rounds("child_writer", &format!("{url}#crash"), open, 20);
    eprintln!("{report:?}");
    assert!(
        report.acknowledged >= 20,
        "at least one acknowledged batch per round"
    );
}

#[test]
fn checkpoint_writers_killed_mid_save_leave_a_whole_checkpoint() {
    let server = TempPostgres::start();
    let url = server.create_database("checkpoint_crash");
    let report =
        run_checkpoint_crash_rounds("child_writer", &format!("{url}#ckpt_crash"), open, 20);
    eprintln!("{report:?}");
    assert_eq!(report.rounds, 20);
}

#[test]
fn two_processes_append_and_replay_from_checkpoints_at_once() {
    let server = TempPostgres::start();
    let url = server.create_database("append_replay");
    run_append_and_replay("child_writer", &format!("{url}#append_replay"), open, 2, 40);
}
