//! Configurations of a random or TPE scan.
//!
//! Every draw is a function of the sweep seed, the configuration's number
//! and (for TPE) the results of the configurations before its round, so a
//! scan proposes the same configurations on every machine and after every
//! resume. TPE is the `tpe` crate's (a port of hyperopt's and Optuna's
//! univariate Parzen estimators, with their prior and truncation): one
//! estimator per axis, fed every finished configuration in order.
//!
//! Each axis is drawn in its *internal* space, where the draw is uniform:
//! a range as is, a log range as its logarithm, an int range as
//! `low..high + 1` rounded down, listed values by their index.

use rand08::{Rng, SeedableRng, rngs::StdRng};
use serde_json::Value;

use crate::spec::{AxisSpec, SweepSpec};

/// Attempts at a configuration no earlier one has, before giving up on
/// chance and taking the first unused one of a finite space.
const DRAW_ATTEMPTS: u64 = 64;

/// Significant digits a drawn real number keeps (labels stay readable and
/// a value reads back exactly from a record).
const DIGITS: usize = 4;

/// One finished configuration as TPE sees it: its axis values and the
/// score to minimise (a loss, or minus an accuracy; `+inf` when every
/// repeat diverged or failed).
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// The configuration's value on each axis, in axis order.
    pub values: Vec<Value>,
    /// Lower is better.
    pub score: f64,
}

/// The values of configuration `index`: drawn at random when `history` is
/// `None`, proposed by TPE from `history` otherwise. `taken` are the
/// configurations already in the scan; the result is never one of them.
pub fn configuration(
    spec: &SweepSpec,
    index: usize,
    history: Option<&[Observation]>,
    taken: &[Vec<Value>],
) -> Vec<Value> {
    for attempt in 0..DRAW_ATTEMPTS {
        let seed = mix(spec.seed, index as u64, attempt);
        let values = match history {
            // Half the attempts with TPE, then plain chance.
            Some(h) if attempt < DRAW_ATTEMPTS / 2 => propose(spec, seed, h),
            _ => draw(spec, seed),
        };
        if !taken.contains(&values) {
            return values;
        }
    }
    first_unused(&spec.axes, taken)
        .expect("validation keeps a scan within the configurations its axes allow")
}

/// The worst finite score of `history` (0 when none is finite): what a
/// proposal of the current round stands in with until its trials finish,
/// and, plus one, what a configuration that only diverged counts as (TPE
/// uses only the order of scores).
pub fn liar_score(history: &[Observation]) -> f64 {
    history
        .iter()
        .map(|o| o.score)
        .filter(|s| s.is_finite())
        .reduce(f64::max)
        .unwrap_or(0.0)
}

/// How many distinct configurations the axes allow, if finite (no real
/// range): listed values times whole numbers in each int range.
pub fn space_size(axes: &[AxisSpec]) -> Option<u128> {
    axes.iter().try_fold(1u128, |n, axis| {
        let size = match (axis.low, axis.high) {
            (Some(low), Some(high)) if axis.int => (high - low) as u128 + 1,
            (Some(_), Some(_)) => return None,
            _ => axis.values.len() as u128,
        };
        Some(n.saturating_mul(size))
    })
}

/// A random configuration.
fn draw(spec: &SweepSpec, seed: u64) -> Vec<Value> {
    let mut rng = StdRng::seed_from_u64(seed);
    spec.axes
        .iter()
        .map(|axis| {
            let (a, b) = internal_range(axis);
            to_value(axis, rng.gen_range(a..b))
        })
        .collect()
}

/// A TPE proposal from the finished configurations.
fn propose(spec: &SweepSpec, seed: u64, history: &[Observation]) -> Vec<Value> {
    let mut rng = StdRng::seed_from_u64(seed);
    spec.axes
        .iter()
        .enumerate()
        .map(|(j, axis)| {
            let (a, b) = internal_range(axis);
            let mut optimizer = if axis.is_range() {
                tpe::TpeOptimizer::new(
                    tpe::parzen_estimator(),
                    tpe::range(a, b).expect("validated ranges are non-empty"),
                )
            } else {
                tpe::TpeOptimizer::new(
                    tpe::histogram_estimator(),
                    tpe::categorical_range(axis.values.len()).expect("validated axes list values"),
                )
            };
            let diverged = liar_score(history) + 1.0;
            for o in history {
                if let Some(x) = internal(axis, &o.values[j]) {
                    let score = if o.score.is_finite() {
                        o.score
                    } else {
                        diverged
                    };
                    // Refused only for a non-finite score, which never comes.
                    let _ = optimizer.tell(x, score);
                }
            }
            let x = optimizer
                .ask(&mut rng)
                .unwrap_or_else(|_| rng.gen_range(a..b));
            to_value(axis, x)
        })
        .collect()
}

/// The interval an axis is drawn from uniformly (upper end open).
fn internal_range(axis: &AxisSpec) -> (f64, f64) {
    match (axis.low, axis.high) {
        (Some(low), Some(high)) => {
            let high = if axis.int { high + 1.0 } else { high };
            if axis.log {
                (low.ln(), high.ln())
            } else {
                (low, high)
            }
        }
        _ => (0.0, axis.values.len() as f64),
    }
}

/// A value from the internal space as the sweep file writes it.
fn to_value(axis: &AxisSpec, x: f64) -> Value {
    let (Some(low), Some(high)) = (axis.low, axis.high) else {
        let i = (x.floor().max(0.0) as usize).min(axis.values.len() - 1);
        return axis.values[i].clone();
    };
    let x = if axis.log { x.exp() } else { x };
    if axis.int {
        Value::from(x.floor().clamp(low, high) as i64)
    } else {
        Value::from(round(x).clamp(low, high))
    }
}

/// A configuration's value in the internal space (the middle of its
/// stretch for an int or a listed value); `None` when it is not one of
/// this axis's values (a record from an edited file).
fn internal(axis: &AxisSpec, value: &Value) -> Option<f64> {
    let (Some(_), Some(_)) = (axis.low, axis.high) else {
        return axis
            .values
            .iter()
            .position(|v| v == value)
            .map(|i| i as f64);
    };
    let x = value.as_f64()?;
    let x = if axis.int { x + 0.5 } else { x };
    let x = if axis.log { x.ln() } else { x };
    let (a, b) = internal_range(axis);
    (a..b)
        .contains(&x)
        .then_some(x)
        .or(Some(x.clamp(a, b - 1e-9)))
}

/// `x` to [`DIGITS`] significant digits.
fn round(x: f64) -> f64 {
    format!("{x:.prec$e}", prec = DIGITS - 1)
        .parse()
        .unwrap_or(x)
}

/// The first configuration of a finite space that is not taken.
fn first_unused(axes: &[AxisSpec], taken: &[Vec<Value>]) -> Option<Vec<Value>> {
    let levels: Vec<Vec<Value>> = axes
        .iter()
        .map(|axis| match (axis.low, axis.high) {
            (Some(low), Some(high)) if axis.int => {
                (low as i64..=high as i64).map(Value::from).collect()
            }
            (Some(_), Some(_)) => Vec::new(),
            _ => axis.values.clone(),
        })
        .collect();
    let mut odometer = vec![0usize; levels.len()];
    loop {
        let candidate: Vec<Value> = odometer
            .iter()
            .zip(&levels)
            .map(|(&i, l)| l.get(i).cloned())
            .collect::<Option<_>>()?;
        if !taken.contains(&candidate) {
            return Some(candidate);
        }
        let mut axis = levels.len();
        loop {
            if axis == 0 {
                return None;
            }
            axis -= 1;
            odometer[axis] += 1;
            if odometer[axis] < levels[axis].len() {
                break;
            }
            odometer[axis] = 0;
        }
    }
}

/// A seed for one draw: SplitMix64 over the sweep seed, the configuration
/// and the attempt (also the bootstrap draws of the fANOVA).
pub(crate) fn mix(seed: u64, index: u64, attempt: u64) -> u64 {
    let mut z = seed
        ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ attempt.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
