//! A progress bar on stderr for long inputs, shown only on a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// Inputs smaller than this get no progress bar.
const MIN_BYTES: u64 = 4 << 20;

/// A byte-progress bar for an input of `len` bytes, or a hidden one when stderr is not a
/// terminal (pipes, CI) or the input is small or of unknown size.
pub fn for_bytes(len: Option<u64>, label: &str) -> ProgressBar {
    match len {
        Some(n) if n >= MIN_BYTES && std::io::stderr().is_terminal() => {
            let bar = ProgressBar::new(n);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_owned());
            bar
        }
        _ => ProgressBar::hidden(),
    }
}
