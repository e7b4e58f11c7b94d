//! Generated streams of every reducer appended chunk by chunk to the sqlite store, with
//! a checkpointed `log replay` after every chunk: each equals a full replay of the stored
//! events and the reference's reduction of them (the harness of the library's
//! `tests/chunked`, with its generators).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../spec-kitty-events/tests/chunked/mod.rs"]
mod chunked;
#[path = "../../spec-kitty-events/tests/common/mod.rs"]
mod common;
#[path = "../../spec-kitty-events/tests/decision_support/mod.rs"]
mod decision_support;
#[path = "../../spec-kitty-events/tests/mission_support/mod.rs"]
mod mission_support;
#[path = "../../spec-kitty-events/tests/reducer_streams/mod.rs"]
mod reducer_streams;
#[path = "../../spec-kitty-events/tests/status_streams/mod.rs"]
mod status_streams;

use spec_kitty_events_sqlite::SqliteStore;

#[test]
fn chunked_appends_replay_from_checkpoints_as_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut n = 0;
    let summary = chunked::store_chunks(
        || {
            n += 1;
            SqliteStore::open(dir.path().join(format!("{n}.db"))).expect("open")
        },
        60,
        0x5_0717E,
    );
    eprintln!("sqlite: {summary:?}");
}
