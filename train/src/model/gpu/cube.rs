//! [`GpuKernels`] for Burn's cubecl backend: each method launches the
//! kernels of `conv`, `pool` or `norm`.

use burn_cubecl::CubeBackend;
use burn_cubecl::tensor::CubeTensor;

use super::{GpuKernels, conv, matmul, norm, pool};

impl GpuKernels for CubeBackend {
    fn conv2d_same_gpu(x: CubeTensor, weight: CubeTensor, bias: CubeTensor) -> CubeTensor {
        conv::forward(x, weight, bias)
    }

    fn conv2d_same_weight_grad(x: CubeTensor, grad: CubeTensor, k: usize) -> CubeTensor {
        conv::weight_grad(x, grad, k)
    }

    fn max_pool2x2_gpu(x: CubeTensor, relu: bool) -> CubeTensor {
        pool::forward(x, relu)
    }

    fn max_pool2x2_backward(x: CubeTensor, grad: CubeTensor, relu: bool) -> CubeTensor {
        pool::backward(x, grad, relu)
    }

    fn channel_moments_gpu(x: CubeTensor) -> CubeTensor {
        norm::channel_sums(x, None, None, 0.0)
    }

    fn batch_norm_train_gpu(
        x: CubeTensor,
        gamma: CubeTensor,
        beta: CubeTensor,
        moments: CubeTensor,
        epsilon: f64,
    ) -> CubeTensor {
        norm::normalise(x, gamma, beta, moments, None, epsilon)
    }

    fn batch_norm_grad_sums(
        x: CubeTensor,
        grad: CubeTensor,
        moments: CubeTensor,
        epsilon: f64,
    ) -> CubeTensor {
        norm::channel_sums(x, Some(grad), Some(moments), epsilon)
    }

    fn batch_norm_input_grad(
        x: CubeTensor,
        grad: CubeTensor,
        gamma: CubeTensor,
        moments: CubeTensor,
        sums: CubeTensor,
        epsilon: f64,
    ) -> CubeTensor {
        norm::normalise(
            x,
            gamma.clone(),
            gamma,
            moments,
            Some((grad, sums)),
            epsilon,
        )
    }

    fn matmul_gpu(a: CubeTensor, b: CubeTensor) -> CubeTensor {
        matmul::matmul(a, b)
    }
}
