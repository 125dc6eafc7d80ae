//! Spiking engine against theory (self-consistent Ricciardi rates, synaptic current shapes,
//! delays) and its invariants (determinism across thread counts, exact in-degrees).

mod common;

use common::{fig2, free_population, opts, run_threads};
use ssnlab::numerics::stats::nanmean;
use ssnlab::rate::lifnet::paper_network;
use ssnlab::spiking::model::build_csr;
use ssnlab::spiking::{
    NetSpec, Network, PoissonInput, Population, Projection, Rule, RunOptions, Signal, Source,
    Synapse,
};

/// The Fig 2 network at μ = 19 mV/s, r = 1 (near the supersaturation peak) against the
/// self-consistent Ricciardi solution Φsc (Eq 12-14), which includes the recurrent noise.
/// Tolerance: 6% relative for E, 12% for I. The I rate is steep in its input (n = 3.8 at
/// 0.8 Hz) and threshold detection on the dt = 0.05 ms grid lowers it by ~4% (0.775 Hz, against
/// 0.806 Hz at dt = 0.01 ms, measured); the finite network (K ~ 200, shared inputs, dt = 0.05 ms threshold
/// detection) deviates from the diffusion limit by a few percent (the paper's own simulation
/// peak is 2.60 Hz against Φsc 2.57 Hz); the sampling error of a 4-s mean over 3000 neurons
/// is below 1%. Also checks the balance factor and recurrent variance the paper reports
/// (BF_E 0.383, BF_I 0.023; C j^2 nu = 0.61 and 0.12 mV^2/s, reference §5 Fig 2C/D).
#[test]
fn fig2_rates_match_phisc_and_reported_input_statistics() {
    let (p, net) = fig2();
    let r = net.run(&opts(&net, &[19.0, 19.0], 4500.0)).unwrap();
    let sim = r.rates();
    let sols = p.phisc(19.0, 19.0, 500.0, 240).unwrap();
    assert_eq!(sols.len(), 1);
    let th = sols[0];
    for (x, tol) in [(0, 0.06), (1, 0.12)] {
        let rel = (sim[x] - th[x]).abs() / th[x];
        assert!(
            rel < tol,
            "pop {x}: sim {} vs Phi_sc {} ({rel})",
            sim[x],
            th[x]
        );
    }
    let bf = r.balance();
    let (bfe, bfi) = (nanmean(&bf[0]), nanmean(&bf[1]));
    assert!((bfe - 0.383).abs() < 0.03, "BF_E {bfe}");
    assert!((bfi - 0.023).abs() < 0.01, "BF_I {bfi}");
    // Recurrent variance rate vs the diffusion theory sum_Y K j^2 nu_Y of the measured rates.
    let k = [[195.0, 200.0], [825.0, 100.0]];
    for (x, kx) in k.iter().enumerate() {
        let theory: f64 = (0..2).map(|y| kx[y] * p.j[x][y].powi(2) * sim[y]).sum();
        let meas = nanmean(&r.stats[x].rec_var);
        assert!(
            (meas / theory - 1.0).abs() < 0.03,
            "pop {x}: var {meas} vs {theory}"
        );
    }
    // Mean inputs: external is exactly mu; recurrent E input = K_EE j_EE nu_E within noise.
    assert!((nanmean(&r.stats[0].ext) - 19.0).abs() < 1e-9);
    let exc = nanmean(&r.stats[0].exc);
    assert!((exc / (2.0 * sim[0]) - 1.0).abs() < 0.01, "J_EE nu_E {exc}");
}

/// Fluctuation-driven asynchronous irregular firing: ISIs nearly Poisson. The Fig 2 network at
/// μ = 19 has mean V 0.3 mV below threshold with SD 0.3 mV, so CV_ISI should be close to 1;
/// counted over neurons with at least 10 ISIs in 20 s to limit the short-window bias.
#[test]
fn cv_isi_near_one_in_asynchronous_irregular_state() {
    let (_, net) = fig2();
    let mut o = opts(&net, &[19.0, 19.0], 20_500.0);
    o.transient = 500.0;
    let r = net.run(&o).unwrap();
    let cv: Vec<f64> = r.stats[0]
        .cv
        .iter()
        .zip(&r.stats[0].counts)
        .filter(|(_, c)| **c >= 11)
        .map(|(v, _)| *v)
        .collect();
    let m = nanmean(&cv);
    assert!(cv.len() > 1000, "{} neurons", cv.len());
    assert!((0.85..1.1).contains(&m), "mean CV_ISI {m}");
}

#[test]
fn same_seed_same_spikes_for_any_thread_count() {
    let (_, net) = fig2();
    let mut o = opts(&net, &[25.0, 25.0], 300.0);
    o.record = 200;
    o.transient = 0.0;
    let runs = run_threads(&net, &o, &[1, 2, 3]);
    for r in &runs[1..] {
        assert_eq!(r.bin_counts, runs[0].bin_counts);
        assert_eq!(r.raster, runs[0].raster);
        assert_eq!(r.stats[0].counts, runs[0].stats[0].counts);
    }
    assert!(runs[0].n_spikes > 1000);
    // Raster ids are population-local and come from the 200 recorded (equally spaced) ids.
    for &(_, p, id) in &runs[0].raster {
        let n = net.spec.pops[p as usize].n as u32;
        assert!(id < n, "id {id} in population {p} of {n}");
        let every = (n / 200).max(1);
        assert_eq!(id % every, 0);
    }
    // A different seed gives different spikes.
    let mut o2 = o.clone();
    o2.seed = 2;
    assert_ne!(net.run(&o2).unwrap().raster, runs[0].raster);
}

/// Determinism of the general update path: exponential and delta synapses sharing a target,
/// per-synapse delays, a Poisson input and a refractory period. Inputs are summed in
/// floating point at delivery, so this checks that the order of the additions does not depend
/// on the number of threads (every statistic bit-identical, not just the spikes).
#[test]
fn general_path_is_deterministic_across_thread_counts() {
    let pop = |name: &str, n, tau, exc| Population {
        name: name.into(),
        n,
        tau,
        theta: 20.0,
        v_reset: 10.0,
        t_ref: 2.0,
        sigma: 5.0,
        excitatory: exc,
    };
    let proj = |pre, post, k, j, synapse, delay| Projection {
        pre,
        post,
        rule: Rule::FixedIndegree { k },
        j,
        synapse,
        delay,
        allow_autapses: false,
    };
    let (exp5, exp8) = (Synapse::Exp { tau_s: 5.0 }, Synapse::Exp { tau_s: 8.0 });
    let spec = NetSpec {
        name: "mixed".into(),
        pops: vec![pop("E", 2400, 20.0, true), pop("I", 700, 10.0, false)],
        poisson: vec![PoissonInput {
            name: "X".into(),
            n: 1000,
        }],
        projections: vec![
            proj(Source::Pop(0), 0, 120, 0.2, exp5, (0.5, 3.0)),
            proj(Source::Pop(1), 0, 60, 0.6, exp5, (0.5, 1.5)),
            proj(Source::Pop(0), 1, 150, 0.2, Synapse::Delta, (1.0, 2.0)),
            proj(Source::Pop(1), 1, 40, 0.5, exp8, (0.0, 0.0)),
            proj(Source::Poisson(0), 0, 100, 0.1, Synapse::Delta, (0.5, 0.5)),
            proj(Source::Poisson(0), 1, 100, 0.1, exp5, (0.5, 0.5)),
        ],
    };
    let net = Network::new(spec).unwrap();
    let mut o = RunOptions::new(&net.spec);
    o.transient = 0.0; // window from the start (each test sets its own)
    o.max_rate = 0.0; // no runaway stop unless the test sets one
    o.duration = 400.0;
    o.transient = 100.0;
    o.dt = 0.1;
    o.mu = vec![Signal::Const(1400.0), Signal::Const(1900.0)];
    o.poisson_rates = vec![Signal::Const(10.0)];
    o.record = 100;
    o.progress = false;
    let runs = run_threads(&net, &o, &[1, 2, 3]);
    assert!(runs[0].n_spikes > 2000, "{} spikes", runs[0].n_spikes);
    for r in &runs[1..] {
        assert_eq!(r.bin_counts, runs[0].bin_counts);
        assert_eq!(r.raster, runs[0].raster);
        for (a, b) in r.stats.iter().zip(&runs[0].stats) {
            assert_eq!(a.counts, b.counts);
            assert!(
                a.exc == b.exc && a.inh == b.inh && a.ext == b.ext,
                "input means differ"
            );
            let same =
                |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits());
            assert!(same(&a.rec_var, &b.rec_var), "input variance differs");
        }
    }
}

#[test]
fn paper_network_in_degrees_are_exact() {
    let (_, net) = fig2();
    let want = [195, 200, 825, 100];
    for (k, pr) in net.spec.projections.iter().enumerate() {
        let c = build_csr(&net.spec, k, 9, 0.05).unwrap();
        let d = c.in_degrees(net.spec.pops[pr.post].n);
        assert!(d.iter().all(|&x| x == want[k]), "projection {k}");
        if pr.pre == Source::Pop(pr.post) {
            for i in 0..net.spec.pops[pr.post].n {
                assert!(!c.row(i).contains(&(i as u32)));
            }
        }
    }
}

/// A driver neuron (strong drive, no noise) and a silent follower whose single synapse is
/// strong enough to fire it at once: the follower's spikes lag the driver's by exactly the
/// delay (D ms → round(D/dt) steps; D = 0 → one step).
fn two_neurons(
    syn: Synapse,
    delay: f64,
    j: f64,
    follower_theta: f64,
    follower_tau: f64,
) -> Vec<(f64, u32)> {
    let pop = |name: &str, theta: f64, tau: f64| Population {
        name: name.into(),
        n: 1,
        tau,
        theta,
        v_reset: 0.0,
        t_ref: 0.0,
        sigma: 0.0,
        excitatory: true,
    };
    let spec = NetSpec {
        name: "pair".into(),
        pops: vec![pop("A", 1.0, 20.0), pop("B", follower_theta, follower_tau)],
        poisson: vec![],
        projections: vec![Projection {
            pre: Source::Pop(0),
            post: 1,
            rule: Rule::FixedIndegree { k: 1 },
            j,
            synapse: syn,
            delay: (delay, delay),
            allow_autapses: false,
        }],
    };
    let net = Network::new(spec).unwrap();
    let mut o = RunOptions::new(&net.spec);
    o.transient = 0.0; // window from the start (each test sets its own)
    o.max_rate = 0.0; // no runaway stop unless the test sets one
    o.duration = 200.0;
    o.dt = 0.1;
    o.mu = vec![Signal::Const(80.0), Signal::Const(0.0)];
    o.record = 1;
    o.progress = false;
    o.v0 = Some(vec![0.0, 0.0]);
    let r = net.run(&o).unwrap();
    r.raster.iter().map(|&(t, p, _)| (t, p)).collect()
}

#[test]
fn delays_show_up_as_lags() {
    for &(d, lag) in &[(0.0, 0.1), (2.0, 2.0), (7.5, 7.5)] {
        let ras = two_neurons(Synapse::Delta, d, 5.0, 1.0, 20.0);
        let a: Vec<f64> = ras.iter().filter(|x| x.1 == 0).map(|x| x.0).collect();
        let b: Vec<f64> = ras.iter().filter(|x| x.1 == 1).map(|x| x.0).collect();
        assert!(a.len() >= 3, "driver spikes {a:?}");
        let b_expected: Vec<f64> = a
            .iter()
            .map(|t| t + lag)
            .filter(|&t| t < 200.0 - 1e-9)
            .collect();
        assert_eq!(b.len(), b_expected.len(), "D = {d}");
        for (x, y) in b.iter().zip(&b_expected) {
            assert!(
                (x - y).abs() < 1e-9,
                "D = {d}: follower at {x}, expected {y}"
            );
        }
    }
}

/// An exponential synapse injects j(1-h)h^k per step (h = e^{-dt/tau_s}): a non-leaky follower
/// with threshold θ = 0.5 j crosses after the first step k with 1 - h^(k+1) > 0.5, i.e.
/// ~tau_s ln 2 after arrival. Checks the current's shape and its integral (j) independently of
/// the engine's bookkeeping.
#[test]
fn exponential_synapse_current_shape() {
    let (tau_s, dt, j) = (10.0, 0.1, 1.0);
    let ras = two_neurons(Synapse::Exp { tau_s }, 1.0, j, 0.5 * j, 1e9);
    let a: Vec<f64> = ras.iter().filter(|x| x.1 == 0).map(|x| x.0).collect();
    let b: Vec<f64> = ras.iter().filter(|x| x.1 == 1).map(|x| x.0).collect();
    let h = (-dt / tau_s).exp();
    let k = (0..).find(|&k| 1.0 - h.powi(k + 1) > 0.5).unwrap();
    let expected = a[0] + 1.0 + k as f64 * dt;
    assert!(
        (b[0] - expected).abs() < 1e-9,
        "first follower spike {} vs {expected}",
        b[0]
    );
}

/// Poisson inputs: the measured mean external input is mu + K nu j (mV/s), and the follower
/// population's rate matches the Ricciardi rate of the resulting diffusion input within 5%.
#[test]
fn poisson_inputs_drive_as_expected() {
    let spec = NetSpec {
        name: "ff".into(),
        pops: vec![Population {
            name: "E".into(),
            n: 2000,
            tau: 20.0,
            theta: 1.0,
            v_reset: 0.0,
            t_ref: 0.0,
            sigma: 3.0,
            excitatory: true,
        }],
        poisson: vec![PoissonInput {
            name: "X".into(),
            n: 2000,
        }],
        projections: vec![Projection {
            pre: Source::Poisson(0),
            post: 0,
            rule: Rule::FixedIndegree { k: 1000 },
            j: 0.0025,
            synapse: Synapse::Delta,
            delay: (0.0, 0.0),
            allow_autapses: false,
        }],
    };
    let net = Network::new(spec).unwrap();
    let mut o = RunOptions::new(&net.spec);
    o.transient = 0.0; // window from the start (each test sets its own)
    o.max_rate = 0.0; // no runaway stop unless the test sets one
    o.duration = 5000.0;
    o.transient = 200.0;
    o.mu = vec![Signal::Const(20.0)];
    o.poisson_rates = vec![Signal::Const(8.0)];
    o.progress = false;
    let r = net.run(&o).unwrap();
    let ext = nanmean(&r.stats[0].ext);
    let want = 20.0 + 1000.0 * 8.0 * 0.0025;
    assert!((ext / want - 1.0).abs() < 0.01, "ext {ext} vs {want}");
    let lif = ssnlab::neuron::Lif::new(20.0, 1.0, 0.0, 0.0).unwrap();
    let sigma = (9.0 + 1000.0 * 0.0025f64.powi(2) * 8.0).sqrt();
    let th = lif.rate(want, sigma).unwrap();
    let sim = r.rates()[0];
    assert!(
        (sim / th - 1.0).abs() < 0.05,
        "rate {sim} vs Ricciardi {th}"
    );
}

#[test]
fn bad_options_are_errors_not_panics() {
    let (_, net) = fig2();
    let mut o = opts(&net, &[19.0, 19.0], 100.0);
    o.dt = -1.0;
    assert!(net.run(&o).is_err());
    let mut o = opts(&net, &[19.0], 100.0);
    o.duration = 10.0;
    assert!(net.run(&o).unwrap_err().to_string().contains("mu"));
}

/// Threshold detection at grid times misses excursions above Θ between two grid points and
/// lowers the rate by O(√dt); the Brownian-bridge option restores the continuous-time rate.
/// 4000 unconnected neurons at μ = 6.25 mV/s, σ = 3 (Φ = 0.7067 Hz, near-threshold regime
/// where the deficit is largest), dt = 0.1 ms, 4.5 s: the sampling error of the mean rate is
/// about 1% (≈ 12 700 spikes, CV ≈ 1). Without the bridge the rate is ≥ 8% low (measured
/// 0.624 Hz, −12%); with it within 4% of Φ (measured 0.717 Hz, +1.4%; the remaining bias is
/// the O(dt) error of the Euler noise increment).
#[test]
fn brownian_bridge_removes_grid_threshold_deficit() {
    let spec = NetSpec {
        name: "free".into(),
        pops: vec![Population {
            name: "E".into(),
            n: 4000,
            tau: 20.0,
            theta: 1.0,
            v_reset: 0.0,
            t_ref: 0.0,
            sigma: 3.0,
            excitatory: true,
        }],
        poisson: vec![],
        projections: vec![],
    };
    let net = Network::new(spec).unwrap();
    let phi = ssnlab::neuron::Lif::default().rate(6.25, 3.0).unwrap();
    let mut o = opts(&net, &[6.25], 5000.0);
    o.dt = 0.1;
    let plain = net.run(&o).unwrap().rates()[0];
    o.bridge = true;
    let bridged = net.run(&o).unwrap().rates()[0];
    assert!(plain < 0.92 * phi, "plain {plain} vs Phi {phi}");
    assert!(
        (bridged - phi).abs() < 0.04 * phi,
        "bridge {bridged} vs Phi {phi}"
    );
}

/// A runaway network (recurrent excitation far above the stable range) stops at the first
/// 10-ms block whose rate exceeds `max_rate`, reports `diverged`, and stops at the same step
/// with the same record whatever the number of threads (the stop decision is taken by one
/// thread and applied by all at the same barrier).
#[test]
fn divergence_stops_the_run_at_the_same_step_for_any_thread_count() {
    let mut p = paper_network("fig2").unwrap();
    p.j[0][0] *= 8.0;
    let net = Network::new(NetSpec::from_lif_network(&p).unwrap()).unwrap();
    let mut o = opts(&net, &[40.0, 40.0], 2000.0);
    o.transient = 0.0;
    o.max_rate = 200.0;
    let runs = run_threads(&net, &o, &[1, 2]);
    let r = &runs[0];
    assert!(r.diverged, "rates {:?}", r.rates());
    assert!(r.t_end < 1000.0, "stopped at {} ms", r.t_end);
    // The bins cover exactly the simulated steps, and the per-neuron counts agree with them.
    let binned: u64 = r.bin_counts.iter().flatten().sum();
    let counted: u64 = r
        .stats
        .iter()
        .flat_map(|s| &s.counts)
        .map(|&c| c as u64)
        .sum();
    assert_eq!(binned, r.n_spikes);
    assert_eq!(counted, r.n_spikes);
    assert_eq!(runs[1].t_end, r.t_end);
    assert_eq!(runs[1].bin_counts, r.bin_counts);
}

/// The default membrane step is the exact Ornstein-Uhlenbeck step. Reference: the Siegert rate
/// Φ with the threshold moved up by β σ √dt, β = −ζ(1/2)/√(2π) = 0.5826 (Broadie, Glasserman &
/// Kou 1997: the first passage of a process monitored only at grid times, to O(√dt)), which is
/// exact for the sampled process only when that is the exact OU chain. τ = 10 ms, dt = 0.1 ms,
/// μ = 60 mV/s, σ = 3 mV/√s, 4000 free neurons for 6 s (≈ 2e5 spikes, sampling error ≈ 0.25%).
/// Tolerance 1.5%: the sampling error plus the O(dt) remainder of the grid correction
/// (measured: reference 8.623 Hz, exact 8.632, +0.1%). The paper's scheme fires faster (its
/// mean is ≈ μτ(1 + h/2τ), its variance ≈ σ²τ/2 (1 + h/τ)): measured 8.929 Hz, +3.5%; required
/// ≥ 2% above (issue 18 measured +3% against NEST `iaf_psc_delta` at τ = 10 ms).
#[test]
fn exact_membrane_step_matches_grid_corrected_siegert() {
    use ssnlab::spiking::engine::Scheme;
    let (tau, sigma, dt, mu) = (10.0, 3.0, 0.1, 60.0);
    let net = free_population(tau, sigma);
    let lif = ssnlab::neuron::Lif {
        tau,
        ..Default::default()
    };
    let shift = 0.5826 * sigma * (dt / 1000.0_f64).sqrt();
    let shifted = ssnlab::neuron::Lif {
        theta: lif.theta + shift,
        v_reset: lif.v_reset,
        ..lif
    };
    let reference = shifted.rate(mu, sigma).unwrap();
    let mut o = opts(&net, &[mu], 6500.0);
    o.dt = dt;
    let exact = net.run(&o).unwrap();
    assert_eq!(exact.scheme, Scheme::Exact);
    o.scheme = Scheme::Paper;
    let paper = net.run(&o).unwrap().rates()[0];
    let exact = exact.rates()[0];
    eprintln!(
        "reference {reference:.4} Hz (Phi {:.4}), exact {exact:.4}, paper {paper:.4}",
        lif.rate(mu, sigma).unwrap()
    );
    assert!(
        (exact - reference).abs() < 0.015 * reference,
        "exact {exact} vs grid-corrected Siegert {reference}"
    );
    assert!(paper > 1.02 * reference, "paper {paper} vs {reference}");
}
