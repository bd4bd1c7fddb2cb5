//! sweeplab-native: the `native-sweep` commands over `sweeplab-core` —
//! run sweeps on CPU (or a GPU), resumable results directories, shards for
//! cluster job arrays, summaries and plots, the experiment journal and the
//! one-page report.

mod bundle;
pub mod cli;
pub mod device;
mod error;
mod fetch;
mod journal;
mod merge;
pub mod mlflow;
mod progress;
mod propose;
mod report;
mod results;
mod run;
mod show;
mod sync;

pub use error::CliError;
pub use results::ResultsDir;

use clap::Parser;

/// Parse `args`, run the command, and return the process exit code
/// (0 ok, 1 a trial failed, 2 bad input).
pub fn main_with_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> i32 {
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        cli::Command::Run(args) => run::run(&args),
        cli::Command::Show(args) => show::show(&args),
        cli::Command::Merge(args) => merge::merge(&args),
        cli::Command::ExportMlflow(args) => sync::export_mlflow(&args),
        cli::Command::Journal(args) => journal::journal(&args),
        cli::Command::Note(args) => journal::note(&args),
        cli::Command::Report(args) => report::report(&args),
        cli::Command::Fetch(args) => fetch::fetch(&args),
        cli::Command::Bundle(args) => bundle::bundle(&args),
        cli::Command::Propose(args) => propose::propose(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("native-sweep: {e}");
            e.exit_code()
        }
    }
}
