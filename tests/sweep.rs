//! Sharded sweeps (`ssnlab sweep`): same merged results however the sweep is split, resume
//! after a killed task with every point exactly once, failing points reported, bad scripts
//! refused before anything runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ssnlab"));
    c.arg("--quiet");
    c
}

fn sweep(script: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut c = bin();
    c.arg("sweep").arg(script).arg("--out").arg(out).args(extra);
    c.output().expect("run ssnlab")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn merge(out: &Path) -> Output {
    bin()
        .args(["sweep", "merge"])
        .arg(out)
        .output()
        .expect("merge")
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/sweeps/spiking_check.rhai")
}

/// Indices of every valid record in a folder's shard files (to count duplicates).
fn record_indices(dir: &Path) -> Vec<usize> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "jsonl") {
            let (recs, _) = ssnlab::sweep::read_records(&p);
            v.extend(recs.iter().filter(|r| r.ok()).map(|r| r.index));
        }
    }
    v.sort_unstable();
    v
}

#[test]
fn shards_threads_and_resume_give_the_same_results() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("one"), tmp.path().join("four"));
    let o = sweep(&script(), &a, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(merge(&a).status.success());
    let one = std::fs::read_to_string(a.join("results.csv")).unwrap();
    assert_eq!(one.lines().count(), 7, "{one}");
    assert!(one.starts_with("index,seed,mu,r,"), "{one}");

    // Four shards, different thread counts, one of them killed mid-write and one record lost.
    for s in 0..4 {
        let shard = format!("{s}/4");
        let mut c = bin();
        c.args(["--threads", if s % 2 == 0 { "1" } else { "2" }, "sweep"])
            .arg(script())
            .arg("--out")
            .arg(&b)
            .args(["--shard", &shard]);
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", text(&o));
    }
    let f0 = b.join("shard-0-of-4.jsonl");
    let body = std::fs::read_to_string(&f0).unwrap();
    let mut lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 2);
    // A torn last record (the task died during the write) and nothing after it.
    let torn = &lines[1][..lines[1].len() / 2];
    lines[1] = torn;
    std::fs::write(&f0, lines.join("\n")).unwrap();
    let st = bin().args(["sweep", "status"]).arg(&b).output().unwrap();
    let st = text(&st);
    assert!(
        st.contains("shard 0/4: 1 done, 0 failed, 1 missing"),
        "{st}"
    );
    assert!(st.contains("1 torn records ignored"), "{st}");
    let m = merge(&b);
    assert!(!m.status.success());
    assert!(text(&m).contains("1 missing points: 4"), "{}", text(&m));
    // Resume: only the missing point runs.
    let o = sweep(&script(), &b, &["--shard", "0/4"]);
    assert!(
        text(&o).contains("1 points computed, 1 already done"),
        "{}",
        text(&o)
    );
    assert!(merge(&b).status.success());
    let four = std::fs::read_to_string(b.join("results.csv")).unwrap();
    assert_eq!(
        one, four,
        "sharded, resumed results differ from the one-process run"
    );
    assert_eq!(record_indices(&b), (0..6).collect::<Vec<_>>());
    // The sidecar records the grid, seed rule, shard count and wall times.
    let side: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(b.join("results.csv.json")).unwrap())
            .unwrap();
    assert_eq!(side["shards"], 4);
    assert_eq!(side["base_seed"], 7);
    assert_eq!(side["wall_s_per_shard"].as_array().unwrap().len(), 4);
    assert!(side["script_sha256"].as_str().unwrap().len() == 64);
    // A different shard count in the same folder is refused.
    let o = sweep(&script(), &b, &["--shard", "0/3"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("same N"), "{}", text(&o));
}

#[test]
fn a_failing_point_is_reported_and_the_rest_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("bad.rhai");
    std::fs::write(
        &f,
        r#"
let grid = #{ x: [1, 2, 3, 4], tag: ["a", "b"] };
fn point(p) {
    if p.x == 3 && p.tag == "b" { throw "no solution at x = 3"; }
    #{ y: p.x * 2.0, v: [p.x, p.x + 1], tag_len: p.tag.len() }
}
"#,
    )
    .unwrap();
    let out = tmp.path().join("o");
    let o = sweep(&f, &out, &[]);
    assert!(!o.status.success());
    let t = text(&o);
    // Keys in alphabetical order (tag, x), the last fastest: (b, 3) is index 1 * 4 + 2 = 6.
    assert!(
        t.contains("point 6") && t.contains("no solution at x = 3"),
        "{t}"
    );
    assert!(
        t.contains("8 points computed") && t.contains("1 failed"),
        "{t}"
    );
    let m = merge(&out);
    assert!(!m.status.success());
    assert!(text(&m).contains("point 6"), "{}", text(&m));
    // Fixed script in a new folder: grid order is alphabetical keys, last fastest; arrays
    // become numbered columns.
    std::fs::write(
        &f,
        r#"
let grid = #{ x: [1, 2], tag: ["a", "b"] };
fn point(p) { #{ y: p.x * 2.0, v: [p.x, p.x + 1] } }
"#,
    )
    .unwrap();
    let out2 = tmp.path().join("o2");
    assert!(sweep(&f, &out2, &[]).status.success());
    assert!(merge(&out2).status.success());
    let csv = std::fs::read_to_string(out2.join("results.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "index,seed,tag,x,v_0,v_1,y");
    assert!(
        rows[1].starts_with("0,") && rows[1].contains(",a,1,1,2,2.0"),
        "{csv}"
    );
    assert!(rows[2].contains(",a,2,2,3,4.0"), "{csv}");
    assert!(rows[3].contains(",b,1,"), "{csv}");
    // Editing the script and reusing the folder is refused.
    let o = sweep(&f, &out, &[]);
    assert!(text(&o).contains("another script"), "{}", text(&o));
}

#[test]
fn bad_sweep_scripts_are_refused_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("fn point(p) { #{} }", "needs `let grid"),
        ("let grid = #{ x: [1] };", "needs `fn point(p)"),
        (
            "let grid = #{ x: [] }; fn point(p) { #{} }",
            "grid.x is empty",
        ),
        (
            "let grid = #{ x: 3 }; fn point(p) { #{} }",
            "must be an array",
        ),
        (
            "let grid = #{ x: [1] }; let base_seed = -1; fn point(p) { #{} }",
            "base_seed",
        ),
        (
            "let grid = #{ x: [1] }; fn point(p) { #{ m: #{} } }",
            "must return a map of numbers",
        ),
    ];
    for (k, (src, want)) in cases.iter().enumerate() {
        let f = tmp.path().join(format!("s{k}.rhai"));
        std::fs::write(&f, src).unwrap();
        let o = sweep(&f, &tmp.path().join(format!("o{k}")), &[]);
        assert!(!o.status.success(), "{src}");
        assert!(text(&o).contains(want), "{src}: {}", text(&o));
    }
    let o = sweep(&script(), &tmp.path().join("x"), &["--shard", "4/4"]);
    assert!(text(&o).contains("I/N with 0 <= I < N"), "{}", text(&o));
    let o = bin()
        .args(["sweep", "merge"])
        .arg(tmp.path().join("nothing"))
        .output()
        .unwrap();
    assert!(text(&o).contains("no sweep here"), "{}", text(&o));
}

#[test]
fn slurm_scripts_are_written_for_an_array_and_a_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    let o = bin()
        .args(["sweep", "slurm"])
        .arg(script())
        .arg("--out")
        .arg(&out)
        .args([
            "--tasks",
            "4",
            "--cpus-per-task",
            "2",
            "--time",
            "0:10:00",
            "--mem",
            "2G",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let sb = std::fs::read_to_string(out.join("sweep.sbatch")).unwrap();
    assert!(sb.contains("#SBATCH --array=0-3"), "{sb}");
    assert!(sb.contains("#SBATCH --cpus-per-task=2"), "{sb}");
    assert!(
        sb.contains("#SBATCH --time=0:10:00") && sb.contains("#SBATCH --mem=2G"),
        "{sb}"
    );
    assert!(sb.contains("--shard \"${SLURM_ARRAY_TASK_ID}/4\""), "{sb}");
    assert!(
        sb.contains("--threads \"${SLURM_CPUS_PER_TASK:-1}\""),
        "{sb}"
    );
    let mb = std::fs::read_to_string(out.join("merge.sbatch")).unwrap();
    assert!(mb.contains("sweep merge"), "{mb}");
    // A script that is not a sweep is an error before anything is written or submitted.
    let f = tmp.path().join("plain.rhai");
    std::fs::write(&f, "print(1);").unwrap();
    let o = bin()
        .args(["sweep", "slurm"])
        .arg(&f)
        .arg("--out")
        .arg(tmp.path().join("p"))
        .args(["--tasks", "2", "--submit"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("needs `let grid"), "{}", text(&o));
    assert!(!tmp.path().join("p").join("sweep.sbatch").exists());
}

#[test]
fn the_paper_sweep_forms_run_in_quick_mode() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["fig4_persistence", "fig6_lif_peaks", "izh_rs_fs_steps"] {
        let f = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scripts/sweeps/{name}.rhai"));
        let out = tmp.path().join(name);
        // One shard of six, quick: every script loads, its grid and seeds are valid and its
        // points return well-formed results.
        let o = sweep(&f, &out, &["--shard", "0/6", "--quick"]);
        assert!(o.status.success(), "{name}: {}", text(&o));
        let (recs, bad) = ssnlab::sweep::read_records(&out.join("shard-0-of-6.jsonl"));
        assert_eq!(bad, 0);
        assert!(recs.len() >= 2 && recs.iter().all(|r| r.ok()), "{name}");
        for r in &recs {
            assert_eq!(r.json["result"]["status"], "finished", "{name}: {}", r.json);
        }
    }
}
