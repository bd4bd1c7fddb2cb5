//! Hand-written WebGPU kernels for the convolutions that dominate a CNN's
//! training step on Burn's cubecl backend in the browser, with their backward
//! pass, plugged in through Burn's backend-extension API
//! (`#[backend_extension(Cube, Fusion, Autodiff)]`).
//!
//! Burn's own convolution (without autotune, as in the browser) is its direct
//! kernel: one output vector per invocation, the input relaid out to NHWC and
//! back, and the weight gradient as another direct convolution. Here one
//! invocation computes a row segment of pixels for a block of output
//! channels straight from NCHW, so each input and weight value it loads feeds
//! many multiply-adds; the weight gradient is a blocked reduction over
//! (sample, row block) chunks, summed afterwards. Tested against Burn's
//! `Conv2d` for values and gradients (`super::layers`' tests).

mod autodiff;
mod conv;
mod cube;
mod matmul;
mod norm;
mod pool;

use burn::backend::{Dispatch, backend_extension, tensor::FloatTensor};
use burn::prelude::*;

pub use conv::{conv_output_shape, weight_grad_shape};
pub use matmul::matmul_shape;
pub use norm::channel_pairs_shape;
pub use pool::pool_output_shape;

/// Convolutions computed by sweeplab's own WebGPU kernels.
#[backend_extension(Cube, Fusion, Autodiff)]
pub trait GpuKernels: burn::backend::Backend {
    /// Stride-1 convolution of `[batch, c_in, h, w]` with `weight`
    /// `[c_out, c_in, k, k]` (odd `k`, padding `k / 2`) plus `bias` `[c_out]`.
    #[fusion(dtype = x, shape = conv_output_shape(x, weight))]
    fn conv2d_same_gpu(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// Gradient of [`GpuKernels::conv2d_same_gpu`] with respect to its weight
    /// `[c_out, c_in, k, k]`, from the input `x` and the output gradient
    /// `grad`; never differentiated.
    #[fusion(dtype = x, shape = weight_grad_shape(x, grad, k))]
    fn conv2d_same_weight_grad(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        k: usize,
    ) -> FloatTensor<Self>;

    /// 2x2 max pooling with stride 2 of `[batch, channels, h, w]`, after a
    /// ReLU when `relu` is set.
    #[fusion(dtype = x, shape = pool_output_shape(x))]
    fn max_pool2x2_gpu(x: FloatTensor<Self>, relu: bool) -> FloatTensor<Self>;

    /// Gradient of [`GpuKernels::max_pool2x2_gpu`] with respect to `x`, from
    /// the output gradient `grad`; never differentiated.
    #[fusion(dtype = x, shape = x)]
    fn max_pool2x2_backward(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        relu: bool,
    ) -> FloatTensor<Self>;

    /// Per-channel `[mean, biased variance]` of `[batch, channels, pixels]`
    /// as `[channels, 2]`; never differentiated.
    #[fusion(dtype = x, shape = channel_pairs_shape(x))]
    fn channel_moments_gpu(x: FloatTensor<Self>) -> FloatTensor<Self>;

    /// Batch normalisation of `[batch, channels, pixels]` with the batch's
    /// `moments` (from [`GpuKernels::channel_moments_gpu`]), scale `gamma`
    /// and shift `beta` (`[channels]`).
    #[fusion(dtype = x, shape = x)]
    fn batch_norm_train_gpu(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;

    /// Per-channel `[sum grad, sum grad * x_hat]` of the normalisation's
    /// output gradient `grad`, as `[channels, 2]`: the gradients of `beta`
    /// and `gamma`; never differentiated.
    #[fusion(dtype = x, shape = channel_pairs_shape(x))]
    fn batch_norm_grad_sums(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;

    /// Gradient of [`GpuKernels::batch_norm_train_gpu`] with respect to `x`
    /// (through the batch statistics too), from `grad` and its `sums`
    /// ([`GpuKernels::batch_norm_grad_sums`]); never differentiated.
    #[fusion(dtype = x, shape = x)]
    fn batch_norm_input_grad(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        sums: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;

    /// Matrix product of `a` `[m, k]` and `b` `[k, n]`.
    #[fusion(dtype = a, shape = matmul_shape(a, b))]
    fn matmul_gpu(a: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// Whether the kernels can take `x`: `f32` on a cubecl (wgpu) device, in the
/// browser build. Natively Burn autotunes its convolutions on the real
/// adapter, which these kernels were not measured against.
pub fn applies<const D: usize>(x: &Tensor<D>) -> bool {
    cfg!(target_arch = "wasm32") && x.dtype() == burn::tensor::DType::F32 && on_cube(&x.device())
}

/// Whether `device` is Burn's cubecl backend (wgpu), with or without autodiff.
pub fn on_cube(device: &Device) -> bool {
    matches!(
        device.as_dispatch().clone().inner(),
        burn::backend::DispatchDevice::Cube(_)
    )
}

/// 2x2 max pooling with stride 2 of `[batch, channels, h, w]` (after a ReLU
/// when `relu` is set) on a cubecl device, with its gradient.
pub fn max_pool2x2(x: Tensor<4>, relu: bool) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as GpuKernels>::max_pool2x2_gpu(
        x.into_dispatch(),
        relu,
    ))
}

/// Matrix product of `a` `[m, k]` and `b` `[k, n]` on a cubecl device, with
/// its gradients.
pub fn matmul(a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
    Tensor::from_dispatch(<Dispatch as GpuKernels>::matmul_gpu(
        a.into_dispatch(),
        b.into_dispatch(),
    ))
}

/// Per-channel `[mean, biased variance]` of `[batch, channels, pixels]`, as
/// `[channels, 2]`, without a gradient, on a cubecl device.
pub fn channel_moments(x: Tensor<3>) -> Tensor<2> {
    Tensor::from_dispatch(<Dispatch as GpuKernels>::channel_moments_gpu(
        x.into_dispatch(),
    ))
}

/// Batch normalisation of `[batch, channels, pixels]` with the batch's
/// `moments` ([`channel_moments`]), with its gradients, on a cubecl device.
pub fn batch_norm_train(
    x: Tensor<3>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    moments: Tensor<2>,
    epsilon: f64,
) -> Tensor<3> {
    Tensor::from_dispatch(<Dispatch as GpuKernels>::batch_norm_train_gpu(
        x.into_dispatch(),
        gamma.into_dispatch(),
        beta.into_dispatch(),
        moments.into_dispatch(),
        epsilon,
    ))
}

/// Stride-1, "same"-padded convolution of `x` with `weight` and `bias` on a
/// cubecl device, with its gradients.
pub fn conv2d_same(x: Tensor<4>, weight: Tensor<4>, bias: Tensor<1>) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as GpuKernels>::conv2d_same_gpu(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::PaddingConfig2d;
    use burn::nn::conv::Conv2dConfig;
    use burn::tensor::{DeviceKind, Distribution, Tolerance};

    /// wgpu's default adapter (lavapipe or SwiftShader where there is no
    /// GPU), with autodiff.
    fn device() -> Device {
        Device::wgpu(DeviceKind::DefaultDevice).autodiff()
    }

    fn close<const D: usize>(a: Tensor<D>, b: Tensor<D>) {
        a.into_data()
            .assert_approx_eq::<f32>(&b.into_data(), Tolerance::rel_abs(1e-3, 1e-4));
    }

    #[test]
    fn wgpu_devices_are_recognised_with_and_without_autodiff() {
        assert!(on_cube(&device()));
        assert!(on_cube(&Device::wgpu(DeviceKind::DefaultDevice)));
        assert!(!on_cube(&Device::flex()));
    }

    /// Burn's CPU backend (flex), with autodiff: where the reference values
    /// and gradients are computed. Burn's own wgpu convolution and matmul
    /// would be as good a reference, but compiling their kernels (and every
    /// candidate autotune tries) on a cold lavapipe took 4.5 of these tests'
    /// 5.5 minutes.
    fn reference() -> Device {
        Device::flex().autodiff()
    }

    /// `t`'s values as a new leaf tensor on `device`.
    fn on<const D: usize>(t: &Tensor<D>, device: &Device) -> Tensor<D> {
        Tensor::from_data(t.to_data(), device)
    }

    #[test]
    fn convolution_matches_burn_in_value_and_all_gradients() {
        let (gpu, cpu) = (device(), reference());
        // The reference CNN's two layers; a 5x5 kernel with odd channel
        // counts (channel block 1) and a width of 7 (pixel block 7); the
        // residual path's 1x1 projection without bias; 28 rows give the
        // weight gradient several row chunks per sample.
        for (c_in, c_out, k, [h, w], bias) in [
            (1, 16, 3, [28, 28], true),
            (16, 32, 3, [14, 14], true),
            (3, 5, 5, [9, 7], true),
            (2, 6, 1, [6, 10], false),
        ] {
            let conv = Conv2dConfig::new([c_in, c_out], [k, k])
                .with_padding(PaddingConfig2d::Explicit(k / 2, k / 2, k / 2, k / 2))
                .with_bias(bias)
                .init(&cpu);
            assert!(crate::model::layers::supported(&conv));
            let x = Tensor::<4>::random([5, c_in, h, w], Distribution::Default, &cpu);
            // A loss that weighs every output differently.
            let weigh = Tensor::<4>::random([5, c_out, h, w], Distribution::Default, &cpu);
            // The output of a tracked op, as every block after the first sees.
            let leaf_cpu = x.clone().require_grad();
            let theirs = conv.forward(leaf_cpu.clone() * 2.0);
            let g_theirs = (theirs.clone() * weigh.clone()).sum().backward();

            let leaf = on(&x, &gpu).require_grad();
            let weight = on(&conv.weight.val(), &gpu).require_grad();
            let bias_gpu = match &conv.bias {
                Some(b) => on(&b.val(), &gpu).require_grad(),
                None => Tensor::zeros([c_out], &gpu),
            };
            let ours = conv2d_same(leaf.clone() * 2.0, weight.clone(), bias_gpu.clone());
            close(ours.clone(), theirs);
            let g_ours = (ours * on(&weigh, &gpu)).sum().backward();
            close(
                leaf.grad(&g_ours).unwrap(),
                leaf_cpu.grad(&g_theirs).unwrap(),
            );
            close(
                weight.grad(&g_ours).unwrap(),
                conv.weight.grad(&g_theirs).unwrap(),
            );
            if let Some(b) = &conv.bias {
                close(bias_gpu.grad(&g_ours).unwrap(), b.grad(&g_theirs).unwrap());
            }
        }
    }

    #[test]
    fn max_pool_matches_burn_in_value_and_gradient_with_and_without_relu() {
        let device = device();
        let pool = burn::nn::pool::MaxPool2dConfig::new([2, 2]).init();
        // Even sizes, and odd ones that leave a trailing row and column out
        // of every window.
        for [h, w] in [[8, 6], [7, 5]] {
            let leaf = Tensor::<4>::random([3, 4, h, w], Distribution::Normal(0.0, 1.0), &device)
                .require_grad();
            let weigh = Tensor::<4>::random([3, 4, h / 2, w / 2], Distribution::Default, &device);
            for relu in [false, true] {
                let ours = max_pool2x2(leaf.clone() * 1.0, relu);
                let input = leaf.clone() * 1.0;
                let input = if relu {
                    burn::tensor::activation::relu(input)
                } else {
                    input
                };
                let theirs = pool.forward(input);
                close(ours.clone(), theirs.clone());
                let ga = (ours * weigh.clone()).sum().backward();
                let gb = (theirs * weigh.clone()).sum().backward();
                close(leaf.grad(&ga).unwrap(), leaf.grad(&gb).unwrap());
            }
        }
        // Without autodiff (validation) the kernel gives the same values.
        let plain = Tensor::<4>::random(
            [2, 3, 6, 6],
            Distribution::Default,
            &Device::wgpu(DeviceKind::DefaultDevice),
        );
        close(max_pool2x2(plain.clone(), false), pool.forward(plain));
    }

    #[test]
    fn batch_norm_matches_burn_in_value_and_gradients() {
        let device = device();
        // Planes of 12 pixels (runs of 4) and of 7 (runs of 1).
        for [h, w] in [[4, 3], [7, 1]] {
            let norm = burn::nn::BatchNormConfig::new(5).init(&device);
            let x = Tensor::<4>::random([6, 5, h, w], Distribution::Normal(2.0, 3.0), &device)
                .require_grad();
            let weigh = Tensor::<4>::random([6, 5, h, w], Distribution::Default, &device);
            let x3 = x.clone().reshape([6, 5, h * w]);
            let moments = channel_moments(x3.clone());
            let ours =
                batch_norm_train(x3, norm.gamma.val(), norm.beta.val(), moments, norm.epsilon)
                    .reshape([6, 5, h, w]);
            let theirs = norm.forward(x.clone());
            close(ours.clone(), theirs.clone());
            let ga = (ours * weigh.clone()).sum().backward();
            let gb = (theirs * weigh).sum().backward();
            close(x.grad(&ga).unwrap(), x.grad(&gb).unwrap());
            close(norm.gamma.grad(&ga).unwrap(), norm.gamma.grad(&gb).unwrap());
            close(norm.beta.grad(&ga).unwrap(), norm.beta.grad(&gb).unwrap());
        }
    }

    #[test]
    fn matmul_matches_burn_in_value_and_gradients() {
        let (gpu, cpu) = (device(), reference());
        // The reference CNN's dense layer, and sizes that leave partial
        // 4x4 blocks.
        for [m, k, n] in [[64, 1568, 64], [5, 3, 7]] {
            let a_cpu = Tensor::<2>::random([m, k], Distribution::Default, &cpu).require_grad();
            let b_cpu = Tensor::<2>::random([k, n], Distribution::Default, &cpu).require_grad();
            let weigh = Tensor::<2>::random([m, n], Distribution::Default, &cpu);
            let theirs = (a_cpu.clone() * 1.0).matmul(b_cpu.clone() * 1.0);
            let gb = (theirs.clone() * weigh.clone()).sum().backward();

            let a = on(&a_cpu, &gpu).require_grad();
            let b = on(&b_cpu, &gpu).require_grad();
            let ours = matmul(a.clone() * 1.0, b.clone() * 1.0);
            close(ours.clone(), theirs);
            let ga = (ours * on(&weigh, &gpu)).sum().backward();
            close(a.grad(&ga).unwrap(), a_cpu.grad(&gb).unwrap());
            close(b.grad(&ga).unwrap(), b_cpu.grad(&gb).unwrap());
        }
    }

    #[test]
    fn block_sizes_divide_the_shapes() {
        assert_eq!(conv::pixel_block(28), 14);
        assert_eq!(conv::pixel_block(14), 14);
        assert_eq!(conv::pixel_block(7), 7);
        assert_eq!(conv::pixel_block(17), 1);
        assert_eq!(conv::channel_block(32), 4);
        assert_eq!(conv::channel_block(6), 2);
        assert_eq!(conv::channel_block(5), 1);
        // Enough invocations: one chunk per sample for the second layer,
        // one per row for the first.
        assert_eq!(conv::chunk_rows(64, 14, 8 * 16), 14);
        assert_eq!(conv::chunk_rows(64, 28, 4), 1);
    }
}
