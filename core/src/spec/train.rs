//! `TrainSpec`: how a network is trained.

use serde::{Deserialize, Serialize};

/// The optimisation algorithm.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Optimizer {
    /// Stochastic gradient descent with optional (Nesterov) momentum.
    Sgd,
    /// Adam with L2 weight decay.
    Adam,
    /// Adam with decoupled weight decay.
    Adamw,
    /// RMSprop.
    Rmsprop,
}

/// How the learning rate changes over epochs.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// `lr` throughout.
    Constant,
    /// Multiply by `lr_gamma` every `lr_step_epochs` epochs.
    Step,
    /// Cosine annealing from `lr` to `min_lr` over the epoch budget.
    Cosine,
    /// Multiply by `lr_gamma` when validation loss has not improved for
    /// `plateau_patience` epochs.
    Plateau,
}

/// Every training hyperparameter; flat so an axis can reach each one as
/// `train.<field>`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TrainSpec {
    /// Optimisation algorithm.
    pub optimizer: Optimizer,
    /// Initial learning rate.
    pub lr: f64,
    /// Momentum (sgd) or smoothing constant alpha (rmsprop).
    pub momentum: f64,
    /// Nesterov momentum (sgd only).
    pub nesterov: bool,
    /// Weight decay (L2 penalty; decoupled for adamw).
    pub weight_decay: f64,
    /// Images or sequences per optimisation step.
    pub batch_size: usize,
    /// Epoch budget.
    pub epochs: usize,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Epochs between decays for `schedule = "step"`.
    pub lr_step_epochs: usize,
    /// Decay factor for `step` and `plateau`.
    pub lr_gamma: f64,
    /// Epochs without improvement before a `plateau` decay.
    pub plateau_patience: usize,
    /// Floor of the learning rate for `cosine` and `plateau`.
    pub min_lr: f64,
    /// Stop when validation loss has not improved for this many epochs
    /// (absent: train the whole budget). Recorded, since it changes the budget.
    pub early_stopping_patience: Option<usize>,
    /// Minimal decrease of validation loss that counts as an improvement.
    pub early_stopping_min_delta: f64,
}

impl Default for TrainSpec {
    fn default() -> Self {
        Self {
            optimizer: Optimizer::Adam,
            lr: 1e-3,
            momentum: 0.9,
            nesterov: false,
            weight_decay: 0.0,
            batch_size: 64,
            epochs: 3,
            schedule: Schedule::Constant,
            lr_step_epochs: 1,
            lr_gamma: 0.5,
            plateau_patience: 1,
            min_lr: 0.0,
            early_stopping_patience: None,
            early_stopping_min_delta: 0.0,
        }
    }
}
