//! Convolution blocks (conv, norm, activation, dropout, pool; optional
//! residual and squeeze-excite) followed by a dense stack.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AvgPool2d, AvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid};

use super::blocks::{DropoutSeeds, NormLayer, SeededDropout, activate};
use super::dense::DenseStack;
use super::layers;
use sweeplab_core::spec::{Activation, ModelSpec, Pool};

/// 2x2 pooling at the end of a block.
#[derive(Module, Debug)]
pub enum PoolLayer {
    /// Max pooling.
    Max(MaxPool2d),
    /// Average pooling.
    Avg(AvgPool2d),
}

/// Squeeze-and-excitation: channel weights from globally pooled features.
#[derive(Module, Debug)]
pub struct SqueezeExcite {
    reduce: Linear,
    expand: Linear,
}

impl SqueezeExcite {
    fn new(channels: usize, device: &Device) -> Self {
        let hidden = (channels / 4).max(4);
        Self {
            reduce: LinearConfig::new(channels, hidden).init(device),
            expand: LinearConfig::new(hidden, channels).init(device),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, c, _, _] = x.dims();
        let squeezed: Tensor<2> = x.clone().mean_dim(3).mean_dim(2).reshape([b, c]);
        let gate = sigmoid(self.expand.forward(relu(self.reduce.forward(squeezed))));
        x * gate.reshape([b, c, 1, 1])
    }
}

/// One convolution block.
#[derive(Module, Debug)]
pub struct ConvBlock {
    conv: Conv2d,
    norm: Option<NormLayer>,
    excite: Option<SqueezeExcite>,
    /// 1x1 projection for the residual path when channel counts differ.
    projection: Option<Conv2d>,
    dropout: Option<SeededDropout>,
    pool: Option<PoolLayer>,
    residual: bool,
    #[module(skip)]
    activation: Activation,
}

impl ConvBlock {
    fn new(
        spec: &ModelSpec,
        c_in: usize,
        c_out: usize,
        seeds: &mut DropoutSeeds,
        device: &Device,
    ) -> Self {
        let k = spec.kernel_size;
        let pad = k / 2;
        Self {
            conv: Conv2dConfig::new([c_in, c_out], [k, k])
                .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                .init(device),
            norm: NormLayer::new(spec.norm, c_out, spec.groups, true, device),
            excite: spec
                .squeeze_excite
                .then(|| SqueezeExcite::new(c_out, device)),
            projection: (spec.residual && c_in != c_out).then(|| {
                Conv2dConfig::new([c_in, c_out], [1, 1])
                    .with_bias(false)
                    .init(device)
            }),
            dropout: seeds.dropout(spec.conv_dropout),
            pool: match spec.pool {
                Pool::Max => Some(PoolLayer::Max(MaxPool2dConfig::new([2, 2]).init())),
                Pool::Avg => Some(PoolLayer::Avg(AvgPool2dConfig::new([2, 2]).init())),
                Pool::None => None,
            },
            residual: spec.residual,
            activation: spec.activation,
        }
    }

    fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let mut x = layers::conv2d(&self.conv, input.clone());
        if let Some(norm) = &self.norm {
            x = norm.forward(x);
        }
        // A ReLU straight before max pooling is fused into the pool on flex.
        let relu_in_pool = self.activation == Activation::Relu
            && self.excite.is_none()
            && !self.residual
            && self.dropout.is_none()
            && matches!(&self.pool, Some(PoolLayer::Max(p)) if layers::max_pool_applies(p, &x));
        if !relu_in_pool {
            x = activate(self.activation, x);
        }
        if let Some(se) = &self.excite {
            x = se.forward(x);
        }
        if self.residual {
            x = x + match &self.projection {
                Some(p) => p.forward(input),
                None => input,
            };
        }
        if let Some(dropout) = &self.dropout {
            x = dropout.forward(x);
        }
        match &self.pool {
            Some(PoolLayer::Max(p)) => layers::max_pool(p, x, relu_in_pool),
            Some(PoolLayer::Avg(p)) => p.forward(x),
            None => x,
        }
    }
}

/// Convolution blocks, flatten, dense stack.
#[derive(Module, Debug)]
pub struct Cnn {
    blocks: Vec<ConvBlock>,
    head: DenseStack,
}

impl Cnn {
    /// A CNN for `[channels, height, width]` images and `classes` outputs.
    pub fn new(
        spec: &ModelSpec,
        [channels, height, width]: [usize; 3],
        classes: usize,
        seeds: &mut DropoutSeeds,
        device: &Device,
    ) -> Self {
        let (mut c, mut h, mut w) = (channels, height, width);
        let mut blocks = Vec::new();
        for i in 0..spec.conv_blocks {
            let c_out = spec.block_channels(i);
            blocks.push(ConvBlock::new(spec, c, c_out, seeds, device));
            c = c_out;
            if spec.pool != Pool::None {
                (h, w) = (h / 2, w / 2);
            }
        }
        let head = DenseStack::new(spec, c * h * w, classes, false, seeds, device);
        Self { blocks, head }
    }

    /// Logits from images `[batch, channels, height, width]`.
    pub fn forward(&self, mut x: Tensor<4>) -> Tensor<2> {
        for block in &self.blocks {
            x = block.forward(x);
        }
        self.head.forward(x.flatten(1, 3))
    }
}
