//! Data sets: readers for IDX, the gestures zip and CSV tables, the embedded
//! Fashion-MNIST subset, downloads, limits and normalisation (batching them
//! into tensors is `sweeplab-train`'s).

mod dataset;
#[cfg(not(target_arch = "wasm32"))]
pub mod download;
mod error;
pub mod gestures;
pub mod idx;
pub mod images;
pub mod table;

pub use dataset::{Dataset, ExampleShape, Splits, shuffled};
pub use error::DataError;

use crate::spec::DatasetSpec;

/// Sequences in the course's gestures zip (`gestures-dataset.zip`; its
/// one empty file is not a sequence).
pub const COURSE_GESTURE_SEQUENCES: usize = 3251;
/// Images in Fashion-MNIST's files (train, test).
pub const FASHION_MNIST_SIZES: (usize, usize) = (60_000, 10_000);
/// Rows a CSV table is assumed to have before it is read (for estimates).
pub const NOMINAL_TABLE_ROWS: usize = 1000;

/// How many examples a trial of `spec` trains and validates on, as far as
/// the spec tells without reading any file: its limits, else the size of
/// the set it names (the embedded subset, Fashion-MNIST's files for IDX
/// files, the course's gestures split by `val_fraction`, a table of
/// [`NOMINAL_TABLE_ROWS`] rows for CSV). For time
/// estimates and speeds; with files of another size it is an estimate.
pub fn expected_sizes(spec: &DatasetSpec) -> (usize, usize) {
    use crate::spec::DatasetName;
    let (train, val) = match (spec.name, &spec.path) {
        (DatasetName::FashionMnist, None) => {
            let (train, test) = images::EMBEDDED_PER_CLASS;
            (
                train * images::FASHION_CLASSES,
                test * images::FASHION_CLASSES,
            )
        }
        (DatasetName::FashionMnist | DatasetName::Idx, Some(_)) | (DatasetName::Idx, None) => {
            FASHION_MNIST_SIZES
        }
        (DatasetName::Gestures, _) => {
            let all = COURSE_GESTURE_SEQUENCES;
            let val = gestures::validation_count(all, spec.val_fraction);
            (all - val, val)
        }
        (DatasetName::Csv, _) => {
            let all = NOMINAL_TABLE_ROWS;
            let val = gestures::validation_count(all, spec.val_fraction);
            (all - val, val)
        }
    };
    limited_sizes(spec, (train, val))
}

/// How many of a set's `(train, val)` examples a trial of `spec` uses: at
/// most its limits.
pub fn limited_sizes(spec: &DatasetSpec, (train, val): (usize, usize)) -> (usize, usize) {
    (
        spec.train_limit.map_or(train, |l| l.min(train)),
        spec.val_limit.map_or(val, |l| l.min(val)),
    )
}

/// Apply the spec's limits (seeded by `split_seed`) and standardise.
pub fn prepare(raw: Splits, spec: &DatasetSpec) -> Splits {
    Splits {
        train: raw.train.limit(spec.train_limit, spec.split_seed),
        val: raw
            .val
            .limit(spec.val_limit, spec.split_seed.wrapping_add(1)),
    }
    .normalise()
}

/// Load and prepare the data a spec names, from files, the embedded subset
/// or the download cache (fetching the set on first use).
#[cfg(not(target_arch = "wasm32"))]
pub fn load(spec: &DatasetSpec) -> Result<Splits, DataError> {
    use crate::spec::DatasetName;
    use std::path::PathBuf;

    let raw = match (spec.name, &spec.path) {
        (DatasetName::FashionMnist, None) => images::embedded_fashion_mnist(),
        (DatasetName::FashionMnist | DatasetName::Idx, Some(dir)) => {
            images::from_dir(&PathBuf::from(dir))?
        }
        (DatasetName::Idx, None) => {
            return Err(DataError::Io {
                file: "dataset.path".into(),
                message: "name = \"idx\" needs a directory".into(),
            });
        }
        (DatasetName::Gestures, path) => {
            let zip = match path {
                Some(p) => PathBuf::from(p),
                None => download::fetch_gestures(download::GESTURES_URL, &download::cache_dir())?,
            };
            let bytes = std::fs::read(&zip).map_err(|e| DataError::Io {
                file: zip.display().to_string(),
                message: e.to_string(),
            })?;
            gestures::from_zip(
                &zip.display().to_string(),
                &bytes,
                spec.val_fraction,
                spec.split_seed,
            )?
        }
        (DatasetName::Csv, None) => {
            return Err(DataError::Io {
                file: "dataset.path".into(),
                message: "name = \"csv\" needs the CSV file's path".into(),
            });
        }
        (DatasetName::Csv, Some(path)) => {
            // Streamed row by row: a large file is never held as text.
            let file = std::fs::File::open(path).map_err(|e| DataError::Io {
                file: path.clone(),
                message: e.to_string(),
            })?;
            table::from_csv(
                path,
                std::io::BufReader::new(file),
                label_column(spec)?,
                spec.val_fraction,
                spec.split_seed,
            )?
        }
    };
    Ok(prepare(raw, spec))
}

/// The label column a CSV sweep names, or an error naming the field.
fn label_column(spec: &DatasetSpec) -> Result<&str, DataError> {
    spec.label.as_deref().ok_or_else(|| DataError::Io {
        file: "dataset.label".into(),
        message: "name = \"csv\" needs the name of the column that holds the class".into(),
    })
}

/// A file the caller already holds in memory (a browser's file picker).
#[derive(Debug, Clone, PartialEq)]
pub struct ProvidedFile {
    /// The file's name, as the user knows it.
    pub name: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// The raw splits a spec names, from files given in memory instead of
/// paths: the four IDX files (recognised by their standard names, `.gz` or
/// not), the gestures zip or the CSV file; with no files, the embedded Fashion-MNIST
/// subset (natively; in wasm the caller fetches its four files). Errors name
/// the file and what was expected.
pub fn from_provided(spec: &DatasetSpec, files: &[ProvidedFile]) -> Result<Splits, DataError> {
    use crate::spec::DatasetName;
    let missing = |message: String| DataError::Io {
        file: "dataset".into(),
        message,
    };
    match spec.name {
        DatasetName::Gestures => {
            let [zip] = files else {
                return Err(missing(format!(
                    "the gestures data set is one zip file; {} given",
                    files.len()
                )));
            };
            gestures::from_zip(&zip.name, &zip.bytes, spec.val_fraction, spec.split_seed)
        }
        DatasetName::Csv => {
            let [table] = files else {
                return Err(missing(format!(
                    "a CSV data set is one file; {} given",
                    files.len()
                )));
            };
            table::from_csv(
                &table.name,
                &table.bytes[..],
                label_column(spec)?,
                spec.val_fraction,
                spec.split_seed,
            )
        }
        #[cfg(not(target_arch = "wasm32"))]
        DatasetName::FashionMnist if files.is_empty() => Ok(images::embedded_fashion_mnist()),
        #[cfg(target_arch = "wasm32")]
        DatasetName::FashionMnist if files.is_empty() => Err(missing(format!(
            "the embedded Fashion-MNIST subset is served from the site's {}/ folder; \
             pass its four files",
            images::EMBEDDED_SITE_DIR
        ))),
        DatasetName::FashionMnist | DatasetName::Idx => {
            let find = |standard: &str| {
                let stem = standard.trim_end_matches(".gz");
                files
                    .iter()
                    .find(|f| f.name == standard || f.name == stem)
                    .ok_or_else(|| {
                        missing(format!(
                            "expected the four IDX files {} (gzip'd or not); missing {standard}",
                            images::IDX_FILES.join(", ")
                        ))
                    })
            };
            let [a, b, c, d] = images::IDX_FILES.map(find);
            let (a, b, c, d) = (a?, b?, c?, d?);
            images::from_idx_files([
                (&a.name, &a.bytes),
                (&b.name, &b.bytes),
                (&c.name, &c.bytes),
                (&d.name, &d.bytes),
            ])
        }
    }
}
