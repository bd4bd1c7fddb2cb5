//! Errors from reading and validating a sweep file.

use std::fmt;

/// One problem with one field: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where the problem is, e.g. `axes[0] (model.dropout)` or `base.train.lr`.
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl FieldError {
    /// A problem at `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why a sweep file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpecError {
    /// The text is not valid TOML/JSON, or does not have the sweep's shape
    /// (unknown key, wrong type).
    #[error("bad {format}: {message}")]
    Parse {
        /// `TOML` or `JSON`.
        format: &'static str,
        /// The parser's message, on one line.
        message: String,
    },
    /// The file parsed but a value is out of range or inconsistent.
    #[error("{0}")]
    Invalid(FieldError),
}
