//! The registry: every event type the contract knows, once, with its model and schema.

use std::sync::{Arc, LazyLock};

use crate::contract::ModelDef;
use crate::domain::status::STATUS_TRANSITION_PAYLOAD;
use crate::envelope::EVENT_MODEL;

/// One event type's contract.
#[derive(Debug)]
pub struct Contract {
    /// The event type (`WPStatusChanged`), or `Event` for the envelope itself.
    pub event_type: &'static str,
    /// The name of its committed schema.
    pub schema: &'static str,
    /// Its model.
    pub model: &'static LazyLock<Arc<ModelDef>>,
}

/// Every known contract. Adding an event type is one entry here plus its module.
pub static CONTRACTS: &[Contract] = &[
    Contract {
        event_type: "Event",
        schema: "event",
        model: &EVENT_MODEL,
    },
    Contract {
        event_type: "WPStatusChanged",
        schema: "status_transition_payload",
        model: &STATUS_TRANSITION_PAYLOAD,
    },
];

/// The contract of `event_type`.
pub fn find(event_type: &str) -> Option<&'static Contract> {
    CONTRACTS.iter().find(|c| c.event_type == event_type)
}

/// Every known event type, sorted.
pub fn known_event_types() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = CONTRACTS.iter().map(|c| c.event_type).collect();
    v.sort_unstable();
    v
}
