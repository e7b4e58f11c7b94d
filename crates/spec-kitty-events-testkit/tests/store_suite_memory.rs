//! The storage conformance suite against the in-memory implementations.

use spec_kitty_events_testkit::store_suite::{InMemoryBackend, run};

#[test]
fn in_memory_stores_pass_the_suite() {
    run(&mut InMemoryBackend);
}
