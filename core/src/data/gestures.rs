//! The smartwatch gestures set: accelerometer sequences in a zip, one
//! `Uxx/yy/zz.txt` file per sequence, class = gesture folder `yy`.

use std::io::{Cursor, Read};

use super::dataset::shuffled;
use super::{DataError, Dataset, ExampleShape, Splits};

/// Number of gesture classes.
pub const GESTURE_CLASSES: usize = 20;
/// Values per time step (x, y, z acceleration).
pub const GESTURE_FEATURES: usize = 3;

/// Sequences held out for validation out of `all` (at least one).
pub fn validation_count(all: usize, val_fraction: f64) -> usize {
    ((all as f64) * val_fraction).round().max(1.0) as usize
}

/// One recorded sequence before padding.
struct Sequence {
    class: u32,
    steps: Vec<[f32; GESTURE_FEATURES]>,
}

/// All sequences in the zip, padded to the longest, with a seeded split of
/// `val_fraction` held out for validation.
pub fn from_zip(
    file: &str,
    bytes: &[u8],
    val_fraction: f64,
    split_seed: u64,
) -> Result<Splits, DataError> {
    let archive_err = |message: String| DataError::Archive {
        file: file.to_string(),
        message,
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| archive_err(format!("not a readable zip archive ({e})")))?;
    let mut sequences = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| archive_err(format!("entry {i} is corrupt ({e})")))?;
        let name = entry.name().to_string();
        let Some(class) = gesture_class(&name) else {
            continue;
        };
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .map_err(|e| archive_err(format!("{name}: cannot read ({e})")))?;
        let steps = parse_sequence(&text).map_err(|m| archive_err(format!("{name}: {m}")))?;
        if !steps.is_empty() {
            sequences.push(Sequence { class, steps });
        }
    }
    if sequences.is_empty() {
        return Err(archive_err(
            "holds no gesture files (expected <user>/<gesture 01..20>/<n>.txt entries)".into(),
        ));
    }
    let steps = sequences.iter().map(|s| s.steps.len()).max().unwrap_or(0);
    let all = pad(&sequences, steps);
    let order = shuffled(all.len(), split_seed);
    let n_val = validation_count(all.len(), val_fraction);
    let (val_idx, train_idx) = order.split_at(n_val.min(all.len() - 1));
    Ok(Splits {
        train: all.select(train_idx),
        val: all.select(val_idx),
    })
}

/// Class index of `.../Uxx/yy/zz.txt`, if the name has that shape.
fn gesture_class(name: &str) -> Option<u32> {
    let parts: Vec<&str> = name.trim_end_matches('/').split('/').collect();
    let [.., user, gesture, file] = parts[..] else {
        return None;
    };
    let is_user = user.starts_with('U') && user[1..].chars().all(|c| c.is_ascii_digit());
    if !is_user || !file.ends_with(".txt") {
        return None;
    }
    let g: u32 = gesture.parse().ok()?;
    (1..=GESTURE_CLASSES as u32).contains(&g).then_some(g - 1)
}

/// `millis nanos timestamp x y z` lines into xyz steps.
fn parse_sequence(text: &str) -> Result<Vec<[f32; GESTURE_FEATURES]>, String> {
    let mut steps = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() != 6 {
            return Err(format!(
                "line {}: {} columns, expected 6",
                n + 1,
                cols.len()
            ));
        }
        let mut xyz = [0f32; GESTURE_FEATURES];
        for (k, v) in cols[3..].iter().enumerate() {
            xyz[k] = v
                .parse()
                .ok()
                .filter(|x: &f32| x.is_finite())
                .ok_or_else(|| format!("line {}: {v:?} is not a number", n + 1))?;
        }
        steps.push(xyz);
    }
    Ok(steps)
}

fn pad(sequences: &[Sequence], steps: usize) -> Dataset {
    let mut features = vec![0f32; sequences.len() * steps * GESTURE_FEATURES];
    for (i, s) in sequences.iter().enumerate() {
        for (t, xyz) in s.steps.iter().enumerate() {
            let at = (i * steps + t) * GESTURE_FEATURES;
            features[at..at + GESTURE_FEATURES].copy_from_slice(xyz);
        }
    }
    Dataset {
        shape: ExampleShape::Sequence {
            steps,
            features: GESTURE_FEATURES,
        },
        features,
        labels: sequences.iter().map(|s| s.class).collect(),
        lengths: sequences.iter().map(|s| s.steps.len()).collect(),
        classes: GESTURE_CLASSES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_from_path() {
        assert_eq!(gesture_class("gestures-dataset/U01/07/03.txt"), Some(6));
        assert_eq!(gesture_class("gestures-dataset/info.txt"), None);
        assert_eq!(gesture_class("gestures-dataset/U01/21/03.txt"), None);
    }

    #[test]
    fn corrupt_zip_is_named() {
        let err = from_zip("g.zip", b"PK\x03\x04garbage", 0.2, 0).unwrap_err();
        assert!(err.to_string().starts_with("g.zip: "), "{err}");
    }

    #[test]
    fn bad_line_is_named() {
        assert_eq!(
            parse_sequence("1 2 3 0.1 x 0.3").unwrap_err(),
            "line 1: \"x\" is not a number"
        );
        assert_eq!(
            parse_sequence("1 2 3").unwrap_err(),
            "line 1: 3 columns, expected 6"
        );
    }
}
