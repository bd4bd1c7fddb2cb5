//! Dense layers: the stack every model ends with, and the MLP.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;

use super::blocks::{DropoutSeeds, NormLayer, SeededDropout, activate};
use sweeplab_core::spec::{Activation, ModelSpec};

/// One hidden dense layer: linear, norm, activation, dropout.
#[derive(Module, Debug)]
pub struct DenseLayer {
    linear: Linear,
    norm: Option<NormLayer>,
    dropout: Option<SeededDropout>,
}

/// Hidden dense layers (`model.dense` widths) and the classification head.
#[derive(Module, Debug)]
pub struct DenseStack {
    layers: Vec<DenseLayer>,
    head: Linear,
    #[module(skip)]
    activation: Activation,
}

impl DenseStack {
    /// A stack from `inputs` features to `classes` logits; `norm` applies
    /// the spec's norm to the hidden layers (MLP) or not (CNN/RNN heads).
    pub fn new(
        spec: &ModelSpec,
        inputs: usize,
        classes: usize,
        norm: bool,
        seeds: &mut DropoutSeeds,
        device: &Device,
    ) -> Self {
        let mut width = inputs;
        let mut layers = Vec::new();
        for &units in &spec.dense {
            layers.push(DenseLayer {
                linear: LinearConfig::new(width, units).init(device),
                norm: if norm {
                    NormLayer::new(spec.norm, units, spec.groups, false, device)
                } else {
                    None
                },
                dropout: seeds.dropout(spec.dropout),
            });
            width = units;
        }
        Self {
            layers,
            head: LinearConfig::new(width, classes).init(device),
            activation: spec.activation,
        }
    }

    /// Logits `[batch, classes]` from features `[batch, inputs]`.
    pub fn forward(&self, mut x: Tensor<2>) -> Tensor<2> {
        for layer in &self.layers {
            x = super::layers::linear(&layer.linear, x);
            if let Some(norm) = &layer.norm {
                x = norm.forward(x);
            }
            x = activate(self.activation, x);
            if let Some(dropout) = &layer.dropout {
                x = dropout.forward(x);
            }
        }
        super::layers::linear(&self.head, x)
    }
}

/// A multi-layer perceptron over flattened inputs.
#[derive(Module, Debug)]
pub struct Mlp {
    stack: DenseStack,
}

impl Mlp {
    /// An MLP for `inputs` features and `classes` outputs.
    pub fn new(
        spec: &ModelSpec,
        inputs: usize,
        classes: usize,
        seeds: &mut DropoutSeeds,
        device: &Device,
    ) -> Self {
        Self {
            stack: DenseStack::new(spec, inputs, classes, true, seeds, device),
        }
    }

    /// Logits from flattened inputs `[batch, inputs]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.stack.forward(x)
    }
}
