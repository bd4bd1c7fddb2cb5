//! Stands in for the WebGPU kernels (`gpu.rs`) in builds without the `gpu`
//! feature (the browser's CPU worker): no tensor can live on a cubecl device
//! there, so [`applies`] is always false and the layers never call the rest.

use burn::prelude::*;

/// Always false: this build has no cubecl (wgpu) device.
pub fn applies<const D: usize>(_x: &Tensor<D>) -> bool {
    false
}

const ABSENT: &str = "sweeplab-train was built without the `gpu` feature";

/// Never called: [`applies`] is false.
pub fn max_pool2x2(_x: Tensor<4>, _relu: bool) -> Tensor<4> {
    unreachable!("{ABSENT}")
}

/// Never called: [`applies`] is false.
pub fn matmul(_a: Tensor<2>, _b: Tensor<2>) -> Tensor<2> {
    unreachable!("{ABSENT}")
}

/// Never called: [`applies`] is false.
pub fn channel_moments(_x: Tensor<3>) -> Tensor<2> {
    unreachable!("{ABSENT}")
}

/// Never called: [`applies`] is false.
pub fn batch_norm_train(
    _x: Tensor<3>,
    _gamma: Tensor<1>,
    _beta: Tensor<1>,
    _moments: Tensor<2>,
    _epsilon: f64,
) -> Tensor<3> {
    unreachable!("{ABSENT}")
}

/// Never called: [`applies`] is false.
pub fn conv2d_same(_x: Tensor<4>, _weight: Tensor<4>, _bias: Tensor<1>) -> Tensor<4> {
    unreachable!("{ABSENT}")
}
