//! Every model family, norm, pool, activation and optimiser builds and
//! trains a few steps on real data without diverging.

use burn::prelude::*;
use sweeplab_core::data::{self, ExampleShape};
use sweeplab_core::record::TrialStatus;
use sweeplab_core::spec::{
    Activation, ModelKind, ModelSpec, Norm, Optimizer, Pool, Schedule, TrialConfig,
};
use sweeplab_train::model::{DropoutSeeds, Model};
use sweeplab_train::{CancelToken, Silent, train};

fn tiny_images() -> data::Splits {
    let spec = sweeplab_core::spec::DatasetSpec {
        train_limit: Some(96),
        val_limit: Some(50),
        ..Default::default()
    };
    data::prepare(data::images::embedded_fashion_mnist(), &spec)
}

fn run(config: &TrialConfig, splits: &data::Splits) -> sweeplab_train::TrainOutcome {
    pollster::block_on(train(
        config,
        splits,
        1,
        &Device::flex(),
        &CancelToken::new(),
        &mut Silent,
    ))
}

#[test]
fn cnn_variants_train() {
    let splits = tiny_images();
    let mut cases = Vec::new();
    for norm in [Norm::None, Norm::Batch, Norm::Layer, Norm::Group] {
        for pool in [Pool::Max, Pool::Avg, Pool::None] {
            cases.push(ModelSpec {
                norm,
                pool,
                channels: vec![8],
                conv_blocks: 2,
                ..Default::default()
            });
        }
    }
    for activation in [Activation::Gelu, Activation::LeakyRelu, Activation::Tanh] {
        cases.push(ModelSpec {
            activation,
            residual: true,
            squeeze_excite: true,
            conv_dropout: 0.1,
            channels: vec![4, 8],
            ..Default::default()
        });
    }
    cases.push(ModelSpec {
        kind: ModelKind::Mlp,
        dense: vec![32, 16],
        norm: Norm::Batch,
        ..Default::default()
    });
    cases.push(ModelSpec {
        kind: ModelKind::Mlp,
        dense: vec![32],
        norm: Norm::Layer,
        ..Default::default()
    });
    for model in cases {
        let config = TrialConfig {
            model: model.clone(),
            train: sweeplab_core::spec::TrainSpec {
                epochs: 1,
                batch_size: 32,
                ..Default::default()
            },
        };
        let out = run(&config, &splits);
        assert_eq!(
            out.status,
            TrialStatus::Finished,
            "{model:?}: {:?}",
            out.error
        );
        assert!(out.epochs[0].train_loss.is_finite(), "{model:?}");
        assert!(out.params > 0);
    }
}

#[test]
fn every_optimiser_and_schedule_trains() {
    let splits = tiny_images();
    for optimizer in [
        Optimizer::Sgd,
        Optimizer::Adam,
        Optimizer::Adamw,
        Optimizer::Rmsprop,
    ] {
        for (schedule, nesterov, weight_decay) in [
            (Schedule::Constant, false, 0.0),
            (Schedule::Cosine, true, 1e-4),
            (Schedule::Step, false, 0.0),
            (Schedule::Plateau, false, 0.0),
        ] {
            let mut config = TrialConfig::default();
            config.model.channels = vec![4, 8];
            config.train = sweeplab_core::spec::TrainSpec {
                optimizer,
                schedule,
                nesterov,
                weight_decay,
                epochs: 2,
                batch_size: 32,
                lr: if optimizer == Optimizer::Sgd {
                    0.05
                } else {
                    1e-3
                },
                ..Default::default()
            };
            let out = run(&config, &splits);
            assert_eq!(
                out.status,
                TrialStatus::Finished,
                "{optimizer:?} {schedule:?}"
            );
            let first = out.epochs[0].train_loss;
            assert!(
                first.is_finite() && first < 5.0,
                "{optimizer:?} {schedule:?}: loss {first}"
            );
        }
    }
}

#[test]
fn lstm_builds_and_models_refuse_the_wrong_data() {
    let spec = ModelSpec {
        kind: ModelKind::Lstm,
        hidden: 16,
        layers: 2,
        dropout: 0.2,
        ..Default::default()
    };
    let shape = ExampleShape::Sequence {
        steps: 10,
        features: 3,
    };
    let device = Device::flex();
    let model = Model::new(&spec, shape, 20, &mut DropoutSeeds::new(0), &device).unwrap();
    // Burn's LSTM: 4 gates, each an input and a hidden linear with bias;
    // then the dense head 16 -> 64 -> 20.
    let lstm = |i: usize, h: usize| 4 * (i * h + h + h * h + h);
    assert_eq!(
        model.trainable_params(),
        lstm(3, 16) + lstm(16, 16) + 16 * 64 + 64 + 64 * 20 + 20
    );
    let err = Model::new(
        &ModelSpec::default(),
        shape,
        20,
        &mut DropoutSeeds::new(0),
        &device,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("model.kind: Cnn cannot take Sequence"),
        "{err}"
    );
}
