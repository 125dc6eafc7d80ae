//! The showcase scripts run end to end and write what they promise.

use std::process::Command;

#[test]
fn tour_script_prints_fits_states_and_writes_regime_map() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ssnlab"))
        .args(["run", "scripts/tour.rhai", "--quick", "--out"])
        .arg(dir.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let so = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(so.contains("E power law: PowerLaw(a = 1.0799"), "{so}");
    assert!(so.contains("n = 3.8148"), "{so}");
    assert!(so.contains("supersaturating"), "{so}");
    assert!(so.contains("no steady state"), "{so}");
    let csv = std::fs::read_to_string(dir.path().join("regime_map_bistable.csv")).unwrap();
    assert!(csv.starts_with("mu,r,n_states,n_stable"));
    assert_eq!(csv.lines().count(), 1 + 41 * 41);
    assert!(csv.contains("bistable"));
}

/// Runs a paper script in quick mode; every claim line must PASS and the promised files exist.
fn quick_script(script: &str, files: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ssnlab"))
        .args(["run", script, "--quick", "--out"])
        .arg(dir.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let so = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{script}: stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(so.contains("PASS"), "{so}");
    assert!(!so.contains("FAIL"), "{script}: {so}");
    for f in files {
        let p = dir.path().join(f);
        assert!(p.exists(), "{script}: missing {f}");
        let mut meta = p.as_os_str().to_owned();
        meta.push(".meta.json");
        assert!(
            std::path::Path::new(&meta).exists(),
            "{script}: no sidecar for {f}"
        );
    }
    so
}

#[test]
fn xor_gate_quick() {
    let so = quick_script(
        "scripts/xor_gate.rhai",
        &[
            "xor_gate.png",
            "xor_gate.svg",
            "xor_truth_tables.csv",
            "xor_design.json",
        ],
    );
    assert!(so.contains("paper weights (10, 10) nu_E"), "{so}");
}

#[test]
fn and_gate_quick() {
    quick_script(
        "scripts/and_gate.rhai",
        &[
            "and_gate.png",
            "and_gate.svg",
            "and_truth_table.csv",
            "and_design.json",
        ],
    );
}

#[test]
fn fig5_regime_maps_quick() {
    let so = quick_script(
        "scripts/fig5_regime_maps.rhai",
        &[
            "fig5.png",
            "fig5.svg",
            "fig5a_regimes.csv",
            "fig5b_regimes.csv",
        ],
    );
    assert!(so.contains("5B ISN threshold"), "{so}");
}

#[test]
fn fig2_supersaturation_quick() {
    let so = quick_script(
        "scripts/fig2_supersaturation.rhai",
        &[
            "fig2.png",
            "fig2.svg",
            "fig2ab_f1.0_sim.csv",
            "fig2ab_f1.5_theory.csv",
            "fig2cd_neurons.csv",
            "fig2ef_trajectory.csv",
        ],
    );
    // the comparisons with the authors' stored curves must have run (data/ekelmans2023)
    assert!(so.contains("vs their stored curve"), "{so}");
    assert!(so.contains("designed inputs vs the authors'"), "{so}");
}

#[test]
fn fig4_bistability_quick() {
    let so = quick_script(
        "scripts/fig4_bistability.rhai",
        &[
            "fig4.png",
            "fig4.svg",
            "fig4a_sweep.csv",
            "fig4a_ssn.csv",
            "fig4cd_neurons.csv",
        ],
    );
    assert!(so.contains("stays up at mu = 0"), "{so}");
}

#[test]
fn fig1_transfer_quick() {
    let so = quick_script(
        "scripts/fig1_transfer.rhai",
        &[
            "fig1.png",
            "fig1.svg",
            "fig1b_fi.csv",
            "fig1c_powerlaw_grid.csv",
        ],
    );
    assert!(so.contains("grid vs the authors'"), "{so}");
}

#[test]
fn fig3_allen_isn_quick() {
    let so = quick_script(
        "scripts/fig3_allen_isn.rhai",
        &[
            "fig3.png",
            "fig3.svg",
            "fig3a_points.csv",
            "fig3b_points.csv",
        ],
    );
    assert!(so.contains("paradoxical"), "{so}");
}

#[test]
fn fig6_size_scaling_quick() {
    let so = quick_script(
        "scripts/fig6_size_scaling.rhai",
        &["fig6.png", "fig6.svg", "fig6_ssn.csv"],
    );
    assert!(so.contains("no-steady-state gap"), "{so}");
}

#[test]
fn izh_rs_fs_quick() {
    let so = quick_script(
        "scripts/izh_rs_fs.rhai",
        &[
            "izh_rs_fs.png",
            "izh_rs_fs.svg",
            "izh_rs_fs_continuation.csv",
            "izh_rs_fs_spiking_ramp.csv",
        ],
    );
    assert!(so.contains("SNN Delta_fs = 0.8: hysteresis"), "{so}");
}

#[test]
fn izh_rs_quick() {
    quick_script(
        "scripts/izh_rs.rhai",
        &["izh_rs.png", "izh_rs.svg", "izh_rs_windows.csv"],
    );
}

#[test]
fn izh_fs_quick() {
    quick_script(
        "scripts/izh_fs.rhai",
        &["izh_fs.png", "izh_fs.svg", "izh_fs_hopf.csv"],
    );
}

#[test]
fn motif_stats_quick() {
    let so = quick_script(
        "scripts/motif_stats.rhai",
        &[
            "motif_stats.png",
            "motif_stats.svg",
            "motif_stats_error.csv",
            "motif_stats.json",
        ],
    );
    assert!(so.contains("error slope of alpha_recip"), "{so}");
}

#[test]
fn motif_meanfield_quick() {
    let so = quick_script(
        "scripts/motif_meanfield.rhai",
        &[
            "motif_meanfield.png",
            "motif_meanfield.svg",
            "motif_meanfield.csv",
        ],
    );
    assert!(so.contains("MF vs simulation"), "{so}");
}

#[test]
fn motif_stability_quick() {
    let so = quick_script(
        "scripts/motif_stability.rhai",
        &[
            "motif_stability.png",
            "motif_stability.svg",
            "motif_stability.csv",
        ],
    );
    assert!(so.contains("runs away"), "{so}");
}

#[test]
fn motif_fit_quick() {
    let so = quick_script(
        "scripts/motif_fit.rhai",
        &[
            "motif_fit.png",
            "motif_fit.svg",
            "motif_fit.json",
            "motif_fit_targets.csv",
        ],
    );
    assert!(so.contains("the fit converged"), "{so}");
}
