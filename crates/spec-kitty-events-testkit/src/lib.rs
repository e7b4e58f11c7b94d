//! Test support for the spec-kitty-events workspace.
//!
//! - [`reference_python`] provides a Python interpreter with the reference package
//!   `spec-kitty-events[conformance]==4.0.0` installed: `$SKE_REFERENCE_PYTHON` if set,
//!   else a virtualenv created once under `target/reference-venv` (pip reaches PyPI).
//! - [`reference_fixtures_dir`] is the reference's bundled conformance fixture directory.
//! - [`Oracle`] keeps one reference process answering JSON requests (see `oracle/oracle.py`).
//! - [`normalize_reports`] makes embedded validation-error reports comparable by their
//!   field paths and error kinds only.
//! - [`store_suite`] is the one conformance suite every storage backend runs.
//! - [`store_processes`] runs concurrent and crashing writer processes against a store.
//! - [`store_bench`] is what the store benchmarks share (batches, conflict mix, timing).
//! - [`pg_server::TempPostgres`] starts a throw-away PostgreSQL server for tests.
//! - [`json_paths`] walks a JSON value by paths, for generators that mutate payloads.

pub mod json_paths;
pub mod pg_server;
pub mod store_bench;
pub mod store_processes;
pub mod store_suite;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

/// The pinned reference version.
pub const REFERENCE_REQUIREMENT: &str = "spec-kitty-events[conformance]==4.0.0";

/// Test-support failures.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// Setting up the reference failed.
    #[error("reference setup: {0}")]
    Setup(String),
    /// Talking to the oracle failed.
    #[error("oracle: {0}")]
    Oracle(String),
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(cmd: &mut Command) -> Result<(), KitError> {
    let out = cmd
        .output()
        .map_err(|e| KitError::Setup(format!("{cmd:?}: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(KitError::Setup(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

fn setup_venv() -> Result<PathBuf, KitError> {
    if let Some(p) = std::env::var_os("SKE_REFERENCE_PYTHON") {
        return Ok(PathBuf::from(p));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from);
    std::fs::create_dir_all(&target).map_err(|e| KitError::Setup(e.to_string()))?;
    let venv = target.join("reference-venv");
    let python = venv.join("bin/python");
    let marker = venv.join(".installed-4.0.0");
    // Several test binaries may start at once: serialise the installation on a lock file.
    let lock = std::fs::File::create(target.join("reference-venv.lock"))
        .map_err(|e| KitError::Setup(e.to_string()))?;
    lock.lock().map_err(|e| KitError::Setup(e.to_string()))?;
    if !marker.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            REFERENCE_REQUIREMENT,
        ]))?;
        std::fs::write(&marker, REFERENCE_REQUIREMENT)
            .map_err(|e| KitError::Setup(e.to_string()))?;
    }
    let _ = lock.unlock();
    Ok(python)
}

/// A Python interpreter with the reference installed (installed on first use).
///
/// # Panics
/// When the reference cannot be installed: the differential tests cannot run without it,
/// and a skipped check would hide that.
#[allow(clippy::panic)]
pub fn reference_python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| match setup_venv() {
        Ok(p) => p,
        Err(e) => panic!("cannot provide the reference package: {e}"),
    })
}

/// The reference package's installed directory (`.../site-packages/spec_kitty_events`).
#[allow(clippy::panic)]
pub fn reference_package_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Command::new(reference_python())
            .args([
                "-c",
                "import spec_kitty_events, os; print(os.path.dirname(spec_kitty_events.__file__))",
            ])
            .output();
        match out {
            Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
            other => panic!("cannot locate the reference package: {other:?}"),
        }
    })
}

/// The reference's conformance fixture directory (holds `manifest.json`).
pub fn reference_fixtures_dir() -> PathBuf {
    reference_package_dir().join("conformance/fixtures")
}

/// The reference's committed schema directory.
pub fn reference_schemas_dir() -> PathBuf {
    reference_package_dir().join("schemas")
}

/// A running reference process answering JSON requests.
pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    /// Starts the oracle.
    pub fn start() -> Result<Self, KitError> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("oracle/oracle.py");
        let mut child = Command::new(reference_python())
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| KitError::Oracle(e.to_string()))?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| KitError::Oracle("no stdin".into()))?;
        let stdout = BufReader::new(
            child
                .stdout
                .take()
                .ok_or_else(|| KitError::Oracle("no stdout".into()))?,
        );
        Ok(Oracle {
            child,
            stdin,
            stdout,
        })
    }

    /// Sends one request and reads its answer.
    pub fn ask(&mut self, request: &Value) -> Result<Value, KitError> {
        let mut line =
            serde_json::to_string(request).map_err(|e| KitError::Oracle(e.to_string()))?;
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .map_err(|e| KitError::Oracle(e.to_string()))?;
        self.stdin
            .flush()
            .map_err(|e| KitError::Oracle(e.to_string()))?;
        let mut answer = String::new();
        self.stdout
            .read_line(&mut answer)
            .map_err(|e| KitError::Oracle(e.to_string()))?;
        serde_json::from_str(&answer).map_err(|e| KitError::Oracle(format!("{e}: {answer:?}")))
    }

    /// Sends many requests, pipelined, and returns the answers in order. A writer thread
    /// feeds the requests while this thread reads the answers, so neither pipe can fill up
    /// and stall the other side, whatever the size of requests and answers.
    pub fn ask_all(&mut self, requests: &[Value]) -> Result<Vec<Value>, KitError> {
        let stdin = &mut self.stdin;
        let stdout = &mut self.stdout;
        std::thread::scope(|scope| {
            let writer = scope.spawn(move || -> Result<(), KitError> {
                let mut buf = Vec::new();
                for r in requests {
                    buf.clear();
                    serde_json::to_writer(&mut buf, r)
                        .map_err(|e| KitError::Oracle(e.to_string()))?;
                    buf.push(b'\n');
                    stdin
                        .write_all(&buf)
                        .map_err(|e| KitError::Oracle(e.to_string()))?;
                }
                stdin.flush().map_err(|e| KitError::Oracle(e.to_string()))
            });
            let mut out = Vec::with_capacity(requests.len());
            let mut answer = String::new();
            for _ in requests {
                answer.clear();
                let n = stdout
                    .read_line(&mut answer)
                    .map_err(|e| KitError::Oracle(e.to_string()))?;
                if n == 0 {
                    return Err(KitError::Oracle("the oracle closed its output".into()));
                }
                out.push(
                    serde_json::from_str(&answer)
                        .map_err(|e| KitError::Oracle(format!("{e}: {answer:?}")))?,
                );
            }
            writer
                .join()
                .map_err(|_| KitError::Oracle("writer thread panicked".into()))??;
            Ok(out)
        })
    }

    /// `validate_event` on the reference.
    pub fn validate(&mut self, value: &Value, event_type: &str) -> Result<Value, KitError> {
        self.ask(&json!({"op": "validate", "event_type": event_type, "value": value}))
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The oracle's `[[path, kind], ...]` violation list as sorted pairs, for comparing
/// violation sets regardless of order.
pub fn sorted_pairs(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_owned(),
                p[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Extracts `(path, kind)` pairs from a validation-error report (ours or pydantic's):
/// a header line `N validation error(s) for Model`, then per error an optional path line
/// and an indented message line ending in `[type=kind, ...]` or `[type=kind]`.
pub fn report_paths_and_kinds(report: &str) -> Option<(String, Vec<(String, String)>)> {
    let start = report.find(" validation error")?;
    let head_start = report[..start]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let prefix = report[..head_start].to_owned();
    let mut lines = report[head_start..].lines();
    let header = lines.next()?;
    let model = header.split(" for ").nth(1)?.trim().to_owned();
    let mut pending_path = String::new();
    let mut out = Vec::new();
    for line in lines {
        if line.starts_with("    ") {
            continue; // "For further information visit ..."
        }
        if let Some(msg) = line.strip_prefix("  ") {
            let kind = msg.rsplit_once("[type=").map(|(_, k)| {
                k.trim_end_matches(']')
                    .split(',')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_owned()
            })?;
            out.push((std::mem::take(&mut pending_path), kind));
        } else {
            pending_path = line.to_owned();
        }
    }
    Some((format!("{prefix}<report for {model}>"), out))
}

/// Replaces every string in `v` that embeds a validation-error report by a canonical
/// rendering of its paths and kinds, so that ours and the reference's compare equal when
/// they name the same problems.
pub fn normalize_reports(v: &Value) -> Value {
    match v {
        Value::String(s) => match report_paths_and_kinds(s) {
            Some((prefix, pairs)) => {
                let rendered: Vec<String> = pairs.iter().map(|(p, k)| format!("{p}:{k}")).collect();
                Value::String(format!("{prefix}[{}]", rendered.join("; ")))
            }
            None => v.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(normalize_reports).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalize_reports(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_reduce_to_paths_and_kinds() {
        let pydantic = "payload validation failed: 2 validation errors for StatusTransitionPayload\nactor.str\n  Input should be a valid string [type=string_type, input_value=5, input_type=int]\n    For further information visit https://errors.pydantic.dev/2.14/v/string_type\n  Value error, x [type=value_error, input_value={}, input_type=dict]";
        let ours = "payload validation failed: 2 validation errors for StatusTransitionPayload\nactor.str\n  Input should be a valid string [type=string_type]\n  Value error, y [type=value_error]";
        assert_eq!(
            normalize_reports(&json!(pydantic)),
            normalize_reports(&json!(ours))
        );
        assert_eq!(
            normalize_reports(&json!(pydantic)),
            json!(
                "payload validation failed: <report for StatusTransitionPayload>[actor.str:string_type; :value_error]"
            )
        );
        let other = "payload validation failed: 1 validation error for StatusTransitionPayload\nactor\n  Value error, x [type=value_error]";
        assert_ne!(
            normalize_reports(&json!(pydantic)),
            normalize_reports(&json!(other))
        );
    }
}
