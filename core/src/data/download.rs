//! Download + cache + sha256 check for the full data sets (native only).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::DataError;
pub use crate::digest::sha256_hex;

/// A published file and its sha256.
#[derive(Debug, Clone, Copy)]
pub struct RemoteFile {
    /// File name under the base URL and in the cache.
    pub name: &'static str,
    /// Published sha256, hex.
    pub sha256: &'static str,
}

/// Where Zalando Research publishes Fashion-MNIST.
pub const FASHION_MNIST_URL: &str = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
/// The four Fashion-MNIST files with their checksums.
pub const FASHION_MNIST_FILES: [RemoteFile; 4] = [
    RemoteFile {
        name: "train-images-idx3-ubyte.gz",
        sha256: "a72382615bde30da22d20aea9d8d0f92f63c1457b1a4358bb59474d5aaa22a1e",
    },
    RemoteFile {
        name: "train-labels-idx1-ubyte.gz",
        sha256: "d184307cbd31ec5eeed65ad9a1f4172a0cd812f7559239d649524fa49a4a4877",
    },
    RemoteFile {
        name: "t10k-images-idx3-ubyte.gz",
        sha256: "8aadb08b8d70ee005ddd6d2134f2d936837175bcaee827c9def19d4cef95f289",
    },
    RemoteFile {
        name: "t10k-labels-idx1-ubyte.gz",
        sha256: "288ac81299d0d535c1cf3b6445f16d82469749703e6b906c7052e9daca9d534f",
    },
];
/// Where the course publishes the gestures zip (directory URL).
pub const GESTURES_URL: &str = "https://github.com/raoulg/gestures/raw/main/";
/// The gestures zip and its checksum.
pub const GESTURES_FILE: RemoteFile = RemoteFile {
    name: "gestures-dataset.zip",
    sha256: "4a6c5ac1d408f8405d456e0404b424b905ea49425c663fb08f0c3ab341efd32d",
};

/// The data cache: `$SWEEPLAB_CACHE`, else `$XDG_CACHE_HOME/sweeplab`, else
/// `~/.cache/sweeplab`.
pub fn cache_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("SWEEPLAB_CACHE")
        .or_else(|| env("XDG_CACHE_HOME").map(|p| p.join("sweeplab")))
        .or_else(|| env("HOME").map(|p| p.join(".cache").join("sweeplab")))
        .unwrap_or_else(|| PathBuf::from(".sweeplab-cache"))
}

/// `dir/file.name`, downloaded from `base_url` unless a copy with the right
/// checksum is already there. Written to a `.part` file, checked, then
/// renamed: a failed or corrupt download never leaves a file behind.
pub fn fetch(base_url: &str, file: &RemoteFile, dir: &Path) -> Result<PathBuf, DataError> {
    let dest = dir.join(file.name);
    if let Ok(existing) = std::fs::read(&dest)
        && sha256_hex(&existing) == file.sha256
    {
        return Ok(dest);
    }
    let url = format!("{}/{}", base_url.trim_end_matches('/'), file.name);
    let download_err = |message: String| DataError::Download {
        url: url.clone(),
        message,
    };
    let bytes = ureq::get(&url)
        .call()
        .map_err(|e| download_err(e.to_string()))?
        .body_mut()
        .with_config()
        .limit(512 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| download_err(e.to_string()))?;
    let found = sha256_hex(&bytes);
    if found != file.sha256 {
        return Err(DataError::Checksum {
            file: url,
            expected: file.sha256.into(),
            found,
        });
    }
    let io_err = |e: std::io::Error| DataError::Io {
        file: dest.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(io_err)?;
    let part = dir.join(format!("{}.part", file.name));
    let mut out = std::fs::File::create(&part).map_err(io_err)?;
    out.write_all(&bytes)
        .and_then(|_| out.sync_all())
        .map_err(io_err)?;
    std::fs::rename(&part, &dest).map_err(io_err)?;
    Ok(dest)
}

/// The full Fashion-MNIST in `dir` (downloaded if missing); returns `dir`.
pub fn fetch_fashion_mnist(base_url: &str, dir: &Path) -> Result<PathBuf, DataError> {
    for file in &FASHION_MNIST_FILES {
        fetch(base_url, file, dir)?;
    }
    Ok(dir.to_path_buf())
}

/// The gestures zip in `dir` (downloaded if missing); returns its path.
pub fn fetch_gestures(base_url: &str, dir: &Path) -> Result<PathBuf, DataError> {
    fetch(base_url, &GESTURES_FILE, dir)
}
