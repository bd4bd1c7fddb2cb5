//! Stride-1, "same"-padded 2-d convolution as one matrix product over the
//! whole batch (im2col): patches `[c * k * k, batch * h * w]`, so the
//! forward pass, the weight gradient and the input gradient are each one
//! large matmul, and only the patch gathering and scattering are loops.

use super::parallel::for_each_chunk;

/// Sizes of one convolution: input `[batch, channels, h, w]`, square kernel
/// `k` (odd, padding `k / 2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Batch size.
    pub batch: usize,
    /// Input channels.
    pub channels: usize,
    /// Height and width (of input and output).
    pub h: usize,
    /// Width.
    pub w: usize,
    /// Kernel size.
    pub k: usize,
}

impl Geometry {
    /// Pixels per plane.
    pub fn pixels(&self) -> usize {
        self.h * self.w
    }

    /// Rows of the patch matrix: `channels * k * k`.
    pub fn patch_rows(&self) -> usize {
        self.channels * self.k * self.k
    }

    /// Columns of the patch matrix: `batch * h * w`.
    pub fn patch_cols(&self) -> usize {
        self.batch * self.pixels()
    }

    /// For kernel offset `i` (or `j`) along an axis of length `len`: the
    /// output positions whose input `pos + i - pad` lies inside the image.
    fn valid(&self, i: usize, len: usize) -> std::ops::Range<usize> {
        let pad = self.k / 2;
        let start = pad.saturating_sub(i);
        let end = (len + pad).saturating_sub(i).min(len);
        start..end.max(start)
    }
}

/// The patch matrix of `x` (NCHW): row `(c, i, j)`, column `(n, y, x)` holds
/// `x[n, c, y + i - pad, x + j - pad]`, zero outside the image.
pub fn im2col(x: &[f32], g: Geometry) -> Vec<f32> {
    let (p, k, pad) = (g.pixels(), g.k, g.k / 2);
    let mut cols = vec![0.0f32; g.patch_rows() * g.patch_cols()];
    for_each_chunk(&mut cols, g.patch_cols(), |row, dst| {
        let (c, i, j) = (row / (k * k), row / k % k, row % k);
        let (ys, xs) = (g.valid(i, g.h), g.valid(j, g.w));
        for n in 0..g.batch {
            let plane = &x[(n * g.channels + c) * p..][..p];
            for y in ys.clone() {
                let src = (y + i - pad) * g.w;
                let out = n * p + y * g.w;
                dst[out + xs.start..out + xs.end]
                    .copy_from_slice(&plane[src + xs.start + j - pad..src + xs.end + j - pad]);
            }
        }
    });
    cols
}

/// The input gradient from the patch matrix's gradient: every patch entry
/// adds back into the pixel it was gathered from (the adjoint of [`im2col`]).
pub fn col2im(dcols: &[f32], g: Geometry) -> Vec<f32> {
    let (p, k, pad, np) = (g.pixels(), g.k, g.k / 2, g.patch_cols());
    let mut dx = vec![0.0f32; g.batch * g.channels * p];
    for_each_chunk(&mut dx, p, |plane, dst| {
        let (n, c) = (plane / g.channels, plane % g.channels);
        for i in 0..k {
            for j in 0..k {
                let row = &dcols[((c * k + i) * k + j) * np + n * p..][..p];
                let (ys, xs) = (g.valid(i, g.h), g.valid(j, g.w));
                for y in ys {
                    let src = &row[y * g.w + xs.start..y * g.w + xs.end];
                    let at = (y + i - pad) * g.w + xs.start + j - pad;
                    for (d, s) in dst[at..at + src.len()].iter_mut().zip(src) {
                        *d += s;
                    }
                }
            }
        }
    });
    dx
}

/// `[channels, batch * pixels]` (a matmul's output) to NCHW, adding `bias`
/// per channel.
pub fn to_nchw(y: &[f32], bias: &[f32], batch: usize, pixels: usize) -> Vec<f32> {
    let channels = bias.len();
    let mut out = vec![0.0f32; y.len()];
    for_each_chunk(&mut out, pixels, |plane, dst| {
        let (n, c) = (plane / channels, plane % channels);
        let src = &y[c * batch * pixels + n * pixels..][..pixels];
        for (d, s) in dst.iter_mut().zip(src) {
            *d = s + bias[c];
        }
    });
    out
}

/// NCHW to `[channels, batch * pixels]` (a gradient, for the matmuls).
pub fn from_nchw(y: &[f32], channels: usize, batch: usize, pixels: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; y.len()];
    for_each_chunk(&mut out, batch * pixels, |c, dst| {
        for n in 0..batch {
            dst[n * pixels..][..pixels]
                .copy_from_slice(&y[(n * channels + c) * pixels..][..pixels]);
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        // <im2col(x), v> == <x, col2im(v)> for any x and v.
        let g = Geometry {
            batch: 2,
            channels: 3,
            h: 5,
            w: 4,
            k: 3,
        };
        let x: Vec<f32> = (0..g.batch * g.channels * g.pixels())
            .map(|i| (i % 7) as f32 - 3.0)
            .collect();
        let v: Vec<f32> = (0..g.patch_rows() * g.patch_cols())
            .map(|i| (i % 5) as f32 - 2.0)
            .collect();
        let lhs: f32 = im2col(&x, g).iter().zip(&v).map(|(a, b)| a * b).sum();
        let rhs: f32 = x.iter().zip(col2im(&v, g)).map(|(a, b)| a * b).sum();
        assert_eq!(lhs, rhs);
        // The centre tap of a 3x3 kernel is the image itself.
        let centre = &im2col(&x, g)[4 * g.patch_cols()..5 * g.patch_cols()];
        assert_eq!(&centre[..g.pixels()], &x[..g.pixels()]);
    }

    #[test]
    fn layouts_round_trip() {
        let y: Vec<f32> = (0..2 * 3 * 4).map(|i| i as f32).collect();
        let nchw = to_nchw(&y, &[0.0; 3], 2, 4);
        assert_eq!(from_nchw(&nchw, 3, 2, 4), y);
        assert_eq!(to_nchw(&y, &[1.0, 2.0, 3.0], 2, 4)[4], y[8] + 2.0);
    }
}
