//! Each layer of a training step routed to where it runs fastest: on Burn's
//! CPU backend (flex) sweeplab's CPU kernels (`super::kernels`), in the
//! browser on WebGPU sweeplab's GPU kernels (`super::gpu`), both with the
//! same parameters and maths as Burn's modules; on other backends and for
//! shapes the kernels do not cover, Burn's modules unchanged.
//!
//! Measured with `bench/src/bin/layers.rs` (batch 64, reference CNN shapes,
//! forward + backward, 1 thread): conv 16->32 18.1 -> 8.1 ms, the first conv
//! 7.4 -> 2.1 ms, batch norm 5.4 -> 2.4 ms, ReLU + max pool 8.4 -> 1.5 ms.

use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2d;
use burn::nn::{BatchNorm, Linear, PaddingConfig2d};
use burn::prelude::*;

use super::{gpu, kernels};

/// Whether `conv` is one this module computes itself: square odd kernel,
/// "same" padding, stride 1, no dilation, no groups.
pub(super) fn supported(conv: &Conv2d) -> bool {
    let [k, k2] = conv.kernel_size;
    let p = k / 2;
    let same = match conv.padding {
        PaddingConfig2d::Explicit(t, l, b, r) => [t, l, b, r] == [p; 4],
        PaddingConfig2d::Same => true,
        PaddingConfig2d::Valid => p == 0,
    };
    k == k2
        && k % 2 == 1
        && same
        && conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
}

/// `conv.forward(x)`; when `conv` is [`supported`], on flex sweeplab's im2col
/// kernel (forward, weight gradient and input gradient are one matmul each
/// over the whole batch, and the first layer, whose input needs no gradient,
/// skips the input gradient), and in the browser on WebGPU sweeplab's blocked
/// kernels (`super::gpu`).
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let (cpu, gpu) = (kernels::applies(&x), gpu::applies(&x));
    if !(supported(conv) && (cpu || gpu)) {
        return conv.forward(x);
    }
    let weight = conv.weight.val();
    let bias = match &conv.bias {
        Some(b) => b.val(),
        None => Tensor::zeros([weight.dims()[0]], &x.device()),
    };
    if cpu {
        kernels::conv2d_same(x, weight, bias)
    } else {
        gpu::conv2d_same(x, weight, bias)
    }
}

/// `linear.forward(x)`; in the browser on WebGPU, sweeplab's tiled matrix
/// product (`super::gpu`) plus the bias.
pub fn linear(linear: &Linear, x: Tensor<2>) -> Tensor<2> {
    if !gpu::applies(&x) {
        return linear.forward(x);
    }
    let y = gpu::matmul(x, linear.weight.val());
    match &linear.bias {
        Some(bias) => y + bias.val().unsqueeze(),
        None => y,
    }
}

/// Whether `pool` on `x` is 2x2 max pooling with stride 2 and no padding on
/// flex or in the browser on WebGPU, which [`max_pool`] computes with
/// sweeplab's kernels.
pub fn max_pool_applies(pool: &MaxPool2d, x: &Tensor<4>) -> bool {
    pool.kernel_size == [2, 2]
        && pool.stride == [2, 2]
        && pool.dilation == [1, 1]
        && matches!(pool.padding, PaddingConfig2d::Valid)
        && !pool.ceil_mode
        && (kernels::applies(x) || gpu::applies(x))
}

/// `pool.forward(x)`, after a ReLU when `relu` is set; where
/// [`max_pool_applies`], one pass of sweeplab's kernel keeping each window's
/// winner for the backward pass (flex's pool with indices: 5.7 ms for the
/// reference CNN's first pool at batch 64).
pub fn max_pool(pool: &MaxPool2d, x: Tensor<4>, relu: bool) -> Tensor<4> {
    if max_pool_applies(pool, &x) {
        return if kernels::applies(&x) {
            kernels::max_pool2x2(x, relu)
        } else {
            gpu::max_pool2x2(x, relu)
        };
    }
    let x = if relu {
        burn::tensor::activation::relu(x)
    } else {
        x
    };
    pool.forward(x)
}

/// `norm.forward(x)`; in training on flex (and in the browser on WebGPU),
/// sweeplab's kernels over a `[batch, channels, pixels]` view (statistics,
/// normalisation and backward in one pass each), with the running
/// statistics updated as Burn does (momentum, biased variance).
pub fn batch_norm<const D: usize>(norm: &BatchNorm, x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    let (cpu, gpu) = (kernels::applies(&x), gpu::applies(&x));
    if !(device.is_autodiff() && norm.training.is_enabled() && (cpu || gpu)) {
        return norm.forward(x);
    }
    let dims = x.dims();
    let (b, c) = (dims[0], dims[1]);
    let pixels = dims[2..].iter().product::<usize>();
    let x3 = x.reshape([b, c, pixels]);
    let (gamma, beta) = (norm.gamma.val(), norm.beta.val());
    let (moments, out) = if cpu {
        let moments = kernels::channel_moments(x3.clone());
        let out = kernels::batch_norm_train(x3, gamma, beta, moments.clone(), norm.epsilon);
        (moments, out)
    } else {
        let moments = gpu::channel_moments(x3.clone());
        let out = gpu::batch_norm_train(x3, gamma, beta, moments.clone(), norm.epsilon);
        (moments, out)
    };
    let [mean, var] = [0, 1].map(|i| moments.clone().slice([0..c, i..i + 1]).reshape([c]));

    let m = norm.momentum;
    let running_mean = norm.running_mean.value_sync().to_device(&device);
    let running_var = norm.running_var.value_sync().to_device(&device);
    norm.running_mean
        .update((running_mean * (1.0 - m) + mean * m).detach());
    norm.running_var
        .update((running_var * (1.0 - m) + var * m).detach());
    out.reshape(dims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::BatchNormConfig;
    use burn::nn::conv::Conv2dConfig;
    use burn::tensor::{Distribution, Gradients, Tolerance};

    fn device() -> Device {
        Device::flex().autodiff()
    }

    fn close<const D: usize>(a: Tensor<D>, b: Tensor<D>) {
        a.into_data()
            .assert_approx_eq::<f32>(&b.into_data(), Tolerance::rel_abs(1e-4, 1e-4));
    }

    /// Checks that `ours` and `theirs` agree in value; their gradients under a
    /// loss that weighs every output by `w`.
    fn backward_both<const D: usize>(
        ours: Tensor<D>,
        theirs: Tensor<D>,
        w: Tensor<D>,
    ) -> (Gradients, Gradients) {
        close(ours.clone(), theirs.clone());
        (
            (ours * w.clone()).sum().backward(),
            (theirs * w).sum().backward(),
        )
    }

    #[test]
    fn flex_is_recognised_with_and_without_autodiff() {
        assert!(kernels::on_flex(&Device::flex()));
        assert!(kernels::on_flex(&device()));
    }

    #[test]
    fn first_layer_convolution_matches_burn_in_value_and_gradients() {
        let device = device();
        for (c_in, c_out, k) in [(1, 16, 3), (3, 8, 5)] {
            let conv = Conv2dConfig::new([c_in, c_out], [k, k])
                .with_padding(PaddingConfig2d::Explicit(k / 2, k / 2, k / 2, k / 2))
                .init(&device);
            let x = Tensor::<4>::random([4, c_in, 9, 7], Distribution::Default, &device);
            // A loss that weighs every output differently.
            let w = Tensor::<4>::random([4, c_out, 9, 7], Distribution::Default, &device);
            let ours = conv2d(&conv, x.clone());
            let theirs = conv.forward(x);
            let (g_ours, g_theirs) = backward_both(ours, theirs, w);
            close(
                conv.weight.grad(&g_ours).unwrap(),
                conv.weight.grad(&g_theirs).unwrap(),
            );
            let bias = conv.bias.as_ref().unwrap();
            close(bias.grad(&g_ours).unwrap(), bias.grad(&g_theirs).unwrap());
        }
    }

    #[test]
    fn tracked_inputs_get_burns_input_and_weight_gradients() {
        let device = device();
        // 3x3 and 5x5 with bias, and the residual path's 1x1 projection
        // without; 11 samples span a full and a partial group of the
        // kernel's weight-gradient sum.
        for (k, bias) in [(3, true), (5, true), (1, false)] {
            let conv = Conv2dConfig::new([2, 3], [k, k])
                .with_padding(PaddingConfig2d::Explicit(k / 2, k / 2, k / 2, k / 2))
                .with_bias(bias)
                .init(&device);
            assert!(supported(&conv));
            let leaf =
                Tensor::<4>::random([11, 2, 6, 5], Distribution::Default, &device).require_grad();
            let w = Tensor::<4>::random([11, 3, 6, 5], Distribution::Default, &device);
            // The output of a tracked op, as every block after the first sees.
            let x = leaf.clone() * 2.0;
            assert!(x.is_tracked());
            let ours = conv2d(&conv, x);
            // A fresh graph for the reference: a tape is consumed by backward.
            let theirs = conv.forward(leaf.clone() * 2.0);
            let (ga, gb) = backward_both(ours, theirs, w);
            close(leaf.grad(&ga).unwrap(), leaf.grad(&gb).unwrap());
            close(
                conv.weight.grad(&ga).unwrap(),
                conv.weight.grad(&gb).unwrap(),
            );
        }
    }

    #[test]
    fn max_pool_matches_burn_in_value_and_gradient_with_and_without_relu() {
        let device = device();
        let pool = burn::nn::pool::MaxPool2dConfig::new([2, 2]).init();
        // Odd sizes leave a trailing row and column out of every window.
        let leaf = Tensor::<4>::random([3, 4, 7, 5], Distribution::Normal(0.0, 1.0), &device)
            .require_grad();
        let w = Tensor::<4>::random([3, 4, 3, 2], Distribution::Default, &device);
        for relu in [false, true] {
            let x = leaf.clone() * 1.0;
            assert!(max_pool_applies(&pool, &x));
            let ours = max_pool(&pool, x, relu);
            let input = leaf.clone() * 1.0;
            let input = if relu {
                burn::tensor::activation::relu(input)
            } else {
                input
            };
            let theirs = pool.forward(input);
            let (ga, gb) = backward_both(ours, theirs, w.clone());
            close(leaf.grad(&ga).unwrap(), leaf.grad(&gb).unwrap());
        }
        // Without autodiff (validation) the kernel gives the same values.
        let plain = Tensor::<4>::random([2, 3, 6, 6], Distribution::Default, &Device::flex());
        close(max_pool(&pool, plain.clone(), false), pool.forward(plain));
    }

    #[test]
    fn batch_norm_matches_burn_in_value_gradients_and_running_statistics() {
        let device = device();
        let ours = BatchNormConfig::new(5).init(&device);
        let theirs = BatchNormConfig::new(5).init(&device);
        let x = Tensor::<4>::random([6, 5, 4, 3], Distribution::Normal(2.0, 3.0), &device)
            .require_grad();
        let w = Tensor::<4>::random([6, 5, 4, 3], Distribution::Default, &device);
        let a = batch_norm(&ours, x.clone());
        let b = theirs.forward(x.clone());
        let (ga, gb) = backward_both(a, b, w);
        close(x.grad(&ga).unwrap(), x.grad(&gb).unwrap());
        close(
            ours.gamma.grad(&ga).unwrap(),
            theirs.gamma.grad(&gb).unwrap(),
        );
        close(ours.beta.grad(&ga).unwrap(), theirs.beta.grad(&gb).unwrap());
        close(ours.running_mean.value(), theirs.running_mean.value());
        close(ours.running_var.value(), theirs.running_var.value());

        // Dense features ([batch, features]) take the same path.
        let x2 = Tensor::<2>::random([8, 5], Distribution::Default, &device);
        close(batch_norm(&ours, x2.clone()), theirs.forward(x2));
    }
}
