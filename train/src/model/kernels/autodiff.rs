//! Autodiff-side glue of the kernels: [`CpuKernels`] for `Autodiff<Flex>`,
//! each op registering its hand-written backward pass.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::{Autodiff, Flex, tensor::FloatTensor};
use burn_flex::FlexTensor;
use std::sync::Arc;

use super::flex::{
    contiguous, conv_forward, dims4, geometry, moments_of, norm_forward, normalisers, planes,
    pool_forward, tensor, values,
};
use super::{CpuKernels, conv, norm, pool};

/// Backward of [`CpuKernels::max_pool2x2`]: routes each output's gradient to
/// the input that won its window.
#[derive(Debug)]
struct MaxPoolBackward;

impl Backward<Flex, 1> for MaxPoolBackward {
    /// Winner of each window, and the input's dims.
    type State = (Arc<Vec<u8>>, [usize; 4]);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [parent] = ops.parents;
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let (argmax, [b, c, h, w]) = ops.state;
        if let Some(node) = parent {
            let dx = pool::backward(values(&grad), &argmax, [h, w]);
            grads.register::<Flex>(node.id, tensor(dx, [b, c, h, w]));
        }
    }
}

/// Backward of [`CpuKernels::conv2d_same`]: bias and weight gradients from
/// the output gradient and the saved input, the input gradient from the
/// saved weight (skipped for the network's first layer).
#[derive(Debug)]
struct ConvBackward;

impl Backward<Flex, 3> for ConvBackward {
    /// Input, weight.
    type State = (FlexTensor, FlexTensor);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_weight, node_bias] = ops.parents;
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let (x, weight) = ops.state;
        let g = geometry(&x, &weight);
        if node_weight.is_some() || node_bias.is_some() {
            let (dw, db) = conv::weight_grad(values(&grad), values(&x), g);
            if let Some(node) = node_weight {
                grads.register::<Flex>(node.id, tensor(dw, [g.c_out, g.channels, g.k, g.k]));
            }
            if let Some(node) = node_bias {
                grads.register::<Flex>(node.id, tensor(db, [g.c_out]));
            }
        }
        if let Some(node) = node_x {
            let dx = conv::input_grad(values(&grad), values(&weight), g);
            grads.register::<Flex>(node.id, tensor(dx, [g.batch, g.channels, g.h, g.w]));
        }
    }
}

/// Backward of [`CpuKernels::batch_norm_train`].
#[derive(Debug)]
struct BatchNormBackward;

impl Backward<Flex, 4> for BatchNormBackward {
    /// Input, gamma, per-channel `[mean, inv_std]`.
    type State = (FlexTensor, FlexTensor, Arc<Vec<[f32; 2]>>);

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_gamma, node_beta, _] = ops.parents;
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let (x, gamma, n) = ops.state;
        let s = planes(&x);
        let (dx, dgamma, dbeta) = norm::backward(values(&grad), values(&x), s, &n, values(&gamma));
        if let Some(node) = node_x {
            grads.register::<Flex>(node.id, tensor(dx, x.layout().shape().clone()));
        }
        if let Some(node) = node_gamma {
            grads.register::<Flex>(node.id, tensor(dgamma, [s.channels]));
        }
        if let Some(node) = node_beta {
            grads.register::<Flex>(node.id, tensor(dbeta, [s.channels]));
        }
    }
}

impl<C: CheckpointStrategy> CpuKernels for Autodiff<Flex, C> {
    fn channel_moments(x: FloatTensor<Self>) -> FloatTensor<Self> {
        FloatTensor::<Self>::new(moments_of(&contiguous(x.into_primitive())))
    }

    fn batch_norm_train(
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
        let x = contiguous(x.into_primitive());
        let gamma = contiguous(gamma.into_primitive());
        let beta = contiguous(beta.into_primitive());
        let n = normalisers(&contiguous(moments.into_primitive()), epsilon);
        let out = norm_forward(&x, &gamma, &beta, &n);
        match prep {
            OpsKind::Tracked(prep) => prep.finish((x, gamma, Arc::new(n)), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn conv2d_same(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let prep = ConvBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful();
        let x = contiguous(x.into_primitive());
        let weight = contiguous(weight.into_primitive());
        let bias = contiguous(bias.into_primitive());
        let out = conv_forward(&x, &weight, &bias);
        match prep {
            OpsKind::Tracked(prep) => prep.finish((x, weight), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn max_pool2x2(x: FloatTensor<Self>, relu: bool) -> FloatTensor<Self> {
        match MaxPoolBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let input = contiguous(x.into_primitive());
                let dims = dims4(&input);
                let [b, c, h, w] = dims;
                let mut argmax = vec![0u8; b * c * (h / 2) * (w / 2)];
                let out = pool_forward(&input, relu, Some(&mut argmax));
                prep.finish((Arc::new(argmax), dims), out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(pool_forward(&contiguous(x.into_primitive()), relu, None))
            }
        }
    }
}
