//! Errors from reading data sets, each naming the file at fault.

/// Why a data file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("{file}: cannot read: {message}")]
    Io {
        /// The file.
        file: String,
        /// The operating system's message.
        message: String,
    },
    /// The file looks gzip'd but does not decompress.
    #[error("{file}: broken gzip stream: {message}")]
    Gzip {
        /// The file.
        file: String,
        /// The decoder's message.
        message: String,
    },
    /// The first bytes are not an IDX header of the expected type.
    #[error("{file}: not an IDX file of unsigned bytes (magic {found}, expected 00 00 08 0{dims})")]
    BadMagic {
        /// The file.
        file: String,
        /// The four bytes found, in hex.
        found: String,
        /// Number of dimensions expected.
        dims: usize,
    },
    /// The header's dimensions are not what this data needs.
    #[error("{file}: dimensions {found:?}, expected {expected}")]
    BadDims {
        /// The file.
        file: String,
        /// Dimensions in the header.
        found: Vec<usize>,
        /// What was expected, in words.
        expected: String,
    },
    /// The file ends before the header's dimensions are filled.
    #[error("{file}: truncated: header promises {expected} bytes of data, found {found}")]
    Truncated {
        /// The file.
        file: String,
        /// Bytes the header promises.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// Images and labels disagree on how many examples there are.
    #[error("{labels}: {label_count} labels for {image_count} images in {images}")]
    CountMismatch {
        /// Image file.
        images: String,
        /// Label file.
        labels: String,
        /// Examples in the image file.
        image_count: usize,
        /// Examples in the label file.
        label_count: usize,
    },
    /// A zip archive is corrupt or does not hold the expected layout.
    #[error("{file}: {message}")]
    Archive {
        /// The archive.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A table (CSV file) does not have the expected layout or values.
    #[error("{file}: {message}")]
    Table {
        /// The file.
        file: String,
        /// What is wrong, and where (line and column).
        message: String,
    },
    /// A file's content does not match its published checksum.
    #[error("{file}: sha256 {found} does not match the published {expected}")]
    Checksum {
        /// The file.
        file: String,
        /// Published digest.
        expected: String,
        /// Digest of what was received.
        found: String,
    },
    /// A download failed.
    #[error("{url}: download failed: {message}")]
    Download {
        /// Where from.
        url: String,
        /// What went wrong.
        message: String,
    },
}
