//! How a sweep chooses its configurations: every cell of a grid, or a
//! fixed number drawn at random or proposed by TPE from the results so far.

use serde::{Deserialize, Serialize};

/// Default number of TPE configurations proposed at once (one round).
pub const DEFAULT_BATCH: usize = 4;

/// Default number of random configurations a TPE scan starts from.
pub const DEFAULT_STARTUP: usize = 10;

/// The strategy that chooses configurations.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Every combination of the axes' listed values (the heatmap's sweep).
    #[default]
    Grid,
    /// `trials` configurations drawn independently from the axes.
    Random,
    /// Tree-structured Parzen Estimator: random configurations first, then
    /// rounds proposed from the results of the rounds before.
    Tpe,
}

impl Strategy {
    /// The name used in sweep files (`grid`, `random`, `tpe`).
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Grid => "grid",
            Strategy::Random => "random",
            Strategy::Tpe => "tpe",
        }
    }
}

/// The `[search]` table of a sweep file. A grid has none of its fields.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SearchSpec {
    /// Grid, random or TPE.
    #[serde(default)]
    pub strategy: Strategy,
    /// Configurations a scan tries (each run `repeats` times); a grid's
    /// count follows from its axes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<usize>,
    /// TPE: configurations proposed per round, from every result of the
    /// rounds before ([`DEFAULT_BATCH`]). Several workers share a round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<usize>,
    /// TPE: random configurations before the first proposal
    /// ([`DEFAULT_STARTUP`], at most `trials`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<usize>,
    /// Successive halving on a random scan (η, 2 or more): every
    /// configuration trains `min_epochs` first, then the best 1/η of each
    /// rung train η times longer, up to the base config's epochs. Trials of
    /// the shorter rungs keep their own epoch budget, so no analysis mixes
    /// them with full-budget ones. Unset: every configuration trains the
    /// full budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halving: Option<usize>,
    /// Successive halving: the first rung's epochs (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_epochs: Option<usize>,
}

impl SearchSpec {
    /// Whether this is the default full grid (nothing to write in a file).
    pub fn is_grid(&self) -> bool {
        self.strategy == Strategy::Grid
    }

    /// A random scan of `trials` configurations.
    pub fn random(trials: usize) -> Self {
        Self {
            strategy: Strategy::Random,
            trials: Some(trials),
            ..Self::default()
        }
    }

    /// A TPE scan of `trials` configurations with the default rounds.
    pub fn tpe(trials: usize) -> Self {
        Self {
            strategy: Strategy::Tpe,
            trials: Some(trials),
            ..Self::default()
        }
    }

    /// Whether later trials are chosen from the outcomes of earlier ones
    /// (TPE's rounds, halving's rungs): such a scan needs every record in
    /// one place, so it cannot be split into shards.
    pub fn plans_from_records(&self) -> bool {
        self.strategy == Strategy::Tpe || self.halving.is_some()
    }

    /// Successive halving's first rung, in epochs.
    pub fn min_epochs(&self) -> usize {
        self.min_epochs.unwrap_or(1).max(1)
    }

    /// TPE's round size.
    pub fn batch(&self) -> usize {
        self.batch.unwrap_or(DEFAULT_BATCH).max(1)
    }

    /// TPE's random start, at most the scan's size.
    pub fn startup(&self) -> usize {
        self.startup
            .unwrap_or(DEFAULT_STARTUP)
            .min(self.trials.unwrap_or(0))
            .max(1)
    }
}
