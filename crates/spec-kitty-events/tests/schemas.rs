//! The committed schemas equal what the contract definitions generate.
//!
//! Run with `SKE_BLESS=1` to rewrite the committed files after changing a contract.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use spec_kitty_events::schemas::SCHEMAS;
use std::path::Path;

#[test]
fn committed_schemas_match_generated() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let bless = std::env::var_os("SKE_BLESS").is_some();
    let mut drifted = Vec::new();
    for spec in SCHEMAS {
        let generated = spec.generated_text();
        if generated != spec.committed {
            if bless {
                std::fs::write(dir.join(format!("{}.schema.json", spec.name)), &generated).unwrap();
            }
            drifted.push(spec.name);
        }
    }
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".schema.json")
            && !SCHEMAS.iter().any(|s| s.name == stem)
        {
            orphans.push(name);
        }
    }
    assert!(
        orphans.is_empty(),
        "schema files without a contract: {orphans:?}"
    );
    assert!(
        bless || drifted.is_empty(),
        "schemas drifted (rerun with SKE_BLESS=1): {drifted:?}"
    );
}

#[test]
fn every_schema_compiles_and_names_itself() {
    for spec in SCHEMAS {
        let v = spec.committed_value();
        assert_eq!(v["$id"], format!("spec-kitty-events/{}", spec.name));
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert!(
            jsonschema::draft202012::new(&v).is_ok(),
            "{} does not compile",
            spec.name
        );
    }
}
