//! The cluster path on a real Slurm: a single-node cluster (munged,
//! slurmctld, slurmd from Debian's packages, installed by `make test`'s
//! setup) started here on 127.0.0.1, the job-array script from
//! docs/cluster.md submitted as it stands, every task exporting to one real
//! MLflow server.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{BIN, doc_block, native, records, scratch};
use crate::mlflow::{Server, free_port, runs, sized_sweep, tag};

/// munged, slurmctld and slurmd, configured in and logging to one
/// directory; stopped by PID on drop.
struct Cluster {
    dir: PathBuf,
    daemons: Vec<Child>,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        let (munged, slurmctld, slurmd) =
            (program("munged"), program("slurmctld"), program("slurmd"));
        program("sbatch");
        std::fs::create_dir_all(dir.join("state")).unwrap();
        std::fs::create_dir_all(dir.join("spool")).unwrap();
        let munge = dir.join("munge");
        std::fs::create_dir_all(&munge).unwrap();
        let key: Vec<u8> = (0..1024u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        std::fs::write(munge.join("key"), key).unwrap();
        let chmod = |mode: &str, path: &Path| {
            Command::new("chmod").arg(mode).arg(path).status().unwrap();
        };
        chmod("700", &munge);
        chmod("400", &munge.join("key"));
        let host = String::from_utf8(Command::new("hostname").arg("-s").output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_string();
        let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_string();
        let d = dir.display();
        // One node with room for four one-CPU tasks at once whatever this
        // machine has (`config_overrides`), no cgroups, no accounting.
        let conf = format!(
            "ClusterName=sweeplab\n\
             SlurmctldHost={host}(127.0.0.1)\n\
             SlurmUser={user}\nSlurmdUser={user}\n\
             AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket={d}/munge/socket\n\
             MpiDefault=none\nProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n\
             JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n\
             SchedulerType=sched/builtin\nSelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n\
             SlurmdParameters=config_overrides\nReturnToService=2\n\
             StateSaveLocation={d}/state\nSlurmdSpoolDir={d}/spool\n\
             SlurmctldPidFile={d}/slurmctld.pid\nSlurmdPidFile={d}/slurmd.pid\n\
             SlurmctldPort={}\nSlurmdPort={}\n\
             SlurmctldLogFile={d}/slurmctld.log\nSlurmdLogFile={d}/slurmd.log\n\
             NodeName={host} NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN\n\
             PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n",
            free_port(),
            free_port(),
        );
        std::fs::write(dir.join("slurm.conf"), conf).unwrap();
        let spawn = |program: &Path, args: &[&str]| {
            let name = program.file_name().unwrap().to_string_lossy();
            Command::new(program)
                .args(args)
                .env("SLURM_CONF", dir.join("slurm.conf"))
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(dir.join(format!("{name}.err"))).unwrap())
                .spawn()
                .unwrap()
        };
        let m = |name: &str| format!("{d}/munge/{name}");
        let mut cluster = Cluster {
            dir: dir.to_path_buf(),
            daemons: Vec::new(),
        };
        cluster.daemons.push(spawn(
            &munged,
            &[
                "--foreground",
                "--force",
                &format!("--socket={}", m("socket")),
                &format!("--key-file={}", m("key")),
                &format!("--log-file={}", m("log")),
                &format!("--pid-file={}", m("pid")),
                &format!("--seed-file={}", m("seed")),
            ],
        ));
        let started = Instant::now();
        while !munge.join("socket").exists() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "munged did not start: {d}/munged.err"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        cluster.daemons.push(spawn(&slurmctld, &["-D", "-i"]));
        cluster.daemons.push(spawn(&slurmd, &["-D"]));
        let started = Instant::now();
        loop {
            let idle = cluster.slurm("sinfo", &["-h", "-o", "%T"]);
            if String::from_utf8_lossy(&idle.stdout).trim() == "idle" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the Slurm node did not come up: see {d}/slurmctld.log and {d}/slurmd.log"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
        cluster
    }

    /// A Slurm client command against this cluster.
    fn slurm(&self, program: &str, args: &[&str]) -> Output {
        Command::new(program)
            .args(args)
            .env("SLURM_CONF", self.dir.join("slurm.conf"))
            .output()
            .unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for mut daemon in self.daemons.drain(..).rev() {
            let _ = Command::new("kill").arg(daemon.id().to_string()).status();
            let _ = daemon.wait();
        }
    }
}

/// Where `name` is installed: on PATH, or in /usr/sbin or /sbin, where
/// Debian puts the daemons (not on every user's PATH).
fn program(name: &str) -> PathBuf {
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not installed (run `make setup`)"))
}

#[test]
fn the_documented_job_array_on_a_real_slurm_merges_to_the_unsharded_grid_with_one_mlflow_parent() {
    let dir = scratch("slurm", "array");
    let cluster = Cluster::start(&dir.join("cluster"));
    let server = Server::start(&dir.join("mlflow"), free_port());
    let work = dir.join("work");
    std::fs::create_dir_all(work.join("logs")).unwrap();
    let script = work.join("sweep.sh");
    std::fs::write(&script, doc_block("## Slurm job array", "bash")).unwrap();
    // Trials of three epochs, long enough (a second or more an epoch with
    // eight trainings on two cores) to requeue one between epochs.
    let file = sized_sweep(&work, "slurm-2x2", 2, 3000, 3);

    // As the doc says: submitted from the sweep's directory, four tasks of
    // one CPU each (so all four start at once), native-sweep on PATH.
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let submit = Command::new("sbatch")
        .current_dir(&work)
        .args(["--parsable", "--array=0-3", "--cpus-per-task=1", "sweep.sh"])
        .arg(file.file_name().unwrap())
        .env("SLURM_CONF", cluster.dir.join("slurm.conf"))
        .env("PATH", path)
        .env("MLFLOW_TRACKING_URI", server.uri())
        .env("MLFLOW_EXPERIMENT_NAME", "slurm-array")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(
        submit.status.success(),
        "{}",
        String::from_utf8_lossy(&submit.stderr)
    );
    let job = String::from_utf8(submit.stdout).unwrap().trim().to_string();

    // Task 0 is requeued mid-trial, as a preempted job or a failed node
    // is: once one of its trials has a checkpoint (an epoch done) and none
    // has a record yet.
    let shard0 = work.join("results/shard-0");
    let started = Instant::now();
    loop {
        let checkpointed = std::fs::read_dir(shard0.join("checkpoints")).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "ckpt"))
        });
        if checkpointed {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "task 0 wrote no checkpoint"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        std::fs::read_to_string(shard0.join("trials.jsonl")).map_or(true, |t| t.trim().is_empty()),
        "task 0 finished a trial before the requeue: make its trials longer"
    );
    let task0 = format!("{job}_0");
    let o = cluster.slurm("scontrol", &["requeue", &task0]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Slurm holds a requeued job back for two minutes, so that its old
    // instance is gone from the node first. Once it is pending again and
    // its processes have exited (slurmd kills a launch that predates their
    // end: "Job credential revoked"), let it start now.
    let started = Instant::now();
    loop {
        let reason = cluster.slurm("squeue", &["-h", "-j", &task0, "-o", "%T %r"]);
        let reason = String::from_utf8_lossy(&reason.stdout).trim().to_string();
        let old_instance_gone = !Command::new("pgrep")
            .args(["-f", "results/shard-0"])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        if reason == "PENDING BeginTime" && old_instance_gone {
            std::thread::sleep(Duration::from_secs(2));
            let o = cluster.slurm(
                "scontrol",
                &["update", &format!("JobId={task0}"), "StartTime=now"],
            );
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "task 0 was not requeued: {reason}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let started = Instant::now();
    loop {
        let queue = cluster.slurm("squeue", &["-h", "-j", &job]);
        if String::from_utf8_lossy(&queue.stdout).trim().is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the array did not finish"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let jobs = String::from_utf8(
        cluster
            .slurm("scontrol", &["-o", "show", "job", &job])
            .stdout,
    )
    .unwrap();
    let tasks: Vec<&str> = jobs.lines().collect();
    assert_eq!(tasks.len(), 4, "{jobs}");
    for task in &tasks {
        let logs = std::fs::read_dir(work.join("logs"))
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect::<Vec<_>>()
            .join("\n---\n");
        assert!(
            task.contains("JobState=COMPLETED") && task.contains("ExitCode=0:0"),
            "{task}\n{logs}"
        );
    }

    assert!(
        tasks
            .iter()
            .any(|t| t.contains("ArrayTaskId=0 ") && t.contains("Restarts=1")),
        "{jobs}"
    );
    let log0 = std::fs::read_dir(work.join("logs"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with("_0.out"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .unwrap();
    assert!(
        log0.contains("resuming after epoch"),
        "the requeued task resumed its trials: {log0}"
    );

    // merge and show, as the doc says.
    let merged = work.join("results/all");
    let shards: Vec<String> = (0..4)
        .map(|i| {
            work.join(format!("results/shard-{i}"))
                .display()
                .to_string()
        })
        .collect();
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap()]);
    let o = native(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = native(&["show", merged.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The same sweep unsharded on one machine: the same trials, the same
    // metrics (the CPU backend is deterministic per trial).
    let single = work.join("single");
    let o = native(&[
        "run",
        file.to_str().unwrap(),
        "-q",
        "--backend",
        "cpu",
        "--out",
        single.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let key = |dir: &Path| {
        let mut v: Vec<(String, Vec<f64>)> = records(dir)
            .into_iter()
            .map(|r| {
                (
                    r.trial_id,
                    r.epochs.iter().map(|e| e.val_accuracy).collect(),
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let (merged_trials, single_trials) = (key(&merged), key(&single));
    assert_eq!(merged_trials.len(), 8, "every trial once");
    assert_eq!(merged_trials, single_trials);

    // One parent for the sweep, finished, with every trial once under it.
    let all = runs(&server.uri(), "slurm-array");
    let parents: Vec<&Value> = all
        .iter()
        .filter(|r| tag(r, "sweeplab_kind") == Some("sweep"))
        .collect();
    assert_eq!(parents.len(), 1, "one parent run");
    assert_eq!(parents[0]["info"]["status"], "FINISHED");
    let parent_id = parents[0]["info"]["run_id"].as_str().unwrap();
    let mut children: Vec<&str> = all
        .iter()
        .filter(|r| tag(r, "sweeplab_kind") == Some("trial"))
        .map(|c| {
            assert_eq!(tag(c, "mlflow.parentRunId"), Some(parent_id));
            tag(c, "sweeplab_trial_id").unwrap()
        })
        .collect();
    children.sort();
    assert_eq!(children.len(), 8, "no child twice");
    let ids: Vec<&str> = merged_trials.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(children, ids);
}
