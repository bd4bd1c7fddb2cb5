//! Errors of the CLI and their exit codes.

/// Why a command stopped.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The user's input is wrong (file, flag, sweep): exit code 2.
    #[error("{0}")]
    Input(String),
    /// Something failed while working (disk full, ...): exit code 1.
    #[error("{0}")]
    Runtime(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) => 2,
            CliError::Runtime(_) => 1,
        }
    }
}

/// Shorthand for input errors.
pub(crate) fn input(message: impl Into<String>) -> CliError {
    CliError::Input(message.into())
}
