//! The Lamport logical clock.

use crate::error::Result;
use crate::storage::ClockStorage;

/// A Lamport clock for one node, persisted through a [`ClockStorage`] on every change.
///
/// ```
/// use spec_kitty_events::{LamportClock, InMemoryClockStorage};
/// let mut clock = LamportClock::new("alice", InMemoryClockStorage::new()).unwrap();
/// assert_eq!(clock.tick().unwrap(), 1);
/// assert_eq!(clock.tick().unwrap(), 2);
/// assert_eq!(clock.update(5).unwrap(), 6); // max(2, 5) + 1
/// assert_eq!(clock.current(), 6);
/// // A new clock on the same storage resumes where the old one stopped.
/// let storage = clock.into_storage();
/// let clock = LamportClock::new("alice", storage).unwrap();
/// assert_eq!(clock.current(), 6);
/// ```
#[derive(Debug)]
pub struct LamportClock<S: ClockStorage> {
    node_id: String,
    storage: S,
    counter: u64,
}

impl<S: ClockStorage> LamportClock<S> {
    /// A clock for `node_id`, resuming from the stored value (0 if none).
    pub fn new(node_id: impl Into<String>, storage: S) -> Result<Self> {
        let node_id = node_id.into();
        let counter = storage.load(&node_id)?;
        Ok(LamportClock {
            node_id,
            storage,
            counter,
        })
    }

    /// Increments the clock for a local event and returns the new value.
    pub fn tick(&mut self) -> Result<u64> {
        self.counter = self.storage.tick(&self.node_id)?;
        Ok(self.counter)
    }

    /// Merges a received clock value: the clock becomes `max(local, remote) + 1`.
    pub fn update(&mut self, remote: u64) -> Result<u64> {
        self.counter = self.storage.update(&self.node_id, remote)?;
        Ok(self.counter)
    }

    /// The current value, without incrementing.
    pub fn current(&self) -> u64 {
        self.counter
    }

    /// The node this clock belongs to.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// Gives the storage back.
    pub fn into_storage(self) -> S {
        self.storage
    }
}
