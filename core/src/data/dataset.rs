//! In-memory examples and labels, ready to be batched for any backend.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// What one example looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleShape {
    /// A `channels x height x width` image.
    Image {
        /// Colour channels.
        channels: usize,
        /// Rows.
        height: usize,
        /// Columns.
        width: usize,
    },
    /// A sequence padded to `steps` time steps of `features` values each.
    Sequence {
        /// Padded length.
        steps: usize,
        /// Values per time step.
        features: usize,
    },
    /// A table row of `features` numeric values (a CSV file's feature
    /// columns).
    Row {
        /// Feature columns.
        features: usize,
    },
}

impl ExampleShape {
    /// Floats per example.
    pub fn len(&self) -> usize {
        match *self {
            ExampleShape::Image {
                channels,
                height,
                width,
            } => channels * height * width,
            ExampleShape::Sequence { steps, features } => steps * features,
            ExampleShape::Row { features } => features,
        }
    }

    /// Whether an example holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A labelled set of examples stored as one flat `f32` buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Shape of every example.
    pub shape: ExampleShape,
    /// `len() * shape.len()` values, example after example.
    pub features: Vec<f32>,
    /// Class index of every example.
    pub labels: Vec<u32>,
    /// Valid time steps of every sequence (empty for images).
    pub lengths: Vec<usize>,
    /// Number of classes.
    pub classes: usize,
}

impl Dataset {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The examples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let width = self.shape.len();
        let mut features = Vec::with_capacity(indices.len() * width);
        for &i in indices {
            features.extend_from_slice(&self.features[i * width..(i + 1) * width]);
        }
        Dataset {
            shape: self.shape,
            features,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            lengths: if self.lengths.is_empty() {
                Vec::new()
            } else {
                indices.iter().map(|&i| self.lengths[i]).collect()
            },
            classes: self.classes,
        }
    }

    /// At most `limit` examples, chosen by a seeded shuffle (kept in order).
    pub fn limit(&self, limit: Option<usize>, seed: u64) -> Dataset {
        match limit {
            Some(n) if n < self.len() => {
                let mut order = shuffled(self.len(), seed);
                order.truncate(n);
                order.sort_unstable();
                self.select(&order)
            }
            _ => self.clone(),
        }
    }

    /// Examples per class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &l in &self.labels {
            counts[l as usize] += 1;
        }
        counts
    }
}

/// `0..n` in an order fixed by `seed`.
pub fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    order
}

/// A training and a validation set of the same shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Splits {
    /// What the optimiser sees.
    pub train: Dataset,
    /// What accuracy is reported on.
    pub val: Dataset,
}

impl Splits {
    /// Standardise features with statistics of the training split: one mean
    /// and deviation for images, one per feature for sequences (padding
    /// stays zero) and table rows.
    pub fn normalise(mut self) -> Splits {
        match self.train.shape {
            ExampleShape::Image { .. } => {
                let (mean, std) = mean_std(self.train.features.iter().copied());
                for x in self
                    .train
                    .features
                    .iter_mut()
                    .chain(self.val.features.iter_mut())
                {
                    *x = (*x - mean) / std;
                }
            }
            ExampleShape::Sequence { steps, features } => {
                for f in 0..features {
                    let values = valid_values(&self.train, steps, features, f);
                    let (mean, std) = mean_std(values.into_iter());
                    for set in [&mut self.train, &mut self.val] {
                        for (i, &len) in set.lengths.iter().enumerate() {
                            for t in 0..len {
                                let x = &mut set.features[(i * steps + t) * features + f];
                                *x = (*x - mean) / std;
                            }
                        }
                    }
                }
            }
            ExampleShape::Row { features } => {
                for f in 0..features {
                    let column = self.train.features.iter().skip(f).step_by(features);
                    let (mean, std) = mean_std(column.copied());
                    for set in [&mut self.train, &mut self.val] {
                        for x in set.features.iter_mut().skip(f).step_by(features) {
                            *x = (*x - mean) / std;
                        }
                    }
                }
            }
        }
        self
    }
}

fn valid_values(set: &Dataset, steps: usize, features: usize, f: usize) -> Vec<f32> {
    let mut out = Vec::new();
    for (i, &len) in set.lengths.iter().enumerate() {
        for t in 0..len {
            out.push(set.features[(i * steps + t) * features + f]);
        }
    }
    out
}

fn mean_std(values: impl Iterator<Item = f32>) -> (f32, f32) {
    let (mut n, mut sum, mut sq) = (0f64, 0f64, 0f64);
    for v in values {
        n += 1.0;
        sum += v as f64;
        sq += (v as f64) * (v as f64);
    }
    let mean = if n > 0.0 { sum / n } else { 0.0 };
    let var = if n > 0.0 { sq / n - mean * mean } else { 1.0 };
    (mean as f32, var.max(1e-12).sqrt() as f32)
}
