//! Hand-written CPU kernels for the layers that dominate a CNN's training
//! step on Burn's CPU backend (flex), with their backward passes, plugged in
//! through Burn's backend-extension API (`#[backend_extension]` over `Flex`
//! and `Autodiff<Flex>`).
//!
//! Each kernel works on contiguous `f32` NCHW data and is tested against
//! Burn's own modules for values and gradients (`super::layers`' tests).

mod autodiff;
mod conv;
mod flex;
mod gemm;
mod norm;
mod parallel;
mod pool;

use burn::backend::{Dispatch, DispatchDevice, backend_extension, tensor::FloatTensor};
use burn::prelude::*;

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

/// Whether `device` is Burn's CPU backend (flex), with or without autodiff.
pub fn on_flex(device: &Device) -> bool {
    matches!(
        device.as_dispatch().clone().inner(),
        DispatchDevice::Flex(_)
    )
}

/// Whether the kernels can take `x`: on flex, as `f32`.
pub fn applies<const D: usize>(x: &Tensor<D>) -> bool {
    x.dtype() == burn::tensor::DType::F32 && on_flex(&x.device())
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
