//! Closed-form regime conditions of the E–I SSN (reference §2: Eq 4, 7, S1, S2, S4, S6),
//! response curves along an input sweep, and regime maps over two parameters.

use super::ssn::{Ssn, SteadyStates};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Closed-form quantities of an E–I SSN at input ratio r = μ_I/μ_E.
#[derive(Debug, Clone)]
pub struct Conditions {
    /// det J = J_EI J_IE − J_EE J_II.
    pub det: f64,
    /// Supersaturation is possible: r > J_II/J_EI (Eq 4).
    pub supersaturation_possible: bool,
    /// J_II/J_EI, the r threshold of Eq 4.
    pub r_supersaturation: f64,
    /// ν_I at the supersaturation point (Eq S6), when possible.
    pub nu_i_peak: Option<f64>,
    /// E rate above which the network is inhibition-stabilised (Eq 7).
    pub nu_isn: f64,
    /// Balanced-state rates per unit input μ (Eq S1): (ν_E/μ, ν_I/μ).
    pub balanced_slope: (f64, f64),
    /// The balanced limit has positive rates (Eq S2).
    pub balanced_exists: bool,
    /// The balanced limit is positive and stable (det J > 0 and r < J_II/J_EI; Eq S4).
    pub balanced_stable: bool,
}

/// Evaluates [`Conditions`] for an E–I SSN at ratio r.
pub fn conditions(net: &Ssn, r: f64) -> Result<Conditions> {
    if !net.is_ei() {
        return Err(Error::param(
            "network",
            format!("{} populations", net.size()),
            "closed-form conditions need an E-I pair",
        ));
    }
    let [jee, jei] = [net.j[0][0], net.j[0][1]];
    let [jie, jii] = [net.j[1][0], net.j[1][1]];
    let (fe, fi) = (net.f[0], net.f[1]);
    let det = jei * jie - jee * jii;
    let r_ss = if jei > 0.0 { jii / jei } else { f64::INFINITY };
    let possible = r > r_ss;
    let nu_i_peak = if possible && fi.n > 1.0 {
        Some(fi.a * (fi.a * fi.n * (r * jei - jii)).powf(-fi.n / (fi.n - 1.0)))
    } else {
        None
    };
    let nu_isn = if fe.n > 1.0 && jee > 0.0 {
        (jee * fe.n * fe.a.powf(1.0 / fe.n)).powf(-fe.n / (fe.n - 1.0))
    } else if jee > 0.0 && jee * fe.a >= 1.0 {
        0.0
    } else {
        f64::INFINITY
    };
    let slope = if det != 0.0 {
        ((jii - r * jei) / det, (jie - r * jee) / det)
    } else {
        (f64::NAN, f64::NAN)
    };
    let exists = det != 0.0 && slope.0 > 0.0 && slope.1 > 0.0;
    Ok(Conditions {
        det,
        supersaturation_possible: possible,
        r_supersaturation: r_ss,
        nu_i_peak,
        nu_isn,
        balanced_slope: slope,
        balanced_exists: exists,
        balanced_stable: exists && det > 0.0,
    })
}

/// One point of a response curve.
#[derive(Debug, Clone)]
pub struct CurvePoint {
    /// Input μ_E (mV/s).
    pub mu: f64,
    /// Rates (Hz).
    pub nu: Vec<f64>,
    /// Stable or not.
    pub stable: bool,
    /// Branch index (0 = followed from the lowest state on the way up).
    pub branch: usize,
}

/// Response of the network along μ_ext = (μ, r μ), μ over a grid: every steady state at every
/// grid point (so folds and hysteresis are visible), plus the branch followed by a slow ramp
/// up and then down (the stable state closest to the previous one).
#[derive(Debug, Clone)]
pub struct Response {
    /// All steady states at each grid point.
    pub all: Vec<CurvePoint>,
    /// ν_E on the upward ramp (NaN where no stable state exists).
    pub up: Vec<f64>,
    /// ν_E on the downward ramp.
    pub down: Vec<f64>,
    /// The μ grid.
    pub mu: Vec<f64>,
    /// Highest interior local maximum of the stable ν_E on the upward branch: (μ, ν_E, ν_I);
    /// None when ν_E has no maximum inside the interval.
    pub peak: Option<(f64, f64, f64)>,
    /// μ ranges where two or more stable states coexist.
    pub bistable: Vec<(f64, f64)>,
    /// μ ranges with no steady state.
    pub no_state: Vec<(f64, f64)>,
}

fn ranges(mu: &[f64], flag: &[bool]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut start: Option<f64> = None;
    for (i, &f) in flag.iter().enumerate() {
        match (f, start) {
            (true, None) => start = Some(mu[i]),
            (false, Some(s)) => {
                out.push((s, mu[i - 1]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, *mu.last().unwrap_or(&s)));
    }
    out
}

/// The index of the highest interior local maximum of `y` (finite neighbours, rising into it
/// and not rising after it), or None: a maximum at an end of the interval is no peak.
pub fn interior_max(y: &[f64]) -> Option<usize> {
    (1..y.len().saturating_sub(1))
        .filter(|&i| {
            let (a, b, c) = (y[i - 1], y[i], y[i + 1]);
            a.is_finite() && b.is_finite() && c.is_finite() && b > a && b >= c
        })
        .filter(|&i| {
            // a plateau that rises again later is no maximum
            let j = (i + 1..y.len()).find(|&j| y[j] != y[i]).unwrap_or(y.len());
            j == y.len() || y[j] <= y[i] || y[j].is_nan()
        })
        .max_by(|&i, &j| y[i].total_cmp(&y[j]))
}

/// Computes the [`Response`] of an SSN along the ray μ_I = r μ_E.
pub fn response(net: &Ssn, r: f64, mu: &[f64]) -> Result<Response> {
    let ctx = crate::numerics::context::RunContext::current();
    if !net.is_ei() {
        return Err(Error::param(
            "network",
            format!("{} populations", net.size()),
            "response curves need an E-I pair",
        ));
    }
    let sets: Vec<SteadyStates> = mu
        .par_iter()
        .map(|&m| {
            ctx.check()?;
            net.steady_states(&[m, r * m], Some(&[1.0, r]))
        })
        .collect::<Result<_>>()?;
    let mut all = Vec::new();
    for (i, s) in sets.iter().enumerate() {
        for (b, st) in s.states.iter().enumerate() {
            all.push(CurvePoint {
                mu: mu[i],
                nu: st.nu.clone(),
                stable: st.stable,
                branch: b,
            });
        }
    }
    let follow = |order: Box<dyn Iterator<Item = usize>>| -> Vec<f64> {
        let mut out = vec![f64::NAN; mu.len()];
        let mut prev: Option<f64> = None;
        for i in order {
            let stable: Vec<f64> = sets[i]
                .states
                .iter()
                .filter(|s| s.stable)
                .map(|s| s.nu[0])
                .collect();
            let pick = match prev {
                None => stable.first().copied(),
                Some(p) => stable
                    .iter()
                    .copied()
                    .min_by(|a, b| (a - p).abs().total_cmp(&(b - p).abs())),
            };
            if let Some(v) = pick {
                out[i] = v;
            }
            prev = pick.or(prev);
        }
        out
    };
    let up = follow(Box::new(0..mu.len()));
    let down = follow(Box::new((0..mu.len()).rev()));
    let peak = interior_max(&up).map(|i| {
        let nu_i = sets[i]
            .states
            .iter()
            .find(|s| s.nu[0] == up[i])
            .map(|s| s.nu[1])
            .unwrap_or(f64::NAN);
        (mu[i], up[i], nu_i)
    });
    let bist: Vec<bool> = sets.iter().map(|s| s.n_stable() >= 2).collect();
    let none: Vec<bool> = sets.iter().map(|s| s.states.is_empty()).collect();
    Ok(Response {
        all,
        up,
        down,
        mu: mu.to_vec(),
        peak,
        bistable: ranges(mu, &bist),
        no_state: ranges(mu, &none),
    })
}

/// Locates the supersaturation peak of the stable low branch precisely: returns (μ, ν_E, ν_I)
/// at dν_E/dμ = 0 (golden-section refinement on a bracketing grid of 401 points), or None when
/// ν_E has no interior maximum on [μ_lo, μ_hi] (a rate still rising or already falling at an
/// end of the interval has no peak there).
pub fn peak(net: &Ssn, r: f64, mu_lo: f64, mu_hi: f64) -> Result<Option<(f64, f64, f64)>> {
    if !(mu_lo.is_finite() && mu_hi.is_finite() && mu_lo < mu_hi) {
        return Err(Error::param(
            "mu_lo, mu_hi",
            format!("[{mu_lo}, {mu_hi}]"),
            "must be finite with mu_lo < mu_hi (mV/s)",
        ));
    }
    let grid: Vec<f64> = (0..=400)
        .map(|i| mu_lo + (mu_hi - mu_lo) * i as f64 / 400.0)
        .collect();
    let resp = response(net, r, &grid)?;
    let Some((m0, _, _)) = resp.peak else {
        return Ok(None);
    };
    let h = (mu_hi - mu_lo) / 400.0;
    let nu_e = |m: f64| -> f64 {
        net.steady_states(&[m, r * m], None)
            .ok()
            .and_then(|s| {
                s.states
                    .iter()
                    .filter(|x| x.stable)
                    .map(|x| x.nu[0])
                    .reduce(f64::min)
            })
            .unwrap_or(f64::NAN)
    };
    // The grid maximum is interior (Response::peak guarantees it): refine inside its
    // bracket [m0 − h, m0 + h].
    let (mut a, mut b) = (m0 - h, m0 + h);
    let g = 0.5 * (5f64.sqrt() - 1.0);
    for _ in 0..80 {
        let c = b - g * (b - a);
        let d = a + g * (b - a);
        if nu_e(c) > nu_e(d) {
            b = d;
        } else {
            a = c;
        }
    }
    let m = 0.5 * (a + b);
    // A maximum of the branch, not of a bracket end: the refined point must lie inside the
    // bracket and above both of its ends.
    let top = nu_e(m);
    if !(top.is_finite() && m > m0 - h && m < m0 + h && top >= nu_e(m0 - h) && top >= nu_e(m0 + h))
    {
        return Ok(None);
    }
    let s = net.steady_states(&[m, r * m], None)?;
    Ok(s.states
        .iter()
        .filter(|x| x.stable)
        .min_by(|p, q| p.nu[0].total_cmp(&q.nu[0]))
        .map(|x| (m, x.nu[0], x.nu[1])))
}

/// What is recorded per cell of a regime map.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Cell {
    /// Value of the x parameter.
    pub x: f64,
    /// Value of the y parameter.
    pub y: f64,
    /// Number of steady states.
    pub n_states: usize,
    /// Number of stable steady states.
    pub n_stable: usize,
    /// Some stable state is inhibition-stabilised.
    pub isn: bool,
    /// The lowest stable state is supersaturating.
    pub supersaturating: bool,
    /// The balanced limit has positive rates.
    pub balanced_exists: bool,
    /// The balanced limit is stable.
    pub balanced_stable: bool,
    /// No steady state found (a proof of runaway activity only when `complete`).
    pub no_steady_state: bool,
    /// The steady-state search is certified complete for this cell.
    pub complete: bool,
    /// ν_E of the lowest stable state (NaN if none).
    pub nu_e: f64,
    /// ν_I of the lowest stable state (NaN if none).
    pub nu_i: f64,
}

impl Cell {
    /// The operational regime of the cell.
    pub fn regime(&self) -> Regime {
        Regime::from_parts(
            self.n_states,
            self.n_stable,
            self.complete,
            self.supersaturating,
            self.isn,
        )
    }

    /// The regime's label (see [`Regime`]).
    pub fn label(&self) -> String {
        self.regime().to_string()
    }
}

/// The operational regime at one input, from all its steady states: the one place where
/// regimes are named (maps, `analyze`, CSV files and plots all use this `Display`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Regime {
    /// The solver proved there is no steady state: activity grows without bound.
    NoSteadyState,
    /// The (uncertified, P > 2) search found no steady state; that is not a proof.
    NoneFound,
    /// Two or more stable steady states.
    Bistable,
    /// Steady states exist but none is stable (oscillation or runaway).
    NoStableState,
    /// One stable state, supersaturating (dν_E/dμ < 0) and inhibition-stabilised.
    SupersaturatingIsn,
    /// One stable state, supersaturating, not inhibition-stabilised.
    Supersaturating,
    /// One stable state, inhibition-stabilised.
    Isn,
    /// One stable state, neither.
    NonIsn,
}

impl Regime {
    /// Every regime, in the order of map legends.
    pub const ALL: [Regime; 8] = [
        Regime::NonIsn,
        Regime::Isn,
        Regime::Supersaturating,
        Regime::SupersaturatingIsn,
        Regime::Bistable,
        Regime::NoStableState,
        Regime::NoSteadyState,
        Regime::NoneFound,
    ];

    /// The regime of a set of steady states: the lowest stable state decides ISN and
    /// supersaturation when there is exactly one stable state.
    pub fn of(s: &crate::rate::SteadyStates) -> Regime {
        let low = s.states.iter().find(|x| x.stable);
        Regime::from_parts(
            s.states.len(),
            s.n_stable(),
            s.complete,
            low.is_some_and(|x| x.supersaturating()),
            low.is_some_and(|x| x.isn),
        )
    }

    fn from_parts(
        n_states: usize,
        n_stable: usize,
        complete: bool,
        supersaturating: bool,
        isn: bool,
    ) -> Regime {
        if n_states == 0 {
            return if complete {
                Regime::NoSteadyState
            } else {
                Regime::NoneFound
            };
        }
        if n_stable >= 2 {
            return Regime::Bistable;
        }
        if n_stable == 0 {
            return Regime::NoStableState;
        }
        match (supersaturating, isn) {
            (true, true) => Regime::SupersaturatingIsn,
            (true, false) => Regime::Supersaturating,
            (false, true) => Regime::Isn,
            (false, false) => Regime::NonIsn,
        }
    }

    /// The label, as printed.
    pub fn label(self) -> &'static str {
        match self {
            Regime::NoSteadyState => "no steady state",
            Regime::NoneFound => "none found (search not certified)",
            Regime::Bistable => "bistable",
            Regime::NoStableState => "no stable steady state",
            Regime::SupersaturatingIsn => "supersaturating ISN",
            Regime::Supersaturating => "supersaturating",
            Regime::Isn => "ISN",
            Regime::NonIsn => "non-ISN",
        }
    }
}

impl std::fmt::Display for Regime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A regime map over a 2-D grid of parameters.
#[derive(Debug, Clone)]
pub struct RegimeMap {
    /// Name of the x parameter.
    pub x_name: String,
    /// Name of the y parameter.
    pub y_name: String,
    /// x grid.
    pub xs: Vec<f64>,
    /// y grid.
    pub ys: Vec<f64>,
    /// Cells, row-major in y then x (cells[iy * nx + ix]).
    pub cells: Vec<Cell>,
}

impl std::fmt::Display for RegimeMap {
    /// Grid size, axes and the number of cells per regime.
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let mut labels: std::collections::BTreeMap<String, usize> = Default::default();
        for c in &self.cells {
            *labels.entry(c.label()).or_default() += 1;
        }
        let ends = |v: &[f64]| {
            (
                v.first().copied().unwrap_or(f64::NAN),
                v.last().copied().unwrap_or(f64::NAN),
            )
        };
        let ((x0, x1), (y0, y1)) = (ends(&self.xs), ends(&self.ys));
        write!(
            f,
            "RegimeMap({} x {} over {} in [{x0}, {x1}] and {} in [{y0}, {y1}]; cells per regime: {labels:?})",
            self.xs.len(),
            self.ys.len(),
            self.x_name,
            self.y_name,
        )
    }
}

impl RegimeMap {
    /// The cell nearest to (x, y).
    pub fn at(&self, x: f64, y: f64) -> Option<&Cell> {
        let ix = nearest(&self.xs, x)?;
        let iy = nearest(&self.ys, y)?;
        self.cells.get(iy * self.xs.len() + ix)
    }
    /// Writes the map as CSV (one row per cell).
    pub fn to_csv(&self, path: &std::path::Path) -> Result<()> {
        let mut w = csv::Writer::from_path(path)
            .map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
        w.write_record([
            self.x_name.as_str(),
            self.y_name.as_str(),
            "n_states",
            "n_stable",
            "isn",
            "supersaturating",
            "balanced_exists",
            "balanced_stable",
            "no_steady_state",
            "complete",
            "nu_e_hz",
            "nu_i_hz",
            "regime",
        ])
        .map_err(|e| Error::Io(e.to_string()))?;
        for c in &self.cells {
            w.write_record([
                c.x.to_string(),
                c.y.to_string(),
                c.n_states.to_string(),
                c.n_stable.to_string(),
                c.isn.to_string(),
                c.supersaturating.to_string(),
                c.balanced_exists.to_string(),
                c.balanced_stable.to_string(),
                c.no_steady_state.to_string(),
                c.complete.to_string(),
                c.nu_e.to_string(),
                c.nu_i.to_string(),
                c.label(),
            ])
            .map_err(|e| Error::Io(e.to_string()))?;
        }
        w.flush().map_err(|e| Error::Io(e.to_string()))
    }
}

fn nearest(v: &[f64], x: f64) -> Option<usize> {
    v.iter()
        .enumerate()
        .min_by(|a, b| (a.1 - x).abs().total_cmp(&(b.1 - x).abs()))
        .map(|(i, _)| i)
}

/// Builds the network, its input (μ_E, μ_I) and input direction for one map cell (x, y).
pub type CellBuilder<'a> = dyn Fn(f64, f64) -> Result<(Ssn, [f64; 2], [f64; 2])> + Sync + 'a;

/// Builds a regime map: `make(x, y)` returns the network and its external input (μ_E, μ_I)
/// for a cell, and the input direction for the supersaturation test.
pub fn regime_map(
    x_name: &str,
    xs: &[f64],
    y_name: &str,
    ys: &[f64],
    make: &CellBuilder<'_>,
) -> Result<RegimeMap> {
    let ctx = crate::numerics::context::RunContext::current();
    let n_cells = xs.len() as f64 * ys.len() as f64;
    crate::numerics::memory::reserve(
        &format!("a regime map of {} x {} cells", xs.len(), ys.len()),
        n_cells * std::mem::size_of::<Cell>() as f64,
    )?;
    let pb = ctx.progress((xs.len() * ys.len()) as u64, "regime map");
    let cells: Vec<Cell> = (0..xs.len() * ys.len())
        .into_par_iter()
        .map(|k| {
            ctx.check()?;
            let (ix, iy) = (k % xs.len(), k / xs.len());
            let (x, y) = (xs[ix], ys[iy]);
            let (net, mu, dir) = make(x, y)?;
            let s = net.steady_states(&mu, Some(&dir))?;
            let r = if mu[0] != 0.0 {
                mu[1] / mu[0]
            } else {
                dir[1] / dir[0]
            };
            let cond = conditions(&net, r)?;
            let low = s.states.iter().find(|s| s.stable);
            pb.inc(1);
            Ok(Cell {
                x,
                y,
                n_states: s.states.len(),
                n_stable: s.n_stable(),
                isn: s.states.iter().any(|s| s.stable && s.isn),
                supersaturating: low.is_some_and(|s| s.supersaturating()),
                balanced_exists: cond.balanced_exists,
                balanced_stable: cond.balanced_stable,
                no_steady_state: s.states.is_empty(),
                complete: s.complete,
                nu_e: low.map_or(f64::NAN, |s| s.nu[0]),
                nu_i: low.map_or(f64::NAN, |s| s.nu[1]),
            })
        })
        .collect::<Result<_>>()?;
    pb.finish_and_clear();
    Ok(RegimeMap {
        x_name: x_name.into(),
        y_name: y_name.into(),
        xs: xs.to_vec(),
        ys: ys.to_vec(),
        cells,
    })
}

crate::options! {
    /// Options of `Ssn.response`.
    pub struct ResponseOpts {
        /// mu_E axis [lo, hi, n]
        mu: [crate::options::Num; 3] = [crate::options::Num(0.0), crate::options::Num(50.0), crate::options::Num(501.0)], "mV/s";
        /// mu_I / mu_E
        r: crate::options::Num = crate::options::Num(1.0), "";
    }
}

impl ResponseOpts {
    /// The mu axis (n whole, 1 to 1e6).
    pub fn mu_axis(&self) -> Result<Vec<f64>> {
        let m = &self.mu;
        crate::numerics::stats::grid_axis("mu", &[m[0].0, m[1].0, m[2].0], 1_000_000)
    }
}

/// Parameters a regime map of an E–I SSN can vary: `mu`, `r` (μ_I/μ_E) and the couplings
/// J_EE, J_EI, J_IE, J_II (mV).
pub const MAP_PARAMS: [&str; 6] = ["mu", "r", "J_EE", "J_EI", "J_IE", "J_II"];

/// The regime map of `net` over two axes, each a parameter of [`MAP_PARAMS`] with its values;
/// `fixed` sets other parameters (default μ = 20 mV/s, r = 1, J from the network). With no
/// axes the map is μ ∈ [0, 50] (101 points) × r ∈ [0, 5] (101 points).
pub fn ssn_regime_map(
    net: &Ssn,
    axes: &[(String, Vec<f64>)],
    fixed: &[(String, f64)],
) -> Result<RegimeMap> {
    let default_axes = [
        (
            "mu".to_string(),
            crate::numerics::stats::linspace(0.0, 50.0, 101),
        ),
        (
            "r".to_string(),
            crate::numerics::stats::linspace(0.0, 5.0, 101),
        ),
    ];
    let axes = if axes.is_empty() {
        &default_axes[..]
    } else {
        axes
    };
    if axes.len() != 2 {
        return Err(Error::param(
            "axes",
            axes.len(),
            "exactly two axes ([lo, hi, n]) are needed",
        ));
    }
    for (k, v) in axes
        .iter()
        .map(|(k, v)| (k, v.len()))
        .chain(fixed.iter().map(|(k, _)| (k, 1)))
    {
        if !MAP_PARAMS.contains(&k.as_str()) {
            return Err(Error::param(
                k,
                "",
                format!("is not a map parameter; use {}", MAP_PARAMS.join(", ")),
            ));
        }
        if v > 100_000 {
            return Err(Error::param(k, v, "an axis has at most 1e5 points"));
        }
    }
    if axes[0].0 == axes[1].0 {
        return Err(Error::param("axes", &axes[0].0, "the two axes must differ"));
    }
    let (xn, yn) = (axes[0].0.clone(), axes[1].0.clone());
    let make = move |x: f64, y: f64| -> Result<(Ssn, [f64; 2], [f64; 2])> {
        let value = |k: &str| -> Option<f64> {
            if k == xn {
                Some(x)
            } else if k == yn {
                Some(y)
            } else {
                fixed.iter().find(|(n, _)| n == k).map(|(_, v)| *v)
            }
        };
        let mut n = net.clone();
        for k in &MAP_PARAMS[2..] {
            if let Some(v) = value(k) {
                n = n.with_coupling(k, v)?;
            }
        }
        let mu = value("mu").unwrap_or(20.0);
        let r = value("r").unwrap_or(1.0);
        Ok((n, [mu, r * mu], [1.0, r]))
    };
    regime_map(&axes[0].0, &axes[0].1, &axes[1].0, &axes[1].1, &make)
}
