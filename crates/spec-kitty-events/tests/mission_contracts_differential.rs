//! Differential tests of the mission-next, dossier and mission-audit payload contracts
//! against the reference: verdicts, model-layer violations, and schema agreement.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod contract_support;
mod mission_support;

use contract_support::{
    Generators, agree_with_reference, schemas_have_reference_structure, verdict_fixtures_agree,
};
use mission_support::{AUDIT_TYPES, DOSSIER_TYPES, MISSION_NEXT_TYPES, mutate, valid_payload};

const GENERATORS: Generators = Generators {
    valid: valid_payload,
    mutate,
};

fn all_types() -> Vec<&'static str> {
    MISSION_NEXT_TYPES
        .iter()
        .chain(DOSSIER_TYPES.iter())
        .chain(AUDIT_TYPES.iter())
        .copied()
        .collect()
}

#[test]
fn verdicts_violations_and_schemas_match_the_reference() {
    agree_with_reference(&all_types(), 0x5EED_C0DE, 300, &GENERATORS);
}

#[test]
fn reference_verdict_fixtures_of_these_types() {
    let types = all_types();
    let checked = verdict_fixtures_agree(|e| types.contains(&e.event_type.as_str()));
    assert_eq!(checked, 33, "verdict fixtures of these types");
}

#[test]
fn committed_schemas_have_the_reference_structure() {
    schemas_have_reference_structure(
        &[
            "artifact_identity",
            "content_hash_ref",
            "local_namespace_tuple",
            "provenance_ref",
            "runtime_actor_identity",
        ],
        &all_types(),
    );
}
