//! 2x2 max pooling (stride 2, after a ReLU when asked) and its gradient as
//! two CubeCL kernels working on NCHW directly, for [`GpuKernels`] on Burn's
//! cubecl backend. Burn's own pooling relays the input out to NHWC and
//! back and keeps an index tensor; here the backward pass finds each
//! window's winner again from the saved input.

use burn::backend::ops::FloatTensorOps;
use burn::backend::{Shape, TensorMetadata};
use burn_cubecl::CubeBackend;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::*;

use super::conv::geometry;

/// Shape of the pooled output of `[batch, channels, h, w]`:
/// `[batch, channels, h / 2, w / 2]`.
pub fn pool_output_shape(x: &Shape) -> Shape {
    Shape::from([x[0], x[1], x[2] / 2, x[3] / 2])
}

/// Index in `x` of the top-left input of output `pos`'s 2x2 window, for a
/// pooled output of `ho x wo` planes.
#[cube]
fn window_start<F: Float>(x: &Tensor<F>, pos: usize, ho: usize, wo: usize) -> usize {
    let (h, w) = (x.shape(2), x.shape(3));
    let ox = pos % wo;
    let rest = pos / wo;
    let oy = rest % ho;
    let plane = rest / ho;
    plane * h * w + 2 * oy * w + 2 * ox
}

#[cube(launch_unchecked)]
fn max_pool_kernel<F: Float>(
    x: &Tensor<F>,
    out: &mut Tensor<F>,
    #[comptime] relu: bool,
    #[define(F)] _dtype: ElemType,
) {
    if ABSOLUTE_POS >= out.len() {
        terminate!();
    }
    let w = x.shape(3);
    let i = window_start(x, ABSOLUTE_POS, out.shape(2), out.shape(3));
    let mut m = F::max(F::max(x[i], x[i + 1]), F::max(x[i + w], x[i + w + 1]));
    if relu {
        m = F::max(m, F::new(0.0));
    }
    out[ABSOLUTE_POS] = m;
}

#[cube(launch_unchecked)]
fn max_pool_backward_kernel<F: Float>(
    x: &Tensor<F>,
    grad: &Tensor<F>,
    dx: &mut Tensor<F>,
    #[comptime] relu: bool,
    #[define(F)] _dtype: ElemType,
) {
    if ABSOLUTE_POS >= grad.len() {
        terminate!();
    }
    let w = x.shape(3);
    let i = window_start(x, ABSOLUTE_POS, grad.shape(2), grad.shape(3));
    let (a, b, c, d) = (x[i], x[i + 1], x[i + w], x[i + w + 1]);
    // The first maximum in reading order wins, as in Burn's pooling.
    let mut best = a;
    let mut at = 0u32;
    if b > best {
        best = b;
        at = 1;
    }
    if c > best {
        best = c;
        at = 2;
    }
    if d > best {
        best = d;
        at = 3;
    }
    let mut g = grad[ABSOLUTE_POS];
    if relu && best <= F::new(0.0) {
        g = F::new(0.0);
    }
    let zero = F::new(0.0);
    dx[i] = select(at == 0, g, zero);
    dx[i + 1] = select(at == 1, g, zero);
    dx[i + w] = select(at == 2, g, zero);
    dx[i + w + 1] = select(at == 3, g, zero);
}

/// Pooled `x` (after a ReLU when `relu`).
pub(super) fn forward(x: CubeTensor, relu: bool) -> CubeTensor {
    let x = into_contiguous(x);
    let out = empty_device_dtype(
        x.client.clone(),
        x.device.clone(),
        pool_output_shape(&x.shape()),
        x.dtype,
    );
    let (count, dim) = geometry(&x, out.shape().num_elements());
    let dtype = burn::backend::cubecl::dtype_to_storage_type(x.dtype);
    // SAFETY: every index read or written lies inside the contiguous tensors
    // (windows of the floor-halved output inside the input).
    unsafe {
        max_pool_kernel::launch_unchecked(
            &x.client,
            count,
            dim,
            x.clone().into_tensor_arg(),
            out.clone().into_tensor_arg(),
            relu,
            dtype,
        );
    }
    out
}

/// Gradient of [`forward`] with respect to `x`, from the output's `grad`.
pub(super) fn backward(x: CubeTensor, grad: CubeTensor, relu: bool) -> CubeTensor {
    let (x, grad) = (into_contiguous(x), into_contiguous(grad));
    let shape = x.shape();
    // An odd trailing row or column is in no window: its gradient is zero.
    let dx = if !(shape[2].is_multiple_of(2) && shape[3].is_multiple_of(2)) {
        CubeBackend::float_zeros(shape, &x.device, x.dtype.into())
    } else {
        empty_device_dtype(x.client.clone(), x.device.clone(), shape, x.dtype)
    };
    let (count, dim) = geometry(&x, grad.shape().num_elements());
    let dtype = burn::backend::cubecl::dtype_to_storage_type(x.dtype);
    // SAFETY: as in `forward`.
    unsafe {
        max_pool_backward_kernel::launch_unchecked(
            &x.client,
            count,
            dim,
            x.clone().into_tensor_arg(),
            grad.into_tensor_arg(),
            dx.clone().into_tensor_arg(),
            relu,
            dtype,
        );
    }
    dx
}
