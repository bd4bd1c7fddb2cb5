//! How long a sweep will train, from its size and a measured speed: the
//! browser's estimate before Start, computed where it can be tested.

use crate::data::expected_sizes;
use crate::spec::SweepSpec;

/// What one validation example costs relative to a training one: a forward
/// pass only, no backward pass or optimiser step.
pub const VALIDATION_COST: f64 = 0.3;

/// Training-example equivalents a whole sweep processes: every trial's
/// epoch budget over its training set, plus validation after each epoch.
pub fn sweep_examples(spec: &SweepSpec) -> f64 {
    let (train, val) = expected_sizes(&spec.dataset);
    spec.trial_count() as f64
        * spec.base.train.epochs as f64
        * (train as f64 + VALIDATION_COST * val as f64)
}

/// Seconds the sweep takes at `examples_per_second` (at least 1 per second).
pub fn sweep_seconds(spec: &SweepSpec, examples_per_second: f64) -> f64 {
    sweep_examples(spec) / examples_per_second.max(1.0)
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
        assert_eq!(sweep_seconds(&spec, 1030.0), 12.0);
        assert_eq!(sweep_seconds(&spec, 0.0), 12_360.0);
    }
}
