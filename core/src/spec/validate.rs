//! Range and consistency checks, each producing a [`FieldError`].

use std::collections::HashSet;

use super::axis::{ApplyError, apply, value_label};
use super::{
    AxisSpec, DatasetName, FieldError, ModelKind, Norm, Pool, Strategy, SweepSpec, TrialConfig,
};

/// Problems in one trial configuration, as `(path, message)` with paths
/// relative to the config (`model.dropout`).
pub(crate) fn config_problems(config: &TrialConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |path: &str, message: String| out.push((path.to_string(), message));
    let m = &config.model;
    let t = &config.train;

    for (path, p) in [
        ("model.dropout", m.dropout),
        ("model.conv_dropout", m.conv_dropout),
    ] {
        if !(0.0..1.0).contains(&p) {
            bad(path, format!("{p} is outside [0, 1)"));
        }
    }
    if m.kind == ModelKind::Cnn {
        if !(1..=8).contains(&m.conv_blocks) {
            bad(
                "model.conv_blocks",
                format!("{} is outside [1, 8]", m.conv_blocks),
            );
        }
        if m.channels.is_empty() || m.channels.iter().any(|&c| c == 0 || c > 1024) {
            bad(
                "model.channels",
                format!(
                    "{:?} must be a non-empty list of counts in [1, 1024]",
                    m.channels
                ),
            );
        }
        if m.kernel_size.is_multiple_of(2) || m.kernel_size > 11 {
            bad(
                "model.kernel_size",
                format!("{} must be odd and at most 11", m.kernel_size),
            );
        }
        let pooled = if m.pool == Pool::None {
            0
        } else {
            m.conv_blocks
        };
        if pooled > 4 {
            bad(
                "model.conv_blocks",
                format!(
                    "{pooled} pooled blocks shrink a 28x28 image below 2x2 (at most 4 with pooling)"
                ),
            );
        }
    }
    if m.norm == Norm::Group {
        let widths: Vec<usize> = match m.kind {
            ModelKind::Cnn => (0..m.conv_blocks).map(|i| m.block_channels(i)).collect(),
            _ => m.dense.clone(),
        };
        if m.groups == 0 || widths.iter().any(|w| w % m.groups.max(1) != 0) {
            bad(
                "model.groups",
                format!("{} must divide every layer width {widths:?}", m.groups),
            );
        }
    }
    if m.dense.len() > 8 || m.dense.iter().any(|&u| u == 0 || u > 8192) {
        bad(
            "model.dense",
            format!(
                "{:?} must list at most 8 layer widths in [1, 8192]",
                m.dense
            ),
        );
    }
    if matches!(m.kind, ModelKind::Gru | ModelKind::Lstm) {
        if !(1..=4096).contains(&m.hidden) {
            bad("model.hidden", format!("{} is outside [1, 4096]", m.hidden));
        }
        if !(1..=8).contains(&m.layers) {
            bad("model.layers", format!("{} is outside [1, 8]", m.layers));
        }
    }

    if !(t.lr.is_finite() && t.lr > 0.0 && t.lr <= 1e4) {
        bad("train.lr", format!("{} is outside (0, 10000]", t.lr));
    }
    if !(0.0..1.0).contains(&t.momentum) {
        bad(
            "train.momentum",
            format!("{} is outside [0, 1)", t.momentum),
        );
    }
    if !(t.weight_decay.is_finite() && t.weight_decay >= 0.0) {
        bad(
            "train.weight_decay",
            format!("{} must be >= 0", t.weight_decay),
        );
    }
    if !(1..=65536).contains(&t.batch_size) {
        bad(
            "train.batch_size",
            format!("{} is outside [1, 65536]", t.batch_size),
        );
    }
    if !(1..=10_000).contains(&t.epochs) {
        bad(
            "train.epochs",
            format!("{} is outside [1, 10000]", t.epochs),
        );
    }
    if t.lr_step_epochs == 0 {
        bad("train.lr_step_epochs", "0 must be at least 1".into());
    }
    if !(t.lr_gamma > 0.0 && t.lr_gamma <= 1.0) {
        bad(
            "train.lr_gamma",
            format!("{} is outside (0, 1]", t.lr_gamma),
        );
    }
    if !(t.min_lr >= 0.0 && t.min_lr <= t.lr) {
        bad("train.min_lr", format!("{} is outside [0, lr]", t.min_lr));
    }
    if t.early_stopping_patience == Some(0) {
        bad(
            "train.early_stopping_patience",
            "0 must be at least 1 (or leave it out)".into(),
        );
    }
    if t.early_stopping_min_delta.is_nan() || t.early_stopping_min_delta < 0.0 {
        bad(
            "train.early_stopping_min_delta",
            format!("{} must be >= 0", t.early_stopping_min_delta),
        );
    }
    out
}

/// Every problem with a sweep, with fields named as the user wrote them.
pub(crate) fn sweep_problems(spec: &SweepSpec) -> Vec<FieldError> {
    let mut out = Vec::new();
    if spec.name.trim().is_empty() {
        out.push(FieldError::new("name", "must not be empty"));
    }
    if !(1..=1000).contains(&spec.repeats) {
        out.push(FieldError::new(
            "repeats",
            format!("{} is outside [1, 1000]", spec.repeats),
        ));
    }
    let d = &spec.dataset;
    if !(d.val_fraction > 0.0 && d.val_fraction < 1.0) {
        out.push(FieldError::new(
            "dataset.val_fraction",
            format!("{} is outside (0, 1)", d.val_fraction),
        ));
    }
    if d.train_limit == Some(0) {
        out.push(FieldError::new(
            "dataset.train_limit",
            "0 must be at least 1",
        ));
    }
    if d.val_limit == Some(0) {
        out.push(FieldError::new("dataset.val_limit", "0 must be at least 1"));
    }
    // `path` is not required here: in the browser the files come from a
    // picker. Reading the data natively names `dataset.path` when it is
    // missing.
    match (d.name, &d.label) {
        (DatasetName::Csv, None) => out.push(FieldError::new(
            "dataset.label",
            "is required for name = \"csv\" (the column that holds each row's class)",
        )),
        (DatasetName::Csv, Some(label)) if label.trim().is_empty() => {
            out.push(FieldError::new("dataset.label", "must not be empty"))
        }
        (DatasetName::FashionMnist | DatasetName::Idx | DatasetName::Gestures, Some(_)) => out
            .push(FieldError::new(
                "dataset.label",
                "only name = \"csv\" has a label column (leave it out)",
            )),
        _ => {}
    }
    let kind = spec.base.model.kind;
    let fits = match d.name {
        DatasetName::Gestures => matches!(kind, ModelKind::Gru | ModelKind::Lstm),
        DatasetName::Csv => kind == ModelKind::Mlp,
        DatasetName::FashionMnist | DatasetName::Idx => {
            matches!(kind, ModelKind::Mlp | ModelKind::Cnn)
        }
    };
    if !fits {
        let expected = match d.name {
            DatasetName::Gestures => "\"gru\" or \"lstm\"",
            DatasetName::Csv => "\"mlp\"",
            DatasetName::FashionMnist | DatasetName::Idx => "\"mlp\" or \"cnn\"",
        };
        out.push(FieldError::new(
            "base.model.kind",
            format!(
                "{kind:?} does not fit data set {:?} (expected {expected})",
                d.name
            )
            .to_lowercase(),
        ));
    }
    for (path, message) in config_problems(&spec.base) {
        out.push(FieldError::new(format!("base.{path}"), message));
    }

    let mut seen = HashSet::new();
    for (i, axis) in spec.axes.iter().enumerate() {
        let here = format!("axes[{i}] ({})", axis.path);
        if !seen.insert(axis.path.as_str()) {
            out.push(FieldError::new(
                here,
                "this path is scanned by an earlier axis too",
            ));
            continue;
        }
        if axis.path == "model.kind" {
            out.push(FieldError::new(
                format!("axes[{i}].path"),
                "model.kind cannot be scanned (each kind needs its own data set); run one sweep per kind",
            ));
            continue;
        }
        if axis.is_range() || (axis.values.is_empty() && (axis.log || axis.int)) {
            out.extend(range_problems(spec, i, axis));
            continue;
        }
        if axis.values.is_empty() {
            out.push(FieldError::new(here, "values must list at least one value"));
            continue;
        }
        let mut labels = HashSet::new();
        for value in &axis.values {
            if !labels.insert(value_label(value)) {
                out.push(FieldError::new(
                    here.clone(),
                    format!("{} is listed twice", value_label(value)),
                ));
            }
            match apply(&spec.base, &axis.path, value) {
                Err(ApplyError::UnknownPath(message)) => {
                    out.push(FieldError::new(format!("axes[{i}].path"), message));
                    break;
                }
                Err(ApplyError::WrongType(message)) => {
                    out.push(FieldError::new(here.clone(), message))
                }
                Ok(config) => {
                    if let Some((_, message)) = config_problems(&config)
                        .into_iter()
                        .find(|(p, _)| *p == axis.path)
                    {
                        out.push(FieldError::new(here.clone(), message));
                    } else if let Some((p, message)) = config_problems(&config).into_iter().next() {
                        out.push(FieldError::new(
                            here.clone(),
                            format!("{} makes {p} invalid: {message}", value_label(value)),
                        ));
                    }
                }
            }
        }
    }
    out.extend(search_problems(spec));
    let trials = spec.trial_count();
    if trials > spec.max_trials && !spec.is_grid() {
        out.push(FieldError::new(
            "search.trials",
            format!(
                "the scan has {trials} trials ({} configurations x {} repeats), over the limit of {} (raise max_trials to allow it)",
                spec.cell_count(),
                spec.repeats,
                spec.max_trials
            ),
        ));
    } else if trials > spec.max_trials {
        let sizes: Vec<String> = spec
            .axes
            .iter()
            .map(|a| a.values.len().to_string())
            .collect();
        out.push(FieldError::new(
            "axes",
            format!(
                "the grid has {trials} trials ({} values x {} repeats), over the limit of {} (raise max_trials to allow it)",
                sizes.join(" x "),
                spec.repeats,
                spec.max_trials
            ),
        ));
    }
    out
}

/// Problems of the `[search]` table: a scan needs its size, a grid has none.
fn search_problems(spec: &SweepSpec) -> Vec<FieldError> {
    let search = &spec.search;
    let mut out = Vec::new();
    let name = search.strategy.name();
    if search.strategy == Strategy::Grid {
        for (field, set) in [
            ("trials", search.trials.is_some()),
            ("batch", search.batch.is_some()),
            ("startup", search.startup.is_some()),
            ("halving", search.halving.is_some()),
            ("min_epochs", search.min_epochs.is_some()),
        ] {
            if set {
                out.push(FieldError::new(
                    format!("search.{field}"),
                    "a grid's size follows from its axes; this is for strategy = \"random\" or \"tpe\"",
                ));
            }
        }
        return out;
    }
    match search.trials {
        None => out.push(FieldError::new(
            "search.trials",
            format!("a {name} scan needs trials = N, the number of configurations to try"),
        )),
        Some(0) => out.push(FieldError::new("search.trials", "0 must be at least 1")),
        Some(_) => {}
    }
    if search.strategy == Strategy::Random {
        for (field, set) in [
            ("batch", search.batch.is_some()),
            ("startup", search.startup.is_some()),
        ] {
            if set {
                out.push(FieldError::new(
                    format!("search.{field}"),
                    "only a tpe scan proposes in rounds; a random scan draws every configuration at once",
                ));
            }
        }
    }
    for (field, value) in [("batch", search.batch), ("startup", search.startup)] {
        if value == Some(0) {
            out.push(FieldError::new(
                format!("search.{field}"),
                "0 must be at least 1",
            ));
        }
    }
    if spec.axes.is_empty() {
        out.push(FieldError::new(
            "axes",
            format!("a {name} scan needs at least one axis to draw"),
        ));
    }
    out.extend(halving_problems(spec));
    if let (Some(n), Some(size)) = (search.trials, crate::scan::space_size(&spec.axes))
        && n as u128 > size
    {
        out.push(FieldError::new(
            "search.trials",
            format!(
                "{n} is more than the {size} distinct configurations these axes allow (a grid runs them all)"
            ),
        ));
    }
    out
}

/// Problems of successive halving's settings.
fn halving_problems(spec: &SweepSpec) -> Vec<FieldError> {
    let search = &spec.search;
    let Some(eta) = search.halving else {
        return match search.min_epochs {
            Some(_) => vec![FieldError::new(
                "search.min_epochs",
                "is the first rung of successive halving: set search.halving = 3 (or 2, 4...) too",
            )],
            None => Vec::new(),
        };
    };
    let mut out = Vec::new();
    if search.strategy != Strategy::Random {
        out.push(FieldError::new(
            "search.halving",
            "successive halving runs on a random scan (strategy = \"random\"); TPE proposes from full-budget results",
        ));
    }
    if eta < 2 {
        out.push(FieldError::new(
            "search.halving",
            format!("{eta}: expected 2 or more (each rung keeps the best 1/η and trains them η times longer)"),
        ));
    }
    if search.min_epochs == Some(0) {
        out.push(FieldError::new("search.min_epochs", "0 must be at least 1"));
    }
    let full = spec.base.train.epochs;
    if search.min_epochs() >= full {
        out.push(FieldError::new(
            "search.min_epochs",
            format!(
                "{} must be below train.epochs ({full}): the first rung trains fewer epochs than the last",
                search.min_epochs()
            ),
        ));
    }
    if spec.axes.iter().any(|a| a.path == "train.epochs") {
        out.push(FieldError::new(
            "search.halving",
            "sets each rung's epochs, so train.epochs cannot be an axis",
        ));
    }
    out
}

/// Problems of an axis given as a range (`low`, `high`, `log`, `int`).
fn range_problems(spec: &SweepSpec, i: usize, axis: &AxisSpec) -> Vec<FieldError> {
    let here = format!("axes[{i}] ({})", axis.path);
    let bad = |message: String| vec![FieldError::new(here.clone(), message)];
    if !axis.values.is_empty() {
        return bad("give either values or a low/high range, not both".into());
    }
    let (Some(low), Some(high)) = (axis.low, axis.high) else {
        return bad("a range needs both low and high".into());
    };
    for (name, v) in [("low", low), ("high", high)] {
        if !v.is_finite() {
            return bad(format!("{name} = {v} must be a finite number"));
        }
    }
    if low >= high {
        return bad(format!("low ({low}) must be below high ({high})"));
    }
    if axis.log && low <= 0.0 {
        return bad(format!("a log range needs low > 0 (got {low})"));
    }
    if axis.int && (low.fract() != 0.0 || high.fract() != 0.0) {
        return bad(format!(
            "an int range needs whole numbers (got low = {low}, high = {high})"
        ));
    }
    if spec.is_grid() {
        return bad(
            "a grid scans listed values; a low/high range needs [search] strategy = \"random\" or \"tpe\""
                .into(),
        );
    }
    let as_value = |v: f64| -> serde_json::Value {
        if axis.int {
            serde_json::Value::from(v as i64)
        } else {
            serde_json::Value::from(v)
        }
    };
    for end in [low, high] {
        match apply(&spec.base, &axis.path, &as_value(end)) {
            Err(ApplyError::UnknownPath(message)) => {
                return vec![FieldError::new(format!("axes[{i}].path"), message)];
            }
            Err(ApplyError::WrongType(_)) => {
                let whole = !axis.int
                    && apply(&spec.base, &axis.path, &serde_json::Value::from(end as i64)).is_ok();
                return bad(if whole {
                    format!("{} takes whole numbers: add int = true", axis.path)
                } else {
                    format!(
                        "{} is not a number: list its values instead (values = [...])",
                        axis.path
                    )
                });
            }
            Ok(config) => {
                if let Some((p, message)) = config_problems(&config).into_iter().next() {
                    let what = if p == axis.path {
                        message
                    } else {
                        format!("{end} makes {p} invalid: {message}")
                    };
                    return bad(format!("the range's end {what}"));
                }
            }
        }
    }
    Vec::new()
}
