//! `DatasetSpec`: which data a sweep trains on.

use serde::{Deserialize, Serialize};

/// A named data set family.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetName {
    /// Fashion-MNIST images (28x28, 10 classes). Without `path`, the embedded subset.
    FashionMnist,
    /// Smartwatch gesture sequences (xyz accelerometer, 20 classes).
    Gestures,
    /// Any image classification set in the four-file IDX layout at `path`.
    Idx,
    /// A table: the CSV file at `path`, with a header row, the class in the
    /// column named `label` and numeric features in every other column.
    Csv,
}

/// Where the data comes from and how much of it a trial uses.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    /// Data set family.
    pub name: DatasetName,
    /// Directory of IDX files (fashion-mnist, idx), the gestures zip file or
    /// the CSV file (csv). Absent: the embedded Fashion-MNIST subset, or the
    /// download cache for gestures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The CSV column holding each row's class (csv only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Use at most this many training examples (first N after a seeded shuffle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_limit: Option<usize>,
    /// Use at most this many validation examples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val_limit: Option<usize>,
    /// Fraction held out for validation when the set has no test split
    /// (gestures; csv, from every class).
    #[serde(default = "default_val_fraction")]
    pub val_fraction: f64,
    /// Seed of the validation split and of the subset limits; the same for
    /// every trial, so cells differ only in their hyperparameters.
    #[serde(default)]
    pub split_seed: u64,
}

fn default_val_fraction() -> f64 {
    0.2
}

impl Default for DatasetSpec {
    fn default() -> Self {
        Self {
            name: DatasetName::FashionMnist,
            path: None,
            label: None,
            train_limit: None,
            val_limit: None,
            val_fraction: default_val_fraction(),
            split_seed: 0,
        }
    }
}
