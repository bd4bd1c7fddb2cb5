//! The Kubernetes Indexed Job in docs/cluster.md: no cluster runs here, so
//! the manifest is validated against the Kubernetes API's schema
//! (kubernetes-validate, installed by `make test`'s setup beside MLflow)
//! and its command runs as a pod would run it, with the pod's environment.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{BIN, doc_block, scratch, stdout};
use crate::mlflow::venv;

#[test]
fn the_documented_indexed_job_is_valid_and_shards_as_the_slurm_path_does() {
    let dir = scratch("kubernetes", "job");
    let manifest = dir.join("job.yaml");
    std::fs::write(&manifest, doc_block("## Kubernetes Indexed Job", "yaml")).unwrap();
    let validate = Command::new(venv().join("bin/kubernetes-validate"))
        .args(["--strict", "--kubernetes-version", "1.33"])
        .arg(&manifest)
        .output()
        .unwrap();
    assert!(
        validate.status.success(),
        "{}{}",
        stdout(&validate),
        String::from_utf8_lossy(&validate.stderr)
    );
    // The validator fails what it should: an unknown field.
    let broken = dir.join("broken.yaml");
    std::fs::write(
        &broken,
        doc_block("## Kubernetes Indexed Job", "yaml").replace("completionMode:", "completionMod:"),
    )
    .unwrap();
    let o = Command::new(venv().join("bin/kubernetes-validate"))
        .args(["--strict", "--kubernetes-version", "1.33"])
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", stdout(&o));

    let json = Command::new(venv().join("bin/python"))
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(&manifest)
        .output()
        .unwrap();
    let job: Value = serde_json::from_slice(&json.stdout).unwrap();
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let shards = spec["completions"].as_u64().unwrap();
    assert_eq!(spec["parallelism"].as_u64(), Some(shards));
    let container = &spec["template"]["spec"]["containers"][0];
    let env: Vec<(&str, &str)> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["value"].as_str().unwrap()))
        .collect();
    let var = |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    assert_eq!(
        var("SWEEPLAB_SHARD_COUNT"),
        Some(shards.to_string().as_str()),
        "the shard count equals .spec.completions"
    );
    assert!(var("MLFLOW_TRACKING_URI").is_some() && var("MLFLOW_EXPERIMENT_NAME").is_some());

    // The pod's command, as Kubernetes runs it for index 3: `$(VAR)`
    // expanded from the pod's environment (JOB_COMPLETION_INDEX set by the
    // Job controller), a small sweep file in place of the image's, no MLflow
    // server to reach.
    let command: Vec<String> = container["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().replace("$(JOB_COMPLETION_INDEX)", "3"))
        .collect();
    assert_eq!(command[0], "native-sweep");
    let sweep = dir.join("sweep.toml");
    std::fs::write(
        &sweep,
        "name = \"k8s\"\nrepeats = 4\n[dataset]\nname = \"fashion-mnist\"\ntrain_limit = 200\nval_limit = 50\n\
         [base.model]\nkind = \"mlp\"\ndense = [16]\n[[axes]]\npath = \"model.dropout\"\nvalues = [0.0, 0.5]\n",
    )
    .unwrap();
    let args: Vec<String> = command[1..]
        .iter()
        .map(|a| {
            if a.ends_with(".toml") {
                sweep.display().to_string()
            } else if let Some(rest) = a.strip_prefix("/results/") {
                dir.join(rest).display().to_string()
            } else {
                a.clone()
            }
        })
        .collect();
    let o = Command::new(BIN)
        .args(&args)
        .env("JOB_COMPLETION_INDEX", "3")
        .env("SWEEPLAB_SHARD_COUNT", var("SWEEPLAB_SHARD_COUNT").unwrap())
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("MLFLOW_TRACKING_URI")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains(&format!("in shard 3/{shards}")), "{err}");
    // Trial k belongs to shard k mod 8: of 8 trials, shard 3 has one.
    let out = dir.join("shard-3");
    assert!(Path::new(&out).join("trials.jsonl").exists(), "{args:?}");
    assert_eq!(crate::common::records(&out).len(), 1);
}
