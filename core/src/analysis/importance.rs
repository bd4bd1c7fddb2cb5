//! Which axes matter and which pairs of axes interact, for a grid of any
//! number of axes: the N-way ANOVA of the full grid, with every axis's main
//! effect and every pair's two-way interaction tested against the
//! within-cell (repeat-to-repeat) variation, ranked by partial η².
//!
//! The sums of squares are the classical ones of a balanced full factorial
//! design (every cell of the grid with the same number of finished trials),
//! where they are orthogonal: each effect's share does not depend on which
//! other effects are in the model. A grid with missing trials (diverged,
//! failed, not yet run) is refused with the count of cells it lacks.

use serde::Serialize;

use super::heatmap::{level_of, levels_or_err};
use super::stats::f_sf;
use super::{AnalysisError, check_budgets};
use crate::record::{TrialRecord, TrialStatus};
use crate::spec::Metric;

/// One main effect (one axis) or one two-way interaction (two axes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// The axis, or the two axes of an interaction.
    pub axes: Vec<String>,
    /// Sum of squares.
    pub ss: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// F against the within-cell mean square (`None` when that is zero).
    pub f: Option<f64>,
    /// Upper-tail p-value of `f`.
    pub p: Option<f64>,
    /// `ss / (ss + ss_within)`: the share of the variation this effect and
    /// the repeat noise leave that the effect explains.
    pub partial_eta_sq: Option<f64>,
}

impl Effect {
    /// The effect's name: `"a"` or `"a × b"`.
    pub fn name(&self) -> String {
        self.axes.join(" × ")
    }
}

/// Every axis's main effect and every pair's interaction, strongest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Importance {
    /// What was analysed.
    pub metric: Metric,
    /// Main effects, by partial η², largest first.
    pub axes: Vec<Effect>,
    /// Two-way interactions, by partial η², largest first.
    pub pairs: Vec<Effect>,
    /// Finished trials analysed.
    pub n: usize,
    /// Trials per cell.
    pub repeats: usize,
    /// Within-cell sum of squares and its degrees of freedom.
    pub within: (f64, f64),
}

/// The importance of `axes` (at least two, each with at least two levels in
/// the records) for `metric`, from finished trials of one epoch budget.
pub fn importance(
    records: &[TrialRecord],
    axes: &[String],
    metric: Metric,
) -> Result<Importance, AnalysisError> {
    if axes.len() < 2 {
        return Err(AnalysisError::Design(format!(
            "it needs at least two axes, the records have {}",
            axes.len()
        )));
    }
    let levels: Vec<_> = axes
        .iter()
        .map(|a| levels_or_err(records, a))
        .collect::<Result<_, _>>()?;
    let chosen: Vec<&TrialRecord> = records.iter().collect();
    check_budgets(&chosen, false)?;
    let sizes: Vec<usize> = levels.iter().map(Vec::len).collect();
    if let Some(i) = sizes.iter().position(|&s| s < 2) {
        return Err(AnalysisError::Design(format!(
            "axis {} has one level: nothing to compare",
            axes[i]
        )));
    }
    let cells: usize = sizes.iter().product();
    let mut by_cell: Vec<Vec<f64>> = vec![Vec::new(); cells];
    for r in chosen.iter().filter(|r| r.status == TrialStatus::Finished) {
        let value = r.final_metric(metric);
        let at: Option<Vec<usize>> = axes
            .iter()
            .zip(&levels)
            .map(|(a, l)| level_of(r, a, l))
            .collect();
        if let (Some(at), true) = (at, value.is_finite()) {
            by_cell[flat(&at, &sizes)].push(value);
        }
    }
    let repeats = by_cell.iter().map(Vec::len).max().unwrap_or(0);
    let short = by_cell.iter().filter(|c| c.len() < repeats).count();
    if short > 0 || repeats < 2 {
        return Err(AnalysisError::Design(format!(
            "it needs every cell of the grid with the same number (at least 2) of \
             finished trials; {short} of {cells} cells have fewer than {repeats}"
        )));
    }

    let n = cells * repeats;
    let all: Vec<f64> = by_cell.iter().flatten().copied().collect();
    let grand = all.iter().sum::<f64>() / n as f64;
    let cell_mean: Vec<f64> = by_cell
        .iter()
        .map(|c| c.iter().sum::<f64>() / repeats as f64)
        .collect();
    let within: f64 = by_cell
        .iter()
        .zip(&cell_mean)
        .map(|(c, m)| c.iter().map(|v| (v - m).powi(2)).sum::<f64>())
        .sum();
    let within_df = (n - cells) as f64;

    // Means over every cell at one level of axis i (and of j).
    let level_means = |i: usize| -> Vec<f64> {
        let mut sum = vec![0.0; sizes[i]];
        for (c, m) in cell_mean.iter().enumerate() {
            sum[unflat(c, &sizes)[i]] += m;
        }
        let per = (cells / sizes[i]) as f64;
        sum.into_iter().map(|s| s / per).collect()
    };
    let main: Vec<Vec<f64>> = (0..axes.len()).map(level_means).collect();
    let effect = |names: Vec<String>, ss: f64, df: f64| {
        let f = (within > 0.0).then(|| (ss / df) / (within / within_df));
        Effect {
            axes: names,
            ss,
            df,
            f,
            p: f.map(|f| f_sf(f, df, within_df)),
            partial_eta_sq: (ss + within > 0.0).then(|| ss / (ss + within)),
        }
    };
    let mut mains: Vec<Effect> = (0..axes.len())
        .map(|i| {
            let per = (n / sizes[i]) as f64;
            let ss = main[i].iter().map(|m| per * (m - grand).powi(2)).sum();
            effect(vec![axes[i].clone()], ss, (sizes[i] - 1) as f64)
        })
        .collect();
    let mut pairs = Vec::new();
    for i in 0..axes.len() {
        for j in i + 1..axes.len() {
            let mut sum = vec![0.0; sizes[i] * sizes[j]];
            for (c, m) in cell_mean.iter().enumerate() {
                let at = unflat(c, &sizes);
                sum[at[i] * sizes[j] + at[j]] += m;
            }
            let per_cell = (cells / (sizes[i] * sizes[j])) as f64;
            let per = (n / (sizes[i] * sizes[j])) as f64;
            let mut ss = 0.0;
            for a in 0..sizes[i] {
                for b in 0..sizes[j] {
                    let m = sum[a * sizes[j] + b] / per_cell;
                    ss += per * (m - main[i][a] - main[j][b] + grand).powi(2);
                }
            }
            let df = ((sizes[i] - 1) * (sizes[j] - 1)) as f64;
            pairs.push(effect(vec![axes[i].clone(), axes[j].clone()], ss, df));
        }
    }
    let by_strength = |a: &Effect, b: &Effect| {
        b.partial_eta_sq
            .unwrap_or(0.0)
            .total_cmp(&a.partial_eta_sq.unwrap_or(0.0))
    };
    mains.sort_by(by_strength);
    pairs.sort_by(by_strength);
    Ok(Importance {
        metric,
        axes: mains,
        pairs,
        n,
        repeats,
        within: (within, within_df),
    })
}

/// The ranking as lines of text, for `native-sweep show` and reports.
pub fn importance_lines(importance: &Importance) -> Vec<String> {
    let line = |e: &Effect| {
        let eta = e
            .partial_eta_sq
            .map_or("-".to_string(), |v| format!("{v:.2}"));
        let test = match (e.f, e.p) {
            (Some(f), Some(p)) => format!(
                "F({}, {}) = {f:.2}, {}",
                e.df,
                importance.within.1,
                if p < 0.001 {
                    "p < 0.001".to_string()
                } else {
                    format!("p = {p:.3}")
                }
            ),
            _ => "no repeat-to-repeat variation to test against".into(),
        };
        format!("  {:<40} partial η² {eta:>5}  {test}", e.name())
    };
    let mut out = vec![format!(
        "which axes matter for {} (N-way ANOVA, {} trials, {} per cell):",
        importance.metric.name(),
        importance.n,
        importance.repeats
    )];
    out.extend(importance.axes.iter().map(line));
    out.push("pairs by interaction strength:".into());
    out.extend(importance.pairs.iter().map(line));
    out
}

/// Row-major position of a cell (the first axis varies slowest).
fn flat(at: &[usize], sizes: &[usize]) -> usize {
    at.iter().zip(sizes).fold(0, |acc, (i, s)| acc * s + i)
}

/// The level of every axis at row-major position `c`.
fn unflat(mut c: usize, sizes: &[usize]) -> Vec<usize> {
    let mut at = vec![0; sizes.len()];
    for k in (0..sizes.len()).rev() {
        at[k] = c % sizes[k];
        c /= sizes[k];
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_positions_round_trip() {
        let sizes = [2, 3, 4];
        for c in 0..24 {
            assert_eq!(flat(&unflat(c, &sizes), &sizes), c);
        }
        assert_eq!(unflat(5, &sizes), vec![0, 1, 1]);
    }
}
