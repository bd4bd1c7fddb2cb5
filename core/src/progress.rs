//! Where a running trial is: what the training loop reports after each
//! optimisation step, and what a browser training worker sends the page.

/// Where a trial is, after each optimisation step.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BatchProgress {
    /// Current epoch (1-based).
    pub epoch: usize,
    /// Epoch budget.
    pub epochs: usize,
    /// Batches done in this epoch.
    pub batch: usize,
    /// Batches per epoch.
    pub batches: usize,
    /// Loss of the batch just trained.
    #[serde(with = "crate::record::finite")]
    pub loss: f64,
    /// Examples trained on so far in this trial.
    pub examples: usize,
}
