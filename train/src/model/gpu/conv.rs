//! The convolution kernels (CubeCL, compiled to WGSL) for Burn's cubecl
//! backend.
//!
//! Forward: one invocation computes `PX` neighbouring pixels of one output
//! row for `CB` output channels. Per input channel and kernel row it loads
//! `PX + k - 1` inputs and `CB * k` weights and does `PX * CB * k`
//! multiply-adds from them (the direct kernel loads an input and a weight per
//! multiply-add). The input gradient is this kernel again over the output
//! gradient with the weight transposed and flipped.
//!
//! Weight gradient: one invocation sums, over the pixels of one (sample, row
//! block) chunk, the products for `CB` output channels x one input channel x
//! all `k * k` taps; the chunks' partial sums are then reduced by Burn.

use burn::backend::ops::FloatTensorOps;
use burn::backend::{Shape, TensorMetadata};
use burn_cubecl::CubeBackend;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::*;
use cubecl::{CubeDim, calculate_cube_count_elemwise};

/// Output channels per invocation: the largest of 4, 2, 1 dividing `c_out`.
pub(super) fn channel_block(c_out: usize) -> usize {
    [4, 2, 1]
        .into_iter()
        .find(|b| c_out.is_multiple_of(*b))
        .unwrap_or(1)
}

/// Pixels per invocation along a row: the largest divisor of `w` up to 16.
pub(super) fn pixel_block(w: usize) -> usize {
    (1..=w.min(16))
        .rev()
        .find(|p| w.is_multiple_of(*p))
        .unwrap_or(1)
}

/// Rows per weight-gradient chunk: the most (a divisor of `h`) that still
/// leaves about 4096 invocations, so that a GPU (or SwiftShader's threads)
/// has enough of them.
pub(super) fn chunk_rows(batch: usize, h: usize, per_chunk: usize) -> usize {
    (1..=h)
        .rev()
        .filter(|r| h.is_multiple_of(*r))
        .find(|r| batch * (h / r) * per_chunk >= 4096)
        .unwrap_or(1)
}

/// Shape of [`GpuKernels::conv2d_same_gpu`]'s output: `[batch, c_out, h, w]`.
pub fn conv_output_shape(x: &Shape, weight: &Shape) -> Shape {
    Shape::from([x[0], weight[0], x[2], x[3]])
}

/// Shape of [`GpuKernels::conv2d_same_weight_grad`]'s output:
/// `[c_out, c_in, k, k]`.
pub fn weight_grad_shape(x: &Shape, grad: &Shape, k: &usize) -> Shape {
    Shape::from([grad[1], x[1], *k, *k])
}

/// Loads the `row.len()` inputs of one input row (starting at `row_base`)
/// that a segment starting at column `x0` reads, zero outside the row (the
/// "same" padding of a `k`-wide kernel).
#[cube]
fn load_row<F: Float>(
    x: &Tensor<F>,
    row: &mut Array<F>,
    row_base: usize,
    x0: usize,
    w: usize,
    #[comptime] k: usize,
) {
    let pad = comptime![k / 2];
    #[unroll]
    for j in 0..row.len() {
        let col = x0 + j;
        let mut v = F::new(0.0);
        if col >= pad && col < w + pad {
            v = x[row_base + col - pad];
        }
        row[j] = v;
    }
}

#[cube(launch_unchecked)]
fn conv_forward_kernel<F: Float>(
    x: &Tensor<F>,
    weight: &Tensor<F>,
    bias: &Tensor<F>,
    out: &mut Tensor<F>,
    #[comptime] k: usize,
    #[comptime] px: usize,
    #[comptime] cb: usize,
    #[define(F)] _dtype: ElemType,
) {
    let c_in = x.shape(1);
    let h = x.shape(2);
    let w = x.shape(3);
    let c_out = out.shape(1);
    let segments = w / px;
    let blocks = c_out / cb;
    if ABSOLUTE_POS >= out.shape(0) * blocks * h * segments {
        terminate!();
    }
    let segment = ABSOLUTE_POS % segments;
    let rest = ABSOLUTE_POS / segments;
    let y = rest % h;
    let rest = rest / h;
    let co0 = (rest % blocks) * cb;
    let b = rest / blocks;
    let x0 = segment * px;
    let pad = comptime![k / 2];
    let taps = comptime![k * k];
    let plane = h * w;

    let mut acc = Array::<F>::new(comptime![cb * px]);
    #[unroll]
    for c in 0..cb {
        let v = bias[co0 + c];
        #[unroll]
        for p in 0..px {
            acc[c * px + p] = v;
        }
    }
    let mut row = Array::<F>::new(comptime![px + k - 1]);
    for ci in 0..c_in {
        let x_base = (b * c_in + ci) * plane;
        let w_base = (co0 * c_in + ci) * taps;
        #[unroll]
        for ky in 0..k {
            if y + ky >= pad && y + ky < h + pad {
                load_row(x, &mut row, x_base + (y + ky - pad) * w, x0, w, k);
                #[unroll]
                for kx in 0..k {
                    #[unroll]
                    for c in 0..cb {
                        let wv = weight[w_base + c * c_in * taps + ky * k + kx];
                        #[unroll]
                        for p in 0..px {
                            acc[c * px + p] += row[p + kx] * wv;
                        }
                    }
                }
            }
        }
    }
    #[unroll]
    for c in 0..cb {
        let base = ((b * c_out + co0 + c) * h + y) * w + x0;
        #[unroll]
        for p in 0..px {
            out[base + p] = acc[c * px + p];
        }
    }
}

#[cube(launch_unchecked)]
fn conv_weight_grad_kernel<F: Float>(
    x: &Tensor<F>,
    grad: &Tensor<F>,
    partial: &mut Tensor<F>,
    rows: usize,
    #[comptime] k: usize,
    #[comptime] px: usize,
    #[comptime] cb: usize,
    #[define(F)] _dtype: ElemType,
) {
    let c_in = x.shape(1);
    let h = x.shape(2);
    let w = x.shape(3);
    let c_out = grad.shape(1);
    let blocks = c_out / cb;
    let row_blocks = h / rows;
    if ABSOLUTE_POS >= x.shape(0) * row_blocks * blocks * c_in {
        terminate!();
    }
    let ci = ABSOLUTE_POS % c_in;
    let rest = ABSOLUTE_POS / c_in;
    let co0 = (rest % blocks) * cb;
    let chunk = rest / blocks;
    let rb = chunk % row_blocks;
    let b = chunk / row_blocks;
    let pad = comptime![k / 2];
    let taps = comptime![k * k];
    let plane = h * w;
    let x_base = (b * c_in + ci) * plane;

    let mut acc = Array::<F>::new(comptime![cb * k * k]);
    #[unroll]
    for i in 0..comptime![cb * k * k] {
        acc[i] = F::new(0.0);
    }
    let mut g = Array::<F>::new(comptime![cb * px]);
    let mut row = Array::<F>::new(comptime![px + k - 1]);
    for yy in 0..rows {
        let y = rb * rows + yy;
        for x0 in range_stepped(0, w, px) {
            #[unroll]
            for c in 0..cb {
                let base = ((b * c_out + co0 + c) * h + y) * w + x0;
                #[unroll]
                for p in 0..px {
                    g[c * px + p] = grad[base + p];
                }
            }
            #[unroll]
            for ky in 0..k {
                if y + ky >= pad && y + ky < h + pad {
                    load_row(x, &mut row, x_base + (y + ky - pad) * w, x0, w, k);
                    #[unroll]
                    for kx in 0..k {
                        #[unroll]
                        for c in 0..cb {
                            let mut s = acc[c * taps + ky * k + kx];
                            #[unroll]
                            for p in 0..px {
                                s += g[c * px + p] * row[p + kx];
                            }
                            acc[c * taps + ky * k + kx] = s;
                        }
                    }
                }
            }
        }
    }
    #[unroll]
    for c in 0..cb {
        let base = ((chunk * c_out + co0 + c) * c_in + ci) * taps;
        #[unroll]
        for t in 0..taps {
            partial[base + t] = acc[c * taps + t];
        }
    }
}

/// Launch geometry for `units` invocations.
pub(super) fn geometry(tensor: &CubeTensor, units: usize) -> (CubeCount, CubeDim) {
    let dim = CubeDim::new(&tensor.client, units);
    let count = calculate_cube_count_elemwise(&tensor.client, units, dim);
    (count, dim)
}

/// The convolution of `x` with `weight` plus `bias`.
pub(super) fn forward(x: CubeTensor, weight: CubeTensor, bias: CubeTensor) -> CubeTensor {
    let (x, weight, bias) = (
        into_contiguous(x),
        into_contiguous(weight),
        into_contiguous(bias),
    );
    let [batch, _, h, w] = x.shape().dims();
    let [c_out, _, k, _] = weight.shape().dims();
    let out = empty_device_dtype(
        x.client.clone(),
        x.device.clone(),
        conv_output_shape(&x.shape(), &weight.shape()),
        x.dtype,
    );
    let (px, cb) = (pixel_block(w), channel_block(c_out));
    let (count, dim) = geometry(&x, batch * (c_out / cb) * h * (w / px));
    let dtype = burn::backend::cubecl::dtype_to_storage_type(x.dtype);
    // SAFETY: every index the kernel reads or writes is inside the
    // contiguous tensors' bounds (checked against their shapes).
    unsafe {
        conv_forward_kernel::launch_unchecked(
            &x.client,
            count,
            dim,
            x.clone().into_tensor_arg(),
            weight.into_tensor_arg(),
            bias.into_tensor_arg(),
            out.clone().into_tensor_arg(),
            k,
            px,
            cb,
            dtype,
        );
    }
    out
}

/// The weight gradient from the input `x` and the output gradient `grad`.
pub(super) fn weight_grad(x: CubeTensor, grad: CubeTensor, k: usize) -> CubeTensor {
    let (x, grad) = (into_contiguous(x), into_contiguous(grad));
    let [batch, c_in, h, w] = x.shape().dims();
    let c_out = grad.shape()[1];
    let (px, cb) = (pixel_block(w), channel_block(c_out));
    let rows = chunk_rows(batch, h, (c_out / cb) * c_in);
    let chunks = batch * (h / rows);
    let partial = empty_device_dtype(
        x.client.clone(),
        x.device.clone(),
        Shape::from([chunks, c_out * c_in * k * k]),
        x.dtype,
    );
    let (count, dim) = geometry(&x, chunks * (c_out / cb) * c_in);
    let dtype = burn::backend::cubecl::dtype_to_storage_type(x.dtype);
    // SAFETY: as in `conv2d_same_gpu`.
    unsafe {
        conv_weight_grad_kernel::launch_unchecked(
            &x.client,
            count,
            dim,
            x.clone().into_tensor_arg(),
            grad.into_tensor_arg(),
            partial.clone().into_tensor_arg(),
            rows,
            k,
            px,
            cb,
            dtype,
        );
    }
    let summed = CubeBackend::float_sum_dim(partial, 0);
    CubeBackend::float_reshape(
        summed,
        weight_grad_shape(&x.shape(), &Shape::from([batch, c_out, h, w]), &k),
    )
}
