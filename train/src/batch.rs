//! Batching: examples at given indices into tensors on any device.

use burn::prelude::*;

use sweeplab_core::data::{Dataset, ExampleShape};

/// The model inputs of one batch.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // tensors are handles; batches are moved, not stored
pub enum BatchInputs {
    /// Images `[batch, channels, height, width]`.
    Images(Tensor<4>),
    /// Padded sequences `[batch, steps, features]` and a one-hot marker of
    /// each sequence's last valid step `[batch, steps, 1]`.
    Sequences {
        /// The padded values.
        values: Tensor<3>,
        /// 1.0 at the last valid step, 0.0 elsewhere.
        last_step: Tensor<3>,
    },
    /// Table rows `[batch, features]`.
    Rows(Tensor<2>),
}

/// Inputs and labels of one batch.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Model inputs.
    pub inputs: BatchInputs,
    /// Class indices `[batch]`.
    pub labels: Tensor<1, Int>,
    /// Number of examples.
    pub size: usize,
}

/// The examples at `indices` as tensors on `device`.
pub fn batch(set: &Dataset, indices: &[usize], device: &Device) -> Batch {
    let n = indices.len();
    let width = set.shape.len();
    let mut values = Vec::with_capacity(n * width);
    for &i in indices {
        values.extend_from_slice(&set.features[i * width..(i + 1) * width]);
    }
    let labels: Vec<i32> = indices.iter().map(|&i| set.labels[i] as i32).collect();
    let inputs = match set.shape {
        ExampleShape::Image {
            channels,
            height,
            width,
        } => BatchInputs::Images(Tensor::from_data(
            TensorData::new(values, [n, channels, height, width]),
            device,
        )),
        ExampleShape::Sequence { steps, features } => {
            let mut last = vec![0f32; n * steps];
            for (row, &i) in indices.iter().enumerate() {
                last[row * steps + set.lengths[i].clamp(1, steps) - 1] = 1.0;
            }
            BatchInputs::Sequences {
                values: Tensor::from_data(TensorData::new(values, [n, steps, features]), device),
                last_step: Tensor::from_data(TensorData::new(last, [n, steps, 1]), device),
            }
        }
        ExampleShape::Row { features } => BatchInputs::Rows(Tensor::from_data(
            TensorData::new(values, [n, features]),
            device,
        )),
    };
    Batch {
        inputs,
        labels: Tensor::from_data(TensorData::new(labels, [n]), device),
        size: n,
    }
}
