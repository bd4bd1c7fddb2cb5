//! The new-sweep form's fields as the user typed them, and the sweep they
//! describe: the form's logic without its widgets (`ui::new_sweep`), so it
//! builds and is tested natively.

use sweeplab_core::spec::{
    AxisSpec, DatasetName, DatasetSpec, FieldError, Metric, ModelKind, Norm, SearchSpec, Strategy,
    SweepSpec, TrialConfig,
};

/// A model to start from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Template {
    /// Two dense layers (128, 64), no normalisation.
    Mlp,
    /// The reference CNN (the default config).
    Cnn,
    /// A GRU for the gestures sequences.
    Gru,
}

impl Template {
    /// The hyperparameters the template starts from (at most 3 epochs, so a
    /// first sweep in the browser is short).
    pub fn config(self) -> TrialConfig {
        let mut c = TrialConfig::default();
        match self {
            Template::Mlp => {
                c.model.kind = ModelKind::Mlp;
                c.model.dense = vec![128, 64];
                c.model.norm = Norm::None;
            }
            Template::Cnn => {}
            Template::Gru => {
                c.model.kind = ModelKind::Gru;
                c.model.dense = vec![];
                c.model.dropout = 0.0;
                c.train.batch_size = 32;
                c.train.epochs = 5;
            }
        }
        c.train.epochs = c.train.epochs.min(3);
        c
    }
}

/// Data the sweep trains on, as the form offers it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DataChoice {
    /// The embedded Fashion-MNIST subset.
    Embedded,
    /// The user's four IDX files.
    Idx,
    /// The user's gestures zip.
    Gestures,
    /// The user's CSV table (MLPs only), with a label column.
    Csv,
}

impl DataChoice {
    /// The data-set family a sweep of this choice names.
    pub fn dataset_name(self) -> DatasetName {
        match self {
            DataChoice::Embedded => DatasetName::FashionMnist,
            DataChoice::Idx => DatasetName::Idx,
            DataChoice::Gestures => DatasetName::Gestures,
            DataChoice::Csv => DatasetName::Csv,
        }
    }

    /// The form's choice for a sweep's data set: its own files unless it
    /// names the embedded subset (a browser has no data path).
    pub fn of(dataset: &DatasetSpec) -> Self {
        match dataset.name {
            DatasetName::FashionMnist if dataset.path.is_none() => DataChoice::Embedded,
            DatasetName::FashionMnist | DatasetName::Idx => DataChoice::Idx,
            DatasetName::Gestures => DataChoice::Gestures,
            DatasetName::Csv => DataChoice::Csv,
        }
    }

    /// Whether the sweep needs files from the user.
    pub fn needs_files(self) -> bool {
        self != DataChoice::Embedded
    }
}

/// The first experiment a data choice suggests: a name, a hypothesis and
/// two axes (the heatmap's), as the course's exercises pose them.
#[derive(Clone, Debug, PartialEq)]
pub struct Experiment {
    /// Sweep name.
    pub name: &'static str,
    /// What the sweep is expected to show.
    pub hypothesis: &'static str,
    /// Two axes: path and values as typed.
    pub axes: [(&'static str, &'static str); 2],
}

impl DataChoice {
    /// The experiment this data suggests (images: dropout against batch
    /// norm; sequences: hidden size against depth; a table: learning rate
    /// against dropout).
    pub fn experiment(self) -> Experiment {
        match self {
            DataChoice::Embedded | DataChoice::Idx => Experiment {
                name: "dropout-x-norm",
                hypothesis: "Batch norm lets the network tolerate more dropout.",
                axes: [
                    ("model.dropout", "0, 0.25, 0.5"),
                    ("model.norm", "none, batch"),
                ],
            },
            DataChoice::Gestures => Experiment {
                name: "hidden-x-layers",
                hypothesis: "A second recurrent layer pays off only with enough hidden units.",
                axes: [("model.hidden", "32, 64"), ("model.layers", "1, 2")],
            },
            DataChoice::Csv => Experiment {
                name: "lr-x-dropout",
                hypothesis: "On a small table, dropout helps most at the higher learning rate.",
                axes: [("train.lr", "0.01, 0.001"), ("model.dropout", "0, 0.3")],
            },
        }
    }
}

/// Everything the form holds, text fields as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepForm {
    /// Sweep name.
    pub name: String,
    /// What the sweep is expected to show.
    pub hypothesis: String,
    /// Which data.
    pub data: DataChoice,
    /// Repeats per cell (empty: 1).
    pub repeats: String,
    /// Sweep seed (empty: 0).
    pub seed: String,
    /// Training examples per trial (empty: all).
    pub train_limit: String,
    /// Validation examples per trial (empty: all).
    pub val_limit: String,
    /// What the heatmap shows.
    pub metric: Metric,
    /// The hyperparameters every trial starts from.
    pub base: TrialConfig,
    /// Each axis row: its path and its values (or a scan's range) as typed
    /// ([`AxisSpec::from_text`]).
    pub axes: Vec<(String, String)>,
    /// Grid, random or TPE; a TPE scan's round sizes kept from a sweep
    /// file (the form does not show them).
    pub search: SearchSpec,
    /// A scan's number of configurations, as typed.
    pub trials: String,
    /// The data set's label column (CSV) and the fields the form does not
    /// show (validation fraction, split seed), kept from a shared sweep.
    pub dataset: DatasetSpec,
}

/// Largest grid the form lets a sweep have.
pub const MAX_TRIALS: usize = 1000;

impl SweepForm {
    /// The sweep the form describes, or the first field that cannot be read
    /// (the sweep's own rules are checked by [`SweepSpec::problems`]).
    pub fn to_spec(&self) -> Result<SweepSpec, FieldError> {
        let repeats = parse_count(&self.repeats, "repeats")?.unwrap_or(1);
        let dataset = DatasetSpec {
            name: self.data.dataset_name(),
            path: None,
            train_limit: parse_count(&self.train_limit, "dataset.train_limit")?,
            val_limit: parse_count(&self.val_limit, "dataset.val_limit")?,
            // Only a table has a label column.
            label: match self.data {
                DataChoice::Csv => self.dataset.label.clone(),
                _ => None,
            },
            ..self.dataset.clone()
        };
        let axes = self
            .axes
            .iter()
            .map(|(path, text)| AxisSpec::from_text(path.clone(), text))
            .collect::<Result<_, _>>()?;
        let search = match self.search.strategy {
            Strategy::Grid => SearchSpec::default(),
            _ => SearchSpec {
                trials: parse_count(&self.trials, "search.trials")?,
                ..self.search.clone()
            },
        };
        Ok(SweepSpec {
            name: self.name.clone(),
            hypothesis: self.hypothesis.clone(),
            metric: self.metric,
            repeats,
            seed: parse_seed(&self.seed)?,
            max_trials: MAX_TRIALS,
            dataset,
            base: self.base.clone(),
            search,
            axes,
        })
    }
}

impl SweepForm {
    /// The form a new sweep starts from: the course's first experiment,
    /// dropout against batch norm on the embedded Fashion-MNIST subset.
    pub fn starter() -> Self {
        let experiment = DataChoice::Embedded.experiment();
        Self {
            name: experiment.name.into(),
            hypothesis: experiment.hypothesis.into(),
            data: DataChoice::Embedded,
            repeats: "2".into(),
            seed: "42".into(),
            train_limit: "2000".into(),
            val_limit: "1000".into(),
            metric: Metric::ValAccuracy,
            base: Template::Cnn.config(),
            axes: experiment
                .axes
                .iter()
                .map(|(path, values)| (path.to_string(), values.to_string()))
                .collect(),
            search: SearchSpec::default(),
            trials: "20".into(),
            dataset: DatasetSpec::default(),
        }
    }

    /// The form filled in with `spec` (a sweep opened from a link): what
    /// [`SweepForm::to_spec`] turns back into the same sweep, but for where
    /// its data lives (a browser has no data path; the user picks files).
    pub fn from_spec(spec: &SweepSpec) -> Self {
        let count = |n: Option<usize>| n.map_or(String::new(), |n| n.to_string());
        Self {
            name: spec.name.clone(),
            hypothesis: spec.hypothesis.clone(),
            data: DataChoice::of(&spec.dataset),
            repeats: spec.repeats.to_string(),
            seed: spec.seed.to_string(),
            train_limit: count(spec.dataset.train_limit),
            val_limit: count(spec.dataset.val_limit),
            metric: spec.metric,
            base: spec.base.clone(),
            axes: spec
                .axes
                .iter()
                .map(|a| (a.path.clone(), a.describe()))
                .collect(),
            search: spec.search.clone(),
            trials: spec.search.trials.map_or("20".into(), |n| n.to_string()),
            dataset: DatasetSpec {
                path: None,
                ..spec.dataset.clone()
            },
        }
    }

    /// The template whose model family the form's base config is.
    pub fn template(&self) -> Template {
        match self.base.model.kind {
            ModelKind::Mlp => Template::Mlp,
            ModelKind::Cnn => Template::Cnn,
            ModelKind::Gru | ModelKind::Lstm => Template::Gru,
        }
    }
}

/// A count field: empty is `None`, else a whole number.
pub fn parse_count(text: &str, field: &str) -> Result<Option<usize>, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<usize>()
        .map(Some)
        .map_err(|_| FieldError::new(field, format!("expected a whole number, got {t:?}")))
}

/// The seed field, a `u64` like the sweep file's (`usize` is 32 bits in
/// wasm); empty is 0.
pub fn parse_seed(text: &str) -> Result<u64, FieldError> {
    match text.trim() {
        "" => Ok(0),
        t => t.parse::<u64>().map_err(|_| {
            FieldError::new(
                "seed",
                format!("expected a whole number from 0 to 2^64-1, got {t:?}"),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SweepForm {
        // The starter, with the validation limit left empty (all of it).
        SweepForm {
            val_limit: " ".into(),
            ..SweepForm::starter()
        }
    }

    #[test]
    fn a_shared_sweep_fills_the_form_and_reads_back_the_same() {
        let mut shared = form().to_spec().unwrap();
        shared.dataset.split_seed = 7;
        shared.dataset.val_fraction = 0.2;
        shared.seed = u64::MAX;
        shared.base.model.kind = ModelKind::Mlp;
        shared.base.model.dense = vec![32];
        let filled = SweepForm::from_spec(&shared);
        assert_eq!(filled.template(), Template::Mlp);
        assert_eq!(filled.axes[1], ("model.norm".into(), "none, batch".into()));
        assert_eq!(filled.to_spec().unwrap(), shared);
        // Own files: a path does not travel, the choice asks for files.
        let mut own = shared.clone();
        own.dataset.path = Some("/home/me/fashion".into());
        let filled = SweepForm::from_spec(&own);
        assert_eq!(filled.data, DataChoice::Idx);
        assert_eq!(filled.to_spec().unwrap().dataset.path, None);
    }

    #[test]
    fn the_form_describes_a_valid_sweep() {
        let spec = form().to_spec().unwrap();
        assert!(spec.problems().is_empty(), "{:?}", spec.problems());
        assert_eq!((spec.repeats, spec.seed), (2, 42));
        assert_eq!(spec.dataset.name, DatasetName::FashionMnist);
        assert_eq!(
            (spec.dataset.train_limit, spec.dataset.val_limit),
            (Some(2000), None)
        );
        assert_eq!(spec.cell_count(), 6);
        assert_eq!(spec.trial_count(), 12);
        assert!(spec.base.train.epochs <= 3);
    }

    #[test]
    fn seeds_are_64_bit_and_bad_fields_are_named() {
        let big = SweepForm {
            seed: "18446744073709551615".into(),
            ..form()
        };
        assert_eq!(big.to_spec().unwrap().seed, u64::MAX);
        let bad = |f: SweepForm| f.to_spec().unwrap_err().to_string();
        assert_eq!(
            bad(SweepForm {
                repeats: "two".into(),
                ..form()
            }),
            "repeats: expected a whole number, got \"two\""
        );
        assert!(
            bad(SweepForm {
                seed: "-1".into(),
                ..form()
            })
            .starts_with("seed: expected a whole number from 0 to 2^64-1")
        );
        assert!(
            bad(SweepForm {
                val_limit: "1e3".into(),
                ..form()
            })
            .starts_with("dataset.val_limit: expected a whole number")
        );
    }

    #[test]
    fn a_scan_with_ranges_reads_back_the_same_and_bad_fields_are_named() {
        let scan = SweepForm {
            search: SearchSpec::tpe(0),
            trials: "12".into(),
            axes: vec![
                ("train.lr".into(), "1e-4..1e-1 log".into()),
                ("model.dropout".into(), "0..0.5".into()),
                ("model.norm".into(), "none, batch".into()),
            ],
            ..form()
        };
        let spec = scan.to_spec().unwrap();
        assert_eq!(spec.search.strategy, Strategy::Tpe);
        assert_eq!(spec.search.trials, Some(12));
        assert!(spec.axes[0].log && spec.axes[0].is_range());
        assert!(spec.problems().is_empty(), "{:?}", spec.problems());
        assert_eq!((spec.cell_count(), spec.trial_count()), (12, 24));
        let mut with_rounds = spec.clone();
        with_rounds.search.batch = Some(2);
        assert_eq!(
            SweepForm::from_spec(&with_rounds).to_spec().unwrap(),
            with_rounds
        );
        // Back to a grid: no [search] table, and a range is the rules' error.
        let grid = SweepForm {
            search: SearchSpec::default(),
            ..scan.clone()
        }
        .to_spec()
        .unwrap();
        assert!(grid.search.is_grid());
        assert!(
            grid.problems()
                .iter()
                .any(|p| p.to_string().contains("a low/high range needs [search]")),
            "{:?}",
            grid.problems()
        );
        let bad = |f: SweepForm| f.to_spec().unwrap_err().to_string();
        assert_eq!(
            bad(SweepForm {
                trials: "many".into(),
                ..scan.clone()
            }),
            "search.trials: expected a whole number, got \"many\""
        );
        let mut typo = scan.clone();
        typo.axes[0].1 = "1e-4..1e-1 lgo".into();
        assert!(bad(typo).starts_with("train.lr: expected values like"));
    }

    #[test]
    fn templates_pick_their_model_and_data_choices_their_family() {
        assert_eq!(Template::Gru.config().model.kind, ModelKind::Gru);
        assert_eq!(Template::Mlp.config().model.dense, vec![128, 64]);
        assert_eq!(DataChoice::Gestures.dataset_name(), DatasetName::Gestures);
        assert!(DataChoice::Idx.needs_files() && !DataChoice::Embedded.needs_files());
        assert!(DataChoice::Csv.needs_files());
    }

    #[test]
    fn each_data_choice_suggests_an_experiment_its_template_can_run() {
        for (data, template) in [
            (DataChoice::Embedded, Template::Cnn),
            (DataChoice::Gestures, Template::Gru),
            (DataChoice::Csv, Template::Mlp),
        ] {
            let e = data.experiment();
            let mut form = SweepForm {
                name: e.name.into(),
                hypothesis: e.hypothesis.into(),
                data,
                base: template.config(),
                axes: e
                    .axes
                    .iter()
                    .map(|(p, v)| (p.to_string(), v.to_string()))
                    .collect(),
                ..form()
            };
            form.dataset.label = Some("class".into());
            let spec = form.to_spec().unwrap();
            assert!(
                spec.problems().is_empty(),
                "{data:?}: {:?}",
                spec.problems()
            );
        }
    }

    #[test]
    fn a_table_sweep_keeps_its_label_column_and_other_data_drops_it() {
        let mut table = SweepForm {
            data: DataChoice::Csv,
            base: Template::Mlp.config(),
            ..form()
        };
        table.dataset.label = Some("species".into());
        let spec = table.to_spec().unwrap();
        assert_eq!(spec.dataset.name, DatasetName::Csv);
        assert_eq!(spec.dataset.label.as_deref(), Some("species"));
        assert!(spec.problems().is_empty(), "{:?}", spec.problems());
        let back = SweepForm::from_spec(&spec);
        assert_eq!(back.data, DataChoice::Csv);
        assert_eq!(back.to_spec().unwrap(), spec);
        // Back to the embedded images: no label column is left behind.
        table.data = DataChoice::Embedded;
        assert_eq!(table.to_spec().unwrap().dataset.label, None);
        // Without a label column the sweep says which field is missing.
        let mut unlabelled = spec.clone();
        unlabelled.dataset.label = None;
        assert!(
            unlabelled
                .problems()
                .iter()
                .any(|p| p.to_string().starts_with("dataset.label: is required"))
        );
    }
}
