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
