//! The Izhikevich mean field against the computed targets of reference A.4 (Gast, Solla &
//! Kennedy 2022 equations and parameters; the reference's grid resolution is 0.5 pA).

use ssnlab::izh::{Continuation, IzhMeanField, IzhPop, Special};

fn single(kind: &str, delta: f64, d: f64, i0: f64) -> IzhMeanField {
    let mut p = IzhPop::cell_type(kind).unwrap();
    p.delta = delta;
    p.d = d;
    if p.excitatory {
        p.g_ampa = 15.0;
        p.tau_ampa = 6.0;
    } else {
        p.g_gaba = 15.0;
        p.tau_gaba = 6.0;
    }
    IzhMeanField::new(vec![p], vec![vec![1.0]], vec![i0]).unwrap()
}

fn specials(m: &IzhMeanField, range: (f64, f64)) -> Vec<(Special, f64, f64, f64)> {
    let x0 = m
        .settle(&m.initial_state())
        .expect("a steady state at the start");
    let b = m
        .continuation(
            &x0,
            &Continuation {
                pop: 0,
                range,
                step: 0.05,
                max_points: 20000,
            },
        )
        .unwrap();
    b.special
        .iter()
        .map(|s| (s.kind, s.param, s.x[0] * 1000.0, s.freq_hz))
        .collect()
}

#[test]
fn rs_fold_windows_match_reference() {
    // (delta, d, lo, hi) from reference A.4.1
    for (delta, d, lo, hi) in [
        (0.1, 10.0, 18.6, 49.4),
        (0.8, 10.0, 22.6, 42.0),
        (1.6, 20.0, 30.6, 38.4),
        (0.4, 20.0, 25.0, 45.9),
    ] {
        let m = single("RS", delta, d, 0.0);
        let s = specials(&m, (-20.0, 100.0));
        println!("RS delta {delta} d {d}: {s:?}");
        let folds: Vec<f64> = s
            .iter()
            .filter(|x| x.0 == Special::Fold)
            .map(|x| x.1)
            .collect();
        assert_eq!(folds.len(), 2, "{s:?}");
        let (a, b) = (folds[0].min(folds[1]), folds[0].max(folds[1]));
        assert!(
            (a - lo).abs() < 0.5 && (b - hi).abs() < 0.5,
            "delta {delta}: [{a}, {b}] vs [{lo}, {hi}]"
        );
    }
}

#[test]
fn fs_hopf_onset_matches_reference() {
    for (delta, i_h, f_h) in [(0.1, 68.0, 32.0), (0.5, 94.0, 51.0), (1.0, 137.0, 73.0)] {
        let m = single("FS", delta, 0.0, 0.0);
        let s = specials(&m, (-20.0, 400.0));
        println!("FS delta {delta}: {s:?}");
        let h: Vec<_> = s.iter().filter(|x| x.0 == Special::Hopf).collect();
        assert!(!h.is_empty(), "{s:?}");
        assert!(
            (h[0].1 - i_h).abs() < 1.0 && (h[0].3 - f_h).abs() < 2.0,
            "delta {delta}: {:?}",
            h[0]
        );
    }
}

/// The RS–FS circuit of reference A.2.4 (I_rs = 50 pA, Δ_rs = 1, weights 16/4/16/4).
pub fn rs_fs(delta_fs: f64, i_fs: f64) -> IzhMeanField {
    let rs = IzhPop::cell_type("RS").unwrap();
    let mut fs = IzhPop::cell_type("FS").unwrap();
    fs.delta = delta_fs;
    IzhMeanField::new(
        vec![rs, fs],
        vec![vec![16.0, 16.0], vec![4.0, 4.0]],
        vec![50.0, i_fs],
    )
    .unwrap()
}

#[test]
fn rs_fs_circuit_hysteresis_and_oscillations() {
    for (dfs, i0) in [(0.8, 20.0), (0.2, 20.0)] {
        let m = rs_fs(dfs, i0);
        let x0 = m.settle(&m.initial_state()).expect("steady state");
        let b = m
            .continuation(
                &x0,
                &Continuation {
                    pop: 1,
                    range: (10.0, 90.0),
                    step: 0.05,
                    max_points: 20000,
                },
            )
            .unwrap();
        let s: Vec<_> = b
            .special
            .iter()
            .map(|s| (s.kind, s.param, s.x[0] * 1000.0, s.freq_hz))
            .collect();
        println!("RS-FS delta_fs {dfs}: {s:?}");
        let folds: Vec<f64> = s
            .iter()
            .filter(|x| x.0 == Special::Fold)
            .map(|x| x.1)
            .collect();
        let hopf: Vec<(f64, f64)> = s
            .iter()
            .filter(|x| x.0 == Special::Hopf)
            .map(|x| (x.1, x.3))
            .collect();
        if dfs == 0.8 {
            // A.4.3: bistable window 40.5-47 pA (0.5-pA grid), no oscillations in 20-80 pA
            assert_eq!(folds.len(), 2, "{s:?}");
            let (a, b) = (folds[0].min(folds[1]), folds[0].max(folds[1]));
            assert!(
                (a - 40.75).abs() < 0.5 && (b - 46.75).abs() < 0.5,
                "[{a}, {b}]"
            );
            assert!(hopf.iter().all(|h| h.0 < 20.0 || h.0 > 80.0), "{hopf:?}");
        } else {
            // Hopf onset ~35 pA at ~17.7 Hz, offset ~45 pA; FS-only gamma from 67-68 pA at ~32 Hz;
            // a fold sliver near 54 pA narrower than 1 pA
            assert!(hopf.len() >= 3, "{hopf:?}");
            assert!(
                (hopf[0].0 - 35.0).abs() < 0.75 && (hopf[0].1 - 17.7).abs() < 1.0,
                "{hopf:?}"
            );
            assert!((hopf[1].0 - 44.75).abs() < 0.75, "{hopf:?}");
            assert!(
                (hopf[2].0 - 67.5).abs() < 0.75 && (hopf[2].1 - 32.0).abs() < 1.5,
                "{hopf:?}"
            );
            assert_eq!(folds.len(), 2, "{s:?}");
            assert!(
                (folds[0] - folds[1]).abs() < 1.0 && (folds[0] - 54.0).abs() < 0.75,
                "{folds:?}"
            );
        }
    }
}

use ssnlab::izh::network::{IzhRunOptions, Thresholds, run};
use ssnlab::spiking::Signal;

fn spiking_rates(
    m: &IzhMeanField,
    n: usize,
    i_fs: f64,
    dt: f64,
    dur: f64,
    global_u: bool,
) -> Vec<f64> {
    let o = IzhRunOptions {
        n: vec![n; m.pops.len()],
        input: m
            .i_ext
            .iter()
            .enumerate()
            .map(|(k, &i)| Signal::Const(if k == 1 { i_fs } else { i }))
            .collect(),
        duration: dur,
        dt,
        bin: 1.0,
        global_u,
        thresholds: vec![
            Thresholds::Quantiles {
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY
            };
            m.pops.len()
        ],
        seed: 1,
        sparse: None,
    };
    let r = run(&m.pops, &m.j, &o).unwrap();
    let skip = r.t.iter().position(|&t| t > dur / 2.0).unwrap();
    r.rates
        .iter()
        .map(|x| x[skip..].iter().sum::<f64>() / (x.len() - skip) as f64)
        .collect()
}

/// The spiking RS–FS network (2000 neurons per population, deterministic Lorentzian
/// quantiles, global u, v_peak = −v_reset = 1000 mV, Euler dt = 2 µs) against the mean field
/// on both sides of the Δ_fs = 0.8 bistable window. Tolerance max(8%, 0.1 Hz): the mean field
/// is exact only for N → ∞ and infinite peak/reset (measured: 20.46 vs 20.49 Hz, 0.53 vs 0.57).
#[test]
fn spiking_network_matches_mean_field_steady_states() {
    for i_fs in [30.0, 60.0] {
        let m = rs_fs(0.8, i_fs);
        let x = m.settle(&m.initial_state()).unwrap();
        let s = spiking_rates(&m, 2000, i_fs, 2e-3, 1000.0, true);
        let mf = [x[0] * 1000.0, x[5] * 1000.0];
        println!("I_fs {i_fs}: MF {mf:?} Hz, SNN {s:?}");
        for k in 0..2 {
            assert!(
                (s[k] - mf[k]).abs() < (0.08 * mf[k]).max(0.1),
                "I_fs {i_fs}: {s:?} vs {mf:?}"
            );
        }
    }
}

/// Resonance: at I_fs = 39 pA (Δ_fs = 0.8, just below the bistable window) the leading
/// eigenvalues are a damped complex pair (reference A.4.3: f ≈ 11–12 Hz). The linear response
/// to a small periodic drive into FS must peak at that frequency (within the 1-Hz scan step
/// plus the shift of the damped resonance, 1.5 Hz).
#[test]
fn resonance_peaks_at_the_damped_eigenfrequency() {
    let m = rs_fs(0.8, 39.0);
    let x = m.settle(&m.initial_state()).unwrap();
    let eig = m.eigenvalues(&x, &m.i_ext);
    let lead = eig.iter().find(|e| e.1.abs() > 1e-9).unwrap();
    let f_eig = lead.1.abs() / (2.0 * std::f64::consts::PI) * 1000.0;
    assert!(
        lead.0 < 0.0 && (f_eig - 11.5).abs() < 1.5,
        "{lead:?} -> {f_eig} Hz"
    );
    let freqs: Vec<f64> = (4..=24).map(|f| f as f64).collect();
    let amp = m.resonance(&x, 1, &freqs, 0.5, 400.0, 600.0).unwrap();
    let (k, _) = amp
        .iter()
        .enumerate()
        .max_by(|a, b| a.1[0].total_cmp(&b.1[0]))
        .unwrap();
    println!(
        "eigenfrequency {f_eig:.2} Hz; response peak at {} Hz",
        freqs[k]
    );
    assert!(
        (freqs[k] - f_eig).abs() <= 1.5,
        "peak {} vs {f_eig}",
        freqs[k]
    );
    // a band-pass response: Q = omega / (2 |Re|) ~ 1.5 here, so the peak is broad
    // (measured 0.60 Hz/pA at 11 Hz against 0.34 at 4 Hz and 0.11 at 24 Hz)
    let last = amp.len() - 1;
    assert!(
        amp[k][0] > 1.5 * amp[0][0] && amp[k][0] > 3.0 * amp[last][0],
        "no resonance: {amp:?}"
    );
}

/// Sparse random coupling (p = 0.2, 1000 neurons per population, rows normalised: K = 200 inputs of weight J/K per coupled
/// population) keeps the mean input of the all-to-all network, so its rates stay close to the
/// mean field; quenched input variability (each neuron sees a different sample) shifts them a
/// little. Tolerance max(12%, 0.15 Hz).
#[test]
fn sparse_network_stays_close_to_mean_field() {
    use ssnlab::izh::network::Sparse;
    for i_fs in [30.0, 60.0] {
        let m = rs_fs(0.8, i_fs);
        let x = m.settle(&m.initial_state()).unwrap();
        let o = IzhRunOptions {
            n: vec![1000, 1000],
            input: vec![Signal::Const(50.0), Signal::Const(i_fs)],
            duration: 1000.0,
            dt: 2e-3,
            bin: 1.0,
            global_u: true,
            thresholds: vec![
                Thresholds::Quantiles {
                    lo: -60.0,
                    hi: -20.0,
                },
                Thresholds::Quantiles {
                    lo: -55.0,
                    hi: -25.0,
                },
            ],
            seed: 1,
            sparse: Some(Sparse { p: 0.2, seed: 3 }),
        };
        let r = run(&m.pops, &m.j, &o).unwrap();
        let skip = r.t.iter().position(|&t| t > 500.0).unwrap();
        let s: Vec<f64> = r
            .rates
            .iter()
            .map(|x| x[skip..].iter().sum::<f64>() / (x.len() - skip) as f64)
            .collect();
        let mf = [x[0] * 1000.0, x[5] * 1000.0];
        println!("sparse I_fs {i_fs}: MF {mf:?}, SNN {s:?}");
        for k in 0..2 {
            assert!(
                (s[k] - mf[k]).abs() < (0.12 * mf[k]).max(0.15),
                "I_fs {i_fs}: {s:?} vs {mf:?}"
            );
        }
    }
}

/// The spiking network's resonance (1000 neurons per population, A = 2 pA into FS at
/// I_fs = 39 pA, Δ_fs = 0.8) peaks where the mean field's does (the damped E–I rhythm, ~11 Hz).
/// With quantile thresholds and all-to-all gating the run is deterministic (the same amplitudes
/// for seeds 1-5, measured 2026-12-07): RS amplitude 1.31 / 2.50 / 0.59 Hz at 4 / 11 / 24 Hz
/// against the mean field's 1.38 / 2.36 / 0.44. The difference is the finite-N and dt bias
/// (+6% at the peak), not noise. Tolerance: the peak within 12% of the mean field's (twice the
/// measured bias); the shape is compared too.
#[test]
fn spiking_resonance_matches_mean_field() {
    use ssnlab::izh::network::resonance;
    let m = rs_fs(0.8, 39.0);
    let x = m.settle(&m.initial_state()).unwrap();
    let freqs = [4.0, 11.0, 24.0];
    let mf = m.resonance(&x, 1, &freqs, 2.0, 400.0, 1000.0).unwrap();
    let o = IzhRunOptions {
        n: vec![1000, 1000],
        input: vec![Signal::Const(50.0), Signal::Const(39.0)],
        duration: 1500.0,
        dt: 5e-3,
        bin: 1.0,
        global_u: true,
        thresholds: vec![
            Thresholds::Quantiles {
                lo: -60.0,
                hi: -20.0,
            },
            Thresholds::Quantiles {
                lo: -55.0,
                hi: -25.0,
            },
        ],
        seed: 1,
        sparse: None,
    };
    let sn = resonance(&m.pops, &m.j, &o, 1, &freqs, 2.0, 500.0).unwrap();
    let (a_mf, a_sn): (Vec<f64>, Vec<f64>) = (
        mf.iter().map(|r| r[0]).collect(),
        sn.iter().map(|r| r[0]).collect(),
    );
    println!("RS amplitude (Hz) at {freqs:?}: MF {a_mf:?}, SNN {a_sn:?}");
    assert!(
        a_sn[1] > 1.5 * a_sn[0] && a_sn[1] > 2.0 * a_sn[2],
        "{a_sn:?}"
    );
    assert!(
        (a_sn[1] - a_mf[1]).abs() < 0.12 * a_mf[1],
        "{a_sn:?} vs {a_mf:?}"
    );
}
