//! Optimisers built from a [`TrainSpec`], with PyTorch's defaults where
//! Burn's differ (Adam epsilon 1e-8, SGD dampening 0, RMSprop without momentum).

use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer, RmsPropConfig, SgdConfig};

use sweeplab_core::spec::{Optimizer, TrainSpec};

/// The optimiser `spec` asks for.
pub fn build_optimizer(spec: &TrainSpec) -> ModuleOptimizer {
    let decay = (spec.weight_decay > 0.0).then(|| WeightDecayConfig::new(spec.weight_decay as f32));
    match spec.optimizer {
        Optimizer::Sgd => SgdConfig::new()
            .with_momentum((spec.momentum > 0.0).then(|| {
                MomentumConfig::new()
                    .with_momentum(spec.momentum)
                    .with_dampening(0.0)
                    .with_nesterov(spec.nesterov)
            }))
            .with_weight_decay(decay)
            .init(),
        Optimizer::Adam => AdamConfig::new()
            .with_epsilon(1e-8)
            .with_weight_decay(decay)
            .init(),
        Optimizer::Adamw => AdamWConfig::new()
            .with_epsilon(1e-8)
            .with_weight_decay(spec.weight_decay as f32)
            .init(),
        Optimizer::Rmsprop => RmsPropConfig::new()
            .with_momentum(0.0)
            .with_epsilon(1e-8)
            .with_weight_decay(decay)
            .init(),
    }
}
