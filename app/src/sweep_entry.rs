//! A sweep as the browser keeps it: the sweep file, where it came from,
//! the names of its data-set files and its journal.

use serde::{Deserialize, Serialize};
use sweeplab_core::journal::Journal;
use sweeplab_core::spec::SweepSpec;

/// Where a stored sweep came from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Set up and trained in this browser.
    Browser,
    /// Imported from a `trials.jsonl` (e.g. from `native-sweep`).
    Imported,
}

/// One sweep in the browser's store.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SweepEntry {
    /// Store key (unique per sweep in this browser).
    pub key: String,
    /// The sweep file.
    pub spec: SweepSpec,
    /// When it was created, milliseconds since the Unix epoch.
    pub created_ms: u64,
    /// Where it came from.
    pub origin: Origin,
    /// Names of the data-set files stored with it (empty: embedded data).
    #[serde(default)]
    pub files: Vec<String>,
    /// Notes and conclusion.
    #[serde(default)]
    pub journal: Journal,
}

impl SweepEntry {
    /// A new entry for `spec`, keyed by its name and creation time.
    pub fn new(spec: SweepSpec, origin: Origin, files: Vec<String>, now_ms: u64) -> Self {
        let slug: String = spec
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(40)
            .collect();
        Self {
            key: format!("{slug}-{now_ms}"),
            spec,
            created_ms: now_ms,
            origin,
            files,
            journal: Journal::default(),
        }
    }
}
