//! One safe entry point to the `gemm` crate (the matrix multiply Burn's CPU
//! backend uses), for the kernels' per-sample products.

/// A read-only strided matrix view: element `(r, c)` is
/// `data[r * row_stride + c * col_stride]`.
#[derive(Debug, Clone, Copy)]
pub struct Mat<'a> {
    /// The elements.
    pub data: &'a [f32],
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Distance between rows.
    pub row_stride: usize,
    /// Distance between columns.
    pub col_stride: usize,
}

impl<'a> Mat<'a> {
    /// A contiguous row-major `rows x cols` matrix.
    pub fn rows(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose, as a view.
    pub fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }

    /// Panics unless every element the view names lies inside `data`.
    fn check(&self) {
        let last =
            (self.rows.max(1) - 1) * self.row_stride + (self.cols.max(1) - 1) * self.col_stride;
        assert!(
            self.rows == 0 || self.cols == 0 || last < self.data.len(),
            "matrix view out of bounds"
        );
    }
}

/// `dst = a * b` (or `dst += a * b` when `accumulate`), `dst` contiguous
/// row-major `a.rows x b.cols`, on the calling thread.
pub fn matmul(dst: &mut [f32], a: Mat, b: Mat, accumulate: bool) {
    assert_eq!(a.cols, b.rows, "matmul: inner dimensions differ");
    assert_eq!(dst.len(), a.rows * b.cols, "matmul: destination size");
    a.check();
    b.check();
    // SAFETY: the three views were checked to lie inside their slices, `dst`
    // is exclusively borrowed and does not alias `a` or `b` (shared borrows).
    unsafe {
        gemm::gemm(
            a.rows,
            b.cols,
            a.cols,
            dst.as_mut_ptr(),
            1,
            b.cols as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplies_views_and_accumulates() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2x3
        let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3x2
        let mut c = [0.0; 4];
        matmul(&mut c, Mat::rows(&a, 2, 3), Mat::rows(&b, 3, 2), false);
        assert_eq!(c, [4.0, 5.0, 10.0, 11.0]);
        matmul(&mut c, Mat::rows(&a, 2, 3), Mat::rows(&b, 3, 2), true);
        assert_eq!(c, [8.0, 10.0, 20.0, 22.0]);
        // a^T (3x2) times a (2x3).
        let mut d = [0.0; 9];
        matmul(&mut d, Mat::rows(&a, 2, 3).t(), Mat::rows(&a, 2, 3), false);
        assert_eq!(d[0], 1.0 + 16.0);
        assert_eq!(d[5], 2.0 * 3.0 + 5.0 * 6.0);
    }
}
