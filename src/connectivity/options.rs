//! The options of the motif generators (`motif_gaussian`, `sonet`), declared once: a value per
//! block is a number (the same for every block) or a `[post][pre]` matrix; a value per
//! population is a number or an array. The conversion from normalised motif coefficients to
//! loadings (c_* → κ, ρ) and from α_chain to the chain fraction is made here.

use super::gaussian::{GaussianMotifs, MotifTargets, loadings};
use super::sonet::{Sonet, chain_fraction};
use crate::error::{Error, Result};
use crate::options::Num;
use serde::{Deserialize, Serialize};

/// A number broadcast to every entry, a vector, or a matrix.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Broadcast {
    /// One value for every entry.
    One(Num),
    /// One value per population.
    Vec(Vec<Num>),
    /// One value per (post, pre) block.
    Mat(Vec<Vec<Num>>),
}

impl Broadcast {
    /// A P × P matrix (`[post][pre]`); `None` gives `default` everywhere.
    pub fn matrix(
        v: &Option<Broadcast>,
        name: &str,
        p: usize,
        default: f64,
    ) -> Result<Vec<Vec<f64>>> {
        match v {
            None => Ok(vec![vec![default; p]; p]),
            Some(b) => b.to_matrix(name, p),
        }
    }

    /// This value as a P × P matrix (`[post][pre]`).
    pub fn to_matrix(&self, name: &str, p: usize) -> Result<Vec<Vec<f64>>> {
        match self {
            Broadcast::One(x) => Ok(vec![vec![x.0; p]; p]),
            Broadcast::Mat(m) if m.len() == p && m.iter().all(|r| r.len() == p) => {
                Ok(m.iter().map(|r| r.iter().map(|x| x.0).collect()).collect())
            }
            Broadcast::Vec(v) if p == 1 && v.len() == 1 => Ok(vec![vec![v[0].0]]),
            other => Err(Error::param(
                name,
                format!("{other:?}"),
                format!("must be a number or a {p} x {p} matrix ([post][pre])"),
            )),
        }
    }

    /// A vector of `p` values; `None` gives `default` everywhere.
    pub fn vector(v: &Option<Broadcast>, name: &str, p: usize, default: f64) -> Result<Vec<f64>> {
        match v {
            None => Ok(vec![default; p]),
            Some(Broadcast::One(x)) => Ok(vec![x.0; p]),
            Some(Broadcast::Vec(v)) if v.len() == p => Ok(v.iter().map(|x| x.0).collect()),
            Some(other) => Err(Error::param(
                name,
                format!("{other:?}"),
                format!("must be a number or an array of {p} values (one per population)"),
            )),
        }
    }
}

/// Population sizes from a number or an array: whole numbers in [1, 1e6].
pub fn sizes(v: &Option<Broadcast>) -> Result<Vec<usize>> {
    let xs: Vec<f64> = match v {
        None => {
            return Err(Error::param(
                "N",
                "none",
                "is required: neurons, a number or one per population",
            ));
        }
        Some(Broadcast::One(x)) => vec![x.0],
        Some(Broadcast::Vec(v)) => v.iter().map(|x| x.0).collect(),
        Some(Broadcast::Mat(_)) => {
            return Err(Error::param(
                "N",
                "a matrix",
                "must be a number or an array",
            ));
        }
    };
    xs.iter()
        .map(|&x| {
            if (1.0..=1e6).contains(&x) && x.fract() == 0.0 {
                Ok(x as usize)
            } else {
                Err(Error::param(
                    "N",
                    x,
                    "population sizes must be whole numbers in [1, 1e6]",
                ))
            }
        })
        .collect()
}

crate::options! {
    /// Options of `motif_gaussian` (values per block: a number or a [post][pre] matrix).
    pub struct GaussianOpts {
        /// neurons: a number or one per population (required)
        N: Option<Broadcast> = None, "";
        /// mean coupling per block, times N (J/N per synapse)
        J: Broadcast = Broadcast::One(Num(0.0)), "";
        /// weight standard deviation per block, times sqrt(N)
        sigma: Broadcast = Broadcast::One(Num(1.0)), "";
        /// convergent loading per block (none: 0)
        kappa_c: Option<Broadcast> = None, "";
        /// divergent loading per block (none: 0)
        kappa_d: Option<Broadcast> = None, "";
        /// chain correlation per population, in [-1, 1] (none: 0)
        rho_chain: Option<Broadcast> = None, "";
        /// reciprocal correlation per block (symmetric)
        rho_recip: Broadcast = Broadcast::One(Num(0.0)), "";
        /// normalised convergent coefficient per block, instead of the loadings (none: 0)
        c_conv: Option<Broadcast> = None, "";
        /// normalised divergent coefficient per block, instead of the loadings (none: 0)
        c_div: Option<Broadcast> = None, "";
        /// normalised chain coefficient, one population (none: 0; needs c_chain^2 <= c_conv c_div)
        c_chain: Option<Num> = None, "";
        /// name shown when printed
        name: Option<String> = None, "";
    }
}

impl GaussianOpts {
    /// The generator (validated). The loadings are given directly or computed from the
    /// normalised motif coefficients c_conv, c_div (per block) and c_chain (one population).
    pub fn generator(&self) -> Result<GaussianMotifs> {
        let sizes = sizes(&self.N)?;
        let p = sizes.len();
        let n: usize = sizes.iter().sum();
        let jbar = self.J.to_matrix("J", p)?;
        let sigma = self.sigma.to_matrix("sigma", p)?;
        let recip = self.rho_recip.to_matrix("rho_recip", p)?;
        let targets = self.c_conv.is_some() || self.c_div.is_some() || self.c_chain.is_some();
        let loadings_given =
            self.kappa_c.is_some() || self.kappa_d.is_some() || self.rho_chain.is_some();
        if targets && loadings_given {
            return Err(Error::param(
                "c_conv/c_div/c_chain",
                "given with kappa_c/kappa_d/rho_chain",
                "give either the loadings or the normalised motif coefficients, not both",
            ));
        }
        let (kc, kd, rho) = if targets {
            if p > 1 && self.c_chain.is_some() {
                return Err(Error::param(
                    "c_chain",
                    format!("{p} populations"),
                    "is for one population; with several give rho_chain (per population) and kappa_c/kappa_d",
                ));
            }
            let cc = Broadcast::matrix(&self.c_conv, "c_conv", p, 0.0)?;
            let cd = Broadcast::matrix(&self.c_div, "c_div", p, 0.0)?;
            let ch = self.c_chain.map_or(0.0, |x| x.0);
            let (mut kc, mut kd, mut rho) =
                (vec![vec![0.0; p]; p], vec![vec![0.0; p]; p], vec![0.0; p]);
            for a in 0..p {
                for b in 0..p {
                    let t = MotifTargets {
                        conv: cc[a][b],
                        div: cd[a][b],
                        chain: if p == 1 { ch } else { 0.0 },
                    };
                    let (x, y, r) = loadings(n, sigma[a][b], t)?;
                    kc[a][b] = x;
                    kd[a][b] = y;
                    if p == 1 {
                        rho[0] = r;
                    }
                }
            }
            (kc, kd, rho)
        } else {
            (
                Broadcast::matrix(&self.kappa_c, "kappa_c", p, 0.0)?,
                Broadcast::matrix(&self.kappa_d, "kappa_d", p, 0.0)?,
                Broadcast::vector(&self.rho_chain, "rho_chain", p, 0.0)?,
            )
        };
        GaussianMotifs::new(sizes, jbar, sigma, kc, kd, rho, recip)
    }
}

crate::options! {
    /// Options of `sonet` (values per block: a number or a [post][pre] matrix).
    pub struct SonetOpts {
        /// neurons: a number or one per population (required)
        N: Option<Broadcast> = None, "";
        /// connection probability per block (required)
        p: Option<Broadcast> = None, "";
        /// reciprocal motif frequency per block (symmetric)
        alpha_recip: Broadcast = Broadcast::One(Num(0.0)), "";
        /// convergent motif frequency per block (>= 0)
        alpha_conv: Broadcast = Broadcast::One(Num(0.0)), "";
        /// divergent motif frequency per block (>= 0)
        alpha_div: Broadcast = Broadcast::One(Num(0.0)), "";
        /// chain motif frequency, one population (none: 0; excludes cc_chain)
        alpha_chain: Option<Num> = None, "";
        /// chain fraction per population in [-1, 1], of sqrt(rho_conv rho_div) (none: 0)
        cc_chain: Option<Broadcast> = None, "";
    }
}

impl SonetOpts {
    /// The generator (validated); α_chain is converted to the chain fraction.
    pub fn generator(&self) -> Result<Sonet> {
        let sizes = sizes(&self.N)?;
        let np = sizes.len();
        if self.p.is_none() {
            return Err(Error::param(
                "p",
                "none",
                "is required: connection probability, a number or [post][pre] matrix",
            ));
        }
        let p = Broadcast::matrix(&self.p, "p", np, 0.0)?;
        let ar = self.alpha_recip.to_matrix("alpha_recip", np)?;
        let ac = self.alpha_conv.to_matrix("alpha_conv", np)?;
        let ad = self.alpha_div.to_matrix("alpha_div", np)?;
        let cc = match self.alpha_chain {
            Some(chain) => {
                if np > 1 || self.cc_chain.is_some() {
                    return Err(Error::param(
                        "alpha_chain",
                        chain.0,
                        "is for one population (and excludes cc_chain); with several give cc_chain per population in [-1, 1]",
                    ));
                }
                vec![chain_fraction(p[0][0], ac[0][0], ad[0][0], chain.0)?]
            }
            None => Broadcast::vector(&self.cc_chain, "cc_chain", np, 0.0)?,
        };
        Sonet::new(sizes, p, ar, ac, ad, cc)
    }
}
