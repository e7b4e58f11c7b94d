//! Output handles and formats.

use clap::ValueEnum;
use std::io::{self, BufWriter, Stderr, Stdout, Write};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable text.
    Human,
    /// Machine-readable JSON.
    Json,
}

/// Buffered stdout and unbuffered stderr.
pub struct Out {
    out: BufWriter<Stdout>,
    err: Stderr,
}

impl Out {
    /// Standard streams.
    pub fn new() -> Self {
        Out {
            out: BufWriter::with_capacity(1 << 16, io::stdout()),
            err: io::stderr(),
        }
    }
    /// Stdout.
    pub fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }
    /// Stderr (flushes stdout first so that the two interleave sensibly).
    pub fn err(&mut self) -> &mut dyn Write {
        let _ = self.out.flush();
        &mut self.err
    }
    /// Flushes stdout.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
