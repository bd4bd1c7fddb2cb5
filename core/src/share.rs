//! A sweep in a link: the sweep file, percent-encoded, in the URL's
//! fragment (`…/#sweep=name%20%3D%20…`). Opening the link fills the app's
//! new-sweep form; browsers never send a fragment to the server, so no
//! server sees the sweep. The app makes and reads these links; the text is
//! the sweep file itself, so a reader can see what a link holds.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::spec::{SpecError, SweepSpec};

/// What a sweep link's fragment starts with (after `#`).
pub const FRAGMENT_PREFIX: &str = "sweep=";

/// The longest fragment a link may carry. Browsers take far longer URLs
/// (Chromium about 2 MB), but mail and chat programs cut or refuse long
/// links, and 8,000 characters is what the HTTP specification's
/// recommendation (RFC 9110, §4.1) says every party should accept.
pub const MAX_FRAGMENT_CHARS: usize = 8000;

/// Characters kept as they are: letters, digits and the few punctuation
/// marks a fragment may hold unescaped that TOML uses (so links stay
/// readable); everything else is percent-encoded.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b',');

/// Why a sweep cannot travel in a link, or a link holds no usable sweep.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShareError {
    /// The encoded sweep file is longer than [`MAX_FRAGMENT_CHARS`].
    #[error(
        "this sweep is {chars} characters as a link, and links hold at most {MAX_FRAGMENT_CHARS}: share its sweep file (.toml) instead"
    )]
    TooLong {
        /// The fragment's length.
        chars: usize,
    },
    /// The fragment does not start with [`FRAGMENT_PREFIX`].
    #[error("the link holds no sweep (expected #{FRAGMENT_PREFIX}...)")]
    NoSweep,
    /// The decoded bytes are not UTF-8 text.
    #[error("the link's sweep is not text (the link was cut or changed)")]
    NotText,
    /// The text is not a valid sweep file.
    #[error("the link's sweep file: {0}")]
    Spec(#[from] SpecError),
}

/// The fragment (without `#`) of a link to `spec`.
pub fn fragment(spec: &SweepSpec) -> Result<String, ShareError> {
    let text = spec.to_toml();
    let fragment = format!("{FRAGMENT_PREFIX}{}", utf8_percent_encode(&text, KEEP));
    match fragment.len() {
        chars if chars > MAX_FRAGMENT_CHARS => Err(ShareError::TooLong { chars }),
        _ => Ok(fragment),
    }
}

/// The sweep a link's fragment (with or without its `#`) holds, checked as
/// a sweep file is.
pub fn from_fragment(fragment: &str) -> Result<SweepSpec, ShareError> {
    let encoded = fragment
        .trim_start_matches('#')
        .strip_prefix(FRAGMENT_PREFIX)
        .ok_or(ShareError::NoSweep)?;
    let text = percent_decode_str(encoded)
        .decode_utf8()
        .map_err(|_| ShareError::NotText)?;
    Ok(SweepSpec::from_toml(&text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SweepSpec {
        SweepSpec::from_toml(
            r#"
            name = "dropout-x-norm"
            hypothesis = "Batch norm tolerates more dropout: 100% sure? #maybe & more"
            repeats = 3
            seed = 18446744073709551615
            [dataset]
            name = "fashion-mnist"
            train_limit = 2000
            [base.train]
            epochs = 2
            [[axes]]
            path = "model.dropout"
            values = [0.0, 0.25, 0.5]
            [[axes]]
            path = "model.norm"
            values = ["none", "batch"]
            "#,
        )
        .unwrap()
    }

    #[test]
    fn a_sweep_survives_its_link() {
        let link = fragment(&spec()).unwrap();
        assert!(
            link.starts_with("sweep=name%20%3D%20%22dropout-x-norm%22"),
            "{link}"
        );
        // Nothing a URL would read as the end of the fragment or a new one.
        let body = &link[FRAGMENT_PREFIX.len()..];
        assert!(!body.contains(['#', ' ', '&', '?', '=', '\n']), "{body}");
        assert_eq!(from_fragment(&link).unwrap(), spec());
        assert_eq!(from_fragment(&format!("#{link}")).unwrap(), spec());
    }

    #[test]
    fn a_sweep_too_long_for_a_link_is_refused_with_its_length() {
        let mut big = spec();
        big.hypothesis = "x".repeat(MAX_FRAGMENT_CHARS);
        match fragment(&big) {
            Err(ShareError::TooLong { chars }) => assert!(chars > MAX_FRAGMENT_CHARS),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_cut_or_foreign_link_says_what_is_wrong() {
        assert_eq!(from_fragment("#results"), Err(ShareError::NoSweep));
        assert_eq!(from_fragment("sweep=%FF%FE"), Err(ShareError::NotText));
        let link = fragment(&spec()).unwrap();
        let cut = &link[..link.len() / 2];
        let err = from_fragment(cut).unwrap_err();
        assert!(matches!(err, ShareError::Spec(_)), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("the link's sweep file: bad TOML"),
            "{err}"
        );
    }
}
