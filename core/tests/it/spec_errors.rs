//! Every failure class of a sweep file gives one clear line naming the field.

use sweeplab_core::spec::{Metric, SpecError, SweepSpec, hyperparameter_paths};

const GOOD: &str = r#"
name = "dropout-x-norm"
hypothesis = "BatchNorm lets the network tolerate more dropout."
repeats = 3
seed = 42
[dataset]
name = "fashion-mnist"
train_limit = 1000
[base.model]
kind = "cnn"
dropout = 0.25
[base.train]
epochs = 2
[[axes]]
path = "model.dropout"
values = [0.0, 0.2, 0.4, 0.6]
[[axes]]
path = "model.norm"
values = ["none", "batch"]
"#;

fn err(text: &str) -> String {
    SweepSpec::from_toml(text).unwrap_err().to_string()
}

#[test]
fn good_file_parses_and_round_trips_through_toml_and_json() {
    let spec = SweepSpec::from_toml(GOOD).unwrap();
    assert_eq!(spec.trial_count(), 24);
    assert_eq!(SweepSpec::from_toml(&spec.to_toml()).unwrap(), spec);
    let json = serde_json::to_string(&spec).unwrap();
    assert_eq!(SweepSpec::from_json(&json).unwrap(), spec);
}

#[test]
fn bad_toml() {
    let e = err("name = \"x\"\n[dataset\nname = 1");
    assert!(e.starts_with("bad TOML: "), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn unknown_key() {
    let e = err(&GOOD.replace("dropout = 0.25", "dropot = 0.25"));
    assert!(e.contains("unknown field `dropot`"), "{e}");
    assert_eq!(e.lines().count(), 1);
}

#[test]
fn bad_json_names_the_format() {
    let e = SweepSpec::from_json("{\"name\": 1}")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("bad JSON: invalid type"), "{e}");
}

#[test]
fn out_of_range_axis_value() {
    let e = err(&GOOD.replace("[0.0, 0.2, 0.4, 0.6]", "[0.0, 1.5]"));
    assert_eq!(e, "axes[0] (model.dropout): 1.5 is outside [0, 1)");
}

#[test]
fn out_of_range_base_value() {
    assert_eq!(
        err(&GOOD.replace("epochs = 2", "epochs = 0")),
        "base.train.epochs: 0 is outside [1, 10000]"
    );
    assert_eq!(
        err(&GOOD.replace("dropout = 0.25", "dropout = -0.1")),
        "base.model.dropout: -0.1 is outside [0, 1)"
    );
}

#[test]
fn wrong_type_axis_value() {
    let e = err(&GOOD.replace("[\"none\", \"batch\"]", "[\"none\", \"batchnorm\"]"));
    assert!(
        e.starts_with("axes[1] (model.norm): batchnorm does not fit: unknown variant `batchnorm`"),
        "{e}"
    );
}

#[test]
fn bad_axis_path_suggests_the_closest() {
    let e = err(&GOOD.replace("path = \"model.norm\"", "path = \"model.dropuot\""));
    assert_eq!(
        e,
        "axes[1].path: \"model.dropuot\" is not a hyperparameter (did you mean model.dropout?)"
    );
    let far = err(&GOOD.replace("path = \"model.norm\"", "path = \"optimizer\""));
    assert_eq!(far, "axes[1].path: \"optimizer\" is not a hyperparameter");
}

#[test]
fn empty_and_duplicate_axis_values() {
    assert_eq!(
        err(&GOOD.replace("[\"none\", \"batch\"]", "[]")),
        "axes[1] (model.norm): values must list at least one value"
    );
    assert_eq!(
        err(&GOOD.replace("[\"none\", \"batch\"]", "[\"batch\", \"batch\"]")),
        "axes[1] (model.norm): batch is listed twice"
    );
}

#[test]
fn oversize_grid_is_refused_with_its_size() {
    let big = GOOD.replace("repeats = 3", "repeats = 200");
    assert_eq!(
        err(&big),
        "axes: the grid has 1600 trials (4 x 2 values x 200 repeats), over the limit of 1000 (raise max_trials to allow it)"
    );
    let allowed = big.replace("seed = 42", "seed = 42\nmax_trials = 2000");
    assert_eq!(SweepSpec::from_toml(&allowed).unwrap().trial_count(), 1600);
}

#[test]
fn model_kind_must_fit_the_data() {
    let e = err(&GOOD.replace("kind = \"cnn\"", "kind = \"gru\""));
    assert_eq!(
        e,
        "base.model.kind: gru does not fit data set fashionmnist (expected \"mlp\" or \"cnn\")"
    );
}

#[test]
fn every_hyperparameter_is_reachable_by_an_axis() {
    let spec = SweepSpec::from_toml(GOOD).unwrap();
    let base = serde_json::to_value(&spec.base).unwrap();
    for path in hyperparameter_paths() {
        let (section, field) = path.split_once('.').unwrap();
        let value = base[section][field].clone();
        let text = format!(
            "{}\n[[axes]]\npath = \"{path}\"\nvalues = [{}]\n",
            GOOD.replace("repeats = 3", "repeats = 1"),
            toml_value(&value)
        );
        if path == "model.dropout" || path == "model.norm" || path == "model.kind" {
            continue;
        }
        if let Err(e) = SweepSpec::from_toml(&text) {
            panic!("{path}: {e}");
        }
    }
    assert!(matches!(
        SweepSpec::from_toml("name = \"x\""),
        Err(SpecError::Parse { .. })
    ));
}

fn toml_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "1".into(), // optional fields take a number
        other => other.to_string(),
    }
}

#[test]
fn metric_names_read_back_and_an_unknown_one_is_named() {
    for m in Metric::ALL {
        assert_eq!(m.name().parse::<Metric>(), Ok(m));
    }
    assert_eq!(
        "accuracy".parse::<Metric>().unwrap_err().to_string(),
        "\"accuracy\" is not one of val_accuracy, val_loss, train_accuracy, train_loss"
    );
}
