//! Differential tests of the decision-point payload contracts against the reference:
//! verdicts, model-layer violations (discriminated-union paths included), schema agreement,
//! and the reference's decision-point verdict fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod contract_support;
mod decision_support;
mod mission_support;

use contract_support::{
    Generators, agree_with_reference, schemas_have_reference_structure, verdict_fixtures_agree,
};
use decision_support::{DECISION_POINT_TYPES, mutate, valid_payload};

/// Valid payloads of each origin surface, and their mutations.
const GENERATORS: Generators = Generators {
    valid: valid_payload,
    mutate,
};

#[test]
fn verdicts_violations_and_schemas_match_the_reference() {
    agree_with_reference(&DECISION_POINT_TYPES, 0xDEC1_5105, 400, &GENERATORS);
}

#[test]
fn reference_verdict_fixtures_of_these_types() {
    let checked = verdict_fixtures_agree(|e| e.path.starts_with("decisionpoint/"));
    assert_eq!(checked, 29, "decisionpoint verdict fixtures");
}

#[test]
fn committed_schemas_have_the_reference_structure() {
    schemas_have_reference_structure(
        &[
            "closure_message_ref",
            "default_channel_ref",
            "summary_block",
            "teamspace_ref",
            "thread_ref",
        ],
        &DECISION_POINT_TYPES,
    );
}
