//! A tiled matrix product as a CubeCL kernel, for [`GpuKernels`] on Burn's
//! cubecl backend: one invocation computes a 4x4 block of the output,
//! loading 8 values per 16 multiply-adds. Operands are read through their
//! strides, so the transposed operands of the backward pass are views, not
//! copies.

use burn::backend::{Shape, TensorMetadata};
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::*;

use super::conv::geometry;

/// Rows and columns of the output block one invocation computes.
const TILE: usize = 4;

/// Shape of `a [m, k]` times `b [k, n]`: `[m, n]`.
pub fn matmul_shape(a: &Shape, b: &Shape) -> Shape {
    Shape::from([a[0], b[1]])
}

#[cube(launch_unchecked)]
fn matmul_kernel<F: Float>(
    a: &Tensor<F>,
    b: &Tensor<F>,
    out: &mut Tensor<F>,
    #[comptime] tile: usize,
    #[define(F)] _dtype: ElemType,
) {
    let (m, k, n) = (a.shape(0), a.shape(1), b.shape(1));
    let tiles_n = n.div_ceil(tile);
    if ABSOLUTE_POS >= m.div_ceil(tile) * tiles_n {
        terminate!();
    }
    let i0 = (ABSOLUTE_POS / tiles_n) * tile;
    let j0 = (ABSOLUTE_POS % tiles_n) * tile;
    let (sa0, sa1) = (a.stride(0), a.stride(1));
    let (sb0, sb1) = (b.stride(0), b.stride(1));
    // Edge blocks read the last row or column again and drop it on write.
    let mut rows = Array::<usize>::new(tile);
    let mut cols = Array::<usize>::new(tile);
    #[unroll]
    for t in 0..tile {
        rows[t] = select(i0 + t < m, i0 + t, m - 1) * sa0;
        cols[t] = select(j0 + t < n, j0 + t, n - 1) * sb1;
    }
    let mut acc = Array::<F>::new(comptime![tile * tile]);
    #[unroll]
    for t in 0..comptime![tile * tile] {
        acc[t] = F::new(0.0);
    }
    let mut av = Array::<F>::new(tile);
    let mut bv = Array::<F>::new(tile);
    for kk in 0..k {
        #[unroll]
        for t in 0..tile {
            av[t] = a[rows[t] + kk * sa1];
            bv[t] = b[kk * sb0 + cols[t]];
        }
        #[unroll]
        for r in 0..tile {
            #[unroll]
            for c in 0..tile {
                acc[r * tile + c] += av[r] * bv[c];
            }
        }
    }
    #[unroll]
    for r in 0..tile {
        #[unroll]
        for c in 0..tile {
            if i0 + r < m && j0 + c < n {
                out[(i0 + r) * n + j0 + c] = acc[r * tile + c];
            }
        }
    }
}

/// `a [m, k]` times `b [k, n]`, contiguous `[m, n]`.
pub(super) fn matmul(a: CubeTensor, b: CubeTensor) -> CubeTensor {
    let out = empty_device_dtype(
        a.client.clone(),
        a.device.clone(),
        matmul_shape(&a.shape(), &b.shape()),
        a.dtype,
    );
    let [m, n] = out.shape().dims();
    let (count, dim) = geometry(&a, m.div_ceil(TILE) * n.div_ceil(TILE));
    let dtype = burn::backend::cubecl::dtype_to_storage_type(a.dtype);
    // SAFETY: reads are clamped to the last row and column; writes are
    // bounds-checked.
    unsafe {
        matmul_kernel::launch_unchecked(
            &a.client,
            count,
            dim,
            a.clone().into_tensor_arg(),
            b.into_tensor_arg(),
            out.clone().into_tensor_arg(),
            TILE,
            dtype,
        );
    }
    out
}
