//! Autodiff-side glue of the WebGPU kernels: [`GpuKernels`] for
//! `Autodiff<Cube>`, the convolution registering its backward pass.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::FloatTensorOps;
use burn::backend::{Autodiff, Cube, TensorMetadata, tensor::FloatTensor};

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

impl<C: CheckpointStrategy> GpuKernels for Autodiff<Cube, C> {
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
