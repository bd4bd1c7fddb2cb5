//! Errors of the CLI and their exit codes. The core's errors stay typed up
//! to here, the one place that prints them (`main`), so their messages are
//! the same as in the browser app.

use sweeplab_core::analysis::AnalysisError;
use sweeplab_core::bundle::BundleError;
use sweeplab_core::data::DataError;
use sweeplab_core::plot::PlotError;
use sweeplab_core::record::RecordError;
use sweeplab_core::report::ReportError;
use sweeplab_core::spec::SpecError;

use crate::mlflow::MlflowError;

/// Why a command stopped.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The user's input is wrong (file, flag, sweep): exit code 2.
    #[error("{0}")]
    Input(String),
    /// Something failed while working (disk full, ...): exit code 1.
    #[error("{0}")]
    Runtime(String),
    /// A sweep file that does not parse or is not a valid sweep: exit code 2.
    #[error("{file}: {source}")]
    Spec {
        /// The file, as the user named it.
        file: String,
        /// What is wrong with it.
        source: SpecError,
    },
    /// The sweep's data set cannot be read: exit code 2.
    #[error("dataset: {0}")]
    Data(#[from] DataError),
    /// A results file holds a record that cannot be read: exit code 2.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The records do not allow the analysis asked for: exit code 2.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// The report cannot be made: exit code 2, or 1 when drawing failed.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A plot could not be drawn or written: exit code 1.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// The MLflow server refused or failed: exit code 2 for credentials it
    /// refused, else 1.
    #[error(transparent)]
    Mlflow(#[from] MlflowError),
    /// A results bundle that does not read: exit code 2.
    #[error(transparent)]
    Bundle(#[from] BundleError),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_)
            | CliError::Spec { .. }
            | CliError::Data(_)
            | CliError::Record(_)
            | CliError::Analysis(_)
            | CliError::Bundle(_)
            | CliError::Mlflow(MlflowError::Auth { .. }) => 2,
            CliError::Report(ReportError::Plot(_)) => 1,
            CliError::Report(_) => 2,
            CliError::Runtime(_) | CliError::Plot(_) | CliError::Mlflow(_) => 1,
        }
    }
}

/// Shorthand for input errors.
pub(crate) fn input(message: impl Into<String>) -> CliError {
    CliError::Input(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_exit_2_and_failures_1() {
        let auth = MlflowError::Auth {
            uri: "http://127.0.0.1:1".into(),
            status: 401,
        };
        assert_eq!(CliError::from(auth).exit_code(), 2);
        let down = MlflowError::Unreachable {
            uri: "http://127.0.0.1:1".into(),
            message: "refused".into(),
        };
        assert_eq!(CliError::from(down).exit_code(), 1);
        let none = ReportError::NoRecords { sweep: "s".into() };
        assert_eq!(CliError::from(none.clone()).exit_code(), 2);
        assert_eq!(CliError::from(none).to_string(), "s: no trial records yet");
    }
}
