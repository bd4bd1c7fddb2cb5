//! Recurrent networks over padded sequences: stacked GRU or LSTM layers,
//! the state at each sequence's last valid step, then a dense stack.

use burn::nn::{Gru, GruConfig, Lstm, LstmConfig};
use burn::prelude::*;

use super::blocks::{DropoutSeeds, SeededDropout};
use super::dense::DenseStack;
use sweeplab_core::spec::{ModelKind, ModelSpec};

/// The recurrent layers of one family.
#[derive(Module, Debug)]
pub enum Recurrent {
    /// Stacked GRUs.
    Gru(Vec<Gru>),
    /// Stacked LSTMs.
    Lstm(Vec<Lstm>),
}

/// A GRU or LSTM classifier.
#[derive(Module, Debug)]
pub struct Rnn {
    recurrent: Recurrent,
    dropout: Option<SeededDropout>,
    head: DenseStack,
}

impl Rnn {
    /// A recurrent classifier for `features` values per step.
    pub fn new(
        spec: &ModelSpec,
        features: usize,
        classes: usize,
        seeds: &mut DropoutSeeds,
        device: &Device,
    ) -> Self {
        let inputs = |layer: usize| if layer == 0 { features } else { spec.hidden };
        let recurrent = match spec.kind {
            ModelKind::Lstm => Recurrent::Lstm(
                (0..spec.layers)
                    .map(|l| LstmConfig::new(inputs(l), spec.hidden, true).init(device))
                    .collect(),
            ),
            _ => Recurrent::Gru(
                (0..spec.layers)
                    .map(|l| GruConfig::new(inputs(l), spec.hidden, true).init(device))
                    .collect(),
            ),
        };
        Self {
            recurrent,
            dropout: if spec.layers > 1 {
                seeds.dropout(spec.dropout)
            } else {
                None
            },
            head: DenseStack::new(spec, spec.hidden, classes, false, seeds, device),
        }
    }

    /// Logits from sequences `[batch, steps, features]`, reading the output
    /// at each sequence's last valid step (`last_step`, one-hot over steps).
    pub fn forward(&self, mut x: Tensor<3>, last_step: Tensor<3>) -> Tensor<2> {
        let layers = match &self.recurrent {
            Recurrent::Gru(l) => l.len(),
            Recurrent::Lstm(l) => l.len(),
        };
        for i in 0..layers {
            if let (true, Some(d)) = (i > 0, &self.dropout) {
                x = d.forward(x);
            }
            x = match &self.recurrent {
                Recurrent::Gru(l) => l[i].forward(x, None),
                Recurrent::Lstm(l) => l[i].forward(x, None).0,
            };
        }
        let [b, _, h] = x.dims();
        let last: Tensor<2> = (x * last_step).sum_dim(1).reshape([b, h]);
        self.head.forward(last)
    }
}
