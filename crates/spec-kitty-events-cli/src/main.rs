//! `spec-kitty-events`: validate, replay, store and inspect Spec Kitty event logs.
//!
//! Exit codes: 0 when every input record is valid, 1 when some input is invalid (or a
//! reducer refuses the log, or schemas drifted, or fixtures disagree), 2 for usage and
//! I/O errors.

mod conformance_cmd;
mod input;
mod log_cmd;
mod output;
mod progress;
mod replay_cmd;
mod schema_cmd;
mod validate_cmd;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use output::{Format, Out};

/// Parsing logs allocates many small values; mimalloc handles that pattern well.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use spec_kitty_events::replay::{ReducerKind, ReplayOptions};

#[derive(Parser)]
#[command(
    name = "spec-kitty-events",
    version,
    about = "Validate, replay, store and inspect Spec Kitty event logs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A reducer name on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Reducer {
    Status,
    Lifecycle,
    Collaboration,
    Glossary,
    MissionNext,
    Dossier,
    MissionAudit,
    DecisionPoint,
    Connector,
    Sync,
}

impl Reducer {
    fn kind(self) -> ReducerKind {
        match self {
            Reducer::Status => ReducerKind::Status,
            Reducer::Lifecycle => ReducerKind::Lifecycle,
            Reducer::Collaboration => ReducerKind::Collaboration,
            Reducer::Glossary => ReducerKind::Glossary,
            Reducer::MissionNext => ReducerKind::MissionNext,
            Reducer::Dossier => ReducerKind::Dossier,
            Reducer::MissionAudit => ReducerKind::MissionAudit,
            Reducer::DecisionPoint => ReducerKind::DecisionPoint,
            Reducer::Connector => ReducerKind::Connector,
            Reducer::Sync => ReducerKind::Sync,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ModeArg {
    Strict,
    Permissive,
}

#[derive(Subcommand)]
enum Command {
    /// Check every record of JSON or JSONL inputs (envelopes, or payloads with --event-type).
    Validate {
        /// Treat each record as a payload of this type (or an envelope of it).
        #[arg(long)]
        event_type: Option<String>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Input files (JSON or JSONL); `-` or none for stdin.
        files: Vec<String>,
    },
    /// Reduce an event log into a projection.
    Replay {
        #[arg(long, value_enum)]
        reducer: Reducer,
        /// Strictness, for reducers that have modes (default: the reducer's own).
        #[arg(long, value_enum)]
        mode: Option<ModeArg>,
        /// A roster file, for reducers that take one.
        #[arg(long)]
        roster: Option<String>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Input files (JSON or JSONL); `-` or none for stdin.
        files: Vec<String>,
    },
    /// Run a conformance fixture directory (manifest layout) and compare verdicts.
    Conformance {
        /// Directory holding manifest.json (default: the bundled fixtures).
        #[arg(long)]
        fixtures: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Read or regenerate the JSON Schemas.
    Schema {
        #[command(subcommand)]
        action: SchemaAction,
    },
    /// Work with a durable event store.
    Log {
        /// `sqlite:PATH` or `postgres://USER@HOST[:PORT]/DB` [default: sqlite:.spec-kitty/events.db]
        #[arg(long, global = true, env = "SPEC_KITTY_EVENTS_STORE")]
        store: Option<String>,
        #[command(subcommand)]
        action: LogAction,
    },
}

#[derive(Subcommand)]
enum LogAction {
    /// Validate records fail-closed and append the valid ones (a bad record never blocks
    /// the good ones).
    Append {
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Input files (JSON or JSONL); `-` or none for stdin.
        files: Vec<String>,
    },
    /// Print stored events in position order.
    List {
        /// Only events of this aggregate.
        #[arg(long)]
        aggregate: Option<String>,
        /// Only events after this position.
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// At most this many events.
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Replay the stored events through a reducer.
    Replay {
        #[arg(long, value_enum)]
        reducer: Reducer,
        /// Only events of this aggregate.
        #[arg(long)]
        aggregate: Option<String>,
        #[arg(long, value_enum)]
        mode: Option<ModeArg>,
        #[arg(long)]
        roster: Option<String>,
        /// Replay every stored event, ignoring the checkpoint (and rewrite it).
        #[arg(long)]
        full: bool,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// List the replay checkpoints kept in the store (or remove them with --drop).
    Checkpoints {
        /// Remove the checkpoints instead of listing them.
        #[arg(long)]
        drop: bool,
        /// Only the checkpoints of this reducer.
        #[arg(long, value_enum)]
        reducer: Option<Reducer>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Events and highest Lamport clock per node.
    Stats {
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
}

#[derive(Subcommand)]
enum SchemaAction {
    /// List schema names.
    List,
    /// Print one schema.
    Show { name: String },
    /// Write every schema (or check the committed ones with --check).
    Generate {
        /// Compare instead of writing; exit 1 on drift or an orphaned file.
        #[arg(long)]
        check: bool,
        /// Directory (default: the library's committed schemas).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn mode_of(m: Option<ModeArg>) -> spec_kitty_events::replay::Mode {
    replay_cmd::parse_mode(m.map(|m| match m {
        ModeArg::Strict => "strict",
        ModeArg::Permissive => "permissive",
    }))
}

fn run(cli: Cli, out: &mut Out) -> anyhow::Result<u8> {
    match cli.command {
        Command::Validate {
            event_type,
            format,
            files,
        } => {
            let totals = validate_cmd::run(&files, event_type.as_deref(), format, out)?;
            Ok(u8::from(totals.valid != totals.records))
        }
        Command::Replay {
            reducer,
            mode,
            roster,
            format,
            files,
        } => {
            let options = ReplayOptions {
                mode: mode_of(mode),
                roster: replay_cmd::load_roster(roster.as_deref())?,
            };
            let reduced = replay_cmd::reduce_files(reducer.kind(), &files, &options, format, out)?;
            match replay_cmd::report(reducer.kind(), reduced, format, out)? {
                replay_cmd::Outcome::Printed { rejected } => Ok(u8::from(rejected > 0)),
                replay_cmd::Outcome::Refused => Ok(1),
            }
        }
        Command::Conformance { fixtures, format } => {
            let dir = fixtures.unwrap_or_else(conformance_cmd::bundled_fixtures);
            let report = conformance_cmd::run(&dir, format, out)?;
            Ok(u8::from(report.disagreed > 0))
        }
        Command::Log { store, action } => {
            let url = store.unwrap_or_else(|| log_cmd::DEFAULT_STORE.to_owned());
            let mut store = log_cmd::Store::open(&url)?;
            match action {
                LogAction::Append { format, files } => {
                    let report = log_cmd::append(&mut store, &files, format, out)?;
                    Ok(u8::from(report.rejected > 0))
                }
                LogAction::List {
                    aggregate,
                    after,
                    limit,
                    format,
                } => log_cmd::list(&mut store, aggregate.as_deref(), after, limit, format, out)
                    .map(|_| 0),
                LogAction::Replay {
                    reducer,
                    aggregate,
                    mode,
                    roster,
                    full,
                    format,
                } => {
                    let options = ReplayOptions {
                        mode: mode_of(mode),
                        roster: replay_cmd::load_roster(roster.as_deref())?,
                    };
                    match log_cmd::replay(
                        &mut store,
                        reducer.kind(),
                        aggregate.as_deref(),
                        &options,
                        full,
                        format,
                        out,
                    )? {
                        replay_cmd::Outcome::Printed { .. } => Ok(0),
                        replay_cmd::Outcome::Refused => Ok(1),
                    }
                }
                LogAction::Checkpoints {
                    drop,
                    reducer,
                    format,
                } => {
                    log_cmd::checkpoints(&mut store, drop, reducer.map(Reducer::kind), format, out)
                        .map(|()| 0)
                }
                LogAction::Stats { format } => log_cmd::stats(&mut store, format, out).map(|()| 0),
            }
        }
        Command::Schema { action } => match action {
            SchemaAction::List => schema_cmd::list(out).map(|()| 0),
            SchemaAction::Show { name } => schema_cmd::show(&name, out).map(|()| 0),
            SchemaAction::Generate { check, out: dir } => {
                let dir = dir.unwrap_or_else(schema_cmd::committed_dir);
                let drift = schema_cmd::generate(&dir, check, out)?;
                Ok(u8::from(
                    check && !(drift.changed.is_empty() && drift.orphans.is_empty()),
                ))
            }
        },
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    }) || e.chain().any(|c| {
        c.downcast_ref::<serde_json::Error>()
            .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let mut out = Out::new();
    let result = run(cli, &mut out).and_then(|code| out.flush().map(|()| code).map_err(Into::into));
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`| head`): stop quietly, as other Unix tools do.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::from(2)
        }
    }
}
