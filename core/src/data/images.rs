//! Image classification sets from IDX files: Fashion-MNIST (files, or the
//! embedded subset) and any set in the same four-file layout.

use super::{DataError, Dataset, ExampleShape, Splits, idx};

/// The four standard file names, in order: train images, train labels,
/// test images, test labels.
pub const IDX_FILES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

/// Classes of Fashion-MNIST.
pub const FASHION_CLASSES: usize = 10;

/// Examples per class in the embedded Fashion-MNIST subset (train, test).
pub const EMBEDDED_PER_CLASS: (usize, usize) = (600, 100);

/// Where the browser app serves the subset's four files (under its site,
/// beside the page): in wasm the subset is fetched from there when a sweep
/// needs it, not compiled into a module.
pub const EMBEDDED_SITE_DIR: &str = "data";

#[cfg(not(target_arch = "wasm32"))]
const EMBEDDED: [&[u8]; 4] = [
    include_bytes!("../../data/train-images-idx3-ubyte.gz"),
    include_bytes!("../../data/train-labels-idx1-ubyte.gz"),
    include_bytes!("../../data/t10k-images-idx3-ubyte.gz"),
    include_bytes!("../../data/t10k-labels-idx1-ubyte.gz"),
];

/// One split from an image file and a label file (raw pixel values 0..=255).
pub fn from_idx(
    images_name: &str,
    images: &[u8],
    labels_name: &str,
    labels: &[u8],
) -> Result<Dataset, DataError> {
    let img = idx::parse(images_name, images, 3)?;
    let lab = idx::parse(labels_name, labels, 1)?;
    let (n, height, width) = (img.dims[0], img.dims[1], img.dims[2]);
    if height == 0 || width == 0 || height > 512 || width > 512 {
        return Err(DataError::BadDims {
            file: images_name.to_string(),
            found: img.dims,
            expected: "images of 1 to 512 pixels a side".into(),
        });
    }
    if lab.dims[0] != n {
        return Err(DataError::CountMismatch {
            images: images_name.to_string(),
            labels: labels_name.to_string(),
            image_count: n,
            label_count: lab.dims[0],
        });
    }
    let labels: Vec<u32> = lab.data.iter().map(|&l| l as u32).collect();
    let classes = labels.iter().max().map_or(0, |&m| m as usize + 1);
    if classes < 2 {
        return Err(DataError::BadDims {
            file: labels_name.to_string(),
            found: lab.dims,
            expected: "labels of at least two classes".into(),
        });
    }
    Ok(Dataset {
        shape: ExampleShape::Image {
            channels: 1,
            height,
            width,
        },
        features: img.data.iter().map(|&p| p as f32 / 255.0).collect(),
        labels,
        lengths: Vec::new(),
        classes,
    })
}

/// Train and test splits from the four files' contents, in [`IDX_FILES`] order.
pub fn from_idx_files(files: [(&str, &[u8]); 4]) -> Result<Splits, DataError> {
    let train = from_idx(files[0].0, files[0].1, files[1].0, files[1].1)?;
    let mut val = from_idx(files[2].0, files[2].1, files[3].0, files[3].1)?;
    if val.shape != train.shape {
        return Err(DataError::BadDims {
            file: files[2].0.to_string(),
            found: vec![val.len()],
            expected: format!(
                "test images shaped like the training images ({:?})",
                train.shape
            ),
        });
    }
    let classes = train.classes.max(val.classes);
    val.classes = classes;
    Ok(Splits {
        train: Dataset { classes, ..train },
        val,
    })
}

/// Reads the four files from a directory; `.gz` names fall back to the
/// uncompressed names.
#[cfg(not(target_arch = "wasm32"))]
pub fn from_dir(dir: &std::path::Path) -> Result<Splits, DataError> {
    let mut contents = Vec::new();
    for name in IDX_FILES {
        let gz = dir.join(name);
        let path = if gz.exists() {
            gz
        } else {
            dir.join(name.trim_end_matches(".gz"))
        };
        let bytes = std::fs::read(&path).map_err(|e| DataError::Io {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        contents.push((path.display().to_string(), bytes));
    }
    let files: Vec<(&str, &[u8])> = contents.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
    from_idx_files([files[0], files[1], files[2], files[3]])
}

/// The Fashion-MNIST subset compiled into the library (6,000 train / 1,000
/// test images, balanced; MIT licence, Zalando Research). Natively only; the
/// browser app fetches the same files from [`EMBEDDED_SITE_DIR`].
#[cfg(not(target_arch = "wasm32"))]
pub fn embedded_fashion_mnist() -> Splits {
    let names = IDX_FILES.map(|n| n);
    from_idx_files([
        (names[0], EMBEDDED[0]),
        (names[1], EMBEDDED[1]),
        (names[2], EMBEDDED[2]),
        (names[3], EMBEDDED[3]),
    ])
    .expect("the embedded subset is valid")
}
