//! What identifies a trial and a sweep: what ran, not how it was written
//! down or where the files were.
//!
//! A trial's id hashes its *canonical* hyperparameters (every field at its
//! default value left out, so a field that a later version adds with a
//! default changes no id), its data set by family, source (the embedded
//! Fashion-MNIST subset or files), limits and split (never by path, so the
//! same trial on a machine whose data lives elsewhere has the same id), and
//! its seed. A sweep's id hashes its grid the same way.
//!
//! Changing the default of an existing field changes what a canonical form
//! means: it needs a new [`IDENTITY_VERSION`] and a migration of old records
//! (see `record::parse_line`). The tests pin today's ids so that such a
//! change cannot go unnoticed.

use serde_json::{Map, Value, json};

use crate::digest::sha256_hex;
use crate::spec::{DatasetName, DatasetSpec, Strategy, SweepSpec, TrialConfig};

/// Version of the identity rules. Version 1 (sweeplab 0.1, record schema 1)
/// hashed the whole serialised config and data set, path included.
pub const IDENTITY_VERSION: u32 = 2;

/// `value` without the object fields equal to `default`'s, recursively.
/// Fields `default` lacks are kept; an object left empty is dropped.
pub fn prune_defaults(value: &Value, default: &Value) -> Option<Value> {
    match (value, default) {
        (Value::Object(fields), Value::Object(defaults)) => {
            let mut kept = Map::new();
            for (key, v) in fields {
                match defaults.get(key) {
                    Some(d) if d == v => {}
                    Some(d) => {
                        if let Some(p) = prune_defaults(v, d) {
                            kept.insert(key.clone(), p);
                        }
                    }
                    None => {
                        kept.insert(key.clone(), v.clone());
                    }
                }
            }
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        (v, d) if v == d => None,
        (v, _) => Some(v.clone()),
    }
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).expect("specs serialise to JSON")
}

/// A config's hyperparameters that differ from the defaults.
pub fn canonical_config(config: &TrialConfig) -> Value {
    prune_defaults(&to_value(config), &to_value(&TrialConfig::default()))
        .unwrap_or_else(|| json!({}))
}

/// What identifies a data set: its family, whether it is the embedded
/// Fashion-MNIST subset or files, and the limits and split that differ
/// from the defaults. Not the path.
pub fn canonical_dataset(dataset: &DatasetSpec) -> Value {
    let without = |d: &DatasetSpec| {
        let mut v = to_value(d);
        if let Value::Object(fields) = &mut v {
            fields.remove("name");
            fields.remove("path");
        }
        v
    };
    let source = if dataset.name == DatasetName::FashionMnist && dataset.path.is_none() {
        "embedded"
    } else {
        "files"
    };
    let mut identity = json!({ "name": dataset.name, "source": source });
    if let (Value::Object(out), Some(Value::Object(rest))) = (
        &mut identity,
        prune_defaults(&without(dataset), &without(&DatasetSpec::default())),
    ) {
        out.extend(rest);
    }
    identity
}

/// Short stable hash of a JSON value (object keys are sorted by serde_json).
fn short_hash(value: &Value, hex_chars: usize) -> String {
    let mut h = sha256_hex(value.to_string().as_bytes());
    h.truncate(hex_chars);
    h
}

/// Stable id of a trial: the same hyperparameters, data and seed give the
/// same id on every machine and in every later version.
pub fn trial_id(config: &TrialConfig, dataset: &DatasetSpec, seed: u64) -> String {
    short_hash(
        &json!({
            "identity": IDENTITY_VERSION,
            "config": canonical_config(config),
            "dataset": canonical_dataset(dataset),
            "seed": seed,
        }),
        16,
    )
}

/// Stable id of a sweep's grid (name, hypothesis and metric excluded, so
/// editing prose does not orphan results).
///
/// A scan adds its `[search]` table; a TPE scan also its metric, which
/// steers its proposals. A grid's id is what it was before scans existed.
pub fn sweep_id(spec: &SweepSpec) -> String {
    let mut grid = json!({
        "identity": IDENTITY_VERSION,
        "dataset": canonical_dataset(&spec.dataset),
        "base": canonical_config(&spec.base),
        "axes": spec.axes,
        "repeats": spec.repeats,
        "seed": spec.seed,
    });
    if !spec.is_grid() {
        grid["search"] = to_value(&spec.search);
        if spec.search.strategy == Strategy::Tpe {
            grid["metric"] = to_value(&spec.metric);
        }
    }
    short_hash(&grid, 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(path: Option<&str>) -> DatasetSpec {
        DatasetSpec {
            path: path.map(str::to_string),
            train_limit: Some(1000),
            ..DatasetSpec::default()
        }
    }

    #[test]
    fn the_data_path_is_not_part_of_a_trials_identity() {
        let config = TrialConfig::default();
        let a = trial_id(&config, &dataset(Some("/home/ana/data/fashion")), 7);
        let b = trial_id(&config, &dataset(Some("/scratch/fashion")), 7);
        assert_eq!(a, b);
        // The embedded subset is other data than the full files.
        assert_ne!(a, trial_id(&config, &dataset(None), 7));
        assert_ne!(a, trial_id(&config, &dataset(Some("/scratch/fashion")), 8));
    }

    #[test]
    fn a_field_added_at_its_default_changes_no_id() {
        let config = to_value(&TrialConfig::default());
        let mut changed = to_value(&TrialConfig {
            model: crate::spec::ModelSpec {
                dropout: 0.5,
                ..Default::default()
            },
            ..Default::default()
        });
        let before = prune_defaults(&changed, &config);
        // A later version adds `model.new_knob` with default 3: old configs
        // read back with it at 3, and the defaults have it at 3 too.
        let (mut config, mut with_knob) = (config, changed.clone());
        config["model"]["new_knob"] = json!(3);
        with_knob["model"]["new_knob"] = json!(3);
        assert_eq!(prune_defaults(&with_knob, &config), before);
        // At another value it is part of the identity.
        changed["model"]["new_knob"] = json!(4);
        assert_ne!(prune_defaults(&changed, &config), before);
        assert_eq!(before, Some(json!({ "model": { "dropout": 0.5 } })));
    }

    #[test]
    fn todays_defaults_and_ids_are_pinned() {
        // A failure here means a default or the identity rules changed:
        // bump IDENTITY_VERSION and migrate old records (record::parse_line).
        assert_eq!(canonical_config(&TrialConfig::default()), json!({}));
        assert_eq!(
            canonical_dataset(&DatasetSpec::default()),
            json!({ "name": "fashion-mnist", "source": "embedded" })
        );
        let id = trial_id(&TrialConfig::default(), &DatasetSpec::default(), 0);
        assert_eq!(id.len(), 16);
        assert_eq!(id, PINNED_DEFAULT_TRIAL_ID);
    }

    /// The id of the default trial (seed 0) under identity version 2.
    const PINNED_DEFAULT_TRIAL_ID: &str = "0e577ddaf7c79bf6";
}
