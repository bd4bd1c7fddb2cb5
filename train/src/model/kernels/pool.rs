//! 2x2 max pooling with stride 2 (floor) over NCHW planes, optionally fused
//! with the ReLU before it (`max(relu(x)) == relu(max(x))`), keeping which
//! input of each window won for the backward pass.

use super::parallel::{for_each_chunk, for_each_chunk_pair};

/// Marks an output whose window was clipped by the fused ReLU: no input
/// receives its gradient.
const NONE: u8 = 4;

/// Pools `x` (`planes` planes of `h x w`) into `planes` planes of
/// `h/2 x w/2`; when `argmax` is given, writes the winning input of each
/// window (0..4 in row-major window order, first maximum wins).
pub fn forward(x: &[f32], [h, w]: [usize; 2], relu: bool, argmax: Option<&mut [u8]>) -> Vec<f32> {
    let (oh, ow) = (h / 2, w / 2);
    let planes = x.len() / (h * w);
    let mut out = vec![0.0f32; planes * oh * ow];
    let plane_out = oh * ow;
    // One window: value and winner (first maximum, row-major order).
    let window = |top: &[f32], bottom: &[f32]| {
        let (a, b, c, d) = (top[0], top[1], bottom[0], bottom[1]);
        let (m1, k1) = if b > a { (b, 1) } else { (a, 0) };
        let (m2, k2) = if d > c { (d, 3) } else { (c, 2) };
        let (m, k) = if m2 > m1 { (m2, k2) } else { (m1, k1) };
        if relu && m <= 0.0 {
            (0.0, NONE)
        } else {
            (m, k)
        }
    };
    let fill = |p: usize, out: &mut [f32], arg: Option<&mut [u8]>| {
        let plane = &x[p * h * w..(p + 1) * h * w];
        let rows = plane.chunks_exact(2 * w).zip(out.chunks_exact_mut(ow));
        match arg {
            Some(arg) => {
                for ((pair, out), arg) in rows.zip(arg.chunks_exact_mut(ow)) {
                    let (top, bottom) = pair.split_at(w);
                    let windows = top.chunks_exact(2).zip(bottom.chunks_exact(2));
                    for ((t, b), (o, a)) in windows.zip(out.iter_mut().zip(arg.iter_mut())) {
                        (*o, *a) = window(t, b);
                    }
                }
            }
            None => {
                for (pair, out) in rows {
                    let (top, bottom) = pair.split_at(w);
                    let windows = top.chunks_exact(2).zip(bottom.chunks_exact(2));
                    for ((t, b), o) in windows.zip(out.iter_mut()) {
                        *o = window(t, b).0;
                    }
                }
            }
        }
    };
    match argmax {
        Some(arg) => for_each_chunk_pair(&mut out, plane_out, arg, plane_out, |p, o, a| {
            fill(p, o, Some(a))
        }),
        None => for_each_chunk(&mut out, plane_out, |p, o| fill(p, o, None)),
    }
    out
}

/// The input gradient: each output's gradient goes to the input that won
/// its window; inputs that won nothing (and odd trailing rows/columns) get 0.
pub fn backward(grad: &[f32], argmax: &[u8], [h, w]: [usize; 2]) -> Vec<f32> {
    let (oh, ow) = (h / 2, w / 2);
    let planes = grad.len() / (oh * ow).max(1);
    let mut dx = vec![0.0f32; planes * h * w];
    for_each_chunk(&mut dx, h * w, |p, plane| {
        let g = &grad[p * oh * ow..(p + 1) * oh * ow];
        let a = &argmax[p * oh * ow..(p + 1) * oh * ow];
        for i in 0..oh {
            for j in 0..ow {
                let k = a[i * ow + j];
                if k != NONE {
                    let (di, dj) = ((k / 2) as usize, (k % 2) as usize);
                    plane[(2 * i + di) * w + 2 * j + dj] = g[i * ow + j];
                }
            }
        }
    });
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_windows_and_routes_gradients_to_the_winner() {
        // One 2x4 plane: windows [1 5; 3 2] and [-1 -4; -2 -3].
        let x = [1.0, 5.0, -1.0, -4.0, 3.0, 2.0, -2.0, -3.0];
        let mut arg = [0u8; 2];
        assert_eq!(forward(&x, [2, 4], false, Some(&mut arg)), vec![5.0, -1.0]);
        assert_eq!(arg, [1, 0]);
        let dx = backward(&[10.0, 20.0], &arg, [2, 4]);
        assert_eq!(dx, vec![0.0, 10.0, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        // Fused ReLU clips the all-negative window and drops its gradient.
        assert_eq!(forward(&x, [2, 4], true, Some(&mut arg)), vec![5.0, 0.0]);
        let dx = backward(&[10.0, 20.0], &arg, [2, 4]);
        assert_eq!(dx.iter().sum::<f32>(), 10.0);
    }
}
