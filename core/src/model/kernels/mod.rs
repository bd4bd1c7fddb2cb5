//! Hand-written CPU kernels for the layers that dominate a CNN's training
//! step on Burn's CPU backend (flex), with their backward passes, plugged in
//! through Burn's backend-extension API (`#[backend_extension]` over `Flex`
//! and `Autodiff<Flex>`).
//!
//! Each kernel works on contiguous `f32` NCHW data and is tested against
//! Burn's own modules for values and gradients (`super::cpu`'s tests).

mod conv;
mod gemm;
mod norm;
mod parallel;
mod pool;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::{Autodiff, Dispatch, Flex, backend_extension, tensor::FloatTensor};
use burn::prelude::*;
use burn_flex::FlexTensor;
use conv::Geometry;
use norm::Planes;
use std::sync::Arc;

/// Layers computed by sweeplab's own CPU kernels.
#[backend_extension(Flex, Autodiff)]
pub trait CpuKernels: burn::backend::Backend {
    /// 2x2 max pooling with stride 2 of `[batch, channels, h, w]`, after a
    /// ReLU when `relu` is set.
    fn max_pool2x2(x: FloatTensor<Self>, relu: bool) -> FloatTensor<Self>;

    /// Stride-1 convolution of `[batch, c_in, h, w]` with `weight`
    /// `[c_out, c_in, k, k]` (odd `k`, padding `k / 2`) plus `bias` `[c_out]`.
    fn conv2d_same(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// Per-channel `[mean, biased variance]` of `[batch, channels, pixels]`
    /// as `[channels, 2]`; never differentiated.
    fn channel_moments(x: FloatTensor<Self>) -> FloatTensor<Self>;

    /// Batch normalisation of `[batch, channels, pixels]` with the batch's
    /// `moments` (from [`CpuKernels::channel_moments`]), scale `gamma` and
    /// shift `beta` (`[channels]`).
    fn batch_norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;
}

/// `x` as a contiguous `f32` slice owner (copies only a strided view).
fn contiguous(x: FlexTensor) -> FlexTensor {
    if x.as_slice::<f32>().is_some() {
        x
    } else {
        x.to_contiguous()
    }
}

/// The `f32` elements of a contiguous tensor.
fn values(x: &FlexTensor) -> &[f32] {
    x.as_slice::<f32>()
        .expect("sweeplab's CPU kernels take contiguous f32 tensors")
}

/// A flex tensor owning `values` with `shape`.
fn tensor(values: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// `[batch, channels, h, w]` of a 4-d tensor.
fn dims4(x: &FlexTensor) -> [usize; 4] {
    let dims = x.layout().shape().to_vec();
    [dims[0], dims[1], dims[2], dims[3]]
}

/// Pooled values (and argmax when asked) of a contiguous input.
fn pool_forward(x: &FlexTensor, relu: bool, argmax: Option<&mut [u8]>) -> FlexTensor {
    let [b, c, h, w] = dims4(x);
    tensor(
        pool::forward(values(x), [h, w], relu, argmax),
        [b, c, h / 2, w / 2],
    )
}

/// The geometry of convolving `x` with `weight`.
fn geometry(x: &FlexTensor, weight: &FlexTensor) -> Geometry {
    let [batch, channels, h, w] = dims4(x);
    let [c_out, _, k, _] = dims4(weight);
    Geometry {
        batch,
        channels,
        c_out,
        h,
        w,
        k,
    }
}

/// A convolution's output.
fn conv_forward(x: &FlexTensor, weight: &FlexTensor, bias: &FlexTensor) -> FlexTensor {
    let g = geometry(x, weight);
    let out = conv::forward(values(x), values(weight), values(bias), g);
    tensor(out, [g.batch, g.c_out, g.h, g.w])
}

/// `[batch, channels, pixels]` of a 3-d tensor.
fn planes(x: &FlexTensor) -> Planes {
    let dims = x.layout().shape().to_vec();
    Planes {
        batch: dims[0],
        channels: dims[1],
        pixels: dims[2],
    }
}

/// Moments of a contiguous `[batch, channels, pixels]` tensor, as `[channels, 2]`.
fn moments_of(x: &FlexTensor) -> FlexTensor {
    let s = planes(x);
    let m = norm::moments(values(x), s);
    tensor(m.into_iter().flatten().collect(), [s.channels, 2])
}

/// `[mean, 1 / sqrt(var + epsilon)]` per channel from a moments tensor.
fn normalisers(moments: &FlexTensor, epsilon: f64) -> Vec<[f32; 2]> {
    let m: Vec<[f32; 2]> = values(moments).chunks(2).map(|p| [p[0], p[1]]).collect();
    norm::normalisers(&m, epsilon)
}

impl CpuKernels for Flex {
    fn channel_moments(x: FlexTensor) -> FlexTensor {
        moments_of(&contiguous(x))
    }

    fn batch_norm_train(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        moments: FlexTensor,
        epsilon: f64,
    ) -> FlexTensor {
        let (x, gamma, beta) = (contiguous(x), contiguous(gamma), contiguous(beta));
        let n = normalisers(&contiguous(moments), epsilon);
        let out = norm::forward(values(&x), planes(&x), &n, values(&gamma), values(&beta));
        tensor(out, x.layout().shape().clone())
    }

    fn max_pool2x2(x: FlexTensor, relu: bool) -> FlexTensor {
        pool_forward(&contiguous(x), relu, None)
    }

    fn conv2d_same(x: FlexTensor, weight: FlexTensor, bias: FlexTensor) -> FlexTensor {
        let (x, weight, bias) = (contiguous(x), contiguous(weight), contiguous(bias));
        conv_forward(&x, &weight, &bias)
    }
}

/// Backward of [`CpuKernels::max_pool2x2`]: routes each output's gradient to
/// the input that won its window.
#[derive(Debug)]
struct MaxPoolBackward;

impl Backward<Flex, 1> for MaxPoolBackward {
    /// Winner of each window, and the input's dims.
    type State = (Arc<Vec<u8>>, [usize; 4]);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [parent] = ops.parents;
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let (argmax, [b, c, h, w]) = ops.state;
        if let Some(node) = parent {
            let dx = pool::backward(values(&grad), &argmax, [h, w]);
            grads.register::<Flex>(node.id, tensor(dx, [b, c, h, w]));
        }
    }
}

/// Backward of [`CpuKernels::conv2d_same`]: bias and weight gradients from
/// the output gradient and the saved input, the input gradient from the
/// saved weight (skipped for the network's first layer).
#[derive(Debug)]
struct ConvBackward;

impl Backward<Flex, 3> for ConvBackward {
    /// Input, weight.
    type State = (FlexTensor, FlexTensor);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_weight, node_bias] = ops.parents;
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let (x, weight) = ops.state;
        let g = geometry(&x, &weight);
        if node_weight.is_some() || node_bias.is_some() {
            let (dw, db) = conv::weight_grad(values(&grad), values(&x), g);
            if let Some(node) = node_weight {
                grads.register::<Flex>(node.id, tensor(dw, [g.c_out, g.channels, g.k, g.k]));
            }
            if let Some(node) = node_bias {
                grads.register::<Flex>(node.id, tensor(db, [g.c_out]));
            }
        }
        if let Some(node) = node_x {
            let dx = conv::input_grad(values(&grad), values(&weight), g);
            grads.register::<Flex>(node.id, tensor(dx, [g.batch, g.channels, g.h, g.w]));
        }
    }
}

/// Backward of [`CpuKernels::batch_norm_train`].
#[derive(Debug)]
struct BatchNormBackward;

impl Backward<Flex, 4> for BatchNormBackward {
    /// Input, gamma, per-channel `[mean, inv_std]`.
    type State = (FlexTensor, FlexTensor, Arc<Vec<[f32; 2]>>);

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_gamma, node_beta, _] = ops.parents;
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let (x, gamma, n) = ops.state;
        let s = planes(&x);
        let (dx, dgamma, dbeta) = norm::backward(values(&grad), values(&x), s, &n, values(&gamma));
        if let Some(node) = node_x {
            grads.register::<Flex>(node.id, tensor(dx, x.layout().shape().clone()));
        }
        if let Some(node) = node_gamma {
            grads.register::<Flex>(node.id, tensor(dgamma, [s.channels]));
        }
        if let Some(node) = node_beta {
            grads.register::<Flex>(node.id, tensor(dbeta, [s.channels]));
        }
    }
}

impl<C: CheckpointStrategy> CpuKernels for Autodiff<Flex, C> {
    fn channel_moments(x: FloatTensor<Self>) -> FloatTensor<Self> {
        FloatTensor::<Self>::new(moments_of(&contiguous(x.into_primitive())))
    }

    fn batch_norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        let prep = BatchNormBackward
            .prepare::<C>([x.node(), gamma.node(), beta.node(), moments.node()])
            .compute_bound()
            .stateful();
        let x = contiguous(x.into_primitive());
        let gamma = contiguous(gamma.into_primitive());
        let beta = contiguous(beta.into_primitive());
        let n = normalisers(&contiguous(moments.into_primitive()), epsilon);
        let out = norm::forward(values(&x), planes(&x), &n, values(&gamma), values(&beta));
        let out = tensor(out, x.layout().shape().clone());
        match prep {
            OpsKind::Tracked(prep) => prep.finish((x, gamma, Arc::new(n)), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn conv2d_same(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let prep = ConvBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful();
        let x = contiguous(x.into_primitive());
        let weight = contiguous(weight.into_primitive());
        let bias = contiguous(bias.into_primitive());
        let out = conv_forward(&x, &weight, &bias);
        match prep {
            OpsKind::Tracked(prep) => prep.finish((x, weight), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn max_pool2x2(x: FloatTensor<Self>, relu: bool) -> FloatTensor<Self> {
        match MaxPoolBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let input = contiguous(x.into_primitive());
                let dims = dims4(&input);
                let [b, c, h, w] = dims;
                let mut argmax = vec![0u8; b * c * (h / 2) * (w / 2)];
                let out = pool_forward(&input, relu, Some(&mut argmax));
                prep.finish((Arc::new(argmax), dims), out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(pool_forward(&contiguous(x.into_primitive()), relu, None))
            }
        }
    }
}

/// Whether the kernels can take `x`: on flex, as `f32`.
pub fn applies<const D: usize>(x: &Tensor<D>) -> bool {
    x.dtype() == burn::tensor::DType::F32 && super::cpu::on_flex(&x.device())
}

/// 2x2 max pooling with stride 2 of `[batch, channels, h, w]` (after a ReLU
/// when `relu` is set), with its gradient; only where [`applies`] holds.
pub fn max_pool2x2(x: Tensor<4>, relu: bool) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as CpuKernels>::max_pool2x2(
        x.into_dispatch(),
        relu,
    ))
}

/// Stride-1, "same"-padded convolution of `x` with `weight` and `bias`, with
/// its gradients; only where [`applies`] holds.
pub fn conv2d_same(x: Tensor<4>, weight: Tensor<4>, bias: Tensor<1>) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as CpuKernels>::conv2d_same(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
    ))
}

/// Per-channel `[mean, biased variance]` of `[batch, channels, pixels]`, as
/// `[channels, 2]`, without a gradient; only where [`applies`] holds.
pub fn channel_moments(x: Tensor<3>) -> Tensor<2> {
    Tensor::from_dispatch(<Dispatch as CpuKernels>::channel_moments(x.into_dispatch()))
}

/// Batch normalisation of `[batch, channels, pixels]` with the batch's
/// `moments` ([`channel_moments`]), with its gradients; only where
/// [`applies`] holds.
pub fn batch_norm_train(
    x: Tensor<3>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    moments: Tensor<2>,
    epsilon: f64,
) -> Tensor<3> {
    Tensor::from_dispatch(<Dispatch as CpuKernels>::batch_norm_train(
        x.into_dispatch(),
        gamma.into_dispatch(),
        beta.into_dispatch(),
        moments.into_dispatch(),
        epsilon,
    ))
}
