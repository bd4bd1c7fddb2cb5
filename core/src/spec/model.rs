//! `ModelSpec`: the hyperparameters that build a network.

use serde::{Deserialize, Serialize};

/// Which family of network a trial trains.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Dense layers over flattened inputs.
    Mlp,
    /// Convolution blocks followed by a dense stack (images).
    Cnn,
    /// Gated recurrent units over a sequence, then a dense head.
    Gru,
    /// Long short-term memory over a sequence, then a dense head.
    Lstm,
}

/// Normalisation applied after a convolution or dense layer.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Norm {
    /// No normalisation.
    None,
    /// Batch normalisation (running statistics for evaluation).
    Batch,
    /// Layer normalisation over the feature dimension.
    Layer,
    /// Group normalisation (`groups` groups of channels).
    Group,
}

/// Spatial pooling at the end of a convolution block.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Pool {
    /// 2x2 max pooling.
    Max,
    /// 2x2 average pooling.
    Avg,
    /// Keep the resolution.
    None,
}

/// Non-linearity used throughout the network.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// max(0, x).
    Relu,
    /// Gaussian error linear unit.
    Gelu,
    /// max(0.01x, x).
    LeakyRelu,
    /// Hyperbolic tangent.
    Tanh,
}

/// Every hyperparameter of a network. Fields that do not apply to `kind`
/// are ignored (a GRU has no `conv_blocks`), so one flat struct lets an axis
/// reach any of them with a path like `model.dropout`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ModelSpec {
    /// Network family.
    pub kind: ModelKind,
    /// Number of convolution blocks (cnn).
    pub conv_blocks: usize,
    /// Output channels per block; block `i` uses `channels[min(i, len - 1)]`.
    pub channels: Vec<usize>,
    /// Square kernel size of every convolution (odd, "same" padding).
    pub kernel_size: usize,
    /// Normalisation inside the convolution blocks (cnn) or dense stack (mlp).
    pub norm: Norm,
    /// Number of channel groups for `norm = "group"`.
    pub groups: usize,
    /// Pooling at the end of each convolution block.
    pub pool: Pool,
    /// Non-linearity.
    pub activation: Activation,
    /// Add a residual (skip) connection around each convolution block.
    pub residual: bool,
    /// Add a squeeze-and-excitation gate to each convolution block.
    pub squeeze_excite: bool,
    /// Dropout probability inside the convolution blocks.
    pub conv_dropout: f64,
    /// Hidden units of the dense stack, one entry per layer.
    pub dense: Vec<usize>,
    /// Dropout probability in the dense stack (and between recurrent layers).
    pub dropout: f64,
    /// Hidden size of the recurrent layers (gru, lstm).
    pub hidden: usize,
    /// Number of stacked recurrent layers (gru, lstm).
    pub layers: usize,
}

impl Default for ModelSpec {
    fn default() -> Self {
        Self {
            kind: ModelKind::Cnn,
            conv_blocks: 2,
            channels: vec![16, 32],
            kernel_size: 3,
            norm: Norm::Batch,
            groups: 4,
            pool: Pool::Max,
            activation: Activation::Relu,
            residual: false,
            squeeze_excite: false,
            conv_dropout: 0.0,
            dense: vec![64],
            dropout: 0.25,
            hidden: 64,
            layers: 1,
        }
    }
}

impl ModelSpec {
    /// Output channels of convolution block `i`.
    pub fn block_channels(&self, i: usize) -> usize {
        let last = self.channels.len().saturating_sub(1);
        self.channels.get(i.min(last)).copied().unwrap_or(16)
    }
}
