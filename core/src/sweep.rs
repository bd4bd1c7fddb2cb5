//! Which trials a sweep runs: a grid's axes x repeats, or a scan's drawn
//! configurations x repeats, with stable ids, a fixed order, shards for job
//! arrays, and the trials still to run.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::record::{TrialRecord, TrialStatus};
use crate::scan;
use crate::spec::{Strategy, SweepSpec, TrialConfig};

/// One axis value of a cell: `model.dropout = 0.2`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct AxisValue {
    /// The axis path.
    pub path: String,
    /// The value in this cell.
    pub value: Value,
}

/// One training run: a cell of the grid and a repeat (seed). Serialised
/// when the page sends a trial it planned to a browser worker.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Trial {
    /// Position in the sweep's deterministic order.
    pub index: usize,
    /// Stable id ([`trial_id`]): what ran, not how it was written down.
    pub id: String,
    /// Axis values of the cell, in axis order.
    pub cell: Vec<AxisValue>,
    /// Index of each axis value within its axis (a grid), or the
    /// configuration's number alone (a scan).
    pub cell_index: Vec<usize>,
    /// Repeat number within the cell (0-based).
    pub repeat: usize,
    /// Seed for weights, dropout and batch order.
    pub seed: u64,
    /// The fully resolved hyperparameters.
    pub config: TrialConfig,
}

pub use crate::identity::{sweep_id, trial_id};

/// The trials a sweep has chosen so far, given the records it has.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Every trial chosen, in the sweep's order (`trials[i].index == i`).
    pub trials: Vec<Trial>,
    /// Whether the sweep has chosen all its trials. A TPE scan chooses a
    /// round only once every trial of the rounds before has an outcome.
    pub complete: bool,
}

/// The trials of a sweep given its records: a grid's or a random scan's
/// all at once; a TPE scan's round by round, each proposed from the
/// outcomes of the rounds before (the same records give the same trials).
pub fn plan(spec: &SweepSpec, records: &[TrialRecord]) -> Plan {
    if spec.is_grid() {
        return Plan {
            trials: grid(spec),
            complete: true,
        };
    }
    let tpe = spec.search.strategy == Strategy::Tpe;
    let rungs = rungs(spec);
    let first_epochs = rungs.first().map(|r| r.epochs);
    let mut configs: Vec<Vec<Value>> = Vec::new();
    let mut trials = Vec::new();
    for (round, range) in rounds(spec).into_iter().enumerate() {
        let history = if tpe && round > 0 {
            match observations(spec, &trials, records) {
                Some(h) => Some(h),
                None => {
                    return Plan {
                        trials,
                        complete: false,
                    };
                }
            }
        } else {
            None
        };
        let liar = history.as_ref().map(|h| scan::liar_score(h));
        let mut history = history;
        for k in range {
            let values = scan::configuration(spec, k, history.as_deref(), &configs);
            // The round's earlier proposals join the history with a
            // pessimistic score (a "constant liar"), so one round's
            // proposals spread out instead of piling onto one point.
            if let (Some(h), Some(score)) = (history.as_mut(), liar) {
                h.push(scan::Observation {
                    values: values.clone(),
                    score,
                });
            }
            let cell = spec
                .axes
                .iter()
                .zip(&values)
                .map(|(axis, value)| AxisValue {
                    path: axis.path.clone(),
                    value: value.clone(),
                })
                .collect();
            configs.push(values);
            push_cell(spec, cell, vec![k], first_epochs, &mut trials);
        }
    }
    // Successive halving: each rung's best 1/η go on, from the outcomes of
    // the rung before, at η times the epochs.
    let mut previous = 0..trials.len();
    for rung in rungs.iter().skip(1) {
        let Some(scores) = observations(spec, &trials[previous.clone()], records) else {
            return Plan {
                trials,
                complete: false,
            };
        };
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[a].score.total_cmp(&scores[b].score).then(a.cmp(&b)));
        let repeats = spec.repeats.max(1);
        let mut chosen: Vec<(Vec<AxisValue>, Vec<usize>)> = order
            .into_iter()
            .take(rung.configurations)
            .map(|c| {
                let t = &trials[previous.start + c * repeats];
                (t.cell.clone(), t.cell_index.clone())
            })
            .collect();
        // In the order of their configuration numbers, as the rung before.
        chosen.sort_by(|a, b| a.1.cmp(&b.1));
        let start = trials.len();
        for (cell, cell_index) in chosen {
            push_cell(spec, cell, cell_index, Some(rung.epochs), &mut trials);
        }
        previous = start..trials.len();
    }
    Plan {
        trials,
        complete: true,
    }
}

/// One rung of successive halving: how many configurations train, and for
/// how many epochs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rung {
    /// Configurations in the rung.
    pub configurations: usize,
    /// Epochs each of them trains.
    pub epochs: usize,
}

/// The rungs of a random scan with `halving = η` (none without): all its
/// configurations at `min_epochs`, then the best 1/η of each rung at η times
/// the epochs, the last rung at the base config's epochs. Once one
/// configuration is left it goes straight to the last rung.
pub fn rungs(spec: &SweepSpec) -> Vec<Rung> {
    let search = &spec.search;
    let (Some(eta), Strategy::Random) = (search.halving, search.strategy) else {
        return Vec::new();
    };
    let eta = eta.max(2);
    let full = spec.base.train.epochs;
    let (mut configurations, mut epochs) = (search.trials.unwrap_or(0), search.min_epochs());
    let mut out = Vec::new();
    loop {
        // One configuration left: straight to the full budget.
        if epochs >= full || (configurations == 1 && !out.is_empty()) {
            out.push(Rung {
                configurations,
                epochs: full,
            });
            return out;
        }
        out.push(Rung {
            configurations,
            epochs,
        });
        let next = (configurations / eta).max(1);
        if next == configurations {
            out.push(Rung {
                configurations,
                epochs: full,
            });
            return out;
        }
        configurations = next;
        epochs = epochs.saturating_mul(eta);
    }
}

/// Every trial a sweep knows without records: a grid's or a random scan's
/// whole list, a TPE scan's first (random) round.
pub fn expand(spec: &SweepSpec) -> Vec<Trial> {
    plan(spec, &[]).trials
}

/// The configuration numbers of each round: a random scan has one, a TPE
/// scan its random start and then rounds of `batch`.
pub fn rounds(spec: &SweepSpec) -> Vec<std::ops::Range<usize>> {
    let n = spec.search.trials.unwrap_or(0);
    if spec.search.strategy != Strategy::Tpe {
        return std::iter::once(0..n).collect();
    }
    let start = spec.search.startup();
    let mut out = Vec::new();
    out.push(0..start);
    let mut k = start;
    while k < n {
        let end = (k + spec.search.batch()).min(n);
        out.push(k..end);
        k = end;
    }
    out
}

/// TPE's view of the configurations chosen so far, or `None` while one of
/// their trials has no outcome yet. A configuration's score is the mean of
/// its finished repeats' metric (minus an accuracy, so lower is better);
/// one whose repeats all diverged or failed scores worst.
fn observations(
    spec: &SweepSpec,
    trials: &[Trial],
    records: &[TrialRecord],
) -> Option<Vec<scan::Observation>> {
    let outcome: std::collections::HashMap<&str, &TrialRecord> = records
        .iter()
        .filter(|r| r.status != TrialStatus::Cancelled)
        .map(|r| (r.trial_id.as_str(), r))
        .collect();
    let sign = if spec.metric.higher_is_better() {
        -1.0
    } else {
        1.0
    };
    trials
        .chunks(spec.repeats.max(1))
        .map(|config| {
            let mut finished = Vec::new();
            for t in config {
                let r = outcome.get(t.id.as_str())?;
                let m = r.final_metric(spec.metric);
                if r.status == TrialStatus::Finished && m.is_finite() {
                    finished.push(m);
                }
            }
            let score = if finished.is_empty() {
                f64::INFINITY
            } else {
                sign * finished.iter().sum::<f64>() / finished.len() as f64
            };
            Some(scan::Observation {
                values: config[0].cell.iter().map(|a| a.value.clone()).collect(),
                score,
            })
        })
        .collect()
}

/// Every trial of a grid: cells in row-major axis order (the first axis
/// varies slowest), repeats innermost.
fn grid(spec: &SweepSpec) -> Vec<Trial> {
    let mut cells: Vec<Vec<usize>> = vec![Vec::new()];
    for axis in &spec.axes {
        cells = cells
            .into_iter()
            .flat_map(|prefix| {
                (0..axis.values.len()).map(move |i| {
                    let mut c = prefix.clone();
                    c.push(i);
                    c
                })
            })
            .collect();
    }
    let mut trials = Vec::with_capacity(cells.len() * spec.repeats);
    for cell_index in cells {
        let cell = spec
            .axes
            .iter()
            .zip(&cell_index)
            .map(|(axis, &i)| AxisValue {
                path: axis.path.clone(),
                value: axis.values[i].clone(),
            })
            .collect();
        push_cell(spec, cell, cell_index, None, &mut trials);
    }
    trials
}

/// Append the repeats of one cell (or scan configuration) to `trials`,
/// trained for `epochs` when given (a halving rung's budget).
fn push_cell(
    spec: &SweepSpec,
    cell: Vec<AxisValue>,
    cell_index: Vec<usize>,
    epochs: Option<usize>,
    trials: &mut Vec<Trial>,
) {
    let mut config = spec.base.clone();
    for a in &cell {
        config = crate::spec::apply_axis(&config, &a.path, &a.value)
            .expect("validated sweeps apply every axis value");
    }
    if let Some(epochs) = epochs {
        config.train.epochs = epochs;
    }
    for repeat in 0..spec.repeats {
        let seed = spec.seed.wrapping_add(repeat as u64);
        trials.push(Trial {
            index: trials.len(),
            id: trial_id(&config, &spec.dataset, seed),
            cell: cell.clone(),
            cell_index: cell_index.clone(),
            repeat,
            seed,
            config: config.clone(),
        });
    }
}

/// Shard `index` of `count` (0-based), as given by `--shard I/N` or a
/// cluster's array index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

/// Why a shard could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("shard {0:?}: expected I/N with 0 <= I < N, e.g. 0/4")]
pub struct ShardError(pub String);

impl Shard {
    /// A shard, checking `index < count`.
    pub fn new(index: usize, count: usize) -> Result<Self, ShardError> {
        if count == 0 || index >= count {
            return Err(ShardError(format!("{index}/{count}")));
        }
        Ok(Self { index, count })
    }

    /// Whether this shard owns the trial at position `trial_index`
    /// (round-robin, so each shard gets a mix of cells).
    pub fn owns(&self, trial_index: usize) -> bool {
        trial_index % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Self, ShardError> {
        let bad = || ShardError(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Shard::new(i, n).map_err(|_| bad())
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The trials of one shard.
pub fn shard(trials: &[Trial], shard: Shard) -> Vec<Trial> {
    trials
        .iter()
        .filter(|t| shard.owns(t.index))
        .cloned()
        .collect()
}

/// Why a trial reported for a sweep was refused: it is not that sweep's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotInSweep {
    /// The record names another sweep's grid.
    #[error("it belongs to sweep {found}, not to sweep {expected}")]
    OtherSweep {
        /// The grid id of the sweep it was filed under.
        expected: String,
        /// The grid id the record carries.
        found: String,
    },
    /// The index is past the end of the grid.
    #[error("trial {index} is not in this sweep's grid of {count} trials")]
    NoSuchIndex {
        /// The index reported.
        index: usize,
        /// How many trials the grid has.
        count: usize,
    },
    /// The sweep's trial at that index has another id.
    #[error("trial {index} of this sweep has id {expected}, not {found}")]
    OtherTrial {
        /// The index reported.
        index: usize,
        /// The id of the sweep's trial at that index.
        expected: String,
        /// The id reported.
        found: String,
    },
}

/// The sweep's trial at `index`, if `trial_id` is its id: the check before
/// a reported epoch or record is filed under a sweep.
pub fn trial_at<'a>(
    trials: &'a [Trial],
    index: usize,
    trial_id: &str,
) -> Result<&'a Trial, NotInSweep> {
    let trial = trials.get(index).ok_or(NotInSweep::NoSuchIndex {
        index,
        count: trials.len(),
    })?;
    if trial.id != trial_id {
        return Err(NotInSweep::OtherTrial {
            index,
            expected: trial.id.clone(),
            found: trial_id.to_string(),
        });
    }
    Ok(trial)
}

/// The trials still to run, in order (resume): those without a record that
/// counts as done. Every record counts but a cancelled one: a finished,
/// diverged or failed trial has its outcome, while a cancelled trial was
/// stopped before it ended and runs again.
pub fn pending(trials: &[Trial], records: &[TrialRecord]) -> Vec<Trial> {
    let done: HashSet<&str> = records
        .iter()
        .filter(|r| r.status != TrialStatus::Cancelled)
        .map(|r| r.trial_id.as_str())
        .collect();
    trials
        .iter()
        .filter(|t| !done.contains(t.id.as_str()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(repeats: usize) -> SweepSpec {
        SweepSpec::from_toml(&format!(
            r#"
            name = "t"
            repeats = {repeats}
            [dataset]
            name = "fashion-mnist"
            [[axes]]
            path = "model.dropout"
            values = [0.0, 0.2, 0.4]
            [[axes]]
            path = "model.norm"
            values = ["none", "batch"]
            "#
        ))
        .unwrap()
    }

    #[test]
    fn expands_cells_times_repeats_in_order() {
        let trials = expand(&spec(2));
        assert_eq!(trials.len(), 12);
        assert_eq!(trials[0].cell_index, vec![0, 0]);
        assert_eq!(trials[2].cell_index, vec![0, 1]);
        assert_eq!(trials[11].cell_index, vec![2, 1]);
        assert_eq!(trials[3].config.model.norm, crate::spec::Norm::Batch);
        assert_eq!(trials[5].config.model.dropout, 0.2);
        let ids: HashSet<_> = trials.iter().map(|t| t.id.clone()).collect();
        assert_eq!(ids.len(), 12, "ids are unique");
        assert_eq!(expand(&spec(2)), trials, "expansion is deterministic");
    }

    #[test]
    fn shards_partition_the_grid() {
        let trials = expand(&spec(3));
        for n in [1, 2, 3, 5, 7, 18, 25] {
            let mut seen = HashSet::new();
            for i in 0..n {
                for t in shard(&trials, Shard::new(i, n).unwrap()) {
                    assert!(
                        seen.insert(t.id.clone()),
                        "trial {} in two shards of {n}",
                        t.id
                    );
                }
            }
            let all: HashSet<_> = trials.iter().map(|t| t.id.clone()).collect();
            assert_eq!(seen, all, "shards of {n} cover the grid");
        }
    }

    #[test]
    fn shard_parsing() {
        assert_eq!(
            "1/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
        for bad in ["4/4", "1", "a/b", "0/0", "-1/3"] {
            let err = bad.parse::<Shard>().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("shard {bad:?}: expected I/N with 0 <= I < N, e.g. 0/4")
            );
        }
    }

    fn record(spec: &SweepSpec, trial: &Trial, status: TrialStatus) -> TrialRecord {
        TrialRecord {
            status,
            ..TrialRecord::new(spec, trial)
        }
    }

    #[test]
    fn pending_skips_trials_with_an_outcome_and_reruns_cancelled_ones() {
        let spec = spec(1);
        let trials = expand(&spec);
        let records: Vec<TrialRecord> = [
            (0, TrialStatus::Finished),
            (1, TrialStatus::Diverged),
            (2, TrialStatus::Failed),
            (3, TrialStatus::Cancelled),
        ]
        .into_iter()
        .map(|(i, status)| record(&spec, &trials[i], status))
        .collect();
        let rest: Vec<usize> = pending(&trials, &records).iter().map(|t| t.index).collect();
        assert_eq!(rest, vec![3, 4, 5]);
    }

    #[test]
    fn a_record_belongs_only_to_its_own_sweep() {
        let (one, other) = (spec(2), spec(1));
        let (trials, other_trials) = (expand(&one), expand(&other));
        let mine = record(&one, &trials[5], TrialStatus::Finished);
        assert_eq!(mine.check_belongs(&sweep_id(&one), &trials), Ok(()));
        let foreign = record(&other, &other_trials[1], TrialStatus::Finished);
        assert!(matches!(
            foreign.check_belongs(&sweep_id(&one), &trials),
            Err(NotInSweep::OtherSweep { .. })
        ));
    }

    #[test]
    fn trial_at_refuses_what_is_not_the_sweeps() {
        let one = expand(&spec(2));
        let other = expand(&spec(1));
        assert_eq!(trial_at(&one, 3, &one[3].id).unwrap().index, 3);
        assert_eq!(
            trial_at(&one, 12, &one[0].id).unwrap_err().to_string(),
            "trial 12 is not in this sweep's grid of 12 trials"
        );
        // Another sweep's trial 1 under this sweep's index 1: refused.
        let err = trial_at(&one, 1, &other[1].id).unwrap_err();
        assert_eq!(
            err,
            NotInSweep::OtherTrial {
                index: 1,
                expected: one[1].id.clone(),
                found: other[1].id.clone()
            }
        );
    }
}
