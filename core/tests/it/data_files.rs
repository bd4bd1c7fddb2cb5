//! Readers on the real data files, their failure classes, and the download
//! cache against a real HTTP server on 127.0.0.1.

use crate::common;

use sweeplab_core::data::{self, DataError, ExampleShape, download, gestures, images};

#[test]
fn fashion_mnist_files_read_fully() {
    let splits = images::from_dir(&common::shared_data("fashion-mnist")).unwrap();
    assert_eq!((splits.train.len(), splits.val.len()), (60_000, 10_000));
    assert_eq!(
        splits.train.shape,
        ExampleShape::Image {
            channels: 1,
            height: 28,
            width: 28
        }
    );
    assert_eq!(splits.train.class_counts(), vec![6000; 10]);
    assert_eq!(splits.val.class_counts(), vec![1000; 10]);
    let spec = sweeplab_core::spec::DatasetSpec {
        path: Some("fashion-mnist".into()),
        ..Default::default()
    };
    assert_eq!(data::expected_sizes(&spec), (60_000, 10_000));
}

#[test]
fn embedded_subset_is_balanced_and_standardised_by_prepare() {
    let raw = images::embedded_fashion_mnist();
    assert_eq!(raw.train.class_counts(), vec![600; 10]);
    assert_eq!(raw.val.class_counts(), vec![100; 10]);
    let spec = sweeplab_core::spec::DatasetSpec {
        train_limit: Some(1000),
        val_limit: Some(300),
        ..Default::default()
    };
    assert_eq!(
        data::expected_sizes(&Default::default()),
        (raw.train.len(), raw.val.len())
    );
    assert_eq!(data::expected_sizes(&spec), (1000, 300));
    let s = data::prepare(raw, &spec);
    assert_eq!((s.train.len(), s.val.len()), (1000, 300));
    let mean: f64 =
        s.train.features.iter().map(|&x| x as f64).sum::<f64>() / s.train.features.len() as f64;
    assert!(mean.abs() < 1e-3, "standardised mean {mean}");
}

fn real_file(name: &str) -> Vec<u8> {
    std::fs::read(common::shared_data("fashion-mnist").join(name)).unwrap()
}

#[test]
fn truncated_real_file_is_named() {
    let gz = real_file("t10k-labels-idx1-ubyte.gz");
    let raw = {
        use std::io::Read;
        let mut v = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut v)
            .unwrap();
        v
    };
    let cut = &raw[..raw.len() - 10];
    let imgs = real_file("t10k-images-idx3-ubyte.gz");
    let err = images::from_idx("t10k-images", &imgs, "t10k-labels (cut)", cut).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t10k-labels (cut): truncated: header promises 10000 bytes of data, found 9990"
    );
    let half_gz = &gz[..gz.len() / 2];
    let err = images::from_idx("t10k-images", &imgs, "half.gz", half_gz).unwrap_err();
    assert!(
        err.to_string().starts_with("half.gz: broken gzip stream"),
        "{err}"
    );
}

#[test]
fn swapped_files_are_wrong_magic_and_mismatched_counts_are_named() {
    let imgs = real_file("t10k-images-idx3-ubyte.gz");
    let labels = real_file("t10k-labels-idx1-ubyte.gz");
    let err = images::from_idx("labels-as-images", &labels, "images-as-labels", &imgs).unwrap_err();
    assert!(matches!(err, DataError::BadMagic { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "labels-as-images: not an IDX file of unsigned bytes (magic 00 00 08 01, expected 00 00 08 03)"
    );
    let train_labels = real_file("train-labels-idx1-ubyte.gz");
    let err = images::from_idx("t10k-images", &imgs, "train-labels", &train_labels).unwrap_err();
    assert_eq!(
        err.to_string(),
        "train-labels: 60000 labels for 10000 images in t10k-images"
    );
}

#[test]
fn wrong_dims_are_named() {
    let mut bytes = vec![0, 0, 8, 3];
    for d in [2u32, 0, 28] {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    let labels = [0u8, 0, 8, 1, 0, 0, 0, 2, 0, 1];
    let err = images::from_idx("zero-height", &bytes, "l", &labels).unwrap_err();
    assert_eq!(
        err.to_string(),
        "zero-height: dimensions [2, 0, 28], expected images of 1 to 512 pixels a side"
    );
}

#[test]
fn missing_directory_is_named() {
    let err = images::from_dir(std::path::Path::new("/nonexistent/fmnist")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/nonexistent/fmnist/train-images-idx3-ubyte"),
        "{err}"
    );
}

#[test]
fn gestures_zip_reads_every_sequence() {
    let path = common::shared_data("gestures/gestures-dataset.zip");
    let bytes = std::fs::read(&path).unwrap();
    let s = gestures::from_zip("gestures-dataset.zip", &bytes, 0.2, 0).unwrap();
    assert_eq!(s.train.len() + s.val.len(), 3251);
    assert_eq!(s.val.len(), 650);
    let spec = sweeplab_core::spec::DatasetSpec {
        name: sweeplab_core::spec::DatasetName::Gestures,
        ..Default::default()
    };
    assert_eq!(data::expected_sizes(&spec), (s.train.len(), s.val.len()));
    assert_eq!(
        s.train.shape,
        ExampleShape::Sequence {
            steps: 51,
            features: 3
        }
    );
    assert!(s.train.lengths.iter().all(|&l| (10..=51).contains(&l)));
    assert!(s.train.class_counts().iter().all(|&c| c > 100));
    let again = gestures::from_zip("g", &bytes, 0.2, 0).unwrap();
    assert_eq!(again.val.labels, s.val.labels, "split is seeded");
    let other = gestures::from_zip("g", &bytes, 0.2, 1).unwrap();
    assert_ne!(other.val.labels, s.val.labels);
}

#[test]
fn corrupt_gestures_zip_is_named() {
    let bytes = std::fs::read(common::shared_data("gestures/gestures-dataset.zip")).unwrap();
    let mut broken = bytes.clone();
    let n = broken.len();
    broken.truncate(n - 200); // central directory gone
    let err = gestures::from_zip("cut.zip", &broken, 0.2, 0).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cut.zip: not a readable zip archive"),
        "{err}"
    );
}

#[test]
fn download_checks_sha256_and_caches() {
    let server = common::Server::start(&common::shared_data(""));
    let base = format!("http://127.0.0.1:{}", server.1);
    let cache = std::env::temp_dir().join(format!("sweeplab-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);

    let dir = download::fetch_fashion_mnist(
        &format!("{base}/fashion-mnist/"),
        &cache.join("fashion-mnist"),
    )
    .unwrap();
    let splits = images::from_dir(&dir).unwrap();
    assert_eq!(splits.train.len(), 60_000);
    let zip = download::fetch_gestures(&format!("{base}/gestures"), &cache).unwrap();
    assert_eq!(
        download::sha256_hex(&std::fs::read(&zip).unwrap()),
        download::GESTURES_FILE.sha256
    );

    // Cached: a second fetch needs no server.
    drop(server);
    download::fetch_gestures("http://127.0.0.1:9/", &cache).unwrap();

    // A corrupt download is refused and leaves nothing behind.
    let server = common::Server::start(&common::shared_data(""));
    let wrong = download::RemoteFile {
        name: "gestures-dataset.zip",
        sha256: "00",
    };
    let err = download::fetch(
        &format!("http://127.0.0.1:{}/gestures", server.1),
        &wrong,
        &cache.join("bad"),
    )
    .unwrap_err();
    assert!(matches!(err, DataError::Checksum { .. }), "{err}");
    assert!(!cache.join("bad").join("gestures-dataset.zip").exists());
    let missing = download::RemoteFile {
        name: "nope.zip",
        sha256: "00",
    };
    let err =
        download::fetch(&format!("http://127.0.0.1:{}", server.1), &missing, &cache).unwrap_err();
    assert!(
        err.to_string().contains("nope.zip: download failed"),
        "{err}"
    );
    std::fs::remove_dir_all(&cache).unwrap();
}
