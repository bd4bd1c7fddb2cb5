//! Batch normalisation in training as CubeCL kernels over a
//! `[batch, channels, pixels]` view, for [`GpuKernels`] on Burn's cubecl
//! backend. Burn's module computes the statistics through a transposed copy
//! and the normalisation and its backward pass as a chain of elementwise
//! and reduction kernels; here the statistics are one pass of per-(sample,
//! channel) sums plus a per-channel finish, the normalisation one pass, and
//! the backward pass one pass of sums plus one elementwise pass.

use burn::backend::{Shape, TensorMetadata};
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::*;

use super::conv::geometry;

/// Shape of per-channel pairs of `[batch, channels, pixels]`: `[channels, 2]`.
pub fn channel_pairs_shape(x: &Shape) -> Shape {
    Shape::from([x[1], 2])
}

/// Elements per invocation of the elementwise kernels: 4 where a plane
/// splits into runs of 4 (all of one channel), else 1.
fn run_length(pixels: usize) -> usize {
    if pixels.is_multiple_of(4) { 4 } else { 1 }
}

/// Per (sample, channel): `[sum x, sum x^2]` when `grad` is not given (the
/// statistics), else `[sum dy, sum dy * x_hat]` (the backward sums).
#[cube(launch_unchecked)]
fn plane_sums_kernel<F: Float>(
    x: &Tensor<F>,
    dy: &Tensor<F>,
    moments: &Tensor<F>,
    partial: &mut Tensor<F>,
    eps: f32,
    #[comptime] backward: bool,
    #[define(F)] _dtype: ElemType,
) {
    let (channels, pixels) = (x.shape(1), x.shape(2));
    if ABSOLUTE_POS >= x.shape(0) * channels {
        terminate!();
    }
    let base = ABSOLUTE_POS * pixels;
    let mut a = F::new(0.0);
    let mut b = F::new(0.0);
    if backward {
        let c = ABSOLUTE_POS % channels;
        let mean = moments[2 * c];
        let inv_std = F::new(1.0) / F::sqrt(moments[2 * c + 1] + F::cast_from(eps));
        for p in 0..pixels {
            let g = dy[base + p];
            a += g;
            b += g * (x[base + p] - mean) * inv_std;
        }
    } else {
        for p in 0..pixels {
            let v = x[base + p];
            a += v;
            b += v * v;
        }
    }
    partial[2 * ABSOLUTE_POS] = a;
    partial[2 * ABSOLUTE_POS + 1] = b;
}

/// Per channel: the partial pairs summed over the batch; for the statistics
/// turned into `[mean, biased variance]`.
#[cube(launch_unchecked)]
fn channel_finish_kernel<F: Float>(
    partial: &Tensor<F>,
    out: &mut Tensor<F>,
    batch: usize,
    count: f32,
    #[comptime] moments: bool,
    #[define(F)] _dtype: ElemType,
) {
    let channels = out.shape(0);
    if ABSOLUTE_POS >= channels {
        terminate!();
    }
    let mut a = F::new(0.0);
    let mut b = F::new(0.0);
    for s in 0..batch {
        let i = 2 * (s * channels + ABSOLUTE_POS);
        a += partial[i];
        b += partial[i + 1];
    }
    if moments {
        let n = F::cast_from(count);
        let mean = a / n;
        a = mean;
        b = F::max(b / n - mean * mean, F::new(0.0));
    }
    out[2 * ABSOLUTE_POS] = a;
    out[2 * ABSOLUTE_POS + 1] = b;
}

/// `y = gamma * x_hat + beta` when `sums` is not used (forward), else the
/// input gradient `gamma * inv_std / n * (n * dy - sum dy - x_hat * sum
/// dy x_hat)`; `run` elements of one channel per invocation.
#[cube(launch_unchecked)]
fn normalise_kernel<F: Float>(
    x: &Tensor<F>,
    dy: &Tensor<F>,
    gamma: &Tensor<F>,
    beta: &Tensor<F>,
    moments: &Tensor<F>,
    sums: &Tensor<F>,
    out: &mut Tensor<F>,
    eps: f32,
    count: f32,
    #[comptime] run: usize,
    #[comptime] backward: bool,
    #[define(F)] _dtype: ElemType,
) {
    let (batch, channels, pixels) = (x.shape(0), x.shape(1), x.shape(2));
    let start = ABSOLUTE_POS * run;
    if start >= batch * channels * pixels {
        terminate!();
    }
    let c = (start / pixels) % channels;
    let mean = moments[2 * c];
    let inv_std = F::new(1.0) / F::sqrt(moments[2 * c + 1] + F::cast_from(eps));
    let g = gamma[c];
    if backward {
        let n = F::cast_from(count);
        let (sum_dy, sum_dy_xhat) = (sums[2 * c], sums[2 * c + 1]);
        let scale = g * inv_std / n;
        #[unroll]
        for i in 0..run {
            let x_hat = (x[start + i] - mean) * inv_std;
            out[start + i] = scale * (n * dy[start + i] - sum_dy - x_hat * sum_dy_xhat);
        }
    } else {
        let shift = beta[c];
        #[unroll]
        for i in 0..run {
            out[start + i] = (x[start + i] - mean) * inv_std * g + shift;
        }
    }
}

/// Per-channel pairs of `x` `[batch, channels, pixels]`: `[mean, biased
/// variance]` without `grad`, `[sum dy, sum dy * x_hat]` with it.
pub(super) fn channel_sums(
    x: CubeTensor,
    grad: Option<CubeTensor>,
    moments: Option<CubeTensor>,
    eps: f64,
) -> CubeTensor {
    let x = into_contiguous(x);
    let [batch, channels, pixels] = x.shape().dims();
    let backward = grad.is_some();
    let partial = empty_device_dtype(
        x.client.clone(),
        x.device.clone(),
        Shape::from([batch, channels, 2]),
        x.dtype,
    );
    // Unread placeholders where the statistics pass has no gradient yet.
    let dy = grad.map_or_else(|| x.clone(), into_contiguous);
    let moments = moments.map_or_else(|| x.clone(), into_contiguous);
    let dtype = burn::backend::cubecl::dtype_to_storage_type(x.dtype);
    let (count, dim) = geometry(&x, batch * channels);
    // SAFETY: every index is inside the contiguous tensors (one plane per
    // invocation; pairs per channel).
    unsafe {
        plane_sums_kernel::launch_unchecked(
            &x.client,
            count,
            dim,
            x.clone().into_tensor_arg(),
            dy.into_tensor_arg(),
            moments.into_tensor_arg(),
            partial.clone().into_tensor_arg(),
            eps as f32,
            backward,
            dtype,
        );
    }
    let out = empty_device_dtype(
        x.client.clone(),
        x.device.clone(),
        channel_pairs_shape(&x.shape()),
        x.dtype,
    );
    let (count, dim) = geometry(&x, channels);
    // SAFETY: as above.
    unsafe {
        channel_finish_kernel::launch_unchecked(
            &x.client,
            count,
            dim,
            partial.into_tensor_arg(),
            out.clone().into_tensor_arg(),
            batch,
            (batch * pixels) as f32,
            !backward,
            dtype,
        );
    }
    out
}

/// The normalised output (forward), or with `grad` and its `sums` (from
/// [`channel_sums`]) the input gradient.
pub(super) fn normalise(
    x: CubeTensor,
    gamma: CubeTensor,
    beta: CubeTensor,
    moments: CubeTensor,
    backward: Option<(CubeTensor, CubeTensor)>,
    eps: f64,
) -> CubeTensor {
    let (x, gamma, beta, moments) = (
        into_contiguous(x),
        into_contiguous(gamma),
        into_contiguous(beta),
        into_contiguous(moments),
    );
    let shape = x.shape();
    let run = run_length(shape[2]);
    let out = empty_device_dtype(x.client.clone(), x.device.clone(), shape.clone(), x.dtype);
    let is_backward = backward.is_some();
    // Unread placeholders in the forward pass.
    let (dy, sums) = backward.map_or_else(
        || (x.clone(), moments.clone()),
        |(dy, sums)| (into_contiguous(dy), into_contiguous(sums)),
    );
    let dtype = burn::backend::cubecl::dtype_to_storage_type(x.dtype);
    let (count, dim) = geometry(&x, shape.num_elements() / run);
    // SAFETY: `run` divides a plane, so each run lies inside the tensor and
    // inside one channel.
    unsafe {
        normalise_kernel::launch_unchecked(
            &x.client,
            count,
            dim,
            x.clone().into_tensor_arg(),
            dy.into_tensor_arg(),
            gamma.into_tensor_arg(),
            beta.into_tensor_arg(),
            moments.into_tensor_arg(),
            sums.into_tensor_arg(),
            out.clone().into_tensor_arg(),
            eps as f32,
            (shape[0] * shape[2]) as f32,
            run,
            is_backward,
            dtype,
        );
    }
    out
}
