//! The sweep file: what to train, which two (or more) hyperparameters to scan,
//! and how often to repeat each cell. Read from TOML or JSON, validated into
//! one-line errors that name the field and what was expected.

mod axis;
pub mod catalogue;
mod dataset;
mod error;
mod model;
mod search;
mod train;
mod validate;

pub use axis::{
    ApplyError, AxisSpec, choices, hyperparameter_paths, parse_axis_values, value_label,
};

/// `config` with the hyperparameter at `path` set to `value`, or why not.
pub fn apply_axis(
    config: &TrialConfig,
    path: &str,
    value: &serde_json::Value,
) -> Result<TrialConfig, ApplyError> {
    axis::apply(config, path, value)
}
pub use dataset::{DatasetName, DatasetSpec};
pub use error::{FieldError, SpecError};
pub use model::{Activation, ModelKind, ModelSpec, Norm, Pool};
pub use search::{DEFAULT_BATCH, DEFAULT_STARTUP, SearchSpec, Strategy};
pub use train::{Optimizer, Schedule, TrainSpec};

use serde::{Deserialize, Serialize};

/// Default cap on the number of trials one sweep may expand to.
pub const DEFAULT_MAX_TRIALS: usize = 1000;

/// The metric a heatmap colours and "best" is judged by.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Accuracy on the validation split after the last epoch.
    #[default]
    ValAccuracy,
    /// Loss on the validation split after the last epoch.
    ValLoss,
    /// Accuracy on the training split during the last epoch.
    TrainAccuracy,
    /// Loss on the training split during the last epoch.
    TrainLoss,
}

impl Metric {
    /// Whether larger values are better (accuracies) or worse (losses).
    pub fn higher_is_better(self) -> bool {
        matches!(self, Metric::ValAccuracy | Metric::TrainAccuracy)
    }

    /// The range every value of the metric lies in, where there is one:
    /// accuracies lie in 0 to 1, losses have no upper bound.
    pub fn natural_range(self) -> Option<(f64, f64)> {
        self.higher_is_better().then_some((0.0, 1.0))
    }

    /// The name used in files and MLflow (`val_accuracy`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Metric::ValAccuracy => "val_accuracy",
            Metric::ValLoss => "val_loss",
            Metric::TrainAccuracy => "train_accuracy",
            Metric::TrainLoss => "train_loss",
        }
    }

    /// Every metric, in display order.
    pub const ALL: [Metric; 4] = [
        Metric::ValAccuracy,
        Metric::ValLoss,
        Metric::TrainAccuracy,
        Metric::TrainLoss,
    ];
}

/// A metric name that is none of [`Metric::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not one of val_accuracy, val_loss, train_accuracy, train_loss")]
pub struct UnknownMetric(pub String);

impl std::str::FromStr for Metric {
    type Err = UnknownMetric;

    /// A metric by the name used in files and MLflow ([`Metric::name`]).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| UnknownMetric(name.to_string()))
    }
}

/// The hyperparameters of one trial: a network and how to train it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TrialConfig {
    /// Network hyperparameters.
    #[serde(default)]
    pub model: ModelSpec,
    /// Training hyperparameters.
    #[serde(default)]
    pub train: TrainSpec,
}

/// A whole sweep: base configuration, axes to scan, repeats per cell.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// Short human name; also names the results directory.
    pub name: String,
    /// What the sweep is meant to show (the journal's first line).
    #[serde(default)]
    pub hypothesis: String,
    /// Metric the heatmap colours.
    #[serde(default)]
    pub metric: Metric,
    /// Trials (seeds) per cell of the grid.
    #[serde(default = "one")]
    pub repeats: usize,
    /// Base seed; repeat `r` of every cell uses `seed + r`.
    #[serde(default)]
    pub seed: u64,
    /// Refuse grids with more trials than this.
    #[serde(default = "default_max_trials")]
    pub max_trials: usize,
    /// The data every trial trains on.
    pub dataset: DatasetSpec,
    /// Configuration shared by every trial before axis values are applied.
    #[serde(default)]
    pub base: TrialConfig,
    /// How configurations are chosen: the full grid (the default), or a
    /// random or TPE scan of the axes' values and ranges.
    #[serde(default, skip_serializing_if = "SearchSpec::is_grid")]
    pub search: SearchSpec,
    /// Hyperparameters to scan; a grid is their cartesian product.
    #[serde(default)]
    pub axes: Vec<AxisSpec>,
}

fn one() -> usize {
    1
}

fn default_max_trials() -> usize {
    DEFAULT_MAX_TRIALS
}

impl SweepSpec {
    /// Parse a sweep from TOML text and validate it.
    pub fn from_toml(text: &str) -> Result<Self, SpecError> {
        let spec: SweepSpec = toml::from_str(text).map_err(|e| SpecError::Parse {
            format: "TOML",
            message: one_line(&e.to_string()),
        })?;
        spec.validate()?;
        Ok(spec)
    }

    /// Parse a sweep from JSON text and validate it.
    pub fn from_json(text: &str) -> Result<Self, SpecError> {
        let spec: SweepSpec = serde_json::from_str(text).map_err(|e| SpecError::Parse {
            format: "JSON",
            message: e.to_string(),
        })?;
        spec.validate()?;
        Ok(spec)
    }

    /// Parse TOML or JSON, chosen by the file name's extension (`.json` is
    /// JSON, anything else TOML).
    pub fn from_file_text(file_name: &str, text: &str) -> Result<Self, SpecError> {
        if file_name.ends_with(".json") {
            Self::from_json(text)
        } else {
            Self::from_toml(text)
        }
    }

    /// The sweep as TOML, the format users edit.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a sweep always serialises to TOML")
    }

    /// Number of cells: distinct axis-value combinations of a grid, or the
    /// configurations a scan draws.
    pub fn cell_count(&self) -> usize {
        if self.is_grid() {
            self.axes.iter().map(|a| a.values.len()).product()
        } else {
            self.search.trials.unwrap_or(0)
        }
    }

    /// Whether the sweep is a full grid (not a random or TPE scan).
    pub fn is_grid(&self) -> bool {
        self.search.is_grid()
    }

    /// Number of trials: cells (a halving scan: every rung's configurations)
    /// times repeats.
    pub fn trial_count(&self) -> usize {
        let rungs = crate::sweep::rungs(self);
        let configurations = if rungs.is_empty() {
            self.cell_count()
        } else {
            rungs.iter().map(|r| r.configurations).sum()
        };
        configurations.saturating_mul(self.repeats)
    }

    /// Check everything; the first problem as a one-line error.
    pub fn validate(&self) -> Result<(), SpecError> {
        match validate::sweep_problems(self).into_iter().next() {
            None => Ok(()),
            Some(first) => Err(SpecError::Invalid(first)),
        }
    }

    /// Every problem, for forms that show them next to each field.
    pub fn problems(&self) -> Vec<FieldError> {
        validate::sweep_problems(self)
    }
}

/// TOML errors span several lines with a source excerpt; keep the gist.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message.lines().map(str::trim).collect();
    let head = lines.first().copied().unwrap_or_default();
    let detail = lines.last().copied().unwrap_or_default();
    if lines.len() > 1 && detail != head {
        format!("{head} {detail}")
    } else {
        head.to_string()
    }
}
