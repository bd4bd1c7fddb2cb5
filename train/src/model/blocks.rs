//! Small building blocks shared by the model families.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use burn::nn::{
    BatchNorm, BatchNormConfig, GroupNorm, GroupNormConfig, LayerNorm, LayerNormConfig,
};
use burn::prelude::*;
use burn::tensor::activation;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use sweeplab_core::spec::{Activation, Norm};

/// A normalisation layer chosen by [`Norm`].
#[derive(Module, Debug)]
pub enum NormLayer {
    /// Batch normalisation.
    Batch(BatchNorm),
    /// Layer normalisation (dense features).
    Layer(LayerNorm),
    /// Group normalisation; with one group, layer norm over channels and space.
    Group(GroupNorm),
}

impl NormLayer {
    /// The layer for `features` channels (`spatial`: after a convolution),
    /// or `None` for `Norm::None`.
    pub fn new(
        norm: Norm,
        features: usize,
        groups: usize,
        spatial: bool,
        device: &Device,
    ) -> Option<Self> {
        match norm {
            Norm::None => None,
            Norm::Batch => Some(NormLayer::Batch(
                BatchNormConfig::new(features).init(device),
            )),
            Norm::Layer if spatial => Some(NormLayer::Group(
                GroupNormConfig::new(1, features).init(device),
            )),
            Norm::Layer => Some(NormLayer::Layer(
                LayerNormConfig::new(features).init(device),
            )),
            Norm::Group => Some(NormLayer::Group(
                GroupNormConfig::new(groups, features).init(device),
            )),
        }
    }

    /// Normalise `[batch, features, ...]`.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        match self {
            NormLayer::Batch(n) => super::layers::batch_norm(n, x),
            NormLayer::Layer(n) => n.forward(x),
            NormLayer::Group(n) => n.forward(x),
        }
    }
}

/// Apply a non-linearity.
pub fn activate<const D: usize>(activation: Activation, x: Tensor<D>) -> Tensor<D> {
    match activation {
        Activation::Relu => activation::relu(x),
        Activation::Gelu => activation::gelu(x),
        Activation::LeakyRelu => activation::leaky_relu(x, 0.01),
        Activation::Tanh => activation::tanh(x),
    }
}

/// Dropout with its own seeded random stream. Burn's `Dropout` draws from
/// one process-wide generator, so trials trained side by side in one
/// process would disturb each other's masks; here every layer has its own
/// stream, re-seeded at the start of each epoch from (trial seed, layer,
/// epoch), so a trial resumed from an epoch checkpoint draws exactly the
/// masks it would have drawn. Active only on autodiff (training) inputs.
#[derive(Module, Debug)]
pub struct SeededDropout {
    prob: f64,
    #[module(skip)]
    stream: u64,
    #[module(skip)]
    epoch: Arc<AtomicU64>,
    #[module(skip)]
    rng: Arc<Mutex<(u64, ChaCha8Rng)>>,
}

impl SeededDropout {
    /// Drop each value with probability `prob`, scaling the rest by `1 / (1 - prob)`.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        if !x.is_autodiff() || self.prob <= 0.0 {
            return x;
        }
        let shape = x.shape();
        let keep = 1.0 - self.prob as f32;
        let scale = 1.0 / keep;
        let mask: Vec<f32> = {
            let mut guard = self.rng.lock().expect("dropout stream");
            let epoch = self.epoch.load(Ordering::Relaxed);
            if guard.0 != epoch {
                *guard = (epoch, ChaCha8Rng::seed_from_u64(mix(self.stream, epoch)));
            }
            let rng = &mut guard.1;
            (0..shape.num_elements())
                .map(|_| {
                    if rng.random::<f32>() < keep {
                        scale
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let mask = Tensor::<D>::from_data(TensorData::new(mask, shape), &x.device());
        x * mask
    }
}

fn mix(a: u64, b: u64) -> u64 {
    a.wrapping_mul(0xD1B5_4A32_D192_ED03)
        .wrapping_add(b.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Hands out dropout layers with distinct streams derived from one seed,
/// and tells them which epoch it is.
#[derive(Debug, Clone)]
pub struct DropoutSeeds {
    seed: u64,
    next: u64,
    epoch: Arc<AtomicU64>,
}

impl DropoutSeeds {
    /// Streams derived from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            next: 0,
            epoch: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Start epoch `epoch` (1-based): every layer re-seeds its stream.
    pub fn set_epoch(&self, epoch: usize) {
        self.epoch.store(epoch as u64, Ordering::Relaxed);
    }

    /// A dropout layer, or `None` when `prob` is zero.
    pub fn dropout(&mut self, prob: f64) -> Option<SeededDropout> {
        if prob <= 0.0 {
            return None;
        }
        self.next += 1;
        let stream = mix(self.seed, self.next);
        Some(SeededDropout {
            prob,
            stream,
            epoch: self.epoch.clone(),
            rng: Arc::new(Mutex::new((u64::MAX, ChaCha8Rng::seed_from_u64(stream)))),
        })
    }
}
