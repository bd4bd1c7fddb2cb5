//! Stride-1, "same"-padded 2-d convolution, one sample at a time (im2col):
//! a sample's patches `[c * k * k, h * w]` stay in cache, and its output,
//! weight-gradient share and input gradient are one small matmul each.
//! The backward pass re-gathers a sample's patches from the saved input
//! (cheap, cache-resident) instead of keeping the whole batch's (7 MB for the
//! reference CNN's second layer) alive until then.
//! Samples run in parallel; the weight gradient is summed over fixed groups
//! of samples in a fixed order, so results do not depend on the thread count.

use super::gemm::{Mat, matmul};
use super::parallel::for_each_chunk;

/// Samples per partial weight gradient.
const GROUP: usize = 8;

/// Sizes of one convolution: input `[batch, channels, h, w]`, `c_out`
/// outputs, square kernel `k` (odd, padding `k / 2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Batch size.
    pub batch: usize,
    /// Input channels.
    pub channels: usize,
    /// Output channels.
    pub c_out: usize,
    /// Height (of input and output).
    pub h: usize,
    /// Width (of input and output).
    pub w: usize,
    /// Kernel size.
    pub k: usize,
}

impl Geometry {
    /// Pixels per plane.
    pub fn pixels(&self) -> usize {
        self.h * self.w
    }

    /// Rows of a sample's patch matrix: `channels * k * k`.
    pub fn patch_rows(&self) -> usize {
        self.channels * self.k * self.k
    }

    /// For kernel offset `i` along an axis of length `len`: the output
    /// positions whose input `pos + i - pad` lies inside the image.
    fn valid(&self, i: usize, len: usize) -> std::ops::Range<usize> {
        let pad = self.k / 2;
        let start = pad.saturating_sub(i);
        let end = (len + pad).saturating_sub(i).min(len);
        start..end.max(start)
    }

    /// One sample's input.
    fn sample<'a>(&self, x: &'a [f32], n: usize) -> &'a [f32] {
        let len = self.channels * self.pixels();
        &x[n * len..][..len]
    }
}

/// The patch matrix of one sample `x` (`[channels, h, w]`): row `(c, i, j)`,
/// column `(y, x)` holds `x[c, y + i - pad, x + j - pad]`, zero outside.
pub fn im2col(x: &[f32], g: Geometry) -> Vec<f32> {
    let (p, k, pad) = (g.pixels(), g.k, g.k / 2);
    let mut cols = vec![0.0f32; g.patch_rows() * p];
    for (row, dst) in cols.chunks_exact_mut(p).enumerate() {
        let (c, i, j) = (row / (k * k), row / k % k, row % k);
        let plane = &x[c * p..][..p];
        let xs = g.valid(j, g.w);
        for y in g.valid(i, g.h) {
            let src = (y + i - pad) * g.w + j;
            dst[y * g.w + xs.start..y * g.w + xs.end]
                .copy_from_slice(&plane[src + xs.start - pad..src + xs.end - pad]);
        }
    }
    cols
}

/// Adds one sample's patch-matrix gradient back into the pixels it was
/// gathered from (the adjoint of [`im2col`]).
pub fn col2im(dcols: &[f32], g: Geometry, dx: &mut [f32]) {
    let (p, k, pad) = (g.pixels(), g.k, g.k / 2);
    for (row, src) in dcols.chunks_exact(p).enumerate() {
        let (c, i, j) = (row / (k * k), row / k % k, row % k);
        let plane = &mut dx[c * p..][..p];
        let xs = g.valid(j, g.w);
        for y in g.valid(i, g.h) {
            let at = (y + i - pad) * g.w + j;
            let from = &src[y * g.w + xs.start..y * g.w + xs.end];
            for (d, s) in plane[at + xs.start - pad..at + xs.end - pad]
                .iter_mut()
                .zip(from)
            {
                *d += s;
            }
        }
    }
}

/// The convolution of `x` (NCHW) with `weight` (`[c_out, c * k * k]`) plus
/// `bias`, as NCHW.
pub fn forward(x: &[f32], weight: &[f32], bias: &[f32], g: Geometry) -> Vec<f32> {
    let (p, kk) = (g.pixels(), g.patch_rows());
    let mut out = vec![0.0f32; g.batch * g.c_out * p];
    for_each_chunk(&mut out, g.c_out * p, |n, dst| {
        let cols = im2col(g.sample(x, n), g);
        matmul(
            dst,
            Mat::rows(weight, g.c_out, kk),
            Mat::rows(&cols, kk, p),
            false,
        );
        for (plane, b) in dst.chunks_exact_mut(p).zip(bias) {
            plane.iter_mut().for_each(|v| *v += b);
        }
    });
    out
}

/// The weight gradient `[c_out, c * k * k]` and bias gradient `[c_out]`
/// from the output gradient `dy` (NCHW) and the input `x`.
pub fn weight_grad(dy: &[f32], x: &[f32], g: Geometry) -> (Vec<f32>, Vec<f32>) {
    let (p, kk, o) = (g.pixels(), g.patch_rows(), g.c_out);
    let groups = g.batch.div_ceil(GROUP);
    // Per group: o * kk weight-gradient entries then o bias entries.
    let mut partial = vec![0.0f32; groups * (o * kk + o)];
    for_each_chunk(&mut partial, o * kk + o, |group, dst| {
        let (dw, db) = dst.split_at_mut(o * kk);
        for n in group * GROUP..((group + 1) * GROUP).min(g.batch) {
            let cols = im2col(g.sample(x, n), g);
            let dy_n = &dy[n * o * p..][..o * p];
            matmul(dw, Mat::rows(dy_n, o, p), Mat::rows(&cols, kk, p).t(), true);
            for (d, plane) in db.iter_mut().zip(dy_n.chunks_exact(p)) {
                *d += plane.iter().sum::<f32>();
            }
        }
    });
    let mut total = vec![0.0f32; o * kk + o];
    for group in partial.chunks_exact(o * kk + o) {
        total.iter_mut().zip(group).for_each(|(t, v)| *t += v);
    }
    let db = total.split_off(o * kk);
    (total, db)
}

/// The input gradient (NCHW) from the output gradient `dy` and the weight.
pub fn input_grad(dy: &[f32], weight: &[f32], g: Geometry) -> Vec<f32> {
    let (p, kk, o) = (g.pixels(), g.patch_rows(), g.c_out);
    let mut dx = vec![0.0f32; g.batch * g.channels * p];
    for_each_chunk(&mut dx, g.channels * p, |n, dst| {
        let mut dcols = vec![0.0f32; kk * p];
        let dy_n = &dy[n * o * p..][..o * p];
        matmul(
            &mut dcols,
            Mat::rows(weight, o, kk).t(),
            Mat::rows(dy_n, o, p),
            false,
        );
        col2im(&dcols, g, dst);
    });
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        // <im2col(x), v> == <x, col2im(v)> for any x and v.
        let g = Geometry {
            batch: 1,
            channels: 3,
            c_out: 1,
            h: 5,
            w: 4,
            k: 3,
        };
        let x: Vec<f32> = (0..g.channels * g.pixels())
            .map(|i| (i % 7) as f32 - 3.0)
            .collect();
        let v: Vec<f32> = (0..g.patch_rows() * g.pixels())
            .map(|i| (i % 5) as f32 - 2.0)
            .collect();
        let lhs: f32 = im2col(&x, g).iter().zip(&v).map(|(a, b)| a * b).sum();
        let mut back = vec![0.0; x.len()];
        col2im(&v, g, &mut back);
        let rhs: f32 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
        assert_eq!(lhs, rhs);
        // The centre tap of a 3x3 kernel is the image itself.
        assert_eq!(
            &im2col(&x, g)[4 * g.pixels()..5 * g.pixels()],
            &x[..g.pixels()]
        );
    }
}
