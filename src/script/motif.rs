//! Rhai bindings of the motif-structured connectivity generators (weighted Gaussian, binary
//! SONETs), their achieved statistics and spectra, rate-network simulation, the 2P mean field
//! and fitting.

use super::api::Api;
use super::convert::{
    Opts, RResult, count, err, map_of, num, num_matrix, num_vec, rt_err, to_array, to_matrix,
};
use super::spiking::signal_of;
use super::theory::PowerLawObj;
use crate::connectivity::options::{GaussianOpts, SonetOpts};
use crate::connectivity::sonet::Alphas;
use crate::connectivity::stats::{Normalised, RawStats};
use crate::connectivity::{GaussianMotifs, Graph, Sonet, WeightMatrix};
use crate::motif::fit::{Free, Targets, fit};
use crate::motif::meanfield::{PhiOpts, SimulateOpts as MfSimulateOpts};
use crate::motif::ratenet::RateOpts;
use crate::motif::ratenet::simulate;
use crate::motif::{MotifMeanField, Phi};
use crate::numerics::timecourse::TimeCourse;
use crate::options::{Documented, from_map};
use crate::spiking::Signal;
use rhai::{Array, Dynamic, Map};
use std::sync::Arc;

/// A sampled weighted matrix (shared, it can be large).
#[derive(Clone)]
pub struct MotifMatrix(Arc<WeightMatrix>);

/// A sampled binary graph (shared).
#[derive(Clone)]
pub struct MotifGraph(Arc<Graph>);

fn gaussian_from_map(m: &Map) -> RResult<GaussianMotifs> {
    const F: &str = "motif_gaussian";
    let o: GaussianOpts = from_map(m, &[]).map_err(|e| rt_err(F, e))?;
    o.generator().map_err(err(F))
}

fn sonet_from_map(m: &Map) -> RResult<Sonet> {
    const F: &str = "sonet";
    let o: SonetOpts = from_map(m, &[]).map_err(|e| rt_err(F, e))?;
    o.generator().map_err(err(F))
}

fn phi_of(v: &Dynamic, f: &str) -> RResult<Phi> {
    if let Some(pl) = v.clone().try_cast::<PowerLawObj>() {
        let l = pl.law();
        let phi = Phi::Power {
            k: l.a,
            b: l.b,
            n: l.n,
        };
        phi.validate().map_err(|e| rt_err(f, e))?;
        return Ok(phi);
    }
    if v.is_string() {
        return Phi::named(&v.clone().cast::<String>()).map_err(|e| rt_err(f, e));
    }
    if v.is_map() {
        let o: PhiOpts = from_map(&v.clone().cast::<Map>(), &[]).map_err(|e| rt_err(f, e))?;
        return o.phi().map_err(|e| rt_err(f, e));
    }
    Err(rt_err(
        f,
        "phi must be \"relu\", \"square\", a PowerLaw or a map",
    ))
}

fn phis(o: &Opts, p: usize, f: &str) -> RResult<Vec<Phi>> {
    match o.raw("phi") {
        None => Ok(vec![Phi::RELU; p]),
        Some(v) if v.is_array() => {
            let a = v.clone().cast::<Array>();
            if a.len() != p {
                return Err(rt_err(
                    f,
                    format!("`phi` has {} entries; give one or {p}", a.len()),
                ));
            }
            a.iter().map(|x| phi_of(x, f)).collect()
        }
        Some(v) => Ok(vec![phi_of(v, f)?; p]),
    }
}

fn signals(o: &Opts, p: usize, default: &[f64], f: &str) -> RResult<Vec<Signal>> {
    match o.raw("I") {
        None => Ok(default.iter().map(|&x| Signal::Const(x)).collect()),
        Some(v) if v.is_array() => {
            let a = v.clone().cast::<Array>();
            if a.len() != p {
                return Err(rt_err(
                    f,
                    format!(
                        "`I` has {} entries; the network has {p} populations",
                        a.len()
                    ),
                ));
            }
            a.iter()
                .enumerate()
                .map(|(k, x)| signal_of(x, f, &format!("I[{k}]")))
                .collect()
        }
        Some(v) => Ok(vec![signal_of(v, f, "I")?; p]),
    }
}

fn cube(x: &[Vec<Vec<f64>>]) -> Array {
    x.iter()
        .map(|m| Dynamic::from_array(to_matrix(m)))
        .collect()
}

fn normalised_map(st: &Normalised) -> Map {
    map_of(vec![
        ("mean_N", to_matrix(&st.mean_n).into()),
        ("var_N", to_matrix(&st.var_n).into()),
        ("recip", to_matrix(&st.recip).into()),
        ("conv_N", cube(&st.conv_n).into()),
        ("div_N", cube(&st.div_n).into()),
        ("chain_N", cube(&st.chain_n).into()),
    ])
}

fn alphas_map(a: &Alphas) -> Map {
    map_of(vec![
        ("p", to_matrix(&a.p).into()),
        ("recip", to_matrix(&a.recip).into()),
        ("conv", cube(&a.conv).into()),
        ("div", cube(&a.div).into()),
        ("chain", cube(&a.chain).into()),
    ])
}

fn eig_array(ev: &[(f64, f64)]) -> Array {
    ev.iter()
        .map(|&(re, im)| Dynamic::from_array(to_array(&[re, im])))
        .collect()
}

fn mf_state_map(mf: &MotifMeanField, x: &[f64]) -> Map {
    let r = mf.report(x);
    let st = &r.state;
    map_of(vec![
        ("m", to_array(&st.m).into()),
        ("s", to_array(&st.s).into()),
        ("delta", to_array(&st.delta).into()),
        ("rate", to_array(&st.rate).into()),
        ("rate_var", to_array(&st.rate_var).into()),
        ("gain", to_array(&st.gain).into()),
        ("eig", eig_array(&r.eig).into()),
        ("bulk_radius", Dynamic::from(r.bulk_radius)),
        (
            "effective_outliers",
            eig_array(&r.effective_outliers).into(),
        ),
        ("stable", Dynamic::from(r.stable)),
        (
            "warnings",
            r.warnings
                .into_iter()
                .map(Dynamic::from)
                .collect::<Array>()
                .into(),
        ),
    ])
}

/// Registers the motif types and functions.
pub fn register(api: &mut Api) {
    register_part1(api);
    register_part2(api);
    register_part3(api);
    register_part4(api);
}

/// Registration, part 1 of 4.
fn register_part1(api: &mut Api) {
    api.topic(
        "motifs",
        "Random networks with second-order motifs (reciprocal, convergent, divergent, chain) and their 2P mean field (Zhang et al. 2026; the construction and the mean field are our reconstruction, see docs/motifs.md). Convention: W[i][j] is the weight from j onto i. Weighted networks: motif_gaussian; binary ones: sonet. Both report achieved statistics beside the predicted ones, and fail naming the violated constraint (chain^2 <= conv * div, ...).\n\n```rhai\nlet g = motif_gaussian(#{ N: 400, J: -1.0, sigma: 0.3, kappa_c: 1.0, kappa_d: 1.5, rho_chain: 0.5 });\nlet mf = g.mean_field(#{ phi: \"relu\", I: 1.0 });\nprint(mf.steady_state().rate);\n```",
    );
    api.ty::<GaussianMotifs>(
        "MotifGaussian",
        "A weighted Gaussian network with block statistics and motifs: W_ij = (J_ab + kappa_c_ab a_i + kappa_d_ab b_j)/N + sigma_ab/sqrt(N) Z_ij, with per-neuron factors (a_i, b_i) correlated by rho_chain of the neuron's population and Corr(Z_ij, Z_ji) = rho_recip.",
        |g| format!("MotifGaussian(N = {:?}, J = {:?}, sigma = {:?}, kappa_c = {:?}, kappa_d = {:?}, rho_chain = {:?}, rho_recip = {:?})", g.sizes, g.jbar, g.sigma, g.kappa_c, g.kappa_d, g.rho_chain, g.rho_recip),
    );
    api.func(
        "motif_gaussian",
        &["params: map"],
        "MotifGaussian",
        &format!("A weighted motif network: mean weight J/N and variance sigma^2/N per block; give either the loadings kappa_c, kappa_d, rho_chain or the normalised motif coefficients c_conv, c_div, c_chain (motif covariances over sigma^2/N, all O(1/N)). A value per block is a number or a [post][pre] matrix.\n\n{}\n```rhai\nlet g = motif_gaussian(#{{ N: 300, J: -2.0, sigma: 1.0, c_conv: 0.4 / 300, c_div: 0.3 / 300, c_chain: 0.2 / 300 }});\nprint(g.predicted().chain_N);\n```", GaussianOpts::table()),
        |m: Map| gaussian_from_map(&m),
    );
    api.method(
        "MotifGaussian",
        "sample",
        &["seed: int"],
        "MotifMatrix",
        "Samples the dense weight matrix (zero diagonal), seeded; parallel and independent of the number of threads.\n\n```rhai\nlet w = motif_gaussian(#{ N: 200, J: 1.0 }).sample(1);\nprint(w.n);\n```",
        |g: &mut GaussianMotifs, seed: Dynamic| -> RResult<MotifMatrix> {
            let seed = count(&seed, "MotifGaussian.sample", "seed")? as u64;
            Ok(MotifMatrix(Arc::new(g.sample(seed).map_err(err("MotifGaussian.sample"))?)))
        },
    );
    api.method(
        "MotifGaussian",
        "predicted",
        &[],
        "map",
        "The statistics the construction has in expectation, normalised like MotifMatrix.stats: mean_N, var_N ([post][pre]), recip, conv_N [a][b][c] (shared post in a), div_N [b][a][c] (shared pre in b), chain_N [a][b][c] (k in c -> j in b -> i in a); the last three are covariances over sqrt(var var), times N.\n\n```rhai\nprint(motif_gaussian(#{ N: 100, kappa_c: 1.0, kappa_d: 1.0, rho_chain: 0.5 }).predicted().chain_N);\n```",
        |g: &mut GaussianMotifs| -> Map { normalised_map(&g.predicted().normalised()) },
    );
    api.method(
        "MotifGaussian",
        "predicted_outliers",
        &[],
        "array",
        "Predicted outlier eigenvalues of W ([re, im], decreasing real part): the eigenvalues of the 2P x 2P low-rank matrix [[J F, kappa_d F R], [kappa_c F, 0]] (F = diag(N_b/N), R = diag(rho_chain)); for one population (J +- sqrt(J^2 + 4 kappa_c kappa_d rho))/2. With J < 0 and chain motifs one outlier is positive. Only eigenvalues outside the predicted bulk radius are listed (inside it they are not outliers).\n\n```rhai\nprint(motif_gaussian(#{ N: 100, J: -1.0, kappa_c: 1.0, kappa_d: 1.5, rho_chain: 0.8 }).predicted_outliers());\n```",
        |g: &mut GaussianMotifs| -> Array { eig_array(&g.predicted_outliers()) },
    );
    api.method(
        "MotifGaussian",
        "bulk_radius",
        &[],
        "float",
        "Predicted radius of the random bulk of the spectrum of W: sqrt of the spectral radius of [sigma_ab^2 N_b/N].\n\n```rhai\nprint(motif_gaussian(#{ N: 100, sigma: 0.5 }).bulk_radius());\n```",
        |g: &mut GaussianMotifs| -> f64 { g.bulk_radius() },
    );
    api.method(
        "MotifGaussian",
        "mean_field",
        &["opts: map"],
        "MotifMeanField",
        "The 2P mean field of rate networks with this connectivity: tau dx/dt = -x + W phi(x) + I. Options: phi (\"relu\", \"square\", a PowerLaw, #{ type: \"power\", k, b, n } or #{ type: \"sigmoid\", max, gain, x0 }; one or one per population; default relu), I (number or one per population; 0), tau (1).\n\n```rhai\nlet g = motif_gaussian(#{ N: 1000, J: -1.0, sigma: 0.3, kappa_c: 1.0, kappa_d: 1.5, rho_chain: 0.0 });\nprint(g.mean_field(#{ I: 1.0 }).steady_state().m);\n```",
        |g: &mut GaussianMotifs, opts: Map| -> RResult<MotifMeanField> {
            const F: &str = "MotifGaussian.mean_field";
            let o = Opts::new(&opts, F, &["phi", "I", "tau"])?;
            let p = g.sizes.len();
            let phi = phis(&o, p, F)?;
            let i = match o.raw("I") {
                Some(v) if v.is_array() => num_vec(v, F, "I")?,
                Some(v) => vec![num(v, F, "I")?; p],
                None => vec![0.0; p],
            };
            if i.len() != p {
                return Err(rt_err(F, format!("parameter `I` must be a number or an array of {p} values (one per population)")));
            }
            MotifMeanField::new(g.clone(), phi, i, o.f64("tau", 1.0)?).map_err(err(F))
        },
    );

    api.ty::<MotifMatrix>(
        "MotifMatrix",
        "A sampled weighted motif matrix (rows postsynaptic).",
        |m| format!("MotifMatrix(N = {:?})", m.0.sizes),
    );
    api.get(
        "MotifMatrix",
        "n",
        "int",
        "Number of neurons.",
        |m: &mut MotifMatrix| -> i64 { m.0.w.nrows() as i64 },
    );
    api.method(
        "MotifMatrix",
        "stats",
        &[],
        "map",
        "Achieved statistics (same keys and normalisation as MotifGaussian.predicted), estimated from block means, row sums and column sums in one parallel pass.\n\n```rhai\nlet w = motif_gaussian(#{ N: 300, J: -1.0, kappa_c: 1.0, kappa_d: 1.0, rho_chain: 0.5 }).sample(2);\nprint(w.stats().chain_N);\n```",
        |m: &mut MotifMatrix| -> Map {
            let w = &m.0;
            normalised_map(&crate::connectivity::block_stats(&w.sizes, |i, j| w.w[[i, j]]).normalised())
        },
    );
}

/// Registration, part 2 of 4.
fn register_part2(api: &mut Api) {
    api.method(
        "MotifMatrix",
        "save_npy",
        &["path: string", "opts: map"],
        "",
        "Writes the weight matrix (N x N float64, rows postsynaptic) as NPY, with a metadata sidecar. Options: overwrite (false).\n\n```rhai\nmotif_gaussian(#{ N: 20 }).sample(1).save_npy(`${tmp_dir()}/w.npy`, #{ overwrite: true });\n```",
        |m: &mut MotifMatrix, path: &str, opts: Map| -> RResult<()> {
            const F: &str = "MotifMatrix.save_npy";
            let o: crate::io::WriteOpts = from_map(&opts, &[]).map_err(|e| rt_err(F, e))?;
            let n = m.0.w.nrows();
            let meta = serde_json::json!({ "populations": m.0.sizes, "convention": "W[i][j]: weight from j onto i" });
            crate::io::write_npy(std::path::Path::new(path), &[n, n], m.0.w.iter().copied().collect(), o.overwrite, crate::io::merge_meta(meta, &o.meta))
                .map_err(err(F))
        },
    );
    api.method(
        "MotifGraph",
        "save_npy",
        &["path: string", "opts: map"],
        "",
        "Writes the adjacency matrix (N x N float64 of 0/1, rows postsynaptic) as NPY, with a metadata sidecar. Options: overwrite (false).\n\n```rhai\nsonet(#{ N: 20, p: 0.2 }).sample(1).save_npy(`${tmp_dir()}/a.npy`, #{ overwrite: true });\n```",
        |g: &mut MotifGraph, path: &str, opts: Map| -> RResult<()> {
            const F: &str = "MotifGraph.save_npy";
            let o: crate::io::WriteOpts = from_map(&opts, &[]).map_err(|e| rt_err(F, e))?;
            let n = g.0.n();
            let meta = serde_json::json!({ "populations": g.0.sizes, "convention": "A[i][j] = 1: edge from j onto i" });
            crate::io::write_npy(std::path::Path::new(path), &[n, n], g.0.adj.iter().map(|&x| x as f64).collect(), o.overwrite, crate::io::merge_meta(meta, &o.meta))
                .map_err(err(F))
        },
    );
    api.method(
        "MotifMatrix",
        "eigenvalues",
        &[],
        "array",
        "All eigenvalues [re, im] of W (dense real Schur; N <= 3000), sorted by decreasing real part.\n\n```rhai\nprint(motif_gaussian(#{ N: 50, J: 2.0 }).sample(1).eigenvalues()[0]);\n```",
        |m: &mut MotifMatrix| -> RResult<Array> {
            let w = &m.0.w;
            let n = w.nrows();
            if n > 3000 {
                return Err(rt_err("MotifMatrix.eigenvalues", format!("N = {n}: the dense eigen-solver is limited to N <= 3000")));
            }
            let dm = nalgebra::DMatrix::from_fn(n, n, |i, j| w[[i, j]]);
            let mut ev: Vec<(f64, f64)> = dm.complex_eigenvalues().iter().map(|c| (c.re, c.im)).collect();
            ev.sort_by(|a, b| b.0.total_cmp(&a.0));
            Ok(eig_array(&ev))
        },
    );
    api.method(
        "MotifMatrix",
        "simulate",
        &["opts: map"],
        "TimeCourse",
        &format!("Simulates the rate network tau dx/dt = -x + W phi(x) + I (forward Euler). Also phi (as in mean_field; default relu) and I (numbers or Signals per population; default 0). Returns a TimeCourse: pop_rates (<phi(x)> per population and record, the nonlinearity's unit), extras m ([pop][record]), last #{{ m, s, delta, var, rate, rate_var }} (s: loading on the input factor, delta: residual variance), x (final per-neuron states), wall_s; runaway activity (|x| >= 1e8) gives status \"diverged\".\n\n{}\n```rhai\nlet w = motif_gaussian(#{{ N: 300, J: -1.0, sigma: 0.3, kappa_c: 1.0, kappa_d: 1.5 }}).sample(1);\nprint(w.simulate(#{{ I: 1.0, duration: 50 }}).last.rate);\n```", RateOpts::table()),
        |m: &mut MotifMatrix, opts: Map| -> RResult<TimeCourse> {
            const F: &str = "MotifMatrix.simulate";
            let o = Opts::new(&opts, F, &["phi", "I", "tau", "dt", "duration", "every", "average", "x0"])?;
            let p = m.0.sizes.len();
            let phi = phis(&o, p, F)?;
            let sig = signals(&o, p, &vec![0.0; p], F)?;
            let ro = from_map::<RateOpts>(&opts, &["phi", "I"]).map_err(|e| rt_err(F, e))?.build();
            let input = move |t: f64| sig.iter().map(|s| s.at(t)).collect::<Vec<f64>>();
            let r = simulate(&m.0, &phi, &input, &ro).map_err(err(F))?;
            Ok(r.time_course())
        },
    );

    api.ty::<Sonet>(
        "Sonet",
        "A binary second-order network specification (SONETs, Zhao et al. 2011, for P populations): thresholded Gaussians with latent factors whose correlations are solved from the motif alphas (P(both edges) = p1 p2 (1 + alpha)).",
        |s| format!("Sonet(N = {:?}, p = {:?}, chain fractions = {:?})", s.sizes, s.p, s.field.factor_corr),
    );
    api.func(
        "sonet",
        &["params: map"],
        "Sonet",
        &format!("A binary motif network (SONETs) with connection probability p in (0, 1) and motif frequencies alpha per block (a number or a [post][pre] matrix); cc_chain as in SONETs. Infeasible targets fail naming the constraint.\n\n{}\n```rhai\nlet s = sonet(#{{ N: 500, p: 0.1, alpha_recip: 0.5, alpha_conv: 0.3, alpha_div: 0.2, alpha_chain: 0.1 }});\nprint(s.sample(1).alphas().chain);\n```", SonetOpts::table()),
        |m: Map| sonet_from_map(&m),
    );
    api.method(
        "Sonet",
        "sample",
        &["seed: int"],
        "MotifGraph",
        "Samples the graph (no autapses), seeded and parallel.\n\n```rhai\nprint(sonet(#{ N: 200, p: 0.1 }).sample(3).edges);\n```",
        |s: &mut Sonet, seed: Dynamic| -> RResult<MotifGraph> {
            let seed = count(&seed, "Sonet.sample", "seed")? as u64;
            Ok(MotifGraph(Arc::new(s.sample(seed).map_err(err("Sonet.sample"))?)))
        },
    );
    api.method(
        "Sonet",
        "predicted",
        &[],
        "map",
        "Expected connection probabilities and alphas of every motif: p [post][pre], recip [a][b], conv [a][b][c] (shared post in a), div [b][a][c] (shared pre in b), chain [a][b][c] (k in c -> j in b -> i in a).\n\n```rhai\nprint(sonet(#{ N: [80, 20], p: [[0.2, 0.4], [0.3, 0.4]], alpha_conv: 0.2, alpha_div: 0.2, cc_chain: [0.5, 0.0] }).predicted().chain);\n```",
        |s: &mut Sonet| -> Map { alphas_map(&s.predicted()) },
    );
    api.ty::<MotifGraph>("MotifGraph", "A sampled binary motif graph.", |g| {
        format!("MotifGraph(N = {:?}, {} edges)", g.0.sizes, g.0.edges())
    });
    api.get(
        "MotifGraph",
        "edges",
        "int",
        "Number of edges.",
        |g: &mut MotifGraph| -> i64 { g.0.edges() as i64 },
    );
}

/// Registration, part 3 of 4.
fn register_part3(api: &mut Api) {
    api.get(
        "MotifGraph",
        "n",
        "int",
        "Number of neurons.",
        |g: &mut MotifGraph| -> i64 { g.0.n() as i64 },
    );
    api.method(
        "MotifGraph",
        "alphas",
        &[],
        "map",
        "Achieved connection probabilities and motif alphas (same keys as Sonet.predicted), from block means and row/column sums.\n\n```rhai\nprint(sonet(#{ N: 300, p: 0.1, alpha_conv: 0.5 }).sample(1).alphas().conv);\n```",
        |g: &mut MotifGraph| -> Map { alphas_map(&g.0.alphas()) },
    );
    api.method(
        "MotifGraph",
        "weighted",
        &["J: number|matrix"],
        "MotifMatrix",
        "The weighted matrix W_ij = J[a][b] A_ij (a number is used for every block), for rate simulations and spectra.\n\n```rhai\nlet w = sonet(#{ N: 200, p: 0.1 }).sample(1).weighted(0.05);\nprint(w.stats().mean_N);\n```",
        |g: &mut MotifGraph, j: Dynamic| -> RResult<MotifMatrix> {
            const F: &str = "MotifGraph.weighted";
            let p = g.0.sizes.len();
            let jm = if j.is_array() { num_matrix(&j, F, "J")? } else { vec![vec![num(&j, F, "J")?; p]; p] };
            let w = g.0.weighted(&jm).map_err(err(F))?;
            Ok(MotifMatrix(Arc::new(WeightMatrix { sizes: g.0.sizes.clone(), w, factors: Some(g.0.factors.clone()) })))
        },
    );

    api.ty::<MotifMeanField>(
        "MotifMeanField",
        "The 2P mean field of a motif rate network: population means m and input-factor loadings s, with the residual variance delta from the static closure; chain motifs feed s into the means.",
        |m| format!("MotifMeanField(N = {:?}, phi = {:?}, I = {:?}, tau = {})", m.net.sizes, m.phi, m.input, m.tau),
    );
    api.method(
        "MotifMeanField",
        "steady_state",
        &[],
        "map",
        "The fixed point (Newton from m = I, s = 0; 200 tau of integration first if needed): #{ m, s, delta, rate, rate_var, gain (<phi'>), eig (of the 2P Jacobian, 1/tau), bulk_radius (of W diag(phi'); > 1: unstable through the bulk), effective_outliers (low-rank eigenvalues times the gains, only those outside the bulk; the reference's criterion 'largest > 1: unstable' is a linear estimate that ignores the variance dynamics and can miss the instability: decide with eig, as `stable` does), stable (all eig < 0 and bulk_radius < 1), warnings }. Fails when there is none (runaway).\n\n```rhai\nlet g = motif_gaussian(#{ N: 1000, J: -1.0, sigma: 0.3, kappa_c: 1.0, kappa_d: 1.5, rho_chain: 0.5 });\nprint(g.mean_field(#{ I: 1.0 }).steady_state().rate);\n```",
        |m: &mut MotifMeanField| -> RResult<Map> {
            let x = m.steady_state().map_err(err("MotifMeanField.steady_state"))?;
            Ok(mf_state_map(m, &x))
        },
    );
    api.method(
        "MotifMeanField",
        "simulate",
        &["opts: map"],
        "TimeCourse",
        &format!("Integrates the 2P mean field (RK4). Also I (numbers or Signals per population; default the model's). Returns a TimeCourse (time in units of the model's time, pop_rates = <phi> per population in the nonlinearity's unit, extras m and s); runaway activity (|state| >= 1e12) gives status \"diverged\".\n\n{}\n```rhai\nlet g = motif_gaussian(#{{ N: 1000, J: -1.0, sigma: 0.3, kappa_c: 1.0, kappa_d: 1.5 }});\nlet tc = g.mean_field(#{{ I: 1.0 }}).simulate(#{{ duration: 20 }});\nprint(tc.pop_rates[0][-1]);\nassert(tc.status == \"finished\");\n```", MfSimulateOpts::table()),
        |m: &mut MotifMeanField, opts: Map| -> RResult<TimeCourse> {
            const F: &str = "MotifMeanField.simulate";
            let so: MfSimulateOpts = from_map(&opts, &["I"]).map_err(|e| rt_err(F, e))?;
            let o = Opts::new(&opts, F, &["duration", "dt", "every", "I", "x0"])?;
            let p = m.net.sizes.len();
            let sig = signals(&o, p, &m.input, F)?;
            let x0 = so.x0.as_ref().map_or_else(|| vec![0.0; 2 * p], |v| v.iter().map(|x| x.0).collect());
            let input = |t: f64| sig.iter().map(|s| s.at(t)).collect::<Vec<f64>>();
            let duration = so.duration.map_or(200.0 * m.tau, |d| d.0);
            let dt = so.dt.map_or(0.05 * m.tau, |d| d.0);
            let tr = m.integrate(&x0, duration, dt, so.every.0 as usize, &input).map_err(err(F))?;
            Ok(m.time_course(&tr))
        },
    );
    api.method(
        "MotifMeanField",
        "network",
        &[],
        "MotifGaussian",
        "The connectivity statistics of this mean field (e.g. after a fit), to sample and verify.\n\n```rhai\nlet g = motif_gaussian(#{ N: 100, J: -1.0 });\nprint(g.mean_field(#{ I: 1.0 }).network());\n```",
        |m: &mut MotifMeanField| -> GaussianMotifs { m.net.clone() },
    );
}

/// Registration, part 4 of 4.
fn register_part4(api: &mut Api) {
    api.method(
        "MotifMeanField",
        "fit",
        &["opts: map"],
        "map",
        "Fits block statistics so that the mean-field fixed point has target per-population mean rates and rate variances (Levenberg-Marquardt). Options: rate (one per population; NaN to skip), rate_var (likewise), free (parameter kinds, P values each: \"I\", \"kappa_c\" (per post population), \"kappa_d\" (per pre population), \"rho_chain\", \"sigma\"; default [\"I\", \"kappa_c\"]). Returns #{ model (the fitted MotifMeanField), rate, rate_var, max_rel_error, converged, iterations, I, kappa_c, kappa_d, rho_chain, sigma }.\n\n```rhai\nlet g = motif_gaussian(#{ N: 1000, J: -1.0, sigma: 0.3, kappa_c: 1.0, kappa_d: 1.5, rho_chain: 0.3 });\nlet f = g.mean_field(#{ I: 1.0 }).fit(#{ rate: [0.8], rate_var: [0.3] });\nprint(f.max_rel_error);\n```",
        |m: &mut MotifMeanField, opts: Map| -> RResult<Map> {
            const F: &str = "MotifMeanField.fit";
            let o = Opts::new(&opts, F, &["rate", "rate_var", "free"])?;
            let p = m.net.sizes.len();
            let rate = o.opt_vec("rate")?.unwrap_or_else(|| vec![f64::NAN; p]);
            let rate_var = o.opt_vec("rate_var")?.unwrap_or_else(|| vec![f64::NAN; p]);
            let free: Vec<Free> = match o.raw("free") {
                None => vec![Free::Input, Free::KappaC],
                Some(v) => {
                    let a = v.clone().try_cast::<Array>().ok_or_else(|| rt_err(F, "`free` must be an array of names"))?;
                    a.iter()
                        .map(|x| Free::parse(&x.clone().into_string().unwrap_or_default()).map_err(err(F)))
                        .collect::<RResult<_>>()?
                }
            };
            let r = fit(m, &free, &Targets { rate, rate_var }).map_err(err(F))?;
            let net = &r.model.net;
            Ok(map_of(vec![
                ("rate", to_array(&r.rate).into()),
                ("rate_var", to_array(&r.rate_var).into()),
                ("max_rel_error", Dynamic::from(r.max_rel_error)),
                ("converged", Dynamic::from(r.converged)),
                ("iterations", Dynamic::from(r.iterations as i64)),
                ("I", to_array(&r.model.input).into()),
                ("kappa_c", to_matrix(&net.kappa_c).into()),
                ("kappa_d", to_matrix(&net.kappa_d).into()),
                ("rho_chain", to_array(&net.rho_chain).into()),
                ("sigma", to_matrix(&net.sigma).into()),
                ("model", Dynamic::from(r.model.clone())),
            ]))
        },
    );
}
