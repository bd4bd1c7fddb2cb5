//! Learning-rate schedules, evaluated once per epoch.

use std::f64::consts::PI;

use sweeplab_core::spec::{Schedule, TrainSpec};

/// The learning rate over a trial's epochs; `plateau` keeps state.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LrSchedule {
    spec: TrainSpec,
    plateau_lr: f64,
    best_loss: Option<f64>,
    waited: usize,
}

impl LrSchedule {
    /// The schedule of `spec`.
    pub fn new(spec: &TrainSpec) -> Self {
        Self {
            spec: spec.clone(),
            plateau_lr: spec.lr,
            best_loss: None,
            waited: 0,
        }
    }

    /// Learning rate for `epoch` (1-based).
    pub fn lr(&self, epoch: usize) -> f64 {
        let s = &self.spec;
        let e = (epoch - 1) as f64;
        match s.schedule {
            Schedule::Constant => s.lr,
            Schedule::Step => s.lr * s.lr_gamma.powi(((epoch - 1) / s.lr_step_epochs) as i32),
            Schedule::Cosine => {
                let t = if s.epochs > 1 {
                    e / (s.epochs - 1) as f64
                } else {
                    0.0
                };
                s.min_lr + (s.lr - s.min_lr) * 0.5 * (1.0 + (PI * t).cos())
            }
            Schedule::Plateau => self.plateau_lr,
        }
    }

    /// Report an epoch's validation loss (drives `plateau`).
    pub fn observe(&mut self, val_loss: f64) {
        if self.spec.schedule != Schedule::Plateau {
            return;
        }
        if self.best_loss.is_none_or(|best| val_loss < best) {
            self.best_loss = Some(val_loss);
            self.waited = 0;
        } else {
            self.waited += 1;
            if self.waited >= self.spec.plateau_patience {
                self.plateau_lr = (self.plateau_lr * self.spec.lr_gamma).max(self.spec.min_lr);
                self.waited = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(schedule: Schedule) -> TrainSpec {
        TrainSpec {
            schedule,
            lr: 0.1,
            epochs: 5,
            lr_step_epochs: 2,
            lr_gamma: 0.5,
            min_lr: 0.0,
            ..Default::default()
        }
    }

    #[test]
    fn step_and_cosine() {
        let s = LrSchedule::new(&spec(Schedule::Step));
        let lrs: Vec<f64> = (1..=5).map(|e| s.lr(e)).collect();
        assert_eq!(lrs, vec![0.1, 0.1, 0.05, 0.05, 0.025]);
        let c = LrSchedule::new(&spec(Schedule::Cosine));
        assert!((c.lr(1) - 0.1).abs() < 1e-12);
        assert!((c.lr(3) - 0.05).abs() < 1e-12);
        assert!(c.lr(5).abs() < 1e-12);
    }

    #[test]
    fn plateau_decays_after_patience() {
        let mut s = LrSchedule::new(&TrainSpec {
            plateau_patience: 2,
            ..spec(Schedule::Plateau)
        });
        s.observe(1.0);
        s.observe(1.1);
        assert_eq!(s.lr(3), 0.1);
        s.observe(1.2);
        assert_eq!(s.lr(4), 0.05);
    }
}
