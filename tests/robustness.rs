//! Adversarial inputs that used to give wrong numbers, crash or exhaust memory (issue 18), and
//! the time-course contract (issue 17): each must give the right value, a clear error, or a
//! result whose status says what happened.

use rhai::{Dynamic, Engine, Map};

fn engine() -> Engine {
    ssnlab::script::build_engine_in(None).0
}

fn eval(src: &str) -> Dynamic {
    engine()
        .eval::<Dynamic>(src)
        .unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn f64_of(src: &str) -> f64 {
    eval(src)
        .as_float()
        .unwrap_or_else(|_| panic!("{src}: not a float"))
}

fn err_of(src: &str) -> String {
    match engine().eval::<Dynamic>(src) {
        Ok(v) => panic!("{src}: expected an error, got {v}"),
        Err(e) => e.to_string(),
    }
}

/// A peak is an interior maximum or nothing: a rate still rising (r = 0.05, where
/// supersaturation is impossible by Eq 4) or an interval that ends before/after the maximum
/// has none; the Fig 2 peak itself is found with dν/dμ = 0 (ν_E above both neighbours).
#[test]
fn peak_is_an_interior_maximum_or_nothing() {
    let net = "let n = paper_network(\"fig2\").to_ssn();";
    for call in [
        "n.peak(0.05, 0, 50)",
        "n.peak(1, 0, 10)",
        "n.peak(1, 20, 20.5)",
        "n.response(#{ mu: [0, 10, 101], r: 1 }).peak",
        "n.response(#{ mu: [20, 50, 101], r: 1 }).peak",
    ] {
        assert!(
            eval(&format!("{net} {call}")).is_unit(),
            "{call} should be ()"
        );
    }
    let p = eval(&format!("{net} n.peak(1, 0, 50)")).cast::<Map>();
    let mu = p["mu"].as_float().unwrap();
    let nu = p["nu_e"].as_float().unwrap();
    assert!(
        (mu - 17.65).abs() < 0.05 && (nu - 2.472).abs() < 0.005,
        "{p:?}"
    );
    for d in [-0.05, 0.05] {
        let side = f64_of(&format!(
            "{net} let s = n.steady_states({}, 1); let lo = 1e9; for x in s {{ if x.stable && x.nu[0] < lo {{ lo = x.nu[0]; }} }} lo",
            mu + d
        ));
        assert!(side <= nu + 1e-12, "nu_e({}) = {side} > peak {nu}", mu + d);
    }
}

/// Φ, log Φ and dΦ/dμ over the whole double range of μ and σ: finite and non-negative (log Φ
/// finite), with the right limits: 0 far below threshold, the deterministic rate far above it
/// (1/(τ ln(1 + θ/(μτ − θ))) ≈ μ/θ for t_ref = 0, 1/t_ref otherwise).
#[test]
fn transfer_function_over_the_whole_double_range() {
    let mus = [
        -1e300, -1e20, -1e10, -1e6, -1e3, -1.0, 0.0, 1e-300, 50.0, 1e3, 1e6, 1e10, 1e20, 1e300,
    ];
    let sigmas = [0.0, 1e-300, 1e-10, 1e-3, 3.0, 1e3, 1e10, 1e300];
    let lif = ssnlab::neuron::Lif::default();
    for &mu in &mus {
        for &s in &sigmas {
            let r = lif.rate(mu, s).unwrap();
            assert!(r.is_finite() && r >= 0.0, "rate({mu}, {s}) = {r}");
            let d = lif.rate_deriv(mu, s).unwrap();
            assert!(d.is_finite() && d >= 0.0, "rate_deriv({mu}, {s}) = {d}");
            if s > 0.0 {
                let l = lif.log_rate(mu, s).unwrap();
                assert!(l.is_finite(), "log_rate({mu}, {s}) = {l}");
                if r > 1e-300 {
                    assert!(
                        (l - r.ln()).abs() < 1e-9 * (1.0 + l.abs()),
                        "log_rate({mu}, {s})"
                    );
                }
            }
        }
    }
    assert_eq!(lif.rate(-1e20, 3.0).unwrap(), 0.0);
    assert!(lif.log_rate(-1e20, 3.0).unwrap() < -1e36);
    // μ = 1e20 mV/s: V_∞ = 2e18 mV, interval τ ln(1 + 1/(2e18 − 1)) = 1e-20 s.
    for s in [0.0, 3.0] {
        let r = lif.rate(1e20, s).unwrap();
        assert!((r / 1e20 - 1.0).abs() < 1e-9, "rate(1e20, {s}) = {r}");
    }
    let refr = ssnlab::neuron::Lif::new(20.0, 1.0, 0.0, 2.0).unwrap();
    assert!((refr.rate(1e20, 3.0).unwrap() - 500.0).abs() < 1e-9);
    // No jump where the far-subthreshold asymptotic takes over (b = 1e6 at σ = 3, τ = 20 ms:
    // μ = (θ − 1e6 σ √τ)/τ); its relative error there is O(b⁻²) = 1e-12.
    let sd = 3.0 * 0.02f64.sqrt();
    let mu_switch = (1.0 - 1e6 * sd) / 0.02;
    let (l1, l2) = (
        lif.log_rate(mu_switch * (1.0 - 1e-12), 3.0).unwrap(),
        lif.log_rate(mu_switch * (1.0 + 1e-12), 3.0).unwrap(),
    );
    assert!((l1 - l2).abs() < 1e-9 * l1.abs(), "{l1} vs {l2}");
    // ... nor where the huge-noise midpoint rule takes over (w = 1e-6).
    let s_switch = 1.0 / (1e-6 * 0.02f64.sqrt());
    let (r1, r2) = (
        lif.rate(20.0, s_switch * (1.0 - 1e-9)).unwrap(),
        lif.rate(20.0, s_switch * (1.0 + 1e-9)).unwrap(),
    );
    assert!((r1 / r2 - 1.0).abs() < 1e-7, "{r1} vs {r2}");
}

/// NaN propagates through min_of / max_of (as numpy's min and max do).
#[test]
fn nan_propagates_through_reductions() {
    assert!(f64_of("min_of([0.0 / 0.0, 1.0])").is_nan());
    assert!(f64_of("max_of([1.0, 0.0 / 0.0])").is_nan());
    assert!(f64_of("min_of([0.0 / 0.0, 0.0 / 0.0])").is_nan());
    assert_eq!(f64_of("min_of([3, 1.5, 2])"), 1.5);
    assert!(err_of("min_of([])").contains("empty"));
}

/// Duplicate or missing column names and empty files are errors; blank numeric cells are NaN.
#[test]
fn read_csv_rejects_ambiguous_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str, text: &str| {
        let f = dir.path().join(name);
        std::fs::write(&f, text).unwrap();
        f.display().to_string()
    };
    let dup = p("dup.csv", "a,a\n1,2\n");
    assert!(err_of(&format!("read_csv({dup:?})")).contains("duplicate column name"));
    let empty = p("empty.csv", "");
    assert!(err_of(&format!("read_csv({empty:?})")).contains("empty file"));
    let blank = p("blank.csv", "t,x\n0,1\n1,\n2,3\n");
    let m = eval(&format!("read_csv({blank:?})")).cast::<Map>();
    let x: Vec<f64> = m["x"]
        .clone()
        .into_array()
        .unwrap()
        .iter()
        .map(|v| v.as_float().unwrap())
        .collect();
    assert_eq!(x[0], 1.0);
    assert!(x[1].is_nan());
    assert_eq!(x[2], 3.0);
}

/// One validation for every run-like call: an empty measurement window and a negative
/// max_rate are errors naming the parameter.
#[test]
fn run_options_are_validated() {
    let sim = "let sim = lif_network(paper_network(\"fig2\"));";
    let e = err_of(&format!(
        "{sim} sim.run(#{{ mu: 19, duration: 100, transient: 100 }})"
    ));
    assert!(e.contains("transient") && e.contains("100"), "{e}");
    let e = err_of(&format!(
        "{sim} sim.run(#{{ mu: 19, duration: 100, max_rate: -5 }})"
    ));
    assert!(e.contains("max_rate") && e.contains("-5"), "{e}");
    let izh = "let mf = izh_mean_field(#{ populations: [\"RS\"], J: [[1]], I: [60] });";
    let e = err_of(&format!(
        "{izh} mf.run(#{{ N: 50, duration: 20, transient: 30 }})"
    ));
    assert!(e.contains("transient"), "{e}");
    let e = err_of(&format!(
        "{izh} mf.run(#{{ N: 50, duration: 20, sparse: 0.5, graph_seed: 3 }})"
    ));
    assert!(e.contains("renamed `conn_seed`"), "{e}");
}

/// Import cycles are errors naming the cycle (they used to overflow the stack and abort).
#[test]
fn import_cycles_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("selfimp.rhai"),
        "import \"selfimp\" as s;\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.rhai"),
        "import \"b\" as b;\nfn f() { 1 }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.rhai"),
        "import \"a\" as a;\nfn g() { 2 }\n",
    )
    .unwrap();
    let (engine, _) = ssnlab::script::build_engine_in(Some(dir.path()));
    for (src, names) in [
        ("import \"selfimp\" as s;", vec!["selfimp.rhai"]),
        ("import \"a\" as a;", vec!["a.rhai", "b.rhai"]),
    ] {
        let e = engine.run(src).unwrap_err().to_string();
        assert!(e.contains("import cycle"), "{e}");
        for n in names {
            assert!(e.contains(n), "{e} should name {n}");
        }
    }
}

/// Rhai's own allocations are bounded: a billion-element array is an error, not an abort.
#[test]
fn script_allocations_are_bounded() {
    let e = err_of("let a = []; a.pad(1000000000, 0); a.len()");
    assert!(e.to_lowercase().contains("too large"), "{e}");
    let e = err_of("let s = \"ab\"; for i in 0..40 { s += s; } s.len()");
    assert!(
        e.to_lowercase().contains("too large") || e.contains("length"),
        "{e}"
    );
}

/// Every time course reads the same way; runaway dynamics give status "diverged" (rates NaN,
/// t_end before the end), never an error and never a silent truncation.
#[test]
fn time_courses_share_one_contract() {
    let cases = [
        (
            "paper_network(\"fig2\").to_ssn().simulate(#{ mu: 20, duration: 200 })",
            "finished",
        ),
        (
            "paper_network(\"fig2\").to_ssn().simulate(#{ mu: 20, duration: 200, cap: 1.0 })",
            "diverged",
        ),
        (
            "izh_mean_field(#{ populations: [\"RS\"], J: [[1]], I: [60] }).simulate(#{ duration: 100 })",
            "finished",
        ),
        (
            "izh_mean_field(#{ populations: [\"RS\"], J: [[1]], I: [60] }).run(#{ N: 100, duration: 20, dt: 0.005, transient: 5 })",
            "finished",
        ),
        (
            "motif_gaussian(#{ N: 500, J: -1.0, sigma: 0.3, kappa_c: 1.0, kappa_d: 1.5 }).mean_field(#{ I: 1.0 }).simulate(#{ duration: 20 })",
            "finished",
        ),
        (
            "motif_gaussian(#{ N: 200, J: 3.0 }).mean_field(#{ I: 1.0 }).simulate(#{ duration: 200 })",
            "diverged",
        ),
        (
            "motif_gaussian(#{ N: 200, J: -1.0, sigma: 0.3 }).sample(1).simulate(#{ I: 1.0, duration: 20 })",
            "finished",
        ),
        (
            "motif_gaussian(#{ N: 200, J: 3.0 }).sample(1).simulate(#{ I: 1.0, duration: 200 })",
            "diverged",
        ),
    ];
    for (call, status) in cases {
        let m = eval(&format!("let tc = {call}; tc.to_map()")).cast::<Map>();
        assert_eq!(m["status"].clone().into_string().unwrap(), status, "{call}");
        let t = m["t"].clone().into_array().unwrap();
        let pr = m["pop_rates"].clone().into_array().unwrap();
        let names = m["names"].clone().into_array().unwrap();
        let rates = m["rates"].clone().into_array().unwrap();
        assert_eq!(pr.len(), names.len(), "{call}");
        assert_eq!(rates.len(), names.len(), "{call}");
        for row in &pr {
            assert_eq!(row.clone().into_array().unwrap().len(), t.len(), "{call}");
        }
        let t_end = m["t_end"].as_float().unwrap();
        let rates: Vec<f64> = rates.iter().map(|v| v.as_float().unwrap()).collect();
        if status == "finished" {
            assert!(
                rates.iter().all(|r| r.is_finite() && *r >= 0.0),
                "{call}: {rates:?}"
            );
        } else {
            assert!(rates.iter().all(|r| r.is_nan()), "{call}: {rates:?}");
            // every diverging case here runs for 200 time units and blows up well before
            assert!(t_end > 0.0 && t_end < 200.0, "{call}: t_end = {t_end}");
        }
    }
    // Files: CSV columns and JSON status.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("tc.csv").display().to_string();
    let json = dir.path().join("tc.json").display().to_string();
    let _ = eval(&format!(
        "let tc = izh_mean_field(#{{ populations: [\"RS\"], J: [[1]], I: [60] }}).simulate(#{{ duration: 50 }}); tc.to_csv({csv:?}); tc.to_json({json:?}); tc.plot({:?});",
        dir.path().join("tc.png").display().to_string()
    ));
    let head = std::fs::read_to_string(&csv).unwrap();
    assert!(head.starts_with("t_ms,rate_RS_hz,v_RS,u_RS"), "{head}");
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(j["status"], "finished");
    assert!(dir.path().join("tc.png").exists());
    // An unknown member names the ones the result has.
    let e = err_of("paper_network(\"fig2\").to_ssn().simulate(#{ mu: 20, duration: 10 }).nu");
    assert!(e.contains("pop_rates"), "{e}");
}

/// A truncated continuation says so and why; a limit cycle has no steady state.
#[test]
fn izhikevich_truncation_and_limit_cycles_are_reported() {
    let m = eval(
        "izh_mean_field(#{ populations: [\"RS\"], J: [[1]], I: [60] }).continuation(#{ range: [0, 100], step: 1e-6, max_points: 200 })",
    )
    .cast::<Map>();
    assert!(!m["complete"].as_bool().unwrap());
    assert!(
        m["stop_reason"]
            .clone()
            .into_string()
            .unwrap()
            .contains("max_points")
    );
    let full = eval(
        "izh_mean_field(#{ populations: [\"RS\"], J: [[1]], I: [60] }).continuation(#{ range: [0, 100] })",
    )
    .cast::<Map>();
    assert!(full["complete"].as_bool().unwrap(), "{full:?}");
    assert!(err_of("izh_mean_field(#{ populations: [\"RS\"], J: [[1]], I: [60] }).continuation(#{ range: [0, 100], max_points: 1e12 })").contains("max_points"));
    // The FS population at 120 pA (Δ = 0.5) oscillates at ~60 Hz: no steady state.
    let fs = "let p = izh_population(#{ type: \"FS\", delta: 0.5, d: 0, g_gaba: 15, tau_gaba: 6 }); izh_mean_field(#{ populations: [p], J: [[1.0]], I: [120] })";
    assert!(eval(&format!("{fs}.steady_state()")).is_unit());
    // Below the Hopf onset the same population settles.
    let low = fs.replace("I: [120]", "I: [20]");
    assert!(eval(&format!("{low}.steady_state()")).is_map());
}

/// A connection given only `p` is fixed in-degree K = round(p N), as documented (issue 18:
/// it used to become pairwise Bernoulli, 3 197 832 synapses instead of 3 200 000), and
/// printing the network names the rule of every projection.
#[test]
fn connection_with_only_p_is_fixed_indegree() {
    let src = r#"
        let sim = lif_network(#{
            populations: [#{ name: "E", N: 400 }, #{ name: "I", N: 100, type: "I" }],
            connections: [#{ from: "E", to: "E", p: 0.2, j: 0.01 }, #{ from: "I", to: "E", p: 0.2, j: 0.01 },
                          #{ from: "E", to: "I", p: 0.2, j: 0.01 },
                          #{ from: "I", to: "I", p: 0.2, j: 0.01, rule: "pairwise_bernoulli" }],
        });
        let res = sim.run(#{ mu: [10, 10], duration: 5, transient: 0, progress: false });
        [res.synapses, `${sim}`]
    "#;
    let out = eval(src).into_array().unwrap();
    let n_syn = out[0].as_int().unwrap();
    let text = out[1].clone().into_string().unwrap();
    // E->E 400*80, I->E 400*20, E->I 100*80 exactly; I->I Bernoulli around 100*20 = 2000.
    let fixed = 400 * 80 + 400 * 20 + 100 * 80;
    let bern = n_syn - fixed;
    assert!((1800..2200).contains(&bern), "{n_syn} synapses; {text}");
    assert_eq!(text.matches("fixed_indegree K = ").count(), 3, "{text}");
    assert_eq!(
        text.matches("pairwise_bernoulli p = 0.2").count(),
        1,
        "{text}"
    );
}

/// Messages that used to mislead (issue 18): negative rates are named as such, an infeasible
/// design target is named by population and index the same way wherever it is, a J that does
/// not match `f` says so (not "types"), and a figure with nothing drawable is an error.
#[test]
fn misleading_messages_now_name_the_problem() {
    let e = err_of("fit_power_law([1.0, 2, 3, 4, 5, 6], [-1.0, -2, -3, -4, -5, -6])");
    assert!(e.contains("nu[0]") && e.contains(">= 0 Hz"), "{e}");
    let d = "let n = paper_network(\"fig2\").to_ssn();";
    let a = err_of(&format!("{d} n.design_inputs([2, 0], [1, 1])"));
    let b = err_of(&format!("{d} n.design_inputs([0, 2], [1, 1])"));
    assert!(
        a.contains("`nu_e[1]`") && a.contains("population E at index 1"),
        "{a}"
    );
    assert!(
        b.contains("`nu_e[0]`") && b.contains("population E at index 0"),
        "{b}"
    );
    let e = err_of("ssn(#{ f: [lif().fit_power_law(3)], J: [[1.0, 2.0], [3.0, 4.0]] })");
    assert!(
        e.contains("2x2") && e.contains("1 transfer function"),
        "{e}"
    );
    let dir = std::env::temp_dir().join(format!("ssnlab_blank_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("blank.png");
    let e = err_of(&format!(
        "let p = plot(#{{ log_y: true }}); p.line([1.0, 2.0], [0.0, -1.0]); p.save(\"{}\")",
        f.display()
    ));
    assert!(
        e.contains("nothing drawable") && e.contains("log axis"),
        "{e}"
    );
    let e = err_of(&format!(
        "let p = plot(#{{}}); p.line([1.0, 2.0], [0.0 / 0.0, 0.0 / 0.0]); p.save(\"{}\")",
        f.display()
    ));
    assert!(e.contains("NaN"), "{e}");
    assert!(!f.exists(), "no blank file is written");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Connectivity of an absurd network is refused before any allocation, whoever asks for it
/// (issue 18: `network_params(#{N: [1e9, 1e9]})` printed 6.4e17 synapses, then aborted).
#[test]
fn absurd_connectivity_is_refused_up_front() {
    let t0 = std::time::Instant::now();
    let e = err_of("lif_network(network_params(#{N: [1e9, 1e9]})).connectivity(1)");
    assert!(e.contains("memory limit") && e.contains("synapses"), "{e}");
    let e = err_of(
        "lif_network(network_params(#{N: [20000000, 5000000]})).run(#{ mu: 19, duration: 10 })",
    );
    assert!(e.contains("memory limit"), "{e}");
    assert!(t0.elapsed().as_secs_f64() < 5.0);
}
