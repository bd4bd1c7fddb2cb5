//! Axes: a hyperparameter path (`model.dropout`) and the values to scan.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FieldError, TrialConfig};

/// One hyperparameter to scan: either the values to try (`values`, what a
/// grid needs and what a scan treats as categories) or a range a random or
/// TPE scan draws from (`low`, `high`, with `log` and `int`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AxisSpec {
    /// Dotted path into the trial config, e.g. `model.dropout`, `train.lr`.
    pub path: String,
    /// Values to try, in display order (empty for a range).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Value>,
    /// Smallest value of a range (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// Largest value of a range (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Draw the range uniformly in log space (learning rates, weight decay).
    #[serde(default, skip_serializing_if = "is_false")]
    pub log: bool,
    /// Draw whole numbers only (widths, layer counts).
    #[serde(default, skip_serializing_if = "is_false")]
    pub int: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl AxisSpec {
    /// An axis over listed values.
    pub fn listed(path: impl Into<String>, values: Vec<Value>) -> Self {
        Self {
            path: path.into(),
            values,
            ..Self::default()
        }
    }

    /// An axis over a range `low..=high` (log-uniform when `log`).
    pub fn range(path: impl Into<String>, low: f64, high: f64, log: bool, int: bool) -> Self {
        Self {
            path: path.into(),
            low: Some(low),
            high: Some(high),
            log,
            int,
            ..Self::default()
        }
    }

    /// Whether the axis is a range rather than listed values.
    pub fn is_range(&self) -> bool {
        self.low.is_some() || self.high.is_some()
    }

    /// A short label per value, for tables and plot ticks.
    pub fn labels(&self) -> Vec<String> {
        self.values.iter().map(value_label).collect()
    }

    /// The axis as typed in one line, the way [`AxisSpec::describe`] writes
    /// it: listed values `0, 0.25, 0.5`, or a scan's range `LOW..HIGH`
    /// followed by `log` and/or `int` (`1e-4..1e-1 log`, `16..128 int`;
    /// also `(log, int)`). Whether the range is valid (low below high, a
    /// log range above 0...) is the sweep's rules' to say.
    pub fn from_text(path: impl Into<String>, text: &str) -> Result<Self, FieldError> {
        let path = path.into();
        let outside_brackets = !text.trim_start().starts_with('[');
        let Some((low, rest)) = text.split_once("..").filter(|_| outside_brackets) else {
            return Ok(Self::listed(path, parse_axis_values(text)));
        };
        let expected = |got: &str| {
            FieldError::new(
                path.clone(),
                format!(
                    "expected values like 0.1, 0.2 or a range like 1e-4..1e-1 log or 16..128 int, got {got:?}"
                ),
            )
        };
        let words: Vec<&str> = rest
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')'))
            .filter(|w| !w.is_empty())
            .collect();
        let (Some(high), flags) = (words.first(), words.get(1..).unwrap_or_default()) else {
            return Err(expected(text.trim()));
        };
        let number = |t: &str| t.trim().parse::<f64>().map_err(|_| expected(t.trim()));
        let (low, high) = (number(low)?, number(high)?);
        let (mut log, mut int) = (false, false);
        for flag in flags {
            match *flag {
                "log" => log = true,
                "int" => int = true,
                other => return Err(expected(other)),
            }
        }
        Ok(Self::range(path, low, high, log, int))
    }

    /// How the axis reads in one line: `0.1, 0.2` or `1e-4..1e-1 (log)`.
    pub fn describe(&self) -> String {
        match (self.low, self.high) {
            (Some(low), Some(high)) => {
                let mut kind = Vec::new();
                if self.log {
                    kind.push("log");
                }
                if self.int {
                    kind.push("int");
                }
                let kind = if kind.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", kind.join(", "))
                };
                format!("{low}..{high}{kind}")
            }
            _ => self.labels().join(", "),
        }
    }
}

/// A compact label for an axis value: `0.2`, `batch`, `[16, 32]`.
pub fn value_label(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(value_label).collect();
            format!("[{}]", inner.join(", "))
        }
        other => other.to_string(),
    }
}

/// Every path an axis may scan (`model.*` and `train.*` leaves).
pub fn hyperparameter_paths() -> Vec<String> {
    let tree = serde_json::to_value(TrialConfig::default()).expect("config serialises");
    let mut paths = Vec::new();
    if let Value::Object(sections) = tree {
        for (section, fields) in sections {
            if let Value::Object(fields) = fields {
                paths.extend(fields.keys().map(|k| format!("{section}.{k}")));
            }
        }
    }
    paths
}

/// The closest known path to a misspelt one, if any is close.
pub(crate) fn suggest_path(path: &str) -> Option<String> {
    hyperparameter_paths()
        .into_iter()
        .map(|p| (strsim::damerau_levenshtein(path, &p), p))
        .filter(|(d, p)| *d <= 3.max(p.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, p)| p)
}

/// Why a value could not be applied at a hyperparameter path (the message
/// names the path and what was expected).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// The path names no hyperparameter.
    #[error("{0}")]
    UnknownPath(String),
    /// The value has the wrong type for the field.
    #[error("{0}")]
    WrongType(String),
}

/// `config` with the hyperparameter at `path` set to `value`.
pub(crate) fn apply(
    config: &TrialConfig,
    path: &str,
    value: &Value,
) -> Result<TrialConfig, ApplyError> {
    let mut tree = serde_json::to_value(config).expect("config serialises");
    let slot = path
        .split_once('.')
        .and_then(|(section, field)| tree.get_mut(section)?.get_mut(field))
        .ok_or_else(|| {
            let hint = suggest_path(path)
                .map(|p| format!(" (did you mean {p}?)"))
                .unwrap_or_default();
            ApplyError::UnknownPath(format!("{path:?} is not a hyperparameter{hint}"))
        })?;
    *slot = value.clone();
    serde_json::from_value(tree).map_err(|e| {
        ApplyError::WrongType(format!(
            "{} does not fit: {}",
            value_label(value),
            strip_location(&e.to_string())
        ))
    })
}

fn strip_location(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

/// The allowed values of an enumerated hyperparameter (`model.norm` →
/// `none, batch, layer, group`), for forms; `None` for free-valued ones.
pub fn choices(path: &str) -> Option<Vec<String>> {
    use super::{Activation, ModelKind, Norm, Optimizer, Pool, Schedule};
    fn names<T: Serialize>(variants: &[T]) -> Vec<String> {
        variants
            .iter()
            .map(|v| value_label(&serde_json::to_value(v).expect("enum serialises")))
            .collect()
    }
    Some(match path {
        "model.kind" => names(&[
            ModelKind::Mlp,
            ModelKind::Cnn,
            ModelKind::Gru,
            ModelKind::Lstm,
        ]),
        "model.norm" => names(&[Norm::None, Norm::Batch, Norm::Layer, Norm::Group]),
        "model.pool" => names(&[Pool::Max, Pool::Avg, Pool::None]),
        "model.activation" => names(&[
            Activation::Relu,
            Activation::Gelu,
            Activation::LeakyRelu,
            Activation::Tanh,
        ]),
        "train.optimizer" => names(&[
            Optimizer::Sgd,
            Optimizer::Adam,
            Optimizer::Adamw,
            Optimizer::Rmsprop,
        ]),
        "train.schedule" => names(&[
            Schedule::Constant,
            Schedule::Step,
            Schedule::Cosine,
            Schedule::Plateau,
        ]),
        _ => return None,
    })
}

/// Parse the values a person types for an axis: comma-separated, each a
/// JSON value when it reads as one (`0.2`, `true`, `[16, 32]`) and a string
/// otherwise (`batch`). Commas inside brackets do not split.
pub fn parse_axis_values(text: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            serde_json::from_str(s)
                .unwrap_or_else(|_| Value::String(s.trim_matches('"').to_string()))
        })
        .collect()
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn axis_values_parse_numbers_strings_and_lists() {
        assert_eq!(
            parse_axis_values("0, 0.25 ,batch, [16, 32], true,"),
            vec![
                serde_json::json!(0),
                serde_json::json!(0.25),
                serde_json::json!("batch"),
                serde_json::json!([16, 32]),
                serde_json::json!(true),
            ]
        );
        assert!(parse_axis_values(" , ").is_empty());
    }

    #[test]
    fn choices_name_every_enum_value_as_the_file_spells_it() {
        assert_eq!(
            choices("model.norm").unwrap(),
            ["none", "batch", "layer", "group"]
        );
        assert!(
            choices("model.activation")
                .unwrap()
                .contains(&"leaky_relu".to_string())
        );
        assert_eq!(choices("train.lr"), None);
        for path in hyperparameter_paths() {
            if let Some(values) = choices(&path) {
                for v in values {
                    let config = apply(&TrialConfig::default(), &path, &Value::String(v.clone()));
                    assert!(config.is_ok(), "{path} = {v}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_axes_read_as_values_or_ranges_and_round_trip() {
        let read = |t: &str| AxisSpec::from_text("train.lr", t).unwrap();
        assert_eq!(
            read("0.1, 0.2").values,
            vec![Value::from(0.1), Value::from(0.2)]
        );
        assert_eq!(
            read("1e-4..1e-1 log"),
            AxisSpec::range("train.lr", 1e-4, 0.1, true, false)
        );
        assert_eq!(
            read(" 16 .. 128 int"),
            AxisSpec::range("train.lr", 16.0, 128.0, false, true)
        );
        assert_eq!(
            read("0..0.5"),
            AxisSpec::range("train.lr", 0.0, 0.5, false, false)
        );
        // What describe() writes reads back as the same axis.
        for axis in [
            AxisSpec::range("train.lr", 1e-4, 0.1, true, false),
            AxisSpec::range("model.hidden", 8.0, 64.0, true, true),
            AxisSpec::listed("model.norm", vec!["none".into(), "batch".into()]),
        ] {
            assert_eq!(
                AxisSpec::from_text(axis.path.clone(), &axis.describe()).unwrap(),
                axis
            );
        }
        // A nested list is values, not a range.
        assert_eq!(read("[16, 32], [64]").values.len(), 2);
        let bad = |t: &str| AxisSpec::from_text("train.lr", t).unwrap_err().to_string();
        assert!(
            bad("1e-4..").contains("got \"1e-4..\""),
            "{}",
            bad("1e-4..")
        );
        assert!(bad("a..1").contains("got \"a\""));
        assert!(
            bad("0..1 logg").starts_with("train.lr: expected values like"),
            "{}",
            bad("0..1 logg")
        );
    }

    #[test]
    fn paths_cover_model_and_train() {
        let paths = hyperparameter_paths();
        assert!(paths.contains(&"model.dropout".to_string()));
        assert!(paths.contains(&"train.lr".to_string()));
        assert!(paths.contains(&"model.norm".to_string()));
    }

    #[test]
    fn apply_sets_value_and_checks_type() {
        let base = TrialConfig::default();
        let c = apply(&base, "model.norm", &Value::from("group")).unwrap();
        assert_eq!(c.model.norm, crate::spec::Norm::Group);
        let err = apply(&base, "model.dropout", &Value::from("high")).unwrap_err();
        assert!(matches!(err, ApplyError::WrongType(_)));
    }

    #[test]
    fn misspelt_path_gets_a_suggestion() {
        let err = apply(&TrialConfig::default(), "model.dropuot", &Value::from(0.1)).unwrap_err();
        assert_eq!(
            err,
            ApplyError::UnknownPath(
                "\"model.dropuot\" is not a hyperparameter (did you mean model.dropout?)".into()
            )
        );
    }
}
