//! Analysis of trial records: heatmap cells with confidence intervals, the
//! epoch-budget guard, two-way ANOVA with interaction, the importance of
//! every axis and pair, marginal means, best cell, overfitting gap and
//! epochs-to-threshold.

mod budget;
mod fanova;
mod halving;
mod heatmap;
mod importance;
mod interaction;
mod propose;
pub mod stats;

pub use budget::{Budget, check_budgets};
pub use fanova::{
    MIN_CONFIGURATIONS, RESAMPLES, ScanImportance, Share, scan_importance, scan_importance_lines,
};
pub use halving::{compared, halving_line};
pub use heatmap::{
    Heatmap, HeatmapCell, HeatmapRequest, OtherAxes, axis_levels, heatmap, sweep_heatmap,
};
pub use importance::{Effect, Importance, importance, importance_lines};
pub use interaction::{Marginal, interaction_anova, interaction_line, marginal_means, ranked};
pub use propose::{MIN_PAIR_REPEATS, SCAN_LEVELS, pair_sweep, strongest_pair};
pub use stats::{
    AnovaError, AnovaRow, AnovaTable, FEW_VALUES, ShownInterval, SsType, Summary, summarize,
    two_way_anova,
};

use crate::record::TrialRecord;

/// Why an analysis could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// Records of different epoch budgets (or with early stopping) would share one picture.
    #[error(
        "refusing to mix epoch budgets in one heatmap: {0}; filter to one budget or allow mixing explicitly"
    )]
    MixedBudgets(String),
    /// An axis path is not among the records' axes.
    #[error("axis {path:?} is not in these records (axes: {known})")]
    UnknownAxis {
        /// The path asked for.
        path: String,
        /// The axes present, comma-separated.
        known: String,
    },
    /// No record matches the request.
    #[error("no trial records match ({0})")]
    NoRecords(String),
    /// The statistics could not be computed.
    #[error(transparent)]
    Anova(#[from] AnovaError),
    /// The records are not a design the axes can be ranked on.
    #[error("cannot rank the axes: {0}")]
    Design(String),
}

/// Final training minus final validation accuracy (positive: overfitting).
pub fn overfitting_gap(record: &TrialRecord) -> f64 {
    record
        .last_epoch()
        .map_or(f64::NAN, |e| e.train_accuracy - e.val_accuracy)
}

/// First epoch (1-based) whose validation accuracy reached `threshold`.
pub fn epochs_to_reach(record: &TrialRecord, threshold: f64) -> Option<usize> {
    record
        .epochs
        .iter()
        .find(|e| e.val_accuracy >= threshold)
        .map(|e| e.epoch)
}
