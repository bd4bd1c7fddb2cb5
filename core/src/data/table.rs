//! Tables: a CSV file with a header row, one column holding the class label
//! (chosen by name) and numeric feature columns everywhere else, read as a
//! stream of rows (a large file is never held as text) and split into
//! training and validation by a seeded, stratified draw.

use std::collections::BTreeMap;
use std::io::Read;

use super::dataset::shuffled;
use super::{DataError, Dataset, ExampleShape, Splits};

/// Most distinct labels a table may have: a column with more is not a
/// class label (a measurement chosen by mistake, say).
pub const MAX_CLASSES: usize = 1000;

/// The column names in a CSV file's header row, for a form that lets the
/// user choose the label column.
pub fn header(file: &str, reader: impl Read) -> Result<Vec<String>, DataError> {
    columns(file, &mut csv::ReaderBuilder::new().from_reader(reader))
}

/// The header row's names, trimmed; an empty file is an error.
fn columns<R: Read>(file: &str, csv: &mut csv::Reader<R>) -> Result<Vec<String>, DataError> {
    let names: Vec<String> = csv
        .headers()
        .map_err(|e| csv_error(file, e))?
        .iter()
        .map(|n| n.trim().to_string())
        .collect();
    if names.iter().all(String::is_empty) {
        return Err(table_error(
            file,
            "empty file: expected a header row of column names, then one row per example",
        ));
    }
    Ok(names)
}

/// Every row of the CSV file in `reader` (named `file` in errors), its
/// `label` column as the class and the other columns as features, with
/// `val_fraction` of each class held out for validation (drawn with
/// `split_seed`). Classes are the distinct labels, in numeric order when
/// all are numbers, else in text order. Errors name the file, the row (as
/// a line number) and the column.
pub fn from_csv(
    file: &str,
    reader: impl Read,
    label: &str,
    val_fraction: f64,
    split_seed: u64,
) -> Result<Splits, DataError> {
    let mut csv = csv::ReaderBuilder::new().from_reader(reader);
    let columns = columns(file, &mut csv)?;
    let label_at = columns.iter().position(|c| c == label).ok_or_else(|| {
        table_error(
            file,
            &format!(
                "no column {label:?} in the header (columns: {})",
                columns.join(", ")
            ),
        )
    })?;
    let width = columns.len() - 1;
    if width == 0 {
        return Err(table_error(
            file,
            &format!("the label column {label:?} is the only column: there are no features"),
        ));
    }

    let mut features = Vec::new();
    // Each row's label as the index of its first appearance in `names`
    // (one string per class, not per row).
    let mut seen: Vec<u32> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut record = csv::StringRecord::new();
    while csv
        .read_record(&mut record)
        .map_err(|e| csv_error(file, e))?
    {
        let line = record.position().map_or(0, |p| p.line());
        for (i, field) in record.iter().enumerate() {
            let field = field.trim();
            if i == label_at {
                if field.is_empty() {
                    return Err(cell_error(file, line, label, "the label is missing"));
                }
                let next = names.len() as u32;
                let id = *index.entry(field.to_string()).or_insert_with(|| {
                    names.push(field.to_string());
                    next
                });
                seen.push(id);
                continue;
            }
            let column = &columns[i];
            if field.is_empty() {
                return Err(cell_error(
                    file,
                    line,
                    column,
                    "the value is missing (fill it in or drop the row)",
                ));
            }
            let value: f32 = field.parse().ok().filter(|v: &f32| v.is_finite()).ok_or_else(|| {
                cell_error(
                    file,
                    line,
                    column,
                    &format!(
                        "{field:?} is not a number (feature columns must be numeric: drop or encode this column)"
                    ),
                )
            })?;
            features.push(value);
        }
    }
    if seen.is_empty() {
        return Err(table_error(file, "has a header row but no data rows"));
    }

    let classes = class_order(&names);
    if classes.len() < 2 {
        return Err(table_error(
            file,
            &format!(
                "column {label:?} holds one class only ({:?}): a classifier needs at least two",
                names[0]
            ),
        ));
    }
    if classes.len() > MAX_CLASSES {
        return Err(table_error(
            file,
            &format!(
                "column {label:?} has {} distinct values (at most {MAX_CLASSES} classes): is it the class label?",
                classes.len()
            ),
        ));
    }
    let class_of: Vec<u32> = names.iter().map(|n| classes[n]).collect();
    let labels: Vec<u32> = seen.iter().map(|&id| class_of[id as usize]).collect();
    let all = Dataset {
        shape: ExampleShape::Row { features: width },
        features,
        labels,
        lengths: Vec::new(),
        classes: classes.len(),
    };
    let (train, val) = stratified_split(&all, val_fraction, split_seed);
    if val.is_empty() {
        return Err(table_error(
            file,
            &format!(
                "{} rows are too few to hold out a validation split of {val_fraction}",
                all.len()
            ),
        ));
    }
    Ok(Splits {
        train: all.select(&train),
        val: all.select(&val),
    })
}

/// Each distinct label's class index: numeric order when every label is a
/// number (so "2" < "10"), else text order.
fn class_order(distinct: &[String]) -> BTreeMap<String, u32> {
    let mut distinct: Vec<&String> = distinct.iter().collect();
    distinct.sort_unstable();
    let numbers: Option<Vec<f64>> = distinct.iter().map(|l| l.parse().ok()).collect();
    if let Some(numbers) = numbers {
        let mut paired: Vec<(f64, &String)> = numbers.into_iter().zip(distinct).collect();
        paired.sort_by(|a, b| a.0.total_cmp(&b.0));
        distinct = paired.into_iter().map(|(_, l)| l).collect();
    }
    distinct
        .into_iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), i as u32))
        .collect()
}

/// Indices of the training and the validation rows (each in file order):
/// from every class, `val_fraction` of its rows (rounded, and at least one
/// row left for training) drawn by a shuffle seeded with `seed`.
fn stratified_split(all: &Dataset, val_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let order = shuffled(all.len(), seed);
    let mut by_class = vec![Vec::new(); all.classes];
    for i in order {
        by_class[all.labels[i] as usize].push(i);
    }
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for rows in by_class {
        let held = ((rows.len() as f64) * val_fraction)
            .round()
            .min(rows.len().saturating_sub(1) as f64) as usize;
        val.extend_from_slice(&rows[..held]);
        train.extend_from_slice(&rows[held..]);
    }
    train.sort_unstable();
    val.sort_unstable();
    (train, val)
}

fn table_error(file: &str, message: &str) -> DataError {
    DataError::Table {
        file: file.to_string(),
        message: message.to_string(),
    }
}

fn cell_error(file: &str, line: u64, column: &str, message: &str) -> DataError {
    table_error(file, &format!("line {line}, column {column:?}: {message}"))
}

/// The csv crate's error, with the line it names.
fn csv_error(file: &str, e: csv::Error) -> DataError {
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "line {}: {len} fields, but the header has {expected_len}",
            pos.as_ref().map_or(0, |p| p.line())
        ),
        csv::ErrorKind::Utf8 { pos, .. } => format!(
            "line {}: not UTF-8 text",
            pos.as_ref().map_or(0, |p| p.line())
        ),
        _ => e.to_string(),
    };
    table_error(file, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Splits, DataError> {
        from_csv("t.csv", text.as_bytes(), "y", 0.25, 7)
    }

    fn message(text: &str) -> String {
        read(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_features_and_labels_and_splits_every_class() {
        let mut text = String::from("a, b ,y\n");
        for i in 0..40 {
            text += &format!("{i},{},{}\n", i * 2, ["cat", "dog"][i % 2]);
        }
        let s = read(&text).unwrap();
        assert_eq!(s.train.shape, ExampleShape::Row { features: 2 });
        assert_eq!((s.train.len(), s.val.len()), (30, 10));
        assert_eq!(s.val.class_counts(), vec![5, 5]);
        // Rows stay whole: b is twice a, and the label follows a's parity.
        for set in [&s.train, &s.val] {
            for (i, row) in set.features.chunks(2).enumerate() {
                assert_eq!(row[1], row[0] * 2.0);
                assert_eq!(set.labels[i], (row[0] as u32) % 2);
            }
        }
        // The same seed draws the same split; another seed another one.
        assert_eq!(read(&text).unwrap(), s);
        let other = from_csv("t.csv", text.as_bytes(), "y", 0.25, 8).unwrap();
        assert_ne!(other.val.features, s.val.features);
    }

    #[test]
    fn numeric_labels_are_classes_in_numeric_order() {
        let text = "x,y\n1,10\n2,2\n3,10\n4,2\n5,10\n6,2\n7,10\n8,2\n";
        let s = read(text).unwrap();
        assert_eq!(s.train.classes, 2);
        let first = s.train.features[0] as usize;
        // "2" is class 0 and "10" class 1 (text order would swap them).
        assert_eq!(
            s.train.labels[0],
            if first.is_multiple_of(2) { 0 } else { 1 }
        );
    }

    #[test]
    fn bad_tables_are_named_by_line_and_column() {
        assert_eq!(
            message("a,y\n1,p\n2,q\n3\n"),
            "t.csv: line 4: 1 fields, but the header has 2"
        );
        assert_eq!(
            message("a,b,y\n1,2,p\n1,two,q\n"),
            "t.csv: line 3, column \"b\": \"two\" is not a number (feature columns must be numeric: drop or encode this column)"
        );
        assert_eq!(
            message("a,b,y\n1,,p\n"),
            "t.csv: line 2, column \"b\": the value is missing (fill it in or drop the row)"
        );
        assert_eq!(
            message("a,y\n1,\n"),
            "t.csv: line 2, column \"y\": the label is missing"
        );
        assert_eq!(
            message("a,y\n1,p\n2,p\n"),
            "t.csv: column \"y\" holds one class only (\"p\"): a classifier needs at least two"
        );
        assert_eq!(
            message(""),
            "t.csv: empty file: expected a header row of column names, then one row per example"
        );
        assert_eq!(message("a,y\n"), "t.csv: has a header row but no data rows");
        assert_eq!(
            message("a,b\n1,2\n"),
            "t.csv: no column \"y\" in the header (columns: a, b)"
        );
        assert_eq!(
            message("y\np\nq\n"),
            "t.csv: the label column \"y\" is the only column: there are no features"
        );
        assert_eq!(
            message("a,y\nnan,p\n"),
            "t.csv: line 2, column \"a\": \"nan\" is not a number (feature columns must be numeric: drop or encode this column)"
        );
        assert_eq!(
            message("a,y\n1,p\n2,q\n"),
            "t.csv: 2 rows are too few to hold out a validation split of 0.25"
        );
    }

    #[test]
    fn header_lists_the_columns() {
        assert_eq!(
            header("t.csv", "a, b,label\n1,2,3\n".as_bytes()).unwrap(),
            ["a", "b", "label"]
        );
    }
}
