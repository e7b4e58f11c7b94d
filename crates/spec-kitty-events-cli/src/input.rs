//! Opening inputs: files or stdin, read as records by [`spec_kitty_events::records`].

use anyhow::{Context, Result};
use spec_kitty_events::records::{self, Record};
use std::fs::File;
use std::io::Read;
use std::sync::Arc;

/// One input: a file or stdin.
pub struct Source {
    /// File name as given (`-` for stdin).
    pub name: Arc<str>,
    reader: Box<dyn Read>,
    /// Byte length when known (for progress).
    pub len: Option<u64>,
}

impl Source {
    /// Opens `path` (`-` is stdin).
    pub fn open(path: &str) -> Result<Self> {
        if path == "-" {
            return Ok(Source {
                name: "-".into(),
                reader: Box::new(std::io::stdin().lock()),
                len: None,
            });
        }
        let f = File::open(path).with_context(|| format!("cannot open {path}"))?;
        let len = f.metadata().ok().map(|m| m.len());
        Ok(Source {
            name: path.into(),
            reader: Box::new(f),
            len,
        })
    }

    /// Reads every record, applies `work` to each (in parallel) and hands the results to
    /// `sink` in input order; `progress` receives the bytes consumed so far. Stops early
    /// when `sink` returns `false`.
    pub fn process<T: Send>(
        self,
        progress: &(dyn Fn(u64) + Sync),
        work: &(dyn Fn(Record<'_>) -> T + Sync),
        sink: &mut dyn FnMut(T) -> bool,
    ) -> Result<()> {
        let name = Arc::clone(&self.name);
        records::process(self.reader, progress, work, sink)
            .with_context(|| format!("cannot read {name}"))
    }
}

impl Source {
    /// [`Source::process`], leaving each JSON Lines record's top-level member `lazy`
    /// unparsed (see [`records::process_lazy`]).
    pub fn process_lazy<T: Send>(
        self,
        lazy: spec_kitty_events::json::LazyMember<'_>,
        progress: &(dyn Fn(u64) + Sync),
        work: &(dyn Fn(Record<'_>) -> T + Sync),
        sink: &mut dyn FnMut(T) -> bool,
    ) -> Result<()> {
        let name = Arc::clone(&self.name);
        records::process_lazy(self.reader, lazy, progress, work, sink)
            .with_context(|| format!("cannot read {name}"))
    }
}

/// The input paths, with stdin when none are given.
pub fn paths_or_stdin(files: &[String]) -> Vec<String> {
    if files.is_empty() {
        vec!["-".to_owned()]
    } else {
        files.to_vec()
    }
}
