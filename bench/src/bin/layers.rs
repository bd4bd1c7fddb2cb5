//! Per-layer cost of the reference CNN on the CPU backend: forward + backward
//! time of each layer at the shapes it sees in training (batch 64), Burn's
//! module next to sweeplab's CPU kernels (`sweeplab_train::model::layers`), so
//! speed work starts from a measurement. `RAYON_NUM_THREADS=1` shows the cost
//! of one job of a parallel sweep.
//!
//! usage: layers [ITERATIONS]

use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{BatchNormConfig, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::relu;
use sweeplab_train::model::layers;

/// Prints the mean milliseconds of `iters` calls of `f` after 3 warm-up calls.
fn timed(name: &str, iters: usize, f: &dyn Fn()) {
    for _ in 0..3 {
        f();
    }
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    let ms = t.elapsed().as_secs_f64() * 1e3 / iters as f64;
    println!("{name:<34} {ms:8.3} ms");
}

/// Forward + backward of `f` on an input of `shape` that needs a gradient.
fn layer<const D: usize>(
    name: &str,
    iters: usize,
    shape: [usize; D],
    device: &Device,
    f: &dyn Fn(Tensor<D>) -> Tensor<D>,
) {
    let input = Tensor::<D>::random(shape, Distribution::Default, device);
    timed(name, iters, &|| {
        let x = input.clone().detach().require_grad();
        let grads = f(x.clone()).sum().backward();
        let _ = x.grad(&grads).expect("input gradient").into_data();
    });
}

/// Forward + backward of the network's first convolution: its input (the
/// images) needs no gradient, its weight does.
fn first_conv(name: &str, iters: usize, conv: &Conv2d, device: &Device, ours: bool) {
    let input = Tensor::<4>::random([64, 1, 28, 28], Distribution::Default, device);
    timed(name, iters, &|| {
        let y = if ours {
            layers::conv2d(conv, input.clone())
        } else {
            conv.forward(input.clone())
        };
        let grads = y.sum().backward();
        let _ = conv
            .weight
            .grad(&grads)
            .expect("weight gradient")
            .into_data();
    });
}

fn main() {
    let iters = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let device = Device::flex().autodiff();
    let pad = PaddingConfig2d::Explicit(1, 1, 1, 1);
    let conv1 = Conv2dConfig::new([1, 16], [3, 3])
        .with_padding(pad.clone())
        .init(&device);
    let conv2 = Conv2dConfig::new([16, 32], [3, 3])
        .with_padding(pad)
        .init(&device);
    let bn1 = BatchNormConfig::new(16).init(&device);
    let bn2 = BatchNormConfig::new(32).init(&device);
    let pool = MaxPool2dConfig::new([2, 2]).init();
    let fc = LinearConfig::new(1568, 64).init(&device);

    layer("baseline x*2 @28", iters, [64, 16, 28, 28], &device, &|x| {
        x * 2.0
    });
    first_conv("conv1 1->16 @28 (burn)", iters, &conv1, &device, false);
    first_conv("conv1 1->16 @28 (sweeplab)", iters, &conv1, &device, true);
    layer(
        "conv2 16->32 @14 (burn)",
        iters,
        [64, 16, 14, 14],
        &device,
        &|x| conv2.forward(x),
    );
    layer(
        "conv2 16->32 @14 (sweeplab)",
        iters,
        [64, 16, 14, 14],
        &device,
        &|x| layers::conv2d(&conv2, x),
    );
    for (bn, shape) in [(&bn1, [64, 16, 28, 28]), (&bn2, [64, 32, 14, 14])] {
        let name = format!("batchnorm {} @{}", shape[1], shape[2]);
        layer(&format!("{name} (burn)"), iters, shape, &device, &|x| {
            bn.forward(x)
        });
        layer(&format!("{name} (sweeplab)"), iters, shape, &device, &|x| {
            layers::batch_norm(bn, x)
        });
    }
    layer("relu 16 @28", iters, [64, 16, 28, 28], &device, &relu);
    for shape in [[64, 16, 28, 28], [64, 32, 14, 14]] {
        let name = format!("relu + maxpool {} @{}", shape[1], shape[2]);
        layer(&format!("{name} (burn)"), iters, shape, &device, &|x| {
            pool.forward(relu(x))
        });
        layer(&format!("{name} (sweeplab)"), iters, shape, &device, &|x| {
            layers::max_pool(&pool, x, true)
        });
    }
    layer("linear 1568->64", iters, [64, 1568], &device, &|x| {
        fc.forward(x)
    });
}
