//! How long a sweep will train, from its size and a measured speed: the
//! browser's estimate before Start, computed where it can be tested.

use crate::data::{expected_sizes, limited_sizes};
use crate::spec::SweepSpec;

/// What one validation example costs relative to a training one: a forward
/// pass only, no backward pass or optimiser step.
pub const VALIDATION_COST: f64 = 0.3;

/// Training-example equivalents a whole sweep processes: every trial's
/// epoch budget over its training set, plus validation after each epoch.
pub fn sweep_examples(spec: &SweepSpec) -> f64 {
    sweep_examples_on(spec, expected_sizes(&spec.dataset))
}

/// [`sweep_examples`] for a trial that trains on `train` and validates on
/// `val` examples (known once the data files are read).
pub fn sweep_examples_on(spec: &SweepSpec, (train, val): (usize, usize)) -> f64 {
    // Trial-epochs: a halving scan's rungs each at their own budget.
    let rungs = crate::sweep::rungs(spec);
    let epochs = if rungs.is_empty() {
        spec.trial_count() as f64 * spec.base.train.epochs as f64
    } else {
        rungs
            .iter()
            .map(|r| (r.configurations * r.epochs * spec.repeats) as f64)
            .sum()
    };
    epochs * (train as f64 + VALIDATION_COST * val as f64)
}

/// Seconds the sweep takes at `examples_per_second` (at least 1 per second),
/// on the data sizes its spec names, or on `raw_sizes` (`(train, val)`
/// examples in the files read; the spec's limits still apply) when known.
pub fn sweep_seconds(
    spec: &SweepSpec,
    raw_sizes: Option<(usize, usize)>,
    examples_per_second: f64,
) -> f64 {
    let sizes = raw_sizes.map_or_else(
        || expected_sizes(&spec.dataset),
        |raw| limited_sizes(&spec.dataset, raw),
    );
    sweep_examples_on(spec, sizes) / examples_per_second.max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_costs_trials_times_epochs_times_its_data() {
        let spec = SweepSpec::from_toml(
            "name = \"e\"\nrepeats = 2\n[dataset]\nname = \"fashion-mnist\"\ntrain_limit = 1000\nval_limit = 100\n\
             [base.train]\nepochs = 3\n[[axes]]\npath = \"train.lr\"\nvalues = [0.01, 0.1]\n",
        )
        .unwrap();
        // 2 cells x 2 repeats x 3 epochs x (1000 + 0.3 x 100).
        assert_eq!(sweep_examples(&spec), 4.0 * 3.0 * 1030.0);
        assert_eq!(sweep_seconds(&spec, None, 1030.0), 12.0);
        // Successive halving: 9 configurations at 1 epoch, the best 3 at 3.
        let mut halving = spec.clone();
        halving.axes[0] = crate::spec::AxisSpec::range("train.lr", 1e-3, 0.1, true, false);
        halving.search = crate::spec::SearchSpec {
            halving: Some(3),
            ..crate::spec::SearchSpec::random(9)
        };
        assert!(halving.problems().is_empty(), "{:?}", halving.problems());
        assert_eq!(sweep_examples(&halving), 2.0 * (9.0 + 9.0) * 1030.0);
        assert_eq!(sweep_seconds(&spec, None, 0.0), 12_360.0);
        // Files read: their sizes, within the limits (a table of 178 rows).
        assert_eq!(
            sweep_seconds(&spec, Some((142, 36)), 1.0),
            4.0 * 3.0 * (142.0 + 0.3 * 36.0)
        );
        assert_eq!(sweep_seconds(&spec, Some((60_000, 10_000)), 1030.0), 12.0);
    }
}
