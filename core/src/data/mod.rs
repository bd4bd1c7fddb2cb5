//! Data sets: readers for IDX and the gestures zip, the embedded
//! Fashion-MNIST subset, downloads, limits, normalisation and batching.

mod batch;
mod dataset;
#[cfg(not(target_arch = "wasm32"))]
pub mod download;
mod error;
pub mod gestures;
pub mod idx;
pub mod images;

pub use batch::{Batch, BatchInputs, batch};
pub use dataset::{Dataset, ExampleShape, Splits, shuffled};
pub use error::DataError;

use crate::spec::DatasetSpec;

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
    };
    Ok(prepare(raw, spec))
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
/// not) or the gestures zip; with no files, the embedded Fashion-MNIST
/// subset. Errors name the file and what was expected.
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
        DatasetName::FashionMnist if files.is_empty() => Ok(images::embedded_fashion_mnist()),
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
