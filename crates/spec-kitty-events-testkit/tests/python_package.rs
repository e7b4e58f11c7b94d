//! The Python package `spec_kitty_events_rs`, built and tested as a user installs it.
//!
//! Creates a virtualenv under `<target>/py-venv` (once) with the reference package, pytest
//! and maturin from PyPI, installs `crates/spec-kitty-events-py` into it with the README's
//! command (`pip install ./crates/spec-kitty-events-py`, built in `<target>/py-build` so
//! that the nested cargo never waits on the outer one), and runs the package's pytest
//! suite, which compares it with the reference in the same interpreter. The test fails
//! when the build or any Python test fails, and when pytest skips or runs nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

const REQUIREMENTS: &[&str] = &[
    "spec-kitty-events[conformance]==4.0.0",
    "pytest>=8,<10",
    "maturin>=1.9,<2",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// The test virtualenv's interpreter, created and provisioned on first use.
fn venv_python() -> PathBuf {
    let target = target();
    std::fs::create_dir_all(&target).unwrap();
    let venv = target.join("py-venv");
    let python = venv.join("bin/python");
    let marker = venv.join(".provisioned");
    let lock = std::fs::File::create(target.join("py-venv.lock")).unwrap();
    lock.lock().unwrap();
    let wanted = REQUIREMENTS.join("\n");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(wanted.as_str()) {
        let _ = std::fs::remove_dir_all(&venv);
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
        run(Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(REQUIREMENTS));
        std::fs::write(&marker, &wanted).unwrap();
    }
    let _ = lock.unlock();
    python
}

#[test]
fn python_package_matches_the_reference() {
    let python = venv_python();
    let root = root();
    // The README's install command, as a user runs it (pip builds with maturin).
    let build = run(Command::new(&python)
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", target().join("py-build"))
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--force-reinstall",
            "--no-deps",
            "./crates/spec-kitty-events-py",
        ]));
    assert!(
        build.contains("Successfully installed spec-kitty-events-rs"),
        "{build}"
    );
    // Import from the installed wheel, never from the source tree.
    let out = Command::new(&python)
        .current_dir(root.join("crates/spec-kitty-events-py"))
        .args([
            "-m",
            "pytest",
            "tests",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rfEs",
        ])
        .output()
        .expect("pytest runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "pytest failed:\n{text}");
    let summary = text
        .lines()
        .rev()
        .find(|l| l.contains(" passed"))
        .unwrap_or_else(|| panic!("no pytest summary:\n{text}"));
    assert!(
        !summary.contains("skipped") && !summary.contains("failed") && !summary.contains("error"),
        "{summary}"
    );
    let passed: usize = summary
        .split_whitespace()
        .zip(summary.split_whitespace().skip(1))
        .find(|(_, w)| w.trim_end_matches(',') == "passed")
        .and_then(|(n, _)| n.trim_start_matches('=').parse().ok())
        .unwrap_or(0);
    assert!(passed >= 70, "only {passed} Python tests ran: {summary}");
}
