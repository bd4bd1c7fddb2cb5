//! Autodiff-side glue of the WebGPU kernels: [`GpuKernels`] for
//! `Autodiff<Cube>`, the convolution registering its backward pass.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::FloatTensorOps;
use burn::backend::{Autodiff, Cube, TensorMetadata, tensor::FloatTensor};

use burn::tensor::Slice;

use super::GpuKernels;

/// Backward of [`GpuKernels::conv2d_same_gpu`]: the weight gradient by the
/// blocked reduction kernel, the bias gradient as a sum, the input gradient
/// as the same convolution kernel over the output gradient with the weight
/// transposed and flipped (skipped for the network's first layer).
#[derive(Debug)]
struct ConvBackward;

impl Backward<Cube, 3> for ConvBackward {
    /// Input, weight.
    type State = (FloatTensor<Cube>, FloatTensor<Cube>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_weight, node_bias] = ops.parents;
        let grad = grads.consume::<Cube>(&ops.node);
        let (x, weight) = ops.state;
        let [c_out, c_in, k, _] = weight.shape().dims();
        if let Some(node) = node_weight {
            let dw = Cube::conv2d_same_weight_grad(x, grad.clone(), k);
            grads.register::<Cube>(node.id, dw);
        }
        if let Some(node) = node_bias {
            let db = Cube::float_sum_dim(Cube::float_sum_dim(grad.clone(), 3), 2);
            let db = Cube::float_sum_dim(db, 0);
            grads.register::<Cube>(node.id, Cube::float_reshape(db, [c_out].into()));
        }
        if let Some(node) = node_x {
            let flipped = Cube::float_flip(Cube::float_swap_dims(weight, 0, 1), &[2, 3]);
            let zero = Cube::float_zeros([c_in].into(), &grad.device(), grad.dtype().into());
            let dx = Cube::conv2d_same_gpu(grad, flipped, zero);
            grads.register::<Cube>(node.id, dx);
        }
    }
}

/// Backward of [`GpuKernels::max_pool2x2_gpu`]: each window's winner found
/// again from the saved input gets the output's gradient.
#[derive(Debug)]
struct MaxPoolBackward;

impl Backward<Cube, 1> for MaxPoolBackward {
    /// Input, and whether a ReLU came first.
    type State = (FloatTensor<Cube>, bool);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [parent] = ops.parents;
        let grad = grads.consume::<Cube>(&ops.node);
        let (x, relu) = ops.state;
        if let Some(node) = parent {
            grads.register::<Cube>(node.id, Cube::max_pool2x2_backward(x, grad, relu));
        }
    }
}

/// Backward of [`GpuKernels::batch_norm_train_gpu`]: `beta` and `gamma` get
/// the per-channel sums, `x` the full gradient through the batch
/// statistics; the moments get none (they are an input computed without a
/// gradient, and their effect is inside `x`'s).
#[derive(Debug)]
struct BatchNormBackward;

impl Backward<Cube, 4> for BatchNormBackward {
    /// Input, gamma, moments, epsilon.
    type State = (FloatTensor<Cube>, FloatTensor<Cube>, FloatTensor<Cube>, f64);

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_gamma, node_beta, _] = ops.parents;
        let grad = grads.consume::<Cube>(&ops.node);
        let (x, gamma, moments, eps) = ops.state;
        let c = gamma.shape()[0];
        let sums = Cube::batch_norm_grad_sums(x.clone(), grad.clone(), moments.clone(), eps);
        let column = |i: usize| {
            let col = Cube::float_slice(sums.clone(), &[Slice::from(0..c), Slice::from(i..i + 1)]);
            Cube::float_reshape(col, [c].into())
        };
        if let Some(node) = node_beta {
            grads.register::<Cube>(node.id, column(0));
        }
        if let Some(node) = node_gamma {
            grads.register::<Cube>(node.id, column(1));
        }
        if let Some(node) = node_x {
            let dx = Cube::batch_norm_input_grad(x, grad, gamma, moments, sums, eps);
            grads.register::<Cube>(node.id, dx);
        }
    }
}

/// Backward of [`GpuKernels::matmul_gpu`]: `grad * b^T` and `a^T * grad`,
/// the transposes as views.
#[derive(Debug)]
struct MatmulBackward;

impl Backward<Cube, 2> for MatmulBackward {
    /// Both operands.
    type State = (FloatTensor<Cube>, FloatTensor<Cube>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_a, node_b] = ops.parents;
        let grad = grads.consume::<Cube>(&ops.node);
        let (a, b) = ops.state;
        if let Some(node) = node_a {
            let da = Cube::matmul_gpu(grad.clone(), Cube::float_swap_dims(b, 0, 1));
            grads.register::<Cube>(node.id, da);
        }
        if let Some(node) = node_b {
            grads.register::<Cube>(
                node.id,
                Cube::matmul_gpu(Cube::float_swap_dims(a, 0, 1), grad),
            );
        }
    }
}

impl<C: CheckpointStrategy> GpuKernels for Autodiff<Cube, C> {
    fn matmul_gpu(a: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self> {
        let prep = MatmulBackward
            .prepare::<C>([a.node(), b.node()])
            .compute_bound()
            .stateful();
        let (a, b) = (a.into_primitive(), b.into_primitive());
        let out = Cube::matmul_gpu(a.clone(), b.clone());
        match prep {
            OpsKind::Tracked(prep) => prep.finish((a, b), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn channel_moments_gpu(x: FloatTensor<Self>) -> FloatTensor<Self> {
        FloatTensor::<Self>::new(Cube::channel_moments_gpu(x.into_primitive()))
    }

    fn batch_norm_train_gpu(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        let prep = BatchNormBackward
            .prepare::<C>([x.node(), gamma.node(), beta.node(), moments.node()])
            .compute_bound()
            .stateful();
        let (x, gamma) = (x.into_primitive(), gamma.into_primitive());
        let moments = moments.into_primitive();
        let out = Cube::batch_norm_train_gpu(
            x.clone(),
            gamma.clone(),
            beta.into_primitive(),
            moments.clone(),
            epsilon,
        );
        match prep {
            OpsKind::Tracked(prep) => prep.finish((x, gamma, moments, epsilon), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn batch_norm_grad_sums(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        FloatTensor::<Self>::new(Cube::batch_norm_grad_sums(
            x.into_primitive(),
            grad.into_primitive(),
            moments.into_primitive(),
            epsilon,
        ))
    }

    fn batch_norm_input_grad(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        sums: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        FloatTensor::<Self>::new(Cube::batch_norm_input_grad(
            x.into_primitive(),
            grad.into_primitive(),
            gamma.into_primitive(),
            moments.into_primitive(),
            sums.into_primitive(),
            epsilon,
        ))
    }

    fn max_pool2x2_gpu(x: FloatTensor<Self>, relu: bool) -> FloatTensor<Self> {
        match MaxPoolBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let x = x.into_primitive();
                let out = Cube::max_pool2x2_gpu(x.clone(), relu);
                prep.finish((x, relu), out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(Cube::max_pool2x2_gpu(x.into_primitive(), relu))
            }
        }
    }

    fn max_pool2x2_backward(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        relu: bool,
    ) -> FloatTensor<Self> {
        FloatTensor::<Self>::new(Cube::max_pool2x2_backward(
            x.into_primitive(),
            grad.into_primitive(),
            relu,
        ))
    }

    fn conv2d_same_gpu(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let prep = ConvBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful();
        let x = x.into_primitive();
        let weight = weight.into_primitive();
        let out = Cube::conv2d_same_gpu(x.clone(), weight.clone(), bias.into_primitive());
        match prep {
            OpsKind::Tracked(prep) => prep.finish((x, weight), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn conv2d_same_weight_grad(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        k: usize,
    ) -> FloatTensor<Self> {
        FloatTensor::<Self>::new(Cube::conv2d_same_weight_grad(
            x.into_primitive(),
            grad.into_primitive(),
            k,
        ))
    }
}
