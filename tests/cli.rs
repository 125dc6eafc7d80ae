//! Integration tests that drive the real `ssnlab` binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ssnlab"))
}

fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ssnlab");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn script_sees_args_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("args.rhai");
    std::fs::write(&f, "print(`n=${ARGS.len()} first=${ARGS[0]} second=${ARGS[1]}`);\nprint(sum(linspace(0, 1, 5)));\n").unwrap();
    let out = bin()
        .arg("run")
        .arg(&f)
        .args(["--quick", "7"])
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", s(&out.stderr));
    let o = s(&out.stdout);
    assert!(o.contains("n=2 first=--quick second=7"), "{o}");
    assert!(o.contains("2.5"), "{o}");
}

#[test]
fn runtime_error_shows_file_line_column_and_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.rhai");
    std::fs::write(
        &f,
        "let a = 1;\nlet b = 2;\nlet xs =   linspace(0, 1, -3);\n",
    )
    .unwrap();
    let out = bin().arg("run").arg(&f).output().unwrap();
    assert!(!out.status.success());
    let e = s(&out.stderr);
    assert!(e.contains("bad.rhai:3:12"), "{e}");
    assert!(
        e.contains("linspace") && e.contains("`n`") && e.contains("-3"),
        "{e}"
    );
}

#[test]
fn error_inside_script_function_points_at_inner_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("inner.rhai");
    std::fs::write(&f, "fn f(a) {\n  a + linspace(0, \"x\", 3)\n}\nf(1);\n").unwrap();
    let out = bin().arg("run").arg(&f).output().unwrap();
    let e = s(&out.stderr);
    assert!(e.contains("inner.rhai:2:"), "{e}");
    assert!(e.contains("in call to function `f`"), "{e}");
}

#[test]
fn check_reports_syntax_error_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("broken.rhai");
    std::fs::write(&f, "let x = 1;\nlet y = (2 + 3));\n").unwrap();
    let out = bin().arg("check").arg(&f).output().unwrap();
    assert!(!out.status.success());
    let e = s(&out.stderr);
    assert!(e.contains("broken.rhai:2:16"), "{e}");
    let good = dir.path().join("good.rhai");
    std::fs::write(&good, "let x = 1;\n").unwrap();
    let out = bin().arg("check").arg(&good).output().unwrap();
    assert!(out.status.success());
}

#[test]
fn repl_over_pipe_multiline_help_and_recovery() {
    let input = "fn twice(x) {\n  x * 2\n}\nlet v = [1,\n 2,\n 3];\ntwice(v.len())\nhelp(\"linspace\")\nlet bad = linspace(0, 1, -1);\nlet ok = 41 + 1;\nok\n:vars\n";
    let out = run_with_stdin(&["--no-history"], input);
    assert!(out.status.success());
    let o = s(&out.stdout);
    let e = s(&out.stderr);
    assert!(o.lines().any(|l| l.trim() == "6"), "stdout: {o}");
    assert!(o.contains("evenly spaced"), "stdout: {o}");
    assert!(e.contains("<repl>:1:") && e.contains("`n`"), "stderr: {e}");
    assert!(o.lines().any(|l| l.trim() == "42"), "stdout: {o}");
    assert!(
        o.lines().any(|l| l.starts_with("ok ") && l.contains("42")),
        ":vars lists ok: {o}"
    );
    assert!(!o.contains("ssnlab>"), "no prompt noise on a pipe: {o}");
}

#[test]
fn repl_reports_unknown_command_and_continues() {
    let out = run_with_stdin(&["--no-history"], ":nope\n1 + 1\n:quit\n3 + 3\n");
    assert!(s(&out.stderr).contains("unknown command"));
    let o = s(&out.stdout);
    assert!(o.contains('2') && !o.contains('6'), "{o}");
}

#[test]
fn doc_name_prints_doc_comment_and_index_lists_everything() {
    let out = bin().args(["doc", "linspace"]).output().unwrap();
    assert!(out.status.success());
    let o = s(&out.stdout);
    assert!(
        o.contains("linspace(start: number, stop: number, n: int)"),
        "{o}"
    );
    assert!(o.contains("evenly spaced") && o.contains("```rhai"), "{o}");
    let idx = s(&bin().arg("doc").output().unwrap().stdout);
    assert!(idx.contains("units") && idx.contains("linspace") && idx.contains("import \"cli\""));
    let units = s(&bin().args(["doc", "units"]).output().unwrap().stdout);
    assert!(units.contains("mV/s") && units.contains("ms"));
    let missing = bin().args(["doc", "no_such_thing"]).output().unwrap();
    assert!(!missing.status.success());
}

#[test]
fn stdlib_import_and_local_module_shadowing() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("imp.rhai");
    std::fs::write(&f, "import \"cli\" as cli;\nimport \"mine\" as m;\nprint(cli::option(ARGS, \"--out\", \"none\"));\nprint(m::hello());\n").unwrap();
    std::fs::write(
        dir.path().join("mine.rhai"),
        "fn hello() { \"local module\" }\n",
    )
    .unwrap();
    let out = bin()
        .arg("run")
        .arg(&f)
        .args(["--out", "figs"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", s(&out.stderr));
    let o = s(&out.stdout);
    assert!(o.contains("figs") && o.contains("local module"), "{o}");
    // A local cli.rhai shadows the embedded one.
    std::fs::write(
        dir.path().join("cli.rhai"),
        "fn option(a, b, c) { \"shadowed\" }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("mine.rhai"), "fn hello() { 1 }\n").unwrap();
    let out = bin().arg("run").arg(&f).output().unwrap();
    assert!(s(&out.stdout).contains("shadowed"));
}

#[test]
fn missing_module_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m.rhai");
    std::fs::write(&f, "import \"nosuch\" as x;\n").unwrap();
    let out = bin().arg("run").arg(&f).output().unwrap();
    assert!(!out.status.success());
    assert!(s(&out.stderr).contains("nosuch"));
}

/// Resource guards from the command line (issue 18 and 19): `--max-memory` makes a large
/// allocation a clear error naming the estimate and the limit, `--max-ops` stops a runaway
/// script, and `--threads` / `SSNLAB_THREADS` / `SLURM_CPUS_PER_TASK` set the engine threads.
#[test]
fn memory_ops_and_thread_limits_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.rhai");
    std::fs::write(
        &f,
        "let g = sonet(#{ N: 3000, p: 0.1 }).sample(1);\nprint(g.edges);\n",
    )
    .unwrap();
    let t0 = std::time::Instant::now();
    let out = bin()
        .args(["--max-memory", "1M", "run"])
        .arg(&f)
        .output()
        .unwrap();
    let err = s(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("9 MB") && err.contains("1 MB") && err.contains("--max-memory"),
        "{err}"
    );
    assert!(t0.elapsed().as_secs_f64() < 5.0);
    let out = bin()
        .args(["--max-memory", "lots", "run"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(!out.status.success() && s(&out.stderr).contains("max_memory"));

    let f = dir.path().join("loop.rhai");
    std::fs::write(&f, "let x = 0;\nloop { x += 1; }\n").unwrap();
    let out = bin()
        .args(["--max-ops", "10000", "run"])
        .arg(&f)
        .output()
        .unwrap();
    let err = s(&out.stderr);
    assert!(
        !out.status.success() && err.to_lowercase().contains("operations"),
        "{err}"
    );

    let f = dir.path().join("threads.rhai");
    std::fs::write(
        &f,
        "let n = lif_network(paper_network(\"fig2\"));\nprint(n.run(#{ mu: 19, duration: 20, transient: 0, progress: false }).threads);\n",
    )
    .unwrap();
    let threads = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = bin();
        c.env_remove("SSNLAB_THREADS")
            .env_remove("SLURM_CPUS_PER_TASK");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.args(args).arg("run").arg(&f).output().unwrap();
        assert!(out.status.success(), "{}", s(&out.stderr));
        s(&out.stdout).trim().to_string()
    };
    assert_eq!(threads(&["--threads", "1"], &[]), "1");
    assert_eq!(threads(&[], &[("SSNLAB_THREADS", "1")]), "1");
    assert_eq!(threads(&[], &[("SLURM_CPUS_PER_TASK", "1")]), "1");
    // The flag wins over the environment.
    assert_eq!(
        threads(&["--threads", "1"], &[("SSNLAB_THREADS", "3")]),
        "1"
    );
}

/// `--sandbox`: reads only below the script's folder, --allow-read folders and the output
/// folder; writes only below the output folder; `..`, symbolic links and imports cannot
/// escape; each refusal names the path and the rule (issue 18).
#[test]
fn sandbox_confines_reads_writes_and_imports() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    for d in ["scripts", "data", "secret"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::write(r.join("data/d.csv"), "a,b\n1,2\n").unwrap();
    std::fs::write(r.join("secret/s.csv"), "a\n1\n").unwrap();
    std::fs::write(r.join("secret/m.rhai"), "fn f() { 1 }\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(r.join("secret"), r.join("scripts/link")).unwrap();
    let script = r#"
fn t(name, f) { try { f.call(); print(`${name}: ok`); } catch(e) { print(`${name}: ${e}`); } }
t("data", || read_csv(`${ARGS[0]}/data/d.csv`));
t("dotdot", || read_csv(`${ARGS[0]}/scripts/../secret/s.csv`));
t("link", || read_csv(`${ARGS[0]}/scripts/link/s.csv`));
t("write_out", || write_csv(`${ARGS[0]}/out/x.csv`, #{ a: [1] }, #{}));
t("write_tmp", || write_csv(`${tmp_dir()}/y.csv`, #{ a: [1] }, #{ overwrite: true }));
t("write_outside", || write_csv(`${ARGS[0]}/secret/x.csv`, #{ a: [1] }, #{}));
t("write_escape", || write_csv(`${ARGS[0]}/out/../secret/y.csv`, #{ a: [1] }, #{}));
t("import", || { import "../secret/m" as m; m::f() });
"#;
    std::fs::write(r.join("scripts/s.rhai"), script).unwrap();
    let root_s = r.display().to_string();
    let out = bin()
        .args(["run", "--sandbox", "--allow-read"])
        .arg(r.join("data"))
        .arg("--write-root")
        .arg(r.join("out"))
        .arg(r.join("scripts/s.rhai"))
        .arg(&root_s)
        .output()
        .unwrap();
    let text = s(&out.stdout);
    let line = |k: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{k}:")))
            .unwrap_or_else(|| panic!("no {k} in {text}\n{}", s(&out.stderr)))
            .to_string()
    };
    assert_eq!(line("data"), "data: ok");
    assert_eq!(line("write_out"), "write_out: ok");
    assert_eq!(line("write_tmp"), "write_tmp: ok");
    for k in ["dotdot", "link", "write_outside", "write_escape", "import"] {
        let l = line(k);
        assert!(l.contains("sandbox"), "{l}");
    }
    assert!(line("dotdot").contains("read only below"));
    assert!(line("write_outside").contains("write only below"));
    assert!(!r.join("secret/x.csv").exists() && !r.join("secret/y.csv").exists());
    // Without --sandbox the same script reads everything (the default policy).
    let out = bin()
        .arg("run")
        .arg(r.join("scripts/s.rhai"))
        .arg(&root_s)
        .output()
        .unwrap();
    assert!(s(&out.stdout).contains("dotdot: ok"), "{}", s(&out.stdout));
}

/// `ssnlab check` resolves imports: a cycle and a missing module fail with line:col (issue
/// 18: both used to be "ok"), while every shipped script checks clean.
#[test]
fn check_reports_import_cycles_and_missing_modules() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.rhai"), "import \"b\" as b;\nfn f() { 1 }\n").unwrap();
    std::fs::write(d.join("b.rhai"), "import \"a\" as a;\nfn g() { 2 }\n").unwrap();
    std::fs::write(d.join("c.rhai"), "let x = 1;\nimport \"nonexist\" as n;\n").unwrap();
    let out = bin().arg("check").arg(d.join("a.rhai")).output().unwrap();
    let err = s(&out.stderr);
    assert!(
        !out.status.success() && err.contains("import cycle") && err.contains(":1:8"),
        "{err}"
    );
    let out = bin().arg("check").arg(d.join("c.rhai")).output().unwrap();
    let err = s(&out.stderr);
    assert!(
        !out.status.success() && err.contains("nonexist") && err.contains(":2:8"),
        "{err}"
    );
    let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts"));
    for dir in [root.clone(), root.join("sweeps")] {
        for f in std::fs::read_dir(&dir).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_none_or(|e| e != "rhai") {
                continue;
            }
            let out = bin().arg("check").arg(&p).output().unwrap();
            assert!(out.status.success(), "{}: {}", p.display(), s(&out.stderr));
        }
    }
}

#[test]
fn repl_first_words_imports_suggestions_and_long_values() {
    let input = "import \"cli\" as cli;\nlet d = [\"--quick\"];\ncli::flag(d, \"--quick\")\nhelp\nhelp(linspace)\npaper_netwrok(\"fig2\")\nlet big = linspace(0, 1, 1000000);\nbig\nexit\n1 + 1\n";
    let out = run_with_stdin(&["--no-history"], input);
    assert!(out.status.success());
    let o = s(&out.stdout);
    let e = s(&out.stderr);
    // imports persist for the session
    assert!(!e.contains("Module not found"), "stderr: {e}");
    assert!(o.lines().any(|l| l.trim() == "true"), "stdout: {o}");
    // help, help(NAME) work as words; exit ends the session (1 + 1 never runs)
    assert!(o.contains("REPL commands"), "stdout: {o}");
    assert!(o.contains("evenly spaced"), "stdout: {o}");
    assert!(
        !o.lines().any(|l| l.trim() == "2"),
        "exit did not end the session: {o}"
    );
    // did you mean, without Rhai's internal type names
    assert!(
        e.contains("did you mean") && e.contains("`paper_network`"),
        "stderr: {e}"
    );
    assert!(!e.contains("ImmutableString"), "stderr: {e}");
    // a million numbers print as shape, head and tail
    assert!(o.contains("array [1000000]: [0.0, "), "stdout: {o}");
    let arr = o.lines().find(|l| l.starts_with("array [")).unwrap();
    assert!(arr.len() < 200, "{arr}");
}

#[test]
fn unknown_option_keys_suggest_the_closest() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("typo.rhai");
    std::fs::write(
        &f,
        "let n = lif_network(paper_network(\"fig2\"));\nn.run(#{ mu: 19, durration: 10 });\n",
    )
    .unwrap();
    let out = bin().arg("run").arg(&f).output().unwrap();
    let e = s(&out.stderr);
    assert!(
        e.contains("unknown option `durration` (did you mean `duration`?)"),
        "{e}"
    );
}

#[test]
fn paper_scripts_reject_unknown_flags_and_missing_values() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/fig5_regime_maps.rhai");
    let out = bin().args(["run", script, "--qiuck"]).output().unwrap();
    assert!(!out.status.success());
    let e = s(&out.stderr);
    assert!(
        e.contains("unknown argument --qiuck (did you mean --quick?)"),
        "{e}"
    );
    let out = bin()
        .args(["run", script, "--quick", "--out"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        s(&out.stderr).contains("--out needs a value"),
        "{}",
        s(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["run", script, "--quick", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", s(&out.stderr));
    let o = s(&out.stdout);
    assert!(
        o.starts_with("fig5_regime_maps: quick mode; output in "),
        "{o}"
    );
}

#[test]
fn check_resolves_function_and_method_names() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("typos.rhai");
    std::fs::write(
        &f,
        "let n = lif_network(paper_netwrok(\"fig2\"));\nlet r = n.rnu(#{ mu: 19 });\nlet g = |x| x * 2;\nprint(g(1));\n",
    )
    .unwrap();
    let out = bin().arg("check").arg(&f).output().unwrap();
    assert!(!out.status.success());
    let e = s(&out.stderr);
    assert!(
        e.contains("typos.rhai:1:21: unknown function `paper_netwrok`"),
        "{e}"
    );
    assert!(
        e.contains("typos.rhai:2:11: unknown method `rnu`; did you mean `run`?"),
        "{e}"
    );
    assert!(
        !e.contains("`g`"),
        "a closure variable is not a missing function: {e}"
    );
}
