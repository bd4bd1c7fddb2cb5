//! Flex-side glue of the kernels: contiguous `f32` views of flex tensors,
//! the forward passes on them, and [`CpuKernels`] for `Flex` (inference and
//! validation, no gradients).

use burn::backend::Flex;
use burn::prelude::*;
use burn_flex::FlexTensor;

use super::conv::{self, Geometry};
use super::norm::{self, Planes};
use super::{CpuKernels, pool};

/// `x` as a contiguous `f32` slice owner (copies only a strided view).
pub(super) fn contiguous(x: FlexTensor) -> FlexTensor {
    if x.as_slice::<f32>().is_some() {
        x
    } else {
        x.to_contiguous()
    }
}

/// The `f32` elements of a contiguous tensor.
pub(super) fn values(x: &FlexTensor) -> &[f32] {
    x.as_slice::<f32>()
        .expect("sweeplab's CPU kernels take contiguous f32 tensors")
}

/// A flex tensor owning `values` with `shape`.
pub(super) fn tensor(values: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// `[batch, channels, h, w]` of a 4-d tensor.
pub(super) fn dims4(x: &FlexTensor) -> [usize; 4] {
    let dims = x.layout().shape().to_vec();
    [dims[0], dims[1], dims[2], dims[3]]
}

/// Pooled values (and argmax when asked) of a contiguous input.
pub(super) fn pool_forward(x: &FlexTensor, relu: bool, argmax: Option<&mut [u8]>) -> FlexTensor {
    let [b, c, h, w] = dims4(x);
    tensor(
        pool::forward(values(x), [h, w], relu, argmax),
        [b, c, h / 2, w / 2],
    )
}

/// The geometry of convolving `x` with `weight`.
pub(super) fn geometry(x: &FlexTensor, weight: &FlexTensor) -> Geometry {
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
pub(super) fn conv_forward(x: &FlexTensor, weight: &FlexTensor, bias: &FlexTensor) -> FlexTensor {
    let g = geometry(x, weight);
    let out = conv::forward(values(x), values(weight), values(bias), g);
    tensor(out, [g.batch, g.c_out, g.h, g.w])
}

/// `[batch, channels, pixels]` of a 3-d tensor.
pub(super) fn planes(x: &FlexTensor) -> Planes {
    let dims = x.layout().shape().to_vec();
    Planes {
        batch: dims[0],
        channels: dims[1],
        pixels: dims[2],
    }
}

/// Moments of a contiguous `[batch, channels, pixels]` tensor, as `[channels, 2]`.
pub(super) fn moments_of(x: &FlexTensor) -> FlexTensor {
    let s = planes(x);
    let m = norm::moments(values(x), s);
    tensor(m.into_iter().flatten().collect(), [s.channels, 2])
}

/// `[mean, 1 / sqrt(var + epsilon)]` per channel from a moments tensor.
pub(super) fn normalisers(moments: &FlexTensor, epsilon: f64) -> Vec<[f32; 2]> {
    let m: Vec<[f32; 2]> = values(moments).chunks(2).map(|p| [p[0], p[1]]).collect();
    norm::normalisers(&m, epsilon)
}

/// Batch normalisation of contiguous `x` with per-channel `[mean, inv_std]`.
pub(super) fn norm_forward(
    x: &FlexTensor,
    gamma: &FlexTensor,
    beta: &FlexTensor,
    n: &[[f32; 2]],
) -> FlexTensor {
    let out = norm::forward(values(x), planes(x), n, values(gamma), values(beta));
    tensor(out, x.layout().shape().clone())
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
        norm_forward(&x, &gamma, &beta, &n)
    }

    fn max_pool2x2(x: FlexTensor, relu: bool) -> FlexTensor {
        pool_forward(&contiguous(x), relu, None)
    }

    fn conv2d_same(x: FlexTensor, weight: FlexTensor, bias: FlexTensor) -> FlexTensor {
        let (x, weight, bias) = (contiguous(x), contiguous(weight), contiguous(bias));
        conv_forward(&x, &weight, &bias)
    }
}
