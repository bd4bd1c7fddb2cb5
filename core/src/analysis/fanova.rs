//! Which axes of a random or TPE scan matter, and which pairs interact:
//! functional ANOVA (Hutter, Hoos & Leyton-Brown, 2014) of a random forest
//! fitted to the scan's configurations, from the `optimizer` crate. Each
//! share is the fraction of the forest's variance that one axis, or one
//! pair beyond its two axes alone, explains. The spread comes from refits
//! on bootstrap resamples of the configurations.

use std::collections::{BTreeMap, HashMap};

use optimizer::parameter::{CategoricalParam, FloatParam, ParamId, Parameter};
use optimizer::{Direction, FanovaConfig, Study};
use serde::Serialize;

use super::AnalysisError;
use crate::record::{TrialRecord, TrialStatus};
use crate::spec::{Metric, SweepSpec, value_label};

/// Bootstrap refits behind each share's interval.
pub const RESAMPLES: usize = 16;

/// Fewest finished configurations worth fitting a forest to.
pub const MIN_CONFIGURATIONS: usize = 8;

/// One axis's or one pair's share of the explained variance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    /// The axis, or the two axes of an interaction.
    pub axes: Vec<String>,
    /// The share on all configurations (0 to 1).
    pub share: f64,
    /// 5th and 95th percentile over bootstrap refits.
    pub interval: (f64, f64),
}

impl Share {
    /// The effect's name: `"a"` or `"a × b"`.
    pub fn name(&self) -> String {
        self.axes.join(" × ")
    }
}

/// Every axis's share and every pair's, largest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanImportance {
    /// What was analysed.
    pub metric: Metric,
    /// Main effects, largest first.
    pub axes: Vec<Share>,
    /// Pairwise interactions, largest first.
    pub pairs: Vec<Share>,
    /// Configurations with at least one finished trial (their mean is fitted).
    pub configurations: usize,
}

impl ScanImportance {
    /// The pair to grid next: the strongest interaction.
    pub fn strongest_pair(&self) -> Option<(String, String)> {
        let top = self.pairs.first()?;
        Some((top.axes[0].clone(), top.axes[1].clone()))
    }
}

/// The fANOVA importance of a scan's axes for `metric`, from the mean of
/// each configuration's finished trials.
pub fn scan_importance(
    spec: &SweepSpec,
    records: &[TrialRecord],
    metric: Metric,
) -> Result<ScanImportance, AnalysisError> {
    if spec.axes.len() < 2 {
        return Err(AnalysisError::Design(format!(
            "it needs at least two axes, the scan has {}",
            spec.axes.len()
        )));
    }
    // A halving scan compares its first rung (one budget for all).
    let records = &*super::compared(spec, records);
    let chosen: Vec<&TrialRecord> = records.iter().collect();
    super::check_budgets(&chosen, false)?;
    let rows = configurations(spec, records, metric);
    if rows.len() < MIN_CONFIGURATIONS {
        return Err(AnalysisError::Design(format!(
            "it needs at least {MIN_CONFIGURATIONS} finished configurations, the scan has {}",
            rows.len()
        )));
    }
    let all: Vec<usize> = (0..rows.len()).collect();
    let whole = fit(spec, &rows, &all, 0);
    let mut draws: BTreeMap<Vec<String>, Vec<f64>> = BTreeMap::new();
    for r in 0..RESAMPLES {
        let pick: Vec<usize> = (0..rows.len())
            .map(|i| (crate::scan::mix(spec.seed, r as u64, i as u64) % rows.len() as u64) as usize)
            .collect();
        let refit = fit(spec, &rows, &pick, r as u64 + 1);
        for key in whole.keys() {
            draws
                .entry(key.clone())
                .or_default()
                .push(refit.get(key).copied().unwrap_or(0.0));
        }
    }
    let share = |axes: &Vec<String>| {
        let mut d = draws.get(axes).cloned().unwrap_or_default();
        d.sort_by(f64::total_cmp);
        let q = |p: f64| d.get(((d.len() - 1) as f64 * p).round() as usize).copied();
        Share {
            axes: axes.clone(),
            share: whole[axes],
            interval: (q(0.05).unwrap_or(0.0), q(0.95).unwrap_or(0.0)),
        }
    };
    let by_share = |a: &Share, b: &Share| b.share.total_cmp(&a.share);
    let mut axes: Vec<Share> = whole.keys().filter(|k| k.len() == 1).map(share).collect();
    let mut pairs: Vec<Share> = whole.keys().filter(|k| k.len() == 2).map(share).collect();
    axes.sort_by(by_share);
    pairs.sort_by(by_share);
    Ok(ScanImportance {
        metric,
        axes,
        pairs,
        configurations: rows.len(),
    })
}

/// The ranking as lines of text, for `native-sweep show` and reports.
pub fn scan_importance_lines(importance: &ScanImportance) -> Vec<String> {
    let line = |s: &Share| {
        format!(
            "  {:<40} share {:>5.2}  (90% of refits {:.2} to {:.2})",
            s.name(),
            s.share,
            s.interval.0,
            s.interval.1
        )
    };
    let mut out = vec![format!(
        "which axes matter for {} (fANOVA of a random forest, {} configurations, {RESAMPLES} bootstrap refits):",
        importance.metric.name(),
        importance.configurations,
    )];
    out.extend(importance.axes.iter().map(line));
    out.push("pairs by interaction strength:".into());
    out.extend(importance.pairs.iter().map(line));
    out
}

/// Each configuration with a finished trial: its axis values in axis order
/// and its mean metric.
type Row = (Vec<serde_json::Value>, f64);

fn configurations(spec: &SweepSpec, records: &[TrialRecord], metric: Metric) -> Vec<Row> {
    let mut by_cell: BTreeMap<String, (Vec<serde_json::Value>, f64, usize)> = BTreeMap::new();
    for r in records.iter().filter(|r| r.status == TrialStatus::Finished) {
        let v = r.final_metric(metric);
        let values: Option<Vec<serde_json::Value>> = spec
            .axes
            .iter()
            .map(|a| {
                r.cell
                    .iter()
                    .find(|c| c.path == a.path)
                    .map(|c| c.value.clone())
            })
            .collect();
        let (Some(values), true) = (values, v.is_finite()) else {
            continue;
        };
        let key = values.iter().map(value_label).collect::<Vec<_>>().join("|");
        let entry = by_cell.entry(key).or_insert((values, 0.0, 0));
        entry.1 += v;
        entry.2 += 1;
    }
    by_cell
        .into_values()
        .map(|(values, sum, n)| (values, sum / n as f64))
        .collect()
}

/// The fANOVA shares of the configurations `pick` (with repeats), keyed by
/// the axis paths of each main effect and pair.
fn fit(spec: &SweepSpec, rows: &[Row], pick: &[usize], seed: u64) -> BTreeMap<Vec<String>, f64> {
    enum Param {
        Range(FloatParam, bool),
        Listed(CategoricalParam<String>, Vec<serde_json::Value>),
    }
    let params: Vec<Param> = spec
        .axes
        .iter()
        .map(|a| match (a.low, a.high) {
            (Some(low), Some(high)) if a.log => {
                Param::Range(FloatParam::new(low.ln(), high.ln()).name(&a.path), true)
            }
            (Some(low), Some(high)) => {
                Param::Range(FloatParam::new(low, high).name(&a.path), false)
            }
            _ => Param::Listed(
                CategoricalParam::new(a.labels()).name(&a.path),
                a.values.clone(),
            ),
        })
        .collect();
    let study: Study<f64> = Study::new(Direction::Maximize);
    for &i in pick {
        let (values, y) = &rows[i];
        let mut fixed: HashMap<ParamId, optimizer::param::ParamValue> = HashMap::new();
        for (p, v) in params.iter().zip(values) {
            use optimizer::param::ParamValue;
            match p {
                Param::Range(f, log) => {
                    let x = v.as_f64().unwrap_or(f64::NAN);
                    let x = if *log { x.ln() } else { x };
                    fixed.insert(f.id(), ParamValue::Float(x));
                }
                Param::Listed(c, listed) => {
                    let at = listed.iter().position(|l| l == v).unwrap_or(0);
                    fixed.insert(c.id(), ParamValue::Categorical(at));
                }
            }
        }
        study.enqueue(fixed);
        let mut trial = study.ask();
        for p in &params {
            // The values are fixed above; suggesting records them.
            let _ = match p {
                Param::Range(f, _) => f.suggest(&mut trial).map(|_| ()),
                Param::Listed(c, _) => c.suggest(&mut trial).map(|_| ()),
            };
        }
        study.tell(trial, Ok::<f64, String>(*y));
    }
    let config = FanovaConfig {
        seed: Some(seed.wrapping_add(spec.seed)),
        ..FanovaConfig::default()
    };
    let mut out = BTreeMap::new();
    for a in &spec.axes {
        out.insert(vec![a.path.clone()], 0.0);
    }
    for (i, a) in spec.axes.iter().enumerate() {
        for b in &spec.axes[i + 1..] {
            out.insert(pair(&a.path, &b.path), 0.0);
        }
    }
    if let Ok(result) = study.fanova_with_config(&config) {
        for (name, v) in result.main_effects {
            out.insert(vec![name], v);
        }
        for ((a, b), v) in result.interactions {
            out.insert(pair(&a, &b), v);
        }
    }
    out
}

/// A pair's key: its two axis paths in name order.
fn pair(a: &str, b: &str) -> Vec<String> {
    if a <= b {
        vec![a.to_string(), b.to_string()]
    } else {
        vec![b.to_string(), a.to_string()]
    }
}
