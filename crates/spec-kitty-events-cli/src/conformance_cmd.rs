//! `spec-kitty-events conformance`: run a fixture directory in the manifest layout.

use anyhow::Result;
use std::path::{Path, PathBuf};

use spec_kitty_events::conformance::{FixtureReport, run_fixtures};

use crate::output::{Format, Out};

/// The fixtures bundled with the library.
pub fn bundled_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec-kitty-events/fixtures")
}

/// Runs the fixtures and prints the report; returns it.
pub fn run(dir: &Path, format: Format, out: &mut Out) -> Result<FixtureReport> {
    let report = run_fixtures(dir)?;
    let w = out.out();
    match format {
        Format::Json => {
            serde_json::to_writer(&mut *w, &report)?;
            writeln!(w)?;
        }
        Format::Human => {
            for e in &report.entries {
                let mark = if e.agrees {
                    "agree"
                } else if e.actual == "unsupported" {
                    "unsupported"
                } else {
                    "DISAGREE"
                };
                writeln!(
                    w,
                    "{mark:<11} {:<48} {:<32} expected {:<7} got {}",
                    e.id, e.event_type, e.expected, e.actual
                )?;
            }
            writeln!(
                w,
                "\n{} fixture(s): {} agreed, {} disagreed, {} unsupported",
                report.total, report.agreed, report.disagreed, report.unsupported
            )?;
        }
    }
    Ok(report)
}
