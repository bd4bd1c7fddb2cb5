//! Epoch checkpoints: model weights, optimiser state and loop state after a
//! completed epoch, so a killed trial resumes there and loses at most the
//! epoch that was running.

use serde::{Deserialize, Serialize};

use crate::LrSchedule;
use sweeplab_core::record::EpochMetrics;

/// Where the loop was after an epoch (everything but the tensors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopState {
    /// Trial id the checkpoint belongs to (checked on resume).
    pub trial_id: String,
    /// Metrics of the completed epochs.
    pub epochs: Vec<EpochMetrics>,
    /// Learning-rate schedule state.
    pub schedule: LrSchedule,
    /// Best validation loss so far (early stopping); `None` before any.
    pub best_val: Option<f64>,
    /// Epochs without improvement (early stopping).
    pub waited: usize,
    /// Examples trained on so far.
    pub examples: usize,
}

/// A resumable snapshot of a trial after a completed epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Loop state.
    pub state: LoopState,
    /// Model weights (Burn's burnpack bytes, parameter ids included).
    pub model: Vec<u8>,
    /// Optimiser state (burnpack bytes).
    pub optimizer: Vec<u8>,
}

const MAGIC: &[u8; 8] = b"SWLCKPT1";

impl Checkpoint {
    /// Completed epochs.
    pub fn epoch(&self) -> usize {
        self.state.epochs.len()
    }

    /// One byte buffer: magic, then three length-prefixed parts.
    pub fn to_bytes(&self) -> Vec<u8> {
        let state = serde_json::to_vec(&self.state).expect("loop state serialises");
        let mut out =
            Vec::with_capacity(8 + 24 + state.len() + self.model.len() + self.optimizer.len());
        out.extend_from_slice(MAGIC);
        for part in [&state[..], &self.model[..], &self.optimizer[..]] {
            out.extend_from_slice(&(part.len() as u64).to_le_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    /// Parse [`Checkpoint::to_bytes`] output; `None` if it is not one
    /// (a torn or foreign file is simply not resumed from).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let mut rest = bytes.strip_prefix(MAGIC)?;
        let mut parts = Vec::with_capacity(3);
        for _ in 0..3 {
            let len = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?) as usize;
            parts.push(rest.get(8..8 + len)?.to_vec());
            rest = &rest[8 + len..];
        }
        let optimizer = parts.pop()?;
        let model = parts.pop()?;
        let state = serde_json::from_slice(&parts.pop()?).ok()?;
        rest.is_empty().then_some(Checkpoint {
            state,
            model,
            optimizer,
        })
    }
}
