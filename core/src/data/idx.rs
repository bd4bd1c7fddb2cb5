//! The IDX format (as used by MNIST and Fashion-MNIST), raw or gzip'd.

use std::io::Read;

use super::DataError;

/// An IDX array of unsigned bytes: its dimensions and row-major data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Sizes of each dimension (the first is the example count).
    pub dims: Vec<usize>,
    /// `dims.iter().product()` bytes.
    pub data: Vec<u8>,
}

/// Parse an IDX file of unsigned bytes with `ndims` dimensions. Gzip'd input
/// (magic `1f 8b`) is decompressed first. `file` names the source in errors.
pub fn parse(file: &str, bytes: &[u8], ndims: usize) -> Result<IdxArray, DataError> {
    let raw;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(bytes.len() * 4);
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| DataError::Gzip {
                file: file.to_string(),
                message: e.to_string(),
            })?;
        raw = out;
        &raw[..]
    } else {
        bytes
    };
    let magic_ok = bytes.len() >= 4 && bytes[..3] == [0, 0, 0x08] && bytes[3] as usize == ndims;
    if !magic_ok {
        let found: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
        return Err(DataError::BadMagic {
            file: file.to_string(),
            found: found.join(" "),
            dims: ndims,
        });
    }
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(DataError::Truncated {
            file: file.to_string(),
            expected: header,
            found: bytes.len(),
        });
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let expected = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let found = bytes.len() - header;
    match expected {
        Some(expected) if expected == found => Ok(IdxArray {
            dims,
            data: bytes[header..].to_vec(),
        }),
        Some(expected) if expected > found => Err(DataError::Truncated {
            file: file.to_string(),
            expected,
            found,
        }),
        _ => Err(DataError::BadDims {
            file: file.to_string(),
            found: dims,
            expected: format!("sizes that multiply to the {found} data bytes present"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(dims: &[u32]) -> Vec<u8> {
        let mut v = vec![0, 0, 8, dims.len() as u8];
        for d in dims {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v
    }

    #[test]
    fn reads_raw_and_gzip() {
        let mut bytes = header(&[2, 3]);
        bytes.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        let a = parse("x", &bytes, 2).unwrap();
        assert_eq!(a.dims, vec![2, 3]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &bytes).unwrap();
        let b = parse("x.gz", &gz.finish().unwrap(), 2).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn wrong_magic_names_file() {
        let err = parse("labels.idx", b"PK\x03\x04rest", 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "labels.idx: not an IDX file of unsigned bytes (magic 50 4b 03 04, expected 00 00 08 01)"
        );
    }

    #[test]
    fn wrong_dimension_count_is_bad_magic() {
        let mut bytes = header(&[2, 3]);
        bytes.extend_from_slice(&[0; 6]);
        assert!(matches!(
            parse("f", &bytes, 3),
            Err(DataError::BadMagic { .. })
        ));
    }

    #[test]
    fn truncated_data_and_header() {
        let mut bytes = header(&[10, 28, 28]);
        bytes.extend_from_slice(&[0; 100]);
        let err = parse("imgs", &bytes, 3).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::Truncated {
                    expected: 7840,
                    found: 100,
                    ..
                }
            ),
            "{err}"
        );
        assert!(matches!(
            parse("h", &[0, 0, 8, 3, 0, 0], 3),
            Err(DataError::Truncated { .. })
        ));
    }

    #[test]
    fn extra_bytes_are_bad_dims() {
        let mut bytes = header(&[2]);
        bytes.extend_from_slice(&[0; 5]);
        assert!(matches!(
            parse("f", &bytes, 1),
            Err(DataError::BadDims { .. })
        ));
    }

    #[test]
    fn broken_gzip_names_file() {
        let err = parse("t.gz", &[0x1f, 0x8b, 8, 0, 1, 2, 3], 1).unwrap_err();
        assert!(
            err.to_string().starts_with("t.gz: broken gzip stream"),
            "{err}"
        );
    }
}
