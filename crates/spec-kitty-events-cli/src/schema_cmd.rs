//! `spec-kitty-events schema`: list, show and generate the committed JSON Schemas.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

use spec_kitty_events::schemas::{self, SCHEMAS};

use crate::output::Out;

/// The library's committed schema directory.
pub fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec-kitty-events/schemas")
}

/// `schema list`.
pub fn list(out: &mut Out) -> Result<()> {
    for name in schemas::names() {
        writeln!(out.out(), "{name}")?;
    }
    Ok(())
}

/// `schema show NAME`.
pub fn show(name: &str, out: &mut Out) -> Result<()> {
    let Some(spec) = schemas::find(name) else {
        bail!(
            "no schema named {name:?}; `schema list` shows the {} available",
            SCHEMAS.len()
        );
    };
    out.out().write_all(spec.committed.as_bytes())?;
    Ok(())
}

/// What `schema generate --check` found.
#[derive(Debug, Default)]
pub struct Drift {
    /// Schemas whose file differs from the generated text (or is missing).
    pub changed: Vec<String>,
    /// Schema files with no contract behind them.
    pub orphans: Vec<String>,
}

/// `schema generate [--check] [--out DIR]`: writes every schema into `dir`, or with
/// `check` compares instead and reports drift and orphaned files.
pub fn generate(dir: &Path, check: bool, out: &mut Out) -> Result<Drift> {
    let mut drift = Drift::default();
    if !check {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    for spec in SCHEMAS {
        let path = dir.join(format!("{}.schema.json", spec.name));
        let text = spec.generated_text();
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() != Some(text.as_str()) {
            drift.changed.push(spec.name.to_owned());
            if !check {
                std::fs::write(&path, &text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = file.strip_suffix(".schema.json")
                && schemas::find(stem).is_none()
            {
                drift.orphans.push(file);
            }
        }
    }
    drift.orphans.sort();
    let w = out.err();
    if check {
        for name in &drift.changed {
            writeln!(
                w,
                "drift: {name}.schema.json differs from the generated schema"
            )?;
        }
        for file in &drift.orphans {
            writeln!(w, "orphan: {file} has no contract")?;
        }
        if drift.changed.is_empty() && drift.orphans.is_empty() {
            writeln!(
                w,
                "{} schemas up to date in {}",
                SCHEMAS.len(),
                dir.display()
            )?;
        }
    } else {
        writeln!(
            w,
            "{} schema(s) written, {} unchanged, in {}",
            drift.changed.len(),
            SCHEMAS.len() - drift.changed.len(),
            dir.display()
        )?;
        for file in &drift.orphans {
            writeln!(w, "orphan: {file} has no contract (left in place)")?;
        }
    }
    Ok(drift)
}
