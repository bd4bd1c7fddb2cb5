//! Small statistics toolkit for analysing hyperparameter sweeps.
//!
//! * [`summarize`]: mean, sample standard deviation and a 95 % Student-t
//!   confidence interval for the mean of one configuration's repeats.
//! * [`two_way_anova`]: two-way ANOVA with interaction (factors `A` and `B`).
//!   Balanced designs use the classical closed-form sums of squares (where
//!   Types I, II and III coincide); unbalanced designs use Type III sums of
//!   squares obtained by regression with sum-to-zero (effect) coding.
//! * [`marginal_means`]: unweighted marginal means of the cell means.
//!
//! Inputs are taken as given: callers are expected to drop non-finite values
//! (NaN, ±∞) before calling [`summarize`]; [`two_way_anova`] rejects them.

use std::error::Error;
use std::fmt;

use statrs::distribution::{ContinuousCDF, FisherSnedecor, StudentsT};

/// Descriptive summary of a sample with a 95 % confidence interval for the mean.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (divisor `n - 1`); `0.0` when `n == 1`.
    pub std: f64,
    /// Lower end of the two-sided 95 % Student-t interval for the mean.
    pub ci_low: f64,
    /// Upper end of the two-sided 95 % Student-t interval for the mean.
    pub ci_high: f64,
}

/// A 95 % interval as a reader should see it: within the metric's range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShownInterval {
    /// Lower end, not below the range.
    pub low: f64,
    /// Upper end, not above the range.
    pub high: f64,
    /// Whether an end was cut to the range (the Student-t interval of a
    /// few values can reach past what the metric can be, e.g. an accuracy
    /// interval of -2.2 to 3.3 from two values).
    pub clipped: bool,
}

/// Up to this many values, the 95 % interval is wide by construction
/// (t(0.975, n - 1) is 12.7 for n = 2, 4.3 for n = 3): shown with a hint.
pub const FEW_VALUES: usize = 3;

impl Summary {
    /// The interval cut to `range` (the metric's natural range, if it has
    /// one), saying whether it was cut.
    pub fn shown_interval(&self, range: Option<(f64, f64)>) -> ShownInterval {
        let (lo, hi) = range.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
        ShownInterval {
            low: self.ci_low.max(lo),
            high: self.ci_high.min(hi),
            clipped: self.ci_low < lo || self.ci_high > hi,
        }
    }
}

/// Summarizes `values`: mean, sample standard deviation and a two-sided 95 %
/// Student-t confidence interval `mean ± t(0.975, n-1) · std / √n`.
///
/// Returns `None` for an empty slice. With a single value the standard
/// deviation is `0.0` and the interval collapses to `mean..=mean`.
/// Values are used as given: the caller must filter out non-finite values,
/// which would otherwise propagate into every field as NaN or ±∞.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Some(Summary {
            n,
            mean,
            std: 0.0,
            ci_low: mean,
            ci_high: mean,
        });
    }
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    let std = (ss / (n - 1) as f64).sqrt();
    let half = t_quantile(0.975, (n - 1) as f64) * std / (n as f64).sqrt();
    Some(Summary {
        n,
        mean,
        std,
        ci_low: mean - half,
        ci_high: mean + half,
    })
}

/// Quantile `p` of the standard Student-t distribution with `df` degrees of freedom.
fn t_quantile(p: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .map(|t| t.inverse_cdf(p))
        .unwrap_or(f64::NAN)
}

/// Upper-tail probability `P(F > f)` of the F distribution with `(df1, df2)` degrees of freedom.
pub(crate) fn f_sf(f: f64, df1: f64, df2: f64) -> f64 {
    FisherSnedecor::new(df1, df2)
        .map(|d| d.sf(f))
        .unwrap_or(f64::NAN)
}

/// One of the two crossed factors of a two-way design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// The first factor (first index of an observation).
    A,
    /// The second factor (second index of an observation).
    B,
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Factor::A => "A",
            Factor::B => "B",
        })
    }
}

/// How the sums of squares of an [`AnovaTable`] were computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SsType {
    /// Classical closed-form sums of squares of a balanced design (Types I, II
    /// and III are identical there).
    Classical,
    /// Type III sums of squares (sum-to-zero coding, full model versus the
    /// model without each term), used for unbalanced designs.
    TypeIII,
}

/// One line of an ANOVA table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AnovaRow {
    /// Source of variation: `"A"`, `"B"`, `"A×B"`, `"Residual"` or `"Total"`.
    pub source: String,
    /// Sum of squares.
    pub ss: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// Mean square `ss / df`.
    pub ms: f64,
    /// F statistic against the residual mean square; `None` for the residual
    /// and total rows, and when the residual mean square is zero.
    pub f: Option<f64>,
    /// Upper-tail p-value of `f`; `None` whenever `f` is `None`.
    pub p: Option<f64>,
    /// Partial eta squared `ss / (ss + ss_residual)`; `None` for the residual
    /// and total rows, and when that denominator is zero.
    pub partial_eta_sq: Option<f64>,
}

/// Two-way ANOVA table with interaction.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AnovaTable {
    /// Rows in the order `A`, `B`, `A×B`, `Residual`.
    pub rows: Vec<AnovaRow>,
    /// Corrected total: `Σ (y - ȳ)²` with `N - 1` degrees of freedom. For
    /// unbalanced (Type III) tables the other rows need not add up to it.
    pub total: AnovaRow,
    /// How the effect sums of squares were computed.
    pub ss_type: SsType,
    /// Whether every cell holds the same number of observations.
    pub balanced: bool,
}

impl AnovaTable {
    /// Returns the row whose `source` equals `source` (`"A"`, `"B"`, `"A×B"`,
    /// `"Residual"` or `"Total"`).
    pub fn row(&self, source: &str) -> Option<&AnovaRow> {
        self.rows
            .iter()
            .chain(std::iter::once(&self.total))
            .find(|r| r.source == source)
    }
}

/// Why a two-way ANOVA (or marginal means) could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum AnovaError {
    /// A factor has fewer than two levels.
    TooFewLevels {
        /// The offending factor.
        factor: Factor,
        /// Its declared number of levels.
        levels: usize,
    },
    /// An observation refers to a level index outside `0..levels`.
    LevelOutOfRange {
        /// The factor whose index is out of range.
        factor: Factor,
        /// The offending level index.
        index: usize,
        /// The declared number of levels.
        levels: usize,
    },
    /// An observation value is NaN or infinite.
    NonFiniteValue {
        /// Position of the observation in the input slice.
        position: usize,
    },
    /// A cell of the design has no observations.
    EmptyCell {
        /// Level index of factor A.
        a: usize,
        /// Level index of factor B.
        b: usize,
    },
    /// Every cell has exactly one observation, leaving no residual degrees of
    /// freedom to test the interaction.
    NoResidualDf,
    /// The least-squares system was numerically singular (should not happen
    /// for a design without empty cells).
    Singular,
}

impl fmt::Display for AnovaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnovaError::TooFewLevels { factor, levels } => write!(
                f,
                "factor {factor} needs at least 2 levels for ANOVA (found {levels})"
            ),
            AnovaError::LevelOutOfRange {
                factor,
                index,
                levels,
            } => write!(
                f,
                "level index {index} of factor {factor} is out of range (factor has {levels} levels)"
            ),
            AnovaError::NonFiniteValue { position } => write!(
                f,
                "observation {position} has a non-finite value (NaN or infinity)"
            ),
            AnovaError::EmptyCell { a, b } => write!(
                f,
                "cell (A={a}, B={b}) has no observations; every combination of levels needs data"
            ),
            AnovaError::NoResidualDf => f.write_str(
                "each cell needs at least 2 repeats to test the interaction (found n=1 in every cell)",
            ),
            AnovaError::Singular => {
                f.write_str("least-squares system is numerically singular")
            }
        }
    }
}

impl Error for AnovaError {}

/// Per-cell statistics of a validated two-way layout (row-major: `a * lb + b`).
struct Cells {
    la: usize,
    lb: usize,
    count: Vec<usize>,
    mean: Vec<f64>,
    n_total: usize,
    grand_mean: f64,
    ss_within: f64,
    ss_total: f64,
}

impl Cells {
    /// Validates the observations and gathers per-cell counts and means.
    fn build(obs: &[(usize, usize, f64)], la: usize, lb: usize) -> Result<Self, AnovaError> {
        let mut count = vec![0usize; la * lb];
        let mut sum = vec![0.0f64; la * lb];
        for (position, &(a, b, y)) in obs.iter().enumerate() {
            if a >= la {
                return Err(AnovaError::LevelOutOfRange {
                    factor: Factor::A,
                    index: a,
                    levels: la,
                });
            }
            if b >= lb {
                return Err(AnovaError::LevelOutOfRange {
                    factor: Factor::B,
                    index: b,
                    levels: lb,
                });
            }
            if !y.is_finite() {
                return Err(AnovaError::NonFiniteValue { position });
            }
            count[a * lb + b] += 1;
            sum[a * lb + b] += y;
        }
        if let Some(c) = count.iter().position(|&n| n == 0) {
            return Err(AnovaError::EmptyCell {
                a: c / lb,
                b: c % lb,
            });
        }
        let mean: Vec<f64> = sum.iter().zip(&count).map(|(s, &n)| s / n as f64).collect();
        let n_total = obs.len();
        let grand_mean = obs.iter().map(|o| o.2).sum::<f64>() / n_total as f64;
        let (mut ss_within, mut ss_total) = (0.0, 0.0);
        for &(a, b, y) in obs {
            let d = y - mean[a * lb + b];
            ss_within += d * d;
            ss_total += (y - grand_mean) * (y - grand_mean);
        }
        Ok(Cells {
            la,
            lb,
            count,
            mean,
            n_total,
            grand_mean,
            ss_within,
            ss_total,
        })
    }

    /// Unweighted means of the cell means for each level of A and of B.
    fn marginals(&self) -> (Vec<f64>, Vec<f64>) {
        let (la, lb) = (self.la, self.lb);
        let a = (0..la)
            .map(|i| (0..lb).map(|j| self.mean[i * lb + j]).sum::<f64>() / lb as f64)
            .collect();
        let b = (0..lb)
            .map(|j| (0..la).map(|i| self.mean[i * lb + j]).sum::<f64>() / la as f64)
            .collect();
        (a, b)
    }

    /// Classical sums of squares `[A, B, A×B]` of a balanced design.
    fn classical_ss(&self) -> [f64; 3] {
        let (la, lb) = (self.la, self.lb);
        let r = self.count[0] as f64;
        let g = self.grand_mean;
        let (ma, mb) = self.marginals();
        let ss_a = lb as f64 * r * ma.iter().map(|m| (m - g) * (m - g)).sum::<f64>();
        let ss_b = la as f64 * r * mb.iter().map(|m| (m - g) * (m - g)).sum::<f64>();
        let ss_ab = r * self
            .mean
            .chunks(lb)
            .zip(&ma)
            .flat_map(|(row, mi)| row.iter().zip(&mb).map(move |(m, mj)| m - mi - mj + g))
            .map(|d| d * d)
            .sum::<f64>();
        [ss_a, ss_b, ss_ab]
    }

    /// Type III sums of squares `[A, B, A×B]` by regression with effect coding.
    ///
    /// With observations grouped in cells, the residual sum of squares of any
    /// model is `SS_within + Σ_c n_c (ȳ_c - ŷ_c)²`. The full (cell-means) model
    /// fits every cell mean exactly, so the extra sum of squares of a term is
    /// the weighted residual sum of squares of the reduced model fitted to the
    /// cell means with weights `n_c`; this avoids subtracting two large RSS values.
    fn type3_ss(&self) -> Result<[f64; 3], AnovaError> {
        let (la, lb) = (self.la, self.lb);
        let (da, db) = (la - 1, lb - 1);
        // Column layout: intercept | A (da) | B (db) | A×B (da·db).
        let start = [1, 1 + da, 1 + da + db];
        let width = [da, db, da * db];
        let mut design = Vec::with_capacity(la * lb);
        for i in 0..la {
            let ea = effect_code(i, la);
            for j in 0..lb {
                let eb = effect_code(j, lb);
                let mut row = vec![1.0];
                row.extend_from_slice(&ea);
                row.extend_from_slice(&eb);
                row.extend(ea.iter().flat_map(|x| eb.iter().map(move |y| x * y)));
                design.push(row);
            }
        }
        let mut out = [0.0; 3];
        for (term, ss) in out.iter_mut().enumerate() {
            let dropped = start[term]..start[term] + width[term];
            let mut rows = Vec::with_capacity(design.len());
            let mut rhs = Vec::with_capacity(design.len());
            for (c, full) in design.iter().enumerate() {
                let w = (self.count[c] as f64).sqrt();
                rows.push(
                    full.iter()
                        .enumerate()
                        .filter(|(k, _)| !dropped.contains(k))
                        .map(|(_, x)| w * x)
                        .collect::<Vec<f64>>(),
                );
                // Centering is harmless (the intercept is kept) and improves conditioning.
                rhs.push(w * (self.mean[c] - self.grand_mean));
            }
            *ss = least_squares_rss(rows, rhs).ok_or(AnovaError::Singular)?;
        }
        Ok(out)
    }
}

/// Sum-to-zero (effect) coding of `level` among `levels`: a vector of length
/// `levels - 1` with a one at `level`, or all `-1` for the last level.
fn effect_code(level: usize, levels: usize) -> Vec<f64> {
    (0..levels - 1)
        .map(|k| {
            if level == levels - 1 {
                -1.0
            } else if k == level {
                1.0
            } else {
                0.0
            }
        })
        .collect()
}

/// Residual sum of squares `min_β ‖y - Xβ‖²` of a dense least-squares problem
/// (`rows` are the rows of `X`), solved by Householder QR.
///
/// Returns `None` if `X` has fewer rows than columns or is numerically rank
/// deficient.
fn least_squares_rss(rows: Vec<Vec<f64>>, mut y: Vec<f64>) -> Option<f64> {
    let m = rows.len();
    let p = rows.first().map_or(0, Vec::len);
    if m < p || y.len() != m || rows.iter().any(|r| r.len() != p) {
        return None;
    }
    // Column-major copy of X; reflections are applied column by column.
    let mut cols: Vec<Vec<f64>> = (0..p)
        .map(|k| rows.iter().map(|r| r[k]).collect())
        .collect();
    for k in 0..p {
        let (col_k, later) = cols[k..].split_first_mut()?;
        // Reflections preserve the full column norm, so it serves as the scale.
        let full_norm = col_k.iter().map(|x| x * x).sum::<f64>().sqrt();
        let norm = col_k[k..].iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm <= 1e-12 * full_norm.max(f64::MIN_POSITIVE) {
            return None;
        }
        let alpha = if col_k[k] > 0.0 { -norm } else { norm };
        // Householder vector v = x - alpha e_k over rows k..m.
        let mut v = col_k[k..].to_vec();
        v[0] -= alpha;
        let vtv: f64 = v.iter().map(|x| x * x).sum();
        let reflect = |target: &mut [f64]| {
            let s = 2.0 * v.iter().zip(target.iter()).map(|(a, b)| a * b).sum::<f64>() / vtv;
            target.iter_mut().zip(&v).for_each(|(t, vi)| *t -= s * vi);
        };
        reflect(&mut col_k[k..]);
        later.iter_mut().for_each(|c| reflect(&mut c[k..]));
        reflect(&mut y[k..]);
    }
    Some(y[p..].iter().map(|r| r * r).sum())
}

/// Builds the ANOVA line of an effect tested against the residual mean square.
fn effect_row(source: &str, ss: f64, df: f64, ss_res: f64, df_res: f64) -> AnovaRow {
    let ms = ss / df;
    let ms_res = ss_res / df_res;
    let f = (ms_res > 0.0).then(|| ms / ms_res);
    AnovaRow {
        source: source.to_string(),
        ss,
        df,
        ms,
        f,
        p: f.map(|f| f_sf(f, df, df_res)),
        partial_eta_sq: (ss + ss_res > 0.0).then(|| ss / (ss + ss_res)),
    }
}

/// Builds a line without a test (residual or total).
fn plain_row(source: &str, ss: f64, df: f64) -> AnovaRow {
    AnovaRow {
        source: source.to_string(),
        ss,
        df,
        ms: ss / df,
        f: None,
        p: None,
        partial_eta_sq: None,
    }
}

/// Two-way ANOVA with interaction.
///
/// `obs` holds `(a, b, y)` triples: the level index of factor A (in
/// `0..levels_a`), the level index of factor B (in `0..levels_b`) and the
/// response. Every cell needs at least one observation and at least one cell
/// needs two, so that the interaction can be tested against a residual.
///
/// Balanced designs (all cells the same size) use the classical formulas;
/// otherwise Type III sums of squares with sum-to-zero coding are computed,
/// matching e.g. R `car::Anova(type = 3)` with `contr.sum` or statsmodels
/// `anova_lm(typ=3)` with `C(a, Sum) * C(b, Sum)`.
pub fn two_way_anova(
    obs: &[(usize, usize, f64)],
    levels_a: usize,
    levels_b: usize,
) -> Result<AnovaTable, AnovaError> {
    anova_with(obs, levels_a, levels_b, None)
}

/// Rejects factors with fewer than two levels.
fn check_levels(levels_a: usize, levels_b: usize) -> Result<(), AnovaError> {
    for (factor, levels) in [(Factor::A, levels_a), (Factor::B, levels_b)] {
        if levels < 2 {
            return Err(AnovaError::TooFewLevels { factor, levels });
        }
    }
    Ok(())
}

/// Computes the table. `force_type3` overrides the automatic choice (Type III
/// regression for unbalanced designs, classical formulas for balanced ones);
/// forcing classical formulas on an unbalanced design would be wrong.
fn anova_with(
    obs: &[(usize, usize, f64)],
    levels_a: usize,
    levels_b: usize,
    force_type3: Option<bool>,
) -> Result<AnovaTable, AnovaError> {
    check_levels(levels_a, levels_b)?;
    let cells = Cells::build(obs, levels_a, levels_b)?;
    let n_cells = levels_a * levels_b;
    if cells.n_total <= n_cells {
        return Err(AnovaError::NoResidualDf);
    }
    let balanced = cells.count.iter().all(|&n| n == cells.count[0]);
    let (ss, ss_type) = if force_type3.unwrap_or(!balanced) {
        (cells.type3_ss()?, SsType::TypeIII)
    } else {
        (cells.classical_ss(), SsType::Classical)
    };
    let df_a = (levels_a - 1) as f64;
    let df_b = (levels_b - 1) as f64;
    let df_res = (cells.n_total - n_cells) as f64;
    let ss_res = cells.ss_within;
    Ok(AnovaTable {
        rows: vec![
            effect_row("A", ss[0], df_a, ss_res, df_res),
            effect_row("B", ss[1], df_b, ss_res, df_res),
            effect_row("A×B", ss[2], df_a * df_b, ss_res, df_res),
            plain_row("Residual", ss_res, df_res),
        ],
        total: plain_row("Total", cells.ss_total, (cells.n_total - 1) as f64),
        ss_type,
        balanced,
    })
}

/// Unweighted marginal means of a two-way layout: for each level of A (first
/// vector) and of B (second vector), the plain average of the cell means over
/// the other factor's levels, so unequal cell sizes do not bias them.
///
/// Fails on out-of-range level indices, non-finite values or empty cells; a
/// single observation per cell is fine.
pub fn marginal_means(
    obs: &[(usize, usize, f64)],
    levels_a: usize,
    levels_b: usize,
) -> Result<(Vec<f64>, Vec<f64>), AnovaError> {
    Ok(Cells::build(obs, levels_a, levels_b)?.marginals())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that `actual` agrees with `expected` to a relative tolerance `rel`.
    fn close(actual: f64, expected: f64, rel: f64) {
        assert!(
            (actual - expected).abs() <= rel * expected.abs(),
            "actual {actual} vs expected {expected} (rel tol {rel})"
        );
    }

    /// Asserts agreement to 3 significant digits.
    fn sig3(actual: f64, expected: f64) {
        close(actual, expected, 5e-3);
    }

    // ToothGrowth (R `datasets`; Crampton 1947, via McNeil 1977), 60 guinea
    // pigs, odontoblast length by supplement (OJ, VC) x dose (0.5, 1, 2 mg/day),
    // 10 per cell. Rows below: (supp, dose, len) with supp 0 = VC, 1 = OJ and
    // dose 0/1/2 = 0.5/1/2. Data from the Rdatasets copy of ToothGrowth.
    const TOOTH_LEN: [[f64; 10]; 6] = [
        [4.2, 11.5, 7.3, 5.8, 6.4, 10.0, 11.2, 11.2, 5.2, 7.0],
        [16.5, 16.5, 15.2, 17.3, 22.5, 17.3, 13.6, 14.5, 18.8, 15.5],
        [23.6, 18.5, 33.9, 25.5, 26.4, 32.5, 26.7, 21.5, 23.3, 29.5],
        [15.2, 21.5, 17.6, 9.7, 14.5, 10.0, 8.2, 9.4, 16.5, 9.7],
        [19.7, 23.3, 23.6, 26.4, 20.0, 25.2, 25.8, 21.2, 14.5, 27.3],
        [25.5, 26.4, 22.4, 24.5, 24.8, 30.9, 26.4, 27.3, 29.4, 23.0],
    ];

    fn tooth_obs() -> Vec<(usize, usize, f64)> {
        TOOTH_LEN
            .iter()
            .enumerate()
            .flat_map(|(c, lens)| lens.iter().map(move |&y| (c / 3, c % 3, y)))
            .collect()
    }

    // Moore (1976) conformity data, `carData::Moore` (Fox & Weisberg), from the
    // Rdatasets copy: conformity by partner.status (0 = low, 1 = high) x
    // fcategory (0 = low, 1 = medium, 2 = high). Unbalanced, cell sizes
    // 10/4/8 (low status) and 5/11/7 (high status), N = 45.
    const MOORE: [(&str, f64, &str); 45] = [
        ("low", 8.0, "low"),
        ("low", 4.0, "high"),
        ("low", 8.0, "high"),
        ("low", 7.0, "low"),
        ("low", 10.0, "low"),
        ("low", 6.0, "low"),
        ("low", 12.0, "medium"),
        ("low", 4.0, "medium"),
        ("low", 13.0, "low"),
        ("low", 12.0, "low"),
        ("low", 4.0, "medium"),
        ("low", 13.0, "high"),
        ("low", 7.0, "low"),
        ("low", 9.0, "medium"),
        ("low", 9.0, "high"),
        ("low", 24.0, "high"),
        ("low", 6.0, "low"),
        ("low", 7.0, "high"),
        ("low", 23.0, "high"),
        ("low", 13.0, "high"),
        ("low", 8.0, "low"),
        ("low", 12.0, "low"),
        ("high", 19.0, "high"),
        ("high", 12.0, "medium"),
        ("high", 21.0, "low"),
        ("high", 9.0, "high"),
        ("high", 23.0, "low"),
        ("high", 7.0, "high"),
        ("high", 17.0, "medium"),
        ("high", 14.0, "medium"),
        ("high", 11.0, "high"),
        ("high", 16.0, "medium"),
        ("high", 15.0, "low"),
        ("high", 20.0, "medium"),
        ("high", 8.0, "medium"),
        ("high", 12.0, "low"),
        ("high", 14.0, "high"),
        ("high", 14.0, "medium"),
        ("high", 17.0, "medium"),
        ("high", 7.0, "medium"),
        ("high", 17.0, "medium"),
        ("high", 13.0, "high"),
        ("high", 16.0, "low"),
        ("high", 10.0, "high"),
        ("high", 15.0, "medium"),
    ];

    fn level(name: &str) -> usize {
        match name {
            "low" => 0,
            "medium" => 1,
            "high" => 2,
            other => panic!("unknown level {other}"),
        }
    }

    /// Moore data as (fcategory, partner.status, conformity): A has 3 levels, B has 2.
    fn moore_obs() -> Vec<(usize, usize, f64)> {
        MOORE
            .iter()
            .map(|&(status, y, fcat)| (level(fcat), usize::from(status == "high"), y))
            .collect()
    }

    #[test]
    fn t_quantiles_match_scipy() {
        // scipy.stats.t.ppf(0.975, df), scipy 1.17.1.
        let expected = [
            (1.0, 12.706204736174694),
            (2.0, 4.302652729749462),
            (3.0, 3.1824463052837078),
            (4.0, 2.7764451051977934),
            (9.0, 2.262157162798205),
            (29.0, 2.045229642132703),
            (54.0, 2.0048792881880564),
            (1000.0, 1.9623390808264083),
        ];
        for (df, q) in expected {
            close(t_quantile(0.975, df), q, 1e-9);
        }
    }

    #[test]
    fn summarize_matches_scipy_interval() {
        // ToothGrowth VC / 0.5 mg cell. Expected values from numpy mean /
        // std(ddof=1) and scipy.stats.t.interval(0.95, 9, loc=mean, scale=sem).
        let s = summarize(&TOOTH_LEN[0]).unwrap();
        assert_eq!(s.n, 10);
        close(s.mean, 7.98, 1e-12);
        close(s.std, 2.746634304016463, 1e-12);
        close(s.ci_low, 6.0151761824458925, 1e-9);
        close(s.ci_high, 9.944823817554106, 1e-9);

        // Two points: scipy.stats.t.interval(0.95, 1, loc=3, scale=1).
        let s = summarize(&[2.0, 4.0]).unwrap();
        close(s.std, std::f64::consts::SQRT_2, 1e-12);
        close(s.ci_low, -9.706204736174694, 1e-9);
        close(s.ci_high, 15.706204736174694, 1e-9);
    }

    #[test]
    fn summarize_edge_cases() {
        assert_eq!(summarize(&[]), None);
        let s = summarize(&[3.5]).unwrap();
        assert_eq!(
            s,
            Summary {
                n: 1,
                mean: 3.5,
                std: 0.0,
                ci_low: 3.5,
                ci_high: 3.5
            }
        );
        let s = summarize(&[2.0, 2.0, 2.0]).unwrap();
        assert_eq!((s.std, s.ci_low, s.ci_high), (0.0, 2.0, 2.0));
    }

    #[test]
    fn balanced_toothgrowth_matches_published_table() {
        // Published R output of `summary(aov(len ~ supp * factor(dose)))` on
        // ToothGrowth (a standard worked example):
        //   supp      Df 1  Sum Sq  205.4  F 15.572  p 0.000231
        //   dose      Df 2  Sum Sq 2426.4  F 92.000  p < 2e-16
        //   supp:dose Df 2  Sum Sq  108.3  F  4.107  p 0.021860
        //   Residuals Df 54 Sum Sq  712.1  Mean Sq 13.2
        // Full-precision values were recomputed with statsmodels 0.15.0
        // `anova_lm(ols("len ~ C(supp, Sum)*C(dose, Sum)"), typ=3)`, which agrees
        // with the published table to every printed digit.
        let t = two_way_anova(&tooth_obs(), 2, 3).unwrap();
        assert!(t.balanced);
        assert_eq!(t.ss_type, SsType::Classical);
        let names: Vec<&str> = t.rows.iter().map(|r| r.source.as_str()).collect();
        assert_eq!(names, ["A", "B", "A×B", "Residual"]);

        let [a, b, ab, res] = [&t.rows[0], &t.rows[1], &t.rows[2], &t.rows[3]];
        // Published (rounded) numbers, 3 significant digits or better.
        sig3(a.ss, 205.4);
        sig3(b.ss, 2426.4);
        sig3(ab.ss, 108.3);
        sig3(res.ss, 712.1);
        sig3(res.ms, 13.2);
        sig3(a.f.unwrap(), 15.572);
        sig3(b.f.unwrap(), 92.000);
        sig3(ab.f.unwrap(), 4.107);
        sig3(a.p.unwrap(), 0.000231);
        sig3(ab.p.unwrap(), 0.021860);
        assert!(b.p.unwrap() < 2e-16);
        assert_eq!((a.df, b.df, ab.df, res.df), (1.0, 2.0, 2.0, 54.0));

        // statsmodels full-precision values.
        close(a.ss, 205.34999999999982, 1e-10);
        close(b.ss, 2426.4343333333313, 1e-10);
        close(ab.ss, 108.3190000000004, 1e-10);
        close(res.ss, 712.1059999999998, 1e-10);
        close(a.f.unwrap(), 15.571979452497233, 1e-9);
        close(b.f.unwrap(), 91.99996489286703, 1e-9);
        close(ab.f.unwrap(), 4.106991094022535, 1e-9);
        close(a.p.unwrap(), 0.00023118280977342504, 1e-6);
        close(b.p.unwrap(), 4.0462911959922804e-18, 1e-6);
        close(ab.p.unwrap(), 0.021860268964790694, 1e-6);
        // Partial eta squared = SS / (SS + SS_residual) from the same numbers.
        close(a.partial_eta_sq.unwrap(), 0.2238254477598925, 1e-9);
        close(b.partial_eta_sq.unwrap(), 0.7731091767606193, 1e-9);
        close(ab.partial_eta_sq.unwrap(), 0.1320279123624955, 1e-9);
        assert_eq!((res.f, res.p, res.partial_eta_sq), (None, None, None));

        // Total: numpy sum((len - mean)^2), N - 1 = 59; balanced parts add up.
        close(t.total.ss, 3452.2093333333337, 1e-10);
        assert_eq!(t.total.df, 59.0);
        close(a.ss + b.ss + ab.ss + res.ss, t.total.ss, 1e-10);
        assert_eq!(t.row("Total"), Some(&t.total));
    }

    #[test]
    fn balanced_regression_path_agrees_with_classical() {
        let obs = tooth_obs();
        let classical = anova_with(&obs, 2, 3, Some(false)).unwrap();
        let type3 = anova_with(&obs, 2, 3, Some(true)).unwrap();
        assert_eq!(type3.ss_type, SsType::TypeIII);
        for (c, r) in classical.rows.iter().zip(&type3.rows) {
            close(r.ss, c.ss, 1e-10);
            close(r.p.unwrap_or(1.0), c.p.unwrap_or(1.0), 1e-8);
        }
    }

    #[test]
    fn unbalanced_moore_matches_statsmodels_type3() {
        // Expected values from statsmodels 0.15.0:
        //   anova_lm(ols("conformity ~ C(fcategory, Sum)*C(partner_status, Sum)",
        //                data=moore).fit(), typ=3)
        // on the same 45 rows (statsmodels sorts levels alphabetically; Type III
        // sums of squares do not depend on level order, see the next test).
        let t = two_way_anova(&moore_obs(), 3, 2).unwrap();
        assert!(!t.balanced);
        assert_eq!(t.ss_type, SsType::TypeIII);
        let [a, b, ab, res] = [&t.rows[0], &t.rows[1], &t.rows[2], &t.rows[3]];
        assert_eq!((a.df, b.df, ab.df, res.df), (2.0, 1.0, 2.0, 39.0));

        sig3(a.ss, 36.02);
        sig3(b.ss, 239.56);
        sig3(ab.ss, 175.49);
        sig3(res.ss, 817.76);

        close(a.ss, 36.0187056277056, 1e-9);
        close(b.ss, 239.56236979347952, 1e-9);
        close(ab.ss, 175.488927849928, 1e-9);
        close(res.ss, 817.7639610389612, 1e-10);
        close(a.f.unwrap(), 0.8588844620248507, 1e-8);
        close(b.f.unwrap(), 11.42497452452612, 1e-8);
        close(ab.f.unwrap(), 4.1846232606361555, 1e-8);
        close(a.p.unwrap(), 0.43149161022642585, 1e-6);
        close(b.p.unwrap(), 0.001657112680098812, 1e-6);
        close(ab.p.unwrap(), 0.022572441791678596, 1e-6);
        close(a.partial_eta_sq.unwrap(), 0.04218720645656771, 1e-8);
        close(b.partial_eta_sq.unwrap(), 0.22657372923350008, 1e-8);
        close(ab.partial_eta_sq.unwrap(), 0.17668101428452948, 1e-8);

        // Total SS from numpy: sum((conformity - mean)^2) = 1209.2, df 44.
        close(t.total.ss, 1209.2, 1e-10);
        assert_eq!(t.total.df, 44.0);
    }

    #[test]
    fn unbalanced_3x4_matches_statsmodels_type3() {
        // Synthetic 3x4 design with cell sizes 2..=5 (N = 40). The same
        // generator was run in Python and fed to statsmodels 0.15.0
        // `anova_lm(ols("y ~ C(a, Sum)*C(b, Sum)").fit(), typ=3)`.
        let mut obs = Vec::new();
        let mut idx = 0u32;
        for i in 0..3 {
            for j in 0..4 {
                for _ in 0..2 + (i + 2 * j) % 4 {
                    let (x, z) = (i as f64, j as f64);
                    let noise = f64::from((7 * idx + 3) % 11) / 5.0;
                    obs.push((i, j, x * 1.3 + z * 0.7 + x * z * 0.4 + noise));
                    idx += 1;
                }
            }
        }
        assert_eq!(obs.len(), 40);
        let t = two_way_anova(&obs, 3, 4).unwrap();
        assert!(!t.balanced);
        let expected = [
            (
                73.11354128440354,
                2.0,
                77.17826314328312,
                4.048685932313503e-12,
            ),
            (
                47.39476480608842,
                3.0,
                33.353106830463354,
                2.2067804217886746e-09,
            ),
            (
                10.16797738856456,
                6.0,
                3.577754183168388,
                0.009306466671480638,
            ),
        ];
        for (row, (ss, df, f, p)) in t.rows.iter().zip(expected) {
            close(row.ss, ss, 1e-9);
            assert_eq!(row.df, df);
            close(row.f.unwrap(), f, 1e-8);
            close(row.p.unwrap(), p, 1e-6);
        }
        close(t.rows[3].ss, 13.262666666666666, 1e-10);
        assert_eq!(t.rows[3].df, 28.0);
    }

    #[test]
    fn type3_is_invariant_to_level_order() {
        // Relabelling levels (which changes which level is coded -1) must not
        // change Type III sums of squares.
        let obs = moore_obs();
        let t = two_way_anova(&obs, 3, 2).unwrap();
        let relabelled: Vec<_> = obs.iter().map(|&(a, b, y)| (2 - a, 1 - b, y)).collect();
        let u = two_way_anova(&relabelled, 3, 2).unwrap();
        for (r, s) in t.rows.iter().zip(&u.rows) {
            close(s.ss, r.ss, 1e-10);
        }
    }

    #[test]
    fn marginal_means_are_unweighted() {
        // Cell means (pandas groupby on the Moore data):
        // low/low 8.9, low/high 17.4; medium/low 7.25, medium/high 14.272727..;
        // high/low 12.625, high/high 11.857142...
        let (ma, mb) = marginal_means(&moore_obs(), 3, 2).unwrap();
        close(ma[0], (8.9 + 17.4) / 2.0, 1e-12);
        close(ma[1], (7.25 + 157.0 / 11.0) / 2.0, 1e-12);
        close(ma[2], (12.625 + 83.0 / 7.0) / 2.0, 1e-12);
        close(mb[0], (8.9 + 7.25 + 12.625) / 3.0, 1e-12);
        close(mb[1], (17.4 + 157.0 / 11.0 + 83.0 / 7.0) / 3.0, 1e-12);
    }

    #[test]
    fn least_squares_rss_simple_line() {
        // y = 1 + 2x exactly except one point: fit of (0,1),(1,3),(2,5),(3,8).
        // Hand computation: slope 2.3, intercept 0.8, residuals
        // 0.2, -0.1, -0.4, 0.3 -> RSS 0.3.
        let rows = vec![
            vec![1.0, 0.0],
            vec![1.0, 1.0],
            vec![1.0, 2.0],
            vec![1.0, 3.0],
        ];
        close(
            least_squares_rss(rows, vec![1.0, 3.0, 5.0, 8.0]).unwrap(),
            0.3,
            1e-12,
        );
        // Rank-deficient design is reported.
        let rows = vec![vec![1.0, 2.0], vec![2.0, 4.0], vec![3.0, 6.0]];
        assert_eq!(least_squares_rss(rows, vec![1.0, 2.0, 3.0]), None);
    }

    #[test]
    fn zero_residual_variance_gives_no_f() {
        let obs = [
            (0, 0, 1.0),
            (0, 0, 1.0),
            (0, 1, 2.0),
            (0, 1, 2.0),
            (1, 0, 3.0),
            (1, 0, 3.0),
            (1, 1, 5.0),
            (1, 1, 5.0),
        ];
        let t = two_way_anova(&obs, 2, 2).unwrap();
        assert_eq!(t.rows[0].f, None);
        assert_eq!(t.rows[0].p, None);
        assert_eq!(t.rows[0].partial_eta_sq, Some(1.0));
    }

    #[test]
    fn error_cases() {
        let full = [
            (0, 0, 1.0),
            (0, 1, 2.0),
            (1, 0, 3.0),
            (1, 1, 4.0),
            (1, 1, 4.5),
        ];
        assert_eq!(
            two_way_anova(&full, 1, 2),
            Err(AnovaError::TooFewLevels {
                factor: Factor::A,
                levels: 1
            })
        );
        assert_eq!(
            two_way_anova(&full, 2, 0),
            Err(AnovaError::TooFewLevels {
                factor: Factor::B,
                levels: 0
            })
        );
        // Empty cell (A=1, B=0) is named.
        let missing = [(0, 0, 1.0), (0, 1, 2.0), (1, 1, 4.0), (1, 1, 4.5)];
        let err = two_way_anova(&missing, 2, 2).unwrap_err();
        assert_eq!(err, AnovaError::EmptyCell { a: 1, b: 0 });
        assert_eq!(
            err.to_string(),
            "cell (A=1, B=0) has no observations; every combination of levels needs data"
        );
        // One observation per cell: interaction cannot be tested.
        let single = [(0, 0, 1.0), (0, 1, 2.0), (1, 0, 3.0), (1, 1, 4.0)];
        let err = two_way_anova(&single, 2, 2).unwrap_err();
        assert_eq!(err, AnovaError::NoResidualDf);
        assert_eq!(
            err.to_string(),
            "each cell needs at least 2 repeats to test the interaction (found n=1 in every cell)"
        );
        // ... but marginal means are still available.
        assert_eq!(
            marginal_means(&single, 2, 2),
            Ok((vec![1.5, 3.5], vec![2.0, 3.0]))
        );
        assert_eq!(
            two_way_anova(&[(0, 2, 1.0)], 2, 2),
            Err(AnovaError::LevelOutOfRange {
                factor: Factor::B,
                index: 2,
                levels: 2
            })
        );
        let mut nan = full.to_vec();
        nan[3].2 = f64::NAN;
        assert_eq!(
            two_way_anova(&nan, 2, 2),
            Err(AnovaError::NonFiniteValue { position: 3 })
        );
        // Error is usable as a boxed std error with a one-line message.
        let boxed: Box<dyn Error> = Box::new(AnovaError::TooFewLevels {
            factor: Factor::A,
            levels: 1,
        });
        assert_eq!(
            boxed.to_string(),
            "factor A needs at least 2 levels for ANOVA (found 1)"
        );
    }
}
