//! Export to a real MLflow 3.17.2 server started here on 127.0.0.1
//! (installed by `make test`'s setup into ~/.cache/sweeplab/mlflow-venv,
//! or `SWEEPLAB_MLFLOW_VENV`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{BIN, native, scratch};

/// The Python venv `make test` installs MLflow and kubernetes-validate into.
pub fn venv() -> PathBuf {
    let dir = std::env::var_os("SWEEPLAB_MLFLOW_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/sweeplab/mlflow-venv")
        });
    assert!(
        dir.join("bin/mlflow").exists(),
        "no MLflow at {} (run `make setup`)",
        dir.display()
    );
    dir
}

/// A real MLflow server on a free port; stopped by PID on drop.
pub struct Server {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Server {
    /// Starts a server storing into `dir`, listening on `port`.
    pub fn start(dir: &Path, port: u16) -> Server {
        Self::start_with(dir, port, None)
    }

    /// With `admin_password`, the basic-auth app (user `admin`).
    fn start_with(dir: &Path, port: u16, admin_password: Option<&str>) -> Server {
        std::fs::create_dir_all(dir).unwrap();
        let mut cmd = Command::new(venv().join("bin/mlflow"));
        cmd.current_dir(dir).arg("server");
        if let Some(p) = admin_password {
            cmd.args(["--app-name", "basic-auth"])
                .env("MLFLOW_AUTH_ADMIN_PASSWORD", p)
                .env("MLFLOW_FLASK_SERVER_SECRET_KEY", "sweeplab-test-csrf-key");
        }
        let child = cmd
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--workers",
                "1",
            ])
            .arg("--backend-store-uri")
            .arg(format!("sqlite:///{}", dir.join("mlflow.db").display()))
            .arg("--serve-artifacts")
            .arg("--artifacts-destination")
            .arg(dir.join("artifacts"))
            .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
            .spawn()
            .unwrap();
        let server = Server {
            child: Some(child),
            port,
            dir: dir.to_path_buf(),
        };
        let started = Instant::now();
        while ureq::get(&format!("{}/health", server.uri()))
            .call()
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "MLflow did not start: see {}/server.log",
                dir.display()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
        server
    }

    /// The server's URI.
    pub fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SIGTERM by PID, then wait: the server and its worker exit together.
            let _ = Command::new("kill").arg(c.id().to_string()).status();
            let _ = c.wait();
        }
        // The server's gunicorn worker may outlive it briefly; wait for the port.
        let started = Instant::now();
        while TcpListener::bind(("127.0.0.1", self.port)).is_err()
            && started.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn api(uri: &str, endpoint: &str, body: Value) -> Value {
    let mut r = ureq::post(&format!("{uri}/api/2.0/mlflow/{endpoint}"))
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap();
    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
}

fn get(uri: &str, endpoint: &str, query: &[(&str, &str)]) -> Value {
    let mut req = ureq::get(&format!("{uri}/api/2.0/mlflow/{endpoint}"));
    for (k, v) in query {
        req = req.query(*k, *v);
    }
    serde_json::from_str(&req.call().unwrap().body_mut().read_to_string().unwrap()).unwrap()
}

/// The active runs of `experiment` (deleted ones are left out).
pub fn runs(uri: &str, experiment: &str) -> Vec<Value> {
    let exp = get(
        uri,
        "experiments/get-by-name",
        &[("experiment_name", experiment)],
    );
    let id = exp["experiment"]["experiment_id"]
        .as_str()
        .unwrap()
        .to_string();
    api(
        uri,
        "runs/search",
        json!({ "experiment_ids": [id], "max_results": 1000 }),
    )["runs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The paths of a run's top-level artifacts.
fn artifact_names(uri: &str, run_id: &str) -> Vec<String> {
    get(uri, "artifacts/list", &[("run_id", run_id)])["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

/// A run's tag `key`.
pub fn tag<'a>(run: &'a Value, key: &str) -> Option<&'a str> {
    run["data"]["tags"]
        .as_array()?
        .iter()
        .find(|t| t["key"] == key)?["value"]
        .as_str()
}

fn param<'a>(run: &'a Value, key: &str) -> Option<&'a str> {
    run["data"]["params"]
        .as_array()?
        .iter()
        .find(|t| t["key"] == key)?["value"]
        .as_str()
}

/// A 2x2 CNN sweep file `dir/{name}.toml` that trains in about a second per trial.
pub fn sweep(dir: &Path, name: &str, repeats: usize) -> PathBuf {
    sized_sweep(dir, name, repeats, 300, 2)
}

/// [`sweep`] with `train_limit` training images and `epochs` epochs.
pub fn sized_sweep(
    dir: &Path,
    name: &str,
    repeats: usize,
    train_limit: usize,
    epochs: usize,
) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            r#"
name = "{name}"
hypothesis = "BatchNorm lets the network tolerate more dropout."
repeats = {repeats}
[dataset]
name = "fashion-mnist"
train_limit = {train_limit}
val_limit = 100
[base.model]
channels = [4, 8]
[base.train]
epochs = {epochs}
[[axes]]
path = "model.dropout"
values = [0.0, 0.5]
[[axes]]
path = "model.norm"
values = ["none", "batch"]
"#
        ),
    )
    .unwrap();
    path
}

#[test]
fn sweep_exports_parent_and_children_then_survives_an_outage_without_duplicates() {
    let dir = scratch("mlflow", "export");
    let port = free_port();
    let mut server = Server::start(&dir.join("server"), port);
    let uri = server.uri();

    // 1. A 2x2 sweep with export.
    let file = sweep(&dir, "mlflow-2x2", 1);
    let out = dir.join("out");
    let o = native(&[
        "run",
        file.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
        "--mlflow",
        &uri,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = runs(&uri, "mlflow-2x2");
    assert_eq!(all.len(), 5, "one parent and four children");
    let parent = all
        .iter()
        .find(|r| tag(r, "sweeplab_kind") == Some("sweep"))
        .unwrap();
    let note = tag(parent, "mlflow.note.content").unwrap();
    assert!(
        note.starts_with("**Hypothesis:** BatchNorm lets the network tolerate more dropout."),
        "{note}"
    );
    assert!(note.contains("_not yet written_"), "{note}");
    assert_eq!(param(parent, "axis.model.dropout"), Some("0.0, 0.5"));
    assert_eq!(param(parent, "axis.model.norm"), Some("none, batch"));
    assert_eq!(parent["info"]["status"], "FINISHED");
    let parent_id = parent["info"]["run_id"].as_str().unwrap();
    let children: Vec<&Value> = all
        .iter()
        .filter(|r| tag(r, "mlflow.parentRunId") == Some(parent_id))
        .collect();
    assert_eq!(children.len(), 4);
    for c in &children {
        assert_eq!(c["info"]["status"], "FINISHED");
        assert!(tag(c, "sweeplab_trial_id").is_some() && tag(c, "sweeplab_seed") == Some("0"));
        assert!(tag(c, "sweeplab_backend").unwrap().starts_with("flex"));
        assert!(
            tag(c, "mlflow.user").is_some() && tag(c, "mlflow.source.name") == Some("native-sweep")
        );
        assert_eq!(param(c, "train.epochs"), Some("2"));
        assert!(param(c, "model.dropout").is_some());
        let history = get(
            &uri,
            "metrics/get-history",
            &[
                ("run_id", c["info"]["run_id"].as_str().unwrap()),
                ("metric_key", "val_accuracy"),
            ],
        );
        let steps: Vec<i64> = history["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["step"].as_i64().unwrap())
            .collect();
        assert_eq!(steps, vec![1, 2], "per-epoch history");
    }
    let names = artifact_names(&uri, parent_id);
    for f in ["heatmap.png", "sweep.toml", "trials.jsonl"] {
        assert!(
            names.iter().any(|n| n == f),
            "artifact {f} missing: {names:?}"
        );
    }

    // The official Python client sees the same runs.
    let py = Command::new(venv().join("bin/python"))
        .args(["-c", "import mlflow, sys; mlflow.set_tracking_uri(sys.argv[1]); df = mlflow.search_runs(experiment_names=['mlflow-2x2']); print(len(df), int((df['tags.sweeplab_kind'] == 'trial').sum()))", &uri])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&py.stdout).trim(),
        "5 4",
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );

    // Notes and a conclusion written after the first export reach the
    // parent run's note on re-export.
    let out_s = out.to_str().unwrap();
    for args in [
        vec!["note", out_s, "Dropout hurts most without BatchNorm."],
        vec!["note", out_s, "--conclusion", "The interaction is visible."],
        vec!["export-mlflow", out_s, "--mlflow", &uri],
    ] {
        let o = native(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let all = runs(&uri, "mlflow-2x2");
    assert_eq!(all.len(), 5, "re-export duplicates nothing");
    let parent = all
        .iter()
        .find(|r| tag(r, "sweeplab_kind") == Some("sweep"))
        .unwrap();
    let note = tag(parent, "mlflow.note.content").unwrap();
    for needle in [
        "BatchNorm lets the network tolerate more dropout.",
        "Dropout hurts most without BatchNorm.",
        "**Conclusion:** The interaction is visible.",
    ] {
        assert!(note.contains(needle), "note lacks {needle:?}: {note}");
    }

    // 2. The server goes away mid-sweep: the sweep finishes locally.
    let file = sweep(&dir, "mlflow-outage", 3);
    let out = dir.join("outage");
    let child = Command::new(BIN)
        .args([
            "run",
            file.to_str().unwrap(),
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--mlflow",
            &uri,
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::fs::read_to_string(out.join("trials.jsonl")).map_or(0, |t| t.lines().count()) < 2 {
        assert!(started.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(50));
    }
    server.stop();
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("export-mlflow"),
        "tells how to send later: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("trials.jsonl"))
            .unwrap()
            .lines()
            .count(),
        12
    );

    // Unreachable server: export-mlflow says so in one line, exit 2.
    let o = native(&["export-mlflow", out.to_str().unwrap(), "--mlflow", &uri]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is unreachable") && err.lines().count() == 1,
        "{err}"
    );

    // 3. After a restart, export-mlflow sends the rest; twice creates nothing new.
    let server = Server::start(&server.dir.clone(), port);
    for _ in 0..2 {
        let o = native(&[
            "export-mlflow",
            out.to_str().unwrap(),
            "--mlflow",
            &server.uri(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let all = runs(&server.uri(), "mlflow-outage");
        assert_eq!(
            all.iter()
                .filter(|r| tag(r, "sweeplab_kind") == Some("trial"))
                .count(),
            12
        );
        assert_eq!(
            all.iter()
                .filter(|r| tag(r, "sweeplab_kind") == Some("sweep"))
                .count(),
            1
        );
        assert!(all.iter().all(|r| r["info"]["status"] == "FINISHED"));
    }
    let again = native(&[
        "export-mlflow",
        out.to_str().unwrap(),
        "--mlflow",
        &server.uri(),
    ]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("exported 0 new trial runs"));

    // 4. Shards started at the same moment, as a job array starts them, into
    //    an experiment none of them has seen: one experiment, one parent,
    //    every child under it once; the parent runs until the grid is in.
    let file = sweep(&dir, "mlflow-shards", 2);
    let shard = |i: usize| {
        Command::new(BIN)
            .args(["run", file.to_str().unwrap(), "-q", "--shard"])
            .arg(format!("{i}/5"))
            .arg("--out")
            .arg(dir.join(format!("shard-{i}")))
            .env("MLFLOW_TRACKING_URI", server.uri())
            .env("MLFLOW_EXPERIMENT_NAME", "shards-at-once")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let together: Vec<Child> = (0..4).map(shard).collect();
    for child in together {
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() && !err.contains("export-mlflow"),
            "{err}"
        );
    }
    let parents_and_children = |expect_children: usize| {
        let all = runs(&server.uri(), "shards-at-once");
        let parents: Vec<&Value> = all
            .iter()
            .filter(|r| tag(r, "sweeplab_kind") == Some("sweep"))
            .collect();
        assert_eq!(parents.len(), 1, "one parent for the sweep");
        let parent = parents[0].clone();
        let id = parent["info"]["run_id"].as_str().unwrap();
        let mut trials: Vec<&str> = all
            .iter()
            .filter(|r| tag(r, "sweeplab_kind") == Some("trial"))
            .map(|c| {
                assert_eq!(
                    tag(c, "mlflow.parentRunId"),
                    Some(id),
                    "child under the parent"
                );
                tag(c, "sweeplab_trial_id").unwrap()
            })
            .collect();
        trials.sort();
        trials.dedup();
        assert_eq!(trials.len(), expect_children, "no child twice, none lost");
        (
            parent,
            trials.into_iter().map(String::from).collect::<Vec<_>>(),
        )
    };
    // Shard 4 of 5 (trial 4 of 8) has not run: the sweep is not finished.
    let (parent, _) = parents_and_children(7);
    assert_eq!(parent["info"]["status"], "RUNNING");
    assert_eq!(tag(&parent, "sweeplab_trials_missing"), Some("1"));
    let o = shard(4).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (parent, trials) = parents_and_children(8);
    assert_eq!(parent["info"]["status"], "FINISHED");
    assert_eq!(tag(&parent, "sweeplab_trials_missing"), Some("0"));
    let finished = parent["data"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "trials_finished")
        .unwrap()["value"]
        .as_f64();
    assert_eq!(finished, Some(8.0), "counted over every shard's children");
    // The children are exactly the merged grid's trials.
    let merged = dir.join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend((0..5).map(|i| dir.join(format!("shard-{i}")).display().to_string()));
    args.extend(["--out".to_string(), merged.display().to_string()]);
    let o = native(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut merged_ids: Vec<String> = crate::common::records(&merged)
        .into_iter()
        .map(|r| r.trial_id)
        .collect();
    merged_ids.sort();
    assert_eq!(merged_ids, trials);

    // What a shard that crashed mid-way may leave: a second parent, a child
    // under it, the sweep's parent reopened. export-mlflow of the merged
    // directory repairs it and attaches the whole grid's artifacts.
    let uri = server.uri();
    let parent_id = parent["info"]["run_id"].as_str().unwrap().to_string();
    let experiment = parent["info"]["experiment_id"].as_str().unwrap();
    let stray = api(
        &uri,
        "runs/create",
        json!({ "experiment_id": experiment, "run_name": "stray", "start_time": 4_102_444_800_000u64,
                "tags": [{ "key": "sweeplab_sweep_id", "value": tag(&parent, "sweeplab_sweep_id").unwrap() },
                         { "key": "sweeplab_kind", "value": "sweep" }] }),
    )["run"]["info"]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let child = runs(&uri, "shards-at-once")
        .into_iter()
        .find(|r| tag(r, "sweeplab_kind") == Some("trial"))
        .unwrap();
    api(
        &uri,
        "runs/set-tag",
        json!({ "run_id": child["info"]["run_id"], "key": "mlflow.parentRunId", "value": stray }),
    );
    api(
        &uri,
        "runs/update",
        json!({ "run_id": parent_id, "status": "RUNNING" }),
    );
    let o = native(&[
        "export-mlflow",
        merged.to_str().unwrap(),
        "--mlflow",
        &uri,
        "--experiment",
        "shards-at-once",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (parent, _) = parents_and_children(8);
    assert_eq!(
        parent["info"]["run_id"],
        parent_id.as_str(),
        "the oldest parent stays"
    );
    assert_eq!(parent["info"]["status"], "FINISHED");
    let names = artifact_names(&uri, &parent_id);
    assert!(
        names.iter().any(|n| n == "heatmap.png") && names.iter().any(|n| n == "trials.jsonl"),
        "{names:?}"
    );
}

#[test]
fn wrong_credentials_are_one_line_exit_2_before_any_training() {
    let dir = scratch("mlflow", "auth");
    let server = Server::start_with(&dir.join("server"), free_port(), Some("s3cret-Admin-pw1"));
    let file = sweep(&dir, "mlflow-auth", 1);
    let out = dir.join("out");
    let wrong = Command::new(BIN)
        .args([
            "run",
            file.to_str().unwrap(),
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--mlflow",
            &server.uri(),
        ])
        .env("MLFLOW_TRACKING_USERNAME", "admin")
        .env("MLFLOW_TRACKING_PASSWORD", "wrong-password")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(wrong.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("refused the credentials (HTTP 401)"), "{err}");
    assert!(
        !err.contains("wrong-password"),
        "the secret is never printed"
    );
    assert!(!out.exists(), "nothing written");

    // The right password works through basic auth.
    let right = Command::new(BIN)
        .args([
            "run",
            file.to_str().unwrap(),
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--mlflow",
            &server.uri(),
        ])
        .env("MLFLOW_TRACKING_USERNAME", "admin")
        .env("MLFLOW_TRACKING_PASSWORD", "s3cret-Admin-pw1")
        .output()
        .unwrap();
    assert!(
        right.status.success(),
        "{}",
        String::from_utf8_lossy(&right.stderr)
    );
    assert!(
        String::from_utf8_lossy(&right.stderr).is_empty(),
        "{}",
        String::from_utf8_lossy(&right.stderr)
    );
}

#[test]
fn resuming_a_directory_sweeplab_0_1_exported_adds_to_its_runs_without_duplicates() {
    let dir = scratch("mlflow", "legacy");
    let port = free_port();
    let server = Server::start(&dir.join("server"), port);
    let uri = server.uri();
    // What sweeplab 0.1.0's exporter left for the fixture's three trials: a
    // parent and three children, tagged with the ids of identity version 1.
    let old = crate::compat::copy_fixture(&dir, "old");
    let lines: Vec<Value> = std::fs::read_to_string(old.join("trials.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let old_sweep_id = lines[0]["sweep_id"].as_str().unwrap().to_string();
    let experiment =
        api(&uri, "experiments/create", json!({ "name": "fixture-0-1" }))["experiment_id"]
            .as_str()
            .unwrap()
            .to_string();
    let create = |name: &str, tags: Value| -> String {
        let run = api(
            &uri,
            "runs/create",
            json!({ "experiment_id": experiment, "run_name": name, "start_time": 1, "tags": tags }),
        );
        let id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
        api(
            &uri,
            "runs/update",
            json!({ "run_id": id, "status": "FINISHED", "end_time": 2 }),
        );
        id
    };
    let parent = create(
        "fixture-0-1",
        json!([
            { "key": "sweeplab_sweep_id", "value": old_sweep_id },
            { "key": "sweeplab_kind", "value": "sweep" },
        ]),
    );
    for line in &lines {
        create(
            "trial",
            json!([
                { "key": "mlflow.parentRunId", "value": parent },
                { "key": "sweeplab_sweep_id", "value": old_sweep_id },
                { "key": "sweeplab_kind", "value": "trial" },
                { "key": "sweeplab_trial_id", "value": line["trial_id"] },
            ]),
        );
    }

    // Resume with export: one trial runs; it joins the old parent, and the
    // three exported ones are not sent again.
    let o = native(&[
        "run",
        old.join("sweep.toml").to_str().unwrap(),
        "--out",
        old.to_str().unwrap(),
        "--backend",
        "cpu",
        "-q",
        "--mlflow",
        &uri,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = runs(&uri, "fixture-0-1");
    let parents: Vec<&Value> = all
        .iter()
        .filter(|r| tag(r, "sweeplab_kind") == Some("sweep"))
        .collect();
    assert_eq!(parents.len(), 1, "one parent for the sweep");
    let children: Vec<&Value> = all
        .iter()
        .filter(|r| tag(r, "sweeplab_kind") == Some("trial"))
        .collect();
    assert_eq!(
        children.len(),
        4,
        "the three old runs and one new: {all:#?}"
    );
    assert!(
        children
            .iter()
            .all(|c| tag(c, "mlflow.parentRunId") == Some(parent.as_str()))
    );
    // Exporting again sends nothing.
    let o = native(&["export-mlflow", old.to_str().unwrap(), "--mlflow", &uri]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(runs(&uri, "fixture-0-1").len(), 5);
}

#[test]
fn a_tpe_scan_exports_its_ranges_and_every_proposed_trial() {
    let dir = scratch("mlflow", "scan");
    let server = Server::start(&dir.join("server"), free_port());
    let uri = server.uri();
    let file = dir.join("scan.toml");
    std::fs::write(
        &file,
        r#"
name = "mlflow-tpe"
hypothesis = "Learning rate matters more than dropout."
seed = 5
[dataset]
name = "fashion-mnist"
train_limit = 300
val_limit = 100
[base.model]
kind = "mlp"
dense = [16]
[base.train]
epochs = 1
[search]
strategy = "tpe"
trials = 6
startup = 4
batch = 2
[[axes]]
path = "model.dropout"
low = 0.0
high = 0.5
[[axes]]
path = "train.lr"
low = 1e-4
high = 0.3
log = true
"#,
    )
    .unwrap();
    let out = dir.join("out");
    let o = native(&[
        "run",
        file.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
        "--mlflow",
        &uri,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = runs(&uri, "mlflow-tpe");
    assert_eq!(all.len(), 7, "one parent and the six trials of both rounds");
    let parent = all
        .iter()
        .find(|r| tag(r, "sweeplab_kind") == Some("sweep"))
        .unwrap();
    assert_eq!(param(parent, "axis.train.lr"), Some("0.0001..0.3 (log)"));
    assert_eq!(param(parent, "axis.model.dropout"), Some("0..0.5"));
    assert_eq!(param(parent, "search.strategy"), Some("tpe"));
    assert_eq!(param(parent, "search.batch"), Some("2"));
    // Each child carries its own proposed values, as in trials.jsonl.
    let records = crate::common::records(&out);
    assert_eq!(records.len(), 6);
    for r in &records {
        let child = all
            .iter()
            .find(|c| tag(c, "sweeplab_trial_id") == Some(r.trial_id.as_str()))
            .unwrap_or_else(|| panic!("no run for trial {}", r.trial_id));
        assert_eq!(
            param(child, "train.lr").map(|v| v.parse::<f64>().unwrap()),
            Some(r.config.train.lr)
        );
    }
}
