//! Batch normalisation in training over `[batch, channels, pixels]` data:
//! per-channel statistics in one pass each, then one elementwise pass per
//! plane; the backward pass likewise (two channel sums, one pass for the
//! input gradient).

use super::parallel::for_each_chunk;

/// Sizes of the data: `[batch, channels, pixels]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planes {
    /// Batch size.
    pub batch: usize,
    /// Channels (features).
    pub channels: usize,
    /// Pixels per plane (1 for `[batch, features]` data).
    pub pixels: usize,
}

impl Planes {
    /// Values per channel: `batch * pixels`.
    fn per_channel(&self) -> f64 {
        (self.batch * self.pixels) as f64
    }

    /// Sum of `f(start)` over the planes of channel `c` (`start`: the
    /// plane's first index), in f64.
    fn channel_sum(&self, c: usize, f: impl Fn(usize) -> f64) -> f64 {
        (0..self.batch)
            .map(|n| f((n * self.channels + c) * self.pixels))
            .sum()
    }
}

/// `sum f(a_i, b_i)` over two equally long slices, in eight independent
/// `f32` lanes so that the compiler vectorises it (a plane is at most a few
/// thousand values; channels add planes up in `f64`).
fn lane_sum(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f64 {
    let mut lanes = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(&x, &y)| f(x, y))
        .sum();
    for (x, y) in a8.zip(b8) {
        for l in 0..8 {
            lanes[l] += f(x[l], y[l]);
        }
    }
    (lanes.iter().sum::<f32>() + tail) as f64
}

/// Per-channel `[mean, biased variance]` of `x`.
pub fn moments(x: &[f32], s: Planes) -> Vec<[f32; 2]> {
    let mut out = vec![[0.0f32; 2]; s.channels];
    for_each_chunk(&mut out, 1, |c, slot| {
        let plane = |at: usize| &x[at..at + s.pixels];
        let sum = s.channel_sum(c, |at| lane_sum(plane(at), plane(at), |v, _| v));
        let mean = sum / s.per_channel();
        let m = mean as f32;
        let sq = s.channel_sum(c, |at| {
            lane_sum(plane(at), plane(at), |v, _| (v - m) * (v - m))
        });
        slot[0] = [m, (sq / s.per_channel()) as f32];
    });
    out
}

/// `[mean, 1 / sqrt(var + epsilon)]` per channel, from [`moments`].
pub fn normalisers(moments: &[[f32; 2]], epsilon: f64) -> Vec<[f32; 2]> {
    moments
        .iter()
        .map(|&[mean, var]| [mean, (1.0 / (var as f64 + epsilon).sqrt()) as f32])
        .collect()
}

/// `(x - mean) * inv_std * gamma + beta`, per channel.
pub fn forward(x: &[f32], s: Planes, norm: &[[f32; 2]], gamma: &[f32], beta: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0f32; x.len()];
    for_each_chunk(&mut out, s.pixels, |plane, dst| {
        let c = plane % s.channels;
        let [mean, inv_std] = norm[c];
        let scale = inv_std * gamma[c];
        let shift = beta[c] - mean * scale;
        let src = &x[plane * s.pixels..][..s.pixels];
        for (d, &v) in dst.iter_mut().zip(src) {
            *d = v * scale + shift;
        }
    });
    out
}

/// Gradients `(dx, dgamma, dbeta)` from the output gradient `dy`.
pub fn backward(
    dy: &[f32],
    x: &[f32],
    s: Planes,
    norm: &[[f32; 2]],
    gamma: &[f32],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    // Per channel: [sum dy, sum dy * x_hat].
    let mut sums = vec![[0.0f32; 2]; s.channels];
    for_each_chunk(&mut sums, 1, |c, out| {
        let [mean, inv_std] = norm[c];
        let (g, v) = (
            |at: usize| &dy[at..at + s.pixels],
            |at: usize| &x[at..at + s.pixels],
        );
        let dbeta = s.channel_sum(c, |at| lane_sum(g(at), v(at), |g, _| g));
        let dgamma = s.channel_sum(c, |at| {
            lane_sum(g(at), v(at), |g, v| g * (v - mean)) * inv_std as f64
        });
        out[0] = [dbeta as f32, dgamma as f32];
    });
    let m = s.per_channel() as f32;
    let mut dx = vec![0.0f32; x.len()];
    for_each_chunk(&mut dx, s.pixels, |plane, dst| {
        let c = plane % s.channels;
        let [mean, inv_std] = norm[c];
        let [dbeta, dgamma] = sums[c];
        let k = gamma[c] * inv_std / m;
        let at = plane * s.pixels;
        for ((d, &g), &v) in dst
            .iter_mut()
            .zip(&dy[at..at + s.pixels])
            .zip(&x[at..at + s.pixels])
        {
            let x_hat = (v - mean) * inv_std;
            *d = k * (m * g - dbeta - x_hat * dgamma);
        }
    });
    let (dbeta, dgamma) = sums.iter().map(|&[b, g]| (b, g)).unzip();
    (dx, dgamma, dbeta)
}
