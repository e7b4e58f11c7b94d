//! Fixtures in the reference's manifest layout: `manifest.json` listing JSON fixtures with
//! an expected verdict, JSONL replay streams and expected reducer outputs.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

use super::registry;
use super::validate::validate_event;
use crate::domain::status::Lane;
use crate::error::{Error, Result};

/// `fixture_type` of a JSONL replay stream.
pub const REPLAY_STREAM: &str = "replay_stream";
/// `fixture_type` of an expected reducer output.
pub const REDUCER_OUTPUT: &str = "reducer_output";

/// One manifest entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixtureEntry {
    /// Unique id.
    pub id: String,
    /// Path relative to the manifest's directory.
    pub path: String,
    /// `valid` or `invalid`.
    pub expected_result: String,
    /// The event type (or `LaneMapping`, or a stream label).
    pub event_type: String,
    /// `replay_stream`, `reducer_output`, or absent for a verdict fixture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixture_type: Option<String>,
    /// Free text.
    #[serde(default)]
    pub notes: String,
    /// First contract version the fixture applies to.
    #[serde(default)]
    pub min_version: String,
}

impl FixtureEntry {
    /// Whether the entry is a verdict fixture (not a stream or a reducer output).
    pub fn is_verdict(&self) -> bool {
        self.fixture_type.is_none()
    }
    /// Whether the fixture is expected to be valid.
    pub fn expected_valid(&self) -> bool {
        self.expected_result == "valid"
    }
}

/// A fixture manifest and the directory it lives in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Manifest format version.
    #[serde(default)]
    pub version: Value,
    /// Entries, in file order.
    pub fixtures: Vec<FixtureEntry>,
    /// Directory holding `manifest.json`.
    #[serde(skip)]
    pub dir: PathBuf,
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("{}: {e}", path.display()))
}

impl Manifest {
    /// Loads `dir/manifest.json`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let path = dir.join("manifest.json");
        let text = fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
        let mut m: Manifest = serde_json::from_str(&text).map_err(|e| io_err(&path, e))?;
        m.dir = dir.to_path_buf();
        Ok(m)
    }

    /// The entry with `id`.
    pub fn entry(&self, id: &str) -> Option<&FixtureEntry> {
        self.fixtures.iter().find(|e| e.id == id)
    }

    /// Reads an entry's JSON document.
    pub fn load_json(&self, entry: &FixtureEntry) -> Result<Value> {
        let path = self.dir.join(&entry.path);
        let text = fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
        serde_json::from_str(&text).map_err(|e| io_err(&path, e))
    }

    /// Reads a replay stream: one JSON value per non-blank line.
    pub fn load_stream(&self, entry: &FixtureEntry) -> Result<Vec<Value>> {
        let path = self.dir.join(&entry.path);
        let text = fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l.trim())
                    .map_err(|e| io_err(&path, format!("line {}: {e}", i + 1)))
            })
            .collect()
    }
}

/// Our verdict on one verdict fixture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixtureOutcome {
    /// Fixture id.
    pub id: String,
    /// Its event type.
    pub event_type: String,
    /// `valid` or `invalid`.
    pub expected: String,
    /// `valid`, `invalid`, `unsupported` (type not implemented) or `error` (unreadable).
    pub actual: String,
    /// Whether `actual` equals `expected`.
    pub agrees: bool,
}

/// Verdicts on every verdict fixture of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixtureReport {
    /// Verdict fixtures.
    pub total: usize,
    /// Fixtures where we agree.
    pub agreed: usize,
    /// Fixtures where we disagree (unreadable ones included).
    pub disagreed: usize,
    /// Fixtures of event types we do not implement.
    pub unsupported: usize,
    /// Per fixture.
    pub entries: Vec<FixtureOutcome>,
}

fn lane_mapping_verdict(doc: &Value) -> Option<bool> {
    let items = doc.as_array()?;
    let mut all_ok = true;
    for m in items {
        let lane = m
            .get("canonical")
            .and_then(Value::as_str)
            .and_then(Lane::from_value);
        let ok = match (lane, m.get("expected_sync").and_then(Value::as_str)) {
            (Some(l), Some(expected)) => l.to_sync_v1().as_str() == expected,
            _ => false,
        };
        all_ok &= ok;
    }
    Some(all_ok)
}

/// Judges one verdict fixture. For an expected-valid fixture the model layer decides
/// (the reference tolerates schema-only objections there, such as a lane alias); for an
/// expected-invalid one either layer may object. Returns `None` for an unknown type.
pub fn judge(entry: &FixtureEntry, doc: &Value) -> Option<bool> {
    if entry.event_type == "LaneMapping" {
        return lane_mapping_verdict(doc);
    }
    registry::find(&entry.event_type)?;
    let result = validate_event(doc, &entry.event_type).ok()?;
    Some(if entry.expected_valid() {
        result.model_violations().next().is_none()
    } else {
        result.valid
    })
}

/// Runs every verdict fixture of the manifest in `dir`.
pub fn run_fixtures(dir: impl AsRef<Path>) -> Result<FixtureReport> {
    let manifest = Manifest::load(dir)?;
    let mut entries = Vec::new();
    for entry in manifest.fixtures.iter().filter(|e| e.is_verdict()) {
        let expected = entry.expected_result.clone();
        let actual = match manifest.load_json(entry) {
            Err(_) => "error".to_owned(),
            Ok(doc) => match judge(entry, &doc) {
                None => "unsupported".to_owned(),
                Some(true) => "valid".to_owned(),
                Some(false) => "invalid".to_owned(),
            },
        };
        entries.push(FixtureOutcome {
            id: entry.id.clone(),
            event_type: entry.event_type.clone(),
            agrees: actual == expected,
            expected,
            actual,
        });
    }
    let unsupported = entries.iter().filter(|e| e.actual == "unsupported").count();
    let agreed = entries.iter().filter(|e| e.agrees).count();
    Ok(FixtureReport {
        total: entries.len(),
        agreed,
        disagreed: entries.len() - agreed - unsupported,
        unsupported,
        entries,
    })
}
