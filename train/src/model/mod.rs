//! Networks built from a [`ModelSpec`]: MLP, CNN (conv blocks with norm,
//! dropout, pooling, optional residual and squeeze-excite), GRU and LSTM.

mod blocks;

pub use blocks::{DropoutSeeds, SeededDropout};
mod cnn;
mod dense;
#[cfg(feature = "gpu")]
mod gpu;
#[cfg(not(feature = "gpu"))]
#[path = "gpu_absent.rs"]
mod gpu;
mod kernels;
pub mod layers;
mod rnn;

pub use cnn::Cnn;
pub use dense::{DenseStack, Mlp};
pub use rnn::Rnn;

use burn::module::{ModuleVisitor, Param};
use burn::prelude::*;

use crate::batch::BatchInputs;
use sweeplab_core::data::ExampleShape;
use sweeplab_core::spec::{ModelKind, ModelSpec};

/// Any network sweeplab trains; one variant per model family.
#[derive(Module, Debug)]
pub enum Model {
    /// Dense layers.
    Mlp(Mlp),
    /// Convolution blocks and a dense stack.
    Cnn(Cnn),
    /// Recurrent layers and a dense stack.
    Rnn(Rnn),
}

/// Why a network could not be built for the data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("model.kind: {kind:?} cannot take {shape} inputs")]
pub struct ModelError {
    /// The model family asked for.
    pub kind: ModelKind,
    /// The data's example shape, in words.
    pub shape: String,
}

impl Model {
    /// Build the network `spec` describes for examples of `shape` and
    /// `classes` outputs, with parameters on `device` and dropout streams
    /// handed out by `seeds`.
    pub fn new(
        spec: &ModelSpec,
        shape: ExampleShape,
        classes: usize,
        seeds: &mut DropoutSeeds,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let err = || ModelError {
            kind: spec.kind,
            shape: format!("{shape:?}"),
        };
        match (spec.kind, shape) {
            (ModelKind::Mlp, ExampleShape::Image { .. } | ExampleShape::Row { .. }) => Ok(
                Model::Mlp(Mlp::new(spec, shape.len(), classes, seeds, device)),
            ),
            (
                ModelKind::Cnn,
                ExampleShape::Image {
                    channels,
                    height,
                    width,
                },
            ) => Ok(Model::Cnn(Cnn::new(
                spec,
                [channels, height, width],
                classes,
                seeds,
                device,
            ))),
            (ModelKind::Gru | ModelKind::Lstm, ExampleShape::Sequence { features, .. }) => {
                Ok(Model::Rnn(Rnn::new(spec, features, classes, seeds, device)))
            }
            _ => Err(err()),
        }
    }

    /// Class logits `[batch, classes]`.
    pub fn forward(&self, inputs: BatchInputs) -> Tensor<2> {
        match (self, inputs) {
            (Model::Mlp(m), BatchInputs::Images(x)) => m.forward(x.flatten(1, 3)),
            (Model::Mlp(m), BatchInputs::Rows(x)) => m.forward(x),
            (Model::Cnn(m), BatchInputs::Images(x)) => m.forward(x),
            (Model::Rnn(m), BatchInputs::Sequences { values, last_step }) => {
                m.forward(values, last_step)
            }
            _ => panic!("inputs do not match the model (checked when the model was built)"),
        }
    }
}

/// Counts trainable values: every float parameter except batch norm's
/// running statistics, as PyTorch's `sum(p.numel() for p in
/// model.parameters())` does. Works before lazy initialisation.
#[derive(Default)]
struct TrainableCount {
    path: Vec<String>,
    count: usize,
}

impl ModuleVisitor for TrainableCount {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let running = self.path.last().is_some_and(|n| n.starts_with("running_"));
        if !running {
            self.count += param.lazy_shape().num_elements();
        }
    }
}

impl Model {
    /// Number of trainable parameters.
    pub fn trainable_params(&self) -> usize {
        let mut count = TrainableCount::default();
        self.visit(&mut count);
        count.count
    }
}
