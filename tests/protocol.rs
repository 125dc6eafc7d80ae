//! The sweep and compare protocols (issue 17: until now only the paper scripts' PASS lines
//! covered them): a sweep is exactly a staircase run read in windows; directions, seeds and
//! their statistics; parallel seeds give the spikes of sequential runs; compare puts the SSN
//! and Φsc predictions of each point beside the simulation.

mod common;

use common::{fig2, opts};
use ssnlab::numerics::stats::nanstd;
use ssnlab::spiking::Signal;
use ssnlab::spiking::protocol::{Direction, SweepOptions, compare, sweep, to_ssn};

fn sweep_opts(values: &[f64], direction: Direction, seeds: &[u64]) -> SweepOptions {
    SweepOptions {
        values: values.to_vec(),
        ratio: vec![1.0, 1.0],
        step: 400.0,
        transient: 150.0,
        direction,
        seeds: seeds.to_vec(),
    }
}

/// A one-seed sweep is the staircase run it describes, read in the windows
/// [k step + transient, (k + 1) step): the same spikes, so the same rates to the last bit.
#[test]
fn sweep_is_a_staircase_run_read_in_windows() {
    let (_, net) = fig2();
    let base = opts(&net, &[0.0, 0.0], 1000.0);
    let values = [12.0, 19.0, 26.0];
    let sw = sweep(&net, &base, &sweep_opts(&values, Direction::Up, &[3])).unwrap();
    let mut o = base.clone();
    let stair = Signal::steps(&values, 400.0, 0.0).unwrap();
    o.mu = vec![stair.clone(), stair];
    o.duration = 1200.0;
    o.seed = 3;
    o.windows = (0..3)
        .map(|k| (k as f64 * 400.0 + 150.0, (k + 1) as f64 * 400.0))
        .collect();
    let direct = net.run(&o).unwrap().window_rates(&o.windows);
    assert_eq!(sw.mu, values.to_vec());
    assert_eq!(sw.branch, vec!["up"; 3]);
    for (k, w) in direct.iter().enumerate() {
        for (x, want) in w.iter().enumerate() {
            assert_eq!(
                sw.rates[x][k].to_bits(),
                want.to_bits(),
                "point {k} pop {x}"
            );
        }
    }
    // The E rate rises with the drive below the supersaturation peak (μ ≈ 19).
    assert!(sw.rates[0][0] < sw.rates[0][1], "{:?}", sw.rates[0]);
    assert!(sw.sd[0].iter().all(|s| s.is_nan()), "one seed: no SD");
}

/// Directions: down applies the values in reverse; up-down goes up then back down without
/// repeating the top value, with branch labels to match.
#[test]
fn directions_order_the_points_and_label_branches() {
    let (_, net) = fig2();
    let base = opts(&net, &[0.0, 0.0], 1000.0);
    let v = [10.0, 15.0, 20.0];
    let down = sweep(&net, &base, &sweep_opts(&v, Direction::Down, &[1])).unwrap();
    assert_eq!(down.mu, vec![20.0, 15.0, 10.0]);
    assert_eq!(down.branch, vec!["down"; 3]);
    let ud = sweep(&net, &base, &sweep_opts(&v, Direction::UpDown, &[1])).unwrap();
    assert_eq!(ud.mu, vec![10.0, 15.0, 20.0, 15.0, 10.0]);
    assert_eq!(ud.branch, vec!["up", "up", "up", "down", "down"]);
    assert_eq!(ud.rates[0].len(), 5);
}

/// Seeds run in parallel, each on its share of the threads, and give exactly the rates of the
/// same seeds swept one at a time; the mean and SD over seeds are those of the per-seed rates.
#[test]
fn parallel_seeds_equal_sequential_runs_and_their_statistics() {
    let (_, net) = fig2();
    let base = opts(&net, &[0.0, 0.0], 1000.0);
    let v = [15.0, 22.0];
    let seeds = [4u64, 5, 6];
    let all = sweep(&net, &base, &sweep_opts(&v, Direction::Up, &seeds)).unwrap();
    for (i, &s) in seeds.iter().enumerate() {
        let one = sweep(&net, &base, &sweep_opts(&v, Direction::Up, &[s])).unwrap();
        assert_eq!(all.per_seed[i], one.per_seed[0], "seed {s}");
    }
    for x in 0..2 {
        for k in 0..2 {
            let vals: Vec<f64> = all.per_seed.iter().map(|r| r[x][k]).collect();
            let mean = vals.iter().sum::<f64>() / 3.0;
            assert!((all.rates[x][k] - mean).abs() < 1e-12);
            assert!((all.sd[x][k] - nanstd(&vals)).abs() < 1e-12);
        }
    }
    // Different seeds, different spikes.
    assert_ne!(all.per_seed[0], all.per_seed[1]);
}

/// Compare: at each point the SSN prediction is the stable steady state of the network's own
/// SSN (power laws fitted to each population's Φ, J = K j) nearest the simulation, the errors
/// are simulation − prediction, and for the Fig 2 network both predictions are close to the
/// simulation (the paper: 2.60 Hz simulated against Φsc 2.57 Hz at the peak; tolerance 20%
/// for E over 250-ms windows of one seed, where the sampling error is ~5%).
#[test]
fn compare_sets_the_ssn_and_phisc_predictions_beside_each_point() {
    let (p, net) = fig2();
    let base = opts(&net, &[0.0, 0.0], 1000.0);
    let v = [15.0, 19.0, 25.0];
    let c = compare(&net, Some(&p), &base, &sweep_opts(&v, Direction::Up, &[2])).unwrap();
    let (ssn, _) = to_ssn(&net).unwrap();
    for (k, &mu) in v.iter().enumerate() {
        let st = ssn.steady_states(&[mu, mu], None).unwrap();
        let stable: Vec<_> = st.states.iter().filter(|s| s.stable).collect();
        assert_eq!(c.ssn_n_stable[k], stable.len());
        assert!(
            stable
                .iter()
                .any(|s| s.nu[0] == c.ssn[0][k] && s.nu[1] == c.ssn[1][k])
        );
        for x in 0..2 {
            assert_eq!(c.err_ssn[x][k], c.sweep.rates[x][k] - c.ssn[x][k]);
            assert_eq!(c.err_phisc[x][k], c.sweep.rates[x][k] - c.phisc[x][k]);
        }
        let sim = c.sweep.rates[0][k];
        assert!(
            (sim - c.ssn[0][k]).abs() < 0.2 * c.ssn[0][k],
            "point {k}: sim {sim}, SSN {}",
            c.ssn[0][k]
        );
        assert!(
            (sim - c.phisc[0][k]).abs() < 0.2 * c.phisc[0][k],
            "point {k}: sim {sim}, Phi_sc {}",
            c.phisc[0][k]
        );
    }
    // Bad options are errors naming the parameter.
    let mut bad = sweep_opts(&v, Direction::Up, &[1]);
    bad.transient = 400.0;
    assert!(
        sweep(&net, &base, &bad)
            .unwrap_err()
            .to_string()
            .contains("transient")
    );
    bad = sweep_opts(&v, Direction::Up, &[]);
    assert!(
        sweep(&net, &base, &bad)
            .unwrap_err()
            .to_string()
            .contains("seeds")
    );
}
