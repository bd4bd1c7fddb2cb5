//! The budget guard: runs of different epoch budgets never share a heatmap.

use std::collections::BTreeMap;
use std::fmt;

use super::AnalysisError;
use crate::record::TrialRecord;

/// A trial's training budget: epochs, and whether early stopping could cut it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Budget {
    /// Epoch budget.
    pub epochs: usize,
    /// Early-stopping patience, if early stopping was on.
    pub early_stopping: Option<usize>,
}

impl Budget {
    /// The budget a record was trained under.
    pub fn of(record: &TrialRecord) -> Self {
        Budget {
            epochs: record.config.train.epochs,
            early_stopping: record.config.train.early_stopping_patience,
        }
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} epochs", self.epochs)?;
        if let Some(p) = self.early_stopping {
            write!(f, " with early stopping (patience {p})")?;
        }
        Ok(())
    }
}

/// The one budget shared by `records`, or an error naming every budget found
/// (with counts). Early stopping counts as its own budget, since it changes
/// how long a trial trained. `allow_mixed` skips the check.
pub fn check_budgets(
    records: &[&TrialRecord],
    allow_mixed: bool,
) -> Result<Option<Budget>, AnalysisError> {
    let mut counts: BTreeMap<Budget, usize> = BTreeMap::new();
    for r in records {
        *counts.entry(Budget::of(r)).or_default() += 1;
    }
    let stopped_early = records
        .iter()
        .filter(|r| r.stopped_early_at.is_some())
        .count();
    let single = counts.len() == 1;
    if allow_mixed || (single && stopped_early == 0) {
        return Ok(if single {
            counts.keys().next().copied()
        } else {
            None
        });
    }
    let mut parts: Vec<String> = counts
        .iter()
        .map(|(b, n)| format!("{b}: {n} trials"))
        .collect();
    if stopped_early > 0 {
        parts.push(format!("{stopped_early} trials stopped early"));
    }
    Err(AnalysisError::MixedBudgets(parts.join(", ")))
}
