//! Sweeps on a real SLURM cluster: a one-node cluster from Debian's `slurm-wlm` and `munge`
//! (started by `tests/slurm/cluster.sh` in a temporary folder, on ports 16817/16818) runs a
//! 4-task job array of a spiking sweep; the merged results must equal the one-process run
//! bit for bit. One array task is cancelled mid-run with `scancel` and resubmitted: the merge
//! is complete with every point exactly once. A failing point is reported in the task's log
//! with its index and message while the rest of the shard completes.
//!
//! Skipped (with a message) when `sbatch`/`slurmctld` are not installed or not running as
//! root; `.ci/run` installs the packages and runs it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(harness()).arg("stop").arg(&self.dir).status();
    }
}

fn harness() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slurm/cluster.sh")
}

fn ssnlab() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ssnlab"));
    c.arg("--quiet");
    c
}

fn slurm(c: &Cluster, tool: &str, args: &[&str]) -> String {
    let o = Command::new(tool)
        .args(args)
        .env("SLURM_CONF", &c.conf)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(
        o.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Waits until none of the jobs is queued or running.
fn wait_for(c: &Cluster, jobs: &[&str], limit: Duration) {
    let t0 = Instant::now();
    loop {
        let q = slurm(c, "squeue", &["-h", "-o", "%i %T"]);
        let busy: Vec<&str> = q
            .lines()
            .filter(|l| {
                jobs.iter()
                    .any(|j| l.starts_with(&format!("{j}_")) || l.starts_with(&format!("{j} ")))
            })
            .collect();
        if busy.is_empty() {
            return;
        }
        assert!(
            t0.elapsed() < limit,
            "jobs still queued after {limit:?}: {busy:?}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn submit(c: &Cluster, script: &Path, out: &Path, tasks: &str, args: &[&str]) -> (String, String) {
    let mut cmd = ssnlab();
    cmd.args(["sweep", "slurm"])
        .arg(script)
        .arg("--out")
        .arg(out)
        .args(["--tasks", tasks, "--submit"])
        .args(args)
        .env("SLURM_CONF", &c.conf);
    let o = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // "submitted array job A and merge job M (afterok:A)"
    let words: Vec<&str> = text.split_whitespace().collect();
    let pos = words.iter().position(|w| *w == "array").expect(&text);
    (words[pos + 2].to_string(), words[pos + 6].to_string())
}

#[test]
fn sweeps_on_a_real_slurm_cluster() {
    if !(have("sbatch") && have("slurmctld") && have("munged")) {
        eprintln!(
            "SKIP sweeps_on_a_real_slurm_cluster: SLURM is not installed (apt-get install slurm-wlm munge; .ci/run does)"
        );
        return;
    }
    if !is_root() {
        eprintln!("SKIP sweeps_on_a_real_slurm_cluster: the test cluster's slurmd needs root");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cluster");
    let o = Command::new(harness())
        .arg("start")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "the test cluster did not start: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let c = Cluster {
        conf: dir.join("slurm.conf"),
        dir,
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/sweeps/spiking_check.rhai");

    // 1. A 4-task array and its merge job give the one-process results bit for bit.
    let local = tmp.path().join("local");
    assert!(
        ssnlab()
            .arg("sweep")
            .arg(&script)
            .arg("--out")
            .arg(&local)
            .status()
            .unwrap()
            .success()
    );
    assert!(
        ssnlab()
            .args(["sweep", "merge"])
            .arg(&local)
            .status()
            .unwrap()
            .success()
    );
    let want = std::fs::read_to_string(local.join("results.csv")).unwrap();
    let out = tmp.path().join("array");
    let (array, merge) = submit(&c, &script, &out, "4", &[]);
    wait_for(&c, &[&array, &merge], Duration::from_secs(180));
    let got = std::fs::read_to_string(out.join("results.csv")).unwrap_or_else(|e| {
        panic!(
            "the merge job wrote no results ({e}); logs in {}",
            out.join("logs").display()
        )
    });
    assert_eq!(
        got, want,
        "SLURM array results differ from the one-process run"
    );

    // 2. Cancel one task mid-run, resubmit it: complete, every point exactly once.
    let slow = tmp.path().join("slow.rhai");
    std::fs::write(
        &slow,
        r#"
let grid = #{ mu: [16, 18, 20, 22, 24, 26], r: [1.0] };
let base_seed = 3;
fn point(p) {
    let res = lif_network(paper_network("fig2")).run(#{ mu: p.mu, r: p.r, duration: 3000, transient: 200, seed: p.seed, progress: false, threads: 1 });
    #{ nu_e: res.rates[0], nu_i: res.rates[1] }
}
"#,
    )
    .unwrap();
    let out2 = tmp.path().join("cancel");
    let (array2, merge2) = submit(&c, &slow, &out2, "2", &[]);
    let shard1 = out2.join("shard-1-of-2.jsonl");
    let t0 = Instant::now();
    while ssnlab::sweep::read_records(&shard1).0.is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "task 1 never wrote a record"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    slurm(&c, "scancel", &[&format!("{array2}_1")]);
    wait_for(&c, &[&array2], Duration::from_secs(180));
    // The merge job's dependency can never be met now; cancel it and check the gap.
    slurm(&c, "scancel", &[&merge2]);
    let st = ssnlab()
        .args(["sweep", "status"])
        .arg(&out2)
        .output()
        .unwrap();
    let st = String::from_utf8_lossy(&st.stdout).to_string();
    assert!(st.contains("shard 0/2: 3 done"), "{st}");
    assert!(
        !st.contains("shard 1/2: 3 done"),
        "task 1 finished before it was cancelled: {st}"
    );
    // Resubmit only task 1 of the array, then merge.
    let again = slurm(
        &c,
        "sbatch",
        &[
            "--parsable",
            "--array=1",
            out2.join("sweep.sbatch").to_str().unwrap(),
        ],
    );
    let again = again.split(';').next().unwrap().to_string();
    wait_for(&c, &[&again], Duration::from_secs(180));
    let m = ssnlab()
        .args(["sweep", "merge"])
        .arg(&out2)
        .output()
        .unwrap();
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let mut idx: Vec<usize> = (0..2)
        .flat_map(|k| {
            ssnlab::sweep::read_records(&out2.join(format!("shard-{k}-of-2.jsonl")))
                .0
                .into_iter()
                .filter(|r| r.ok())
                .map(|r| r.index)
        })
        .collect();
    idx.sort_unstable();
    assert_eq!(idx, (0..6).collect::<Vec<_>>(), "every point exactly once");
    let local2 = tmp.path().join("local2");
    assert!(
        ssnlab()
            .arg("sweep")
            .arg(&slow)
            .arg("--out")
            .arg(&local2)
            .status()
            .unwrap()
            .success()
    );
    assert!(
        ssnlab()
            .args(["sweep", "merge"])
            .arg(&local2)
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(
        std::fs::read_to_string(out2.join("results.csv")).unwrap(),
        std::fs::read_to_string(local2.join("results.csv")).unwrap()
    );

    // 3. A failing point: reported in the task's log; the rest of the shard completes.
    let bad = tmp.path().join("bad.rhai");
    std::fs::write(
        &bad,
        "let grid = #{ x: [1, 2, 3, 4] };\nfn point(p) { if p.x == 2 { throw \"diverged at x = 2\"; } #{ y: p.x * p.x } }\n",
    )
    .unwrap();
    let out3 = tmp.path().join("bad");
    let (array3, merge3) = submit(&c, &bad, &out3, "2", &[]);
    wait_for(&c, &[&array3], Duration::from_secs(120));
    let _ = Command::new("scancel")
        .arg(&merge3)
        .env("SLURM_CONF", &c.conf)
        .status();
    let log = std::fs::read_to_string(out3.join("logs").join(format!("{array3}_1.out"))).unwrap();
    assert!(
        log.contains("point 1") && log.contains("diverged at x = 2"),
        "{log}"
    );
    let st = ssnlab()
        .args(["sweep", "status"])
        .arg(&out3)
        .output()
        .unwrap();
    let st = String::from_utf8_lossy(&st.stdout).to_string();
    assert!(st.contains("shard 1/2: 1 done, 1 failed [1]"), "{st}");
    assert!(st.contains("shard 0/2: 2 done"), "{st}");
}
