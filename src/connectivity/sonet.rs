//! Binary second-order networks with prescribed motif frequencies: the SONETs algorithm of
//! Zhao, Beverlin, Netoff & Nykamp (2011), reference B.2.2, generalised to P populations.
//!
//! Motif frequencies are given as α's: P(both edges of the motif) = p₁p₂(1 + α). Each edge is
//! a thresholded Gaussian, A_ij = 1{G_ij > h_αβ} with G standard normal and h_αβ = Q⁻¹(p_αβ)
//! (so any p in (0, 1) works, where the original's G of variance σ² thresholded at 1 needs
//! p ≤ 0.5). As in SONETs step 2, each α is converted into a Gaussian correlation by solving
//! the bivariate-normal orthant probability for ρ (Brent). The Gaussian field is the large-N
//! form of the SONETs row/column-sum construction (module [`super::field`]): per block the
//! loadings on the postsynaptic input factor and presynaptic output factor are √ρ_conv and
//! √ρ_div, the chain correlation of population β is cc_β (so the chain Gaussian correlation of
//! k→j→i is √(ρ_div,αβ ρ_conv,βγ) cc_β, SONETs' `cc_chain`), and the pair noise carries the
//! remaining variance and the reciprocal correlation.
//!
//! Feasibility, each failing with the named constraint: p in (0, 1); α_conv, α_div ≥ 0;
//! ρ_conv + ρ_div ≤ 1 in every block; chain² ≤ conv · div (|cc| ≤ 1); the reciprocal
//! correlation reachable by the pair noise; every α within the range a bivariate normal can
//! give.

use super::field::{Block, Factors, Field};
use super::stats::{BlockStats, block_stats};
use crate::error::{Error, Result};
use crate::numerics::special::{bvn_upper, norm_isf};

/// A P-population SONET specification, converted to its Gaussian field.
#[derive(Debug, Clone, PartialEq)]
pub struct Sonet {
    /// Population sizes.
    pub sizes: Vec<usize>,
    /// Connection probabilities `[post][pre]`.
    pub p: Vec<Vec<f64>>,
    /// The Gaussian field that is thresholded at 0 (block means are −h_αβ).
    pub field: Field,
}

/// A sampled binary graph.
#[derive(Debug, Clone)]
pub struct Graph {
    /// Population sizes.
    pub sizes: Vec<usize>,
    /// Adjacency, row-major N × N, `adj[i * N + j] = 1` for an edge j → i.
    pub adj: Vec<u8>,
    /// The latent factors it was built from.
    pub factors: Factors,
}

/// α → Gaussian correlation for two edges with probabilities p1 and p2: the ρ with
/// P(G₁ > Q⁻¹(p1), G₂ > Q⁻¹(p2)) = p1 p2 (1 + α). `what` names the motif in errors.
pub fn alpha_to_rho(alpha: f64, p1: f64, p2: f64, what: &str) -> Result<f64> {
    let (h1, h2) = (norm_isf(p1), norm_isf(p2));
    let target = p1 * p2 * (1.0 + alpha);
    let g = |r: f64| bvn_upper(h1, h2, r) - target;
    let (lo, hi) = (g(-1.0), g(1.0));
    if !alpha.is_finite() || lo > 1e-15 || hi < -1e-15 {
        let amin = bvn_upper(h1, h2, -1.0) / (p1 * p2) - 1.0;
        let amax = bvn_upper(h1, h2, 1.0) / (p1 * p2) - 1.0;
        return Err(Error::param(
            what,
            alpha,
            format!(
                "must be in [{amin:.4}, {amax:.4}] for connection probabilities {p1} and {p2} (the range of a thresholded bivariate normal)"
            ),
        ));
    }
    if alpha == 0.0 {
        return Ok(0.0);
    }
    Ok(crate::numerics::roots::brent(g, -1.0, 1.0))
}

/// Gaussian correlation → α for edges with probabilities p1, p2.
pub fn rho_to_alpha(rho: f64, p1: f64, p2: f64) -> f64 {
    bvn_upper(norm_isf(p1), norm_isf(p2), rho.clamp(-1.0, 1.0)) / (p1 * p2) - 1.0
}

/// The achieved and predicted motif frequencies of a binary graph: connection probabilities
/// and α's, shaped like [`BlockStats`].
#[derive(Debug, Clone, PartialEq)]
pub struct Alphas {
    /// Connection probability per block `[post][pre]`.
    pub p: Vec<Vec<f64>>,
    /// α_recip `[α][β]`.
    pub recip: Vec<Vec<f64>>,
    /// α_conv `[α][β][γ]` (shared post in α).
    pub conv: Vec<Vec<Vec<f64>>>,
    /// α_div `[β][α][γ]` (shared pre in β).
    pub div: Vec<Vec<Vec<f64>>>,
    /// α_chain `[α][β][γ]` (k ∈ γ → j ∈ β → i ∈ α).
    pub chain: Vec<Vec<Vec<f64>>>,
}

impl Alphas {
    /// α's of a graph from its raw block statistics.
    pub fn from_stats(s: &BlockStats) -> Alphas {
        let p = s.sizes.len();
        let m = &s.mean;
        let r3 = |f: &dyn Fn(usize, usize, usize) -> f64| -> Vec<Vec<Vec<f64>>> {
            (0..p)
                .map(|a| {
                    (0..p)
                        .map(|b| (0..p).map(|c| f(a, b, c)).collect())
                        .collect()
                })
                .collect()
        };
        let q = |x: f64, y: f64, c: f64| if x * y > 0.0 { c / (x * y) } else { 0.0 };
        Alphas {
            p: m.clone(),
            recip: (0..p)
                .map(|a| {
                    (0..p)
                        .map(|b| q(m[a][b], m[b][a], s.recip_cov[a][b]))
                        .collect()
                })
                .collect(),
            conv: r3(&|a, b, c| q(m[a][b], m[a][c], s.conv_cov[a][b][c])),
            div: r3(&|b, a, c| q(m[a][b], m[c][b], s.div_cov[b][a][c])),
            chain: r3(&|a, b, c| q(m[a][b], m[b][c], s.chain_cov[a][b][c])),
        }
    }
}

fn check_square(name: &str, m: &[Vec<f64>], p: usize) -> Result<()> {
    if m.len() != p || m.iter().any(|r| r.len() != p) {
        return Err(Error::param(
            name,
            format!("{m:?}"),
            format!("must be a {p} x {p} matrix ([post][pre])"),
        ));
    }
    Ok(())
}

impl Sonet {
    /// Builds the Gaussian field for connection probabilities `p[post][pre]`, reciprocal,
    /// convergent and divergent α's per block (`alpha_recip` symmetric), and per-population
    /// chain fractions `cc_chain` in [−1, 1]. Fails naming the first violated constraint.
    pub fn new(
        sizes: Vec<usize>,
        p: Vec<Vec<f64>>,
        alpha_recip: Vec<Vec<f64>>,
        alpha_conv: Vec<Vec<f64>>,
        alpha_div: Vec<Vec<f64>>,
        cc_chain: Vec<f64>,
    ) -> Result<Sonet> {
        let np = sizes.len();
        if np == 0 || sizes.contains(&0) || sizes.iter().sum::<usize>() < 2 {
            return Err(Error::param(
                "N",
                format!("{sizes:?}"),
                "every population needs at least one neuron, and at least 2 in all",
            ));
        }
        check_square("p", &p, np)?;
        check_square("alpha_recip", &alpha_recip, np)?;
        check_square("alpha_conv", &alpha_conv, np)?;
        check_square("alpha_div", &alpha_div, np)?;
        if cc_chain.len() != np {
            return Err(Error::param(
                "cc_chain",
                format!("{cc_chain:?}"),
                format!("needs one value per population ({np})"),
            ));
        }
        for (a, row) in p.iter().enumerate() {
            for (b, &x) in row.iter().enumerate() {
                if !(x > 0.0 && x < 1.0) {
                    return Err(Error::param(
                        &format!("p[{a}][{b}]"),
                        x,
                        "a connection probability must be in (0, 1)",
                    ));
                }
            }
        }
        let mut blocks = vec![vec![Block::default(); np]; np];
        for a in 0..np {
            for b in 0..np {
                let (ac, ad) = (alpha_conv[a][b], alpha_div[a][b]);
                if ac.is_nan() || ad.is_nan() || ac < 0.0 || ad < 0.0 {
                    return Err(Error::param(
                        &format!("alpha_conv/alpha_div[{a}][{b}]"),
                        format!("{ac}/{ad}"),
                        "convergent and divergent alphas must be >= 0",
                    ));
                }
                let pab = p[a][b];
                let rc = alpha_to_rho(ac, pab, pab, &format!("alpha_conv[{a}][{b}]"))?;
                let rd = alpha_to_rho(ad, pab, pab, &format!("alpha_div[{a}][{b}]"))?;
                if rc + rd > 1.0 {
                    return Err(Error::param(
                        &format!("alpha_conv/alpha_div[{a}][{b}]"),
                        format!("{ac}/{ad}"),
                        format!(
                            "infeasible: rho_conv + rho_div <= 1 is needed (their Gaussian correlations are {rc:.4} + {rd:.4})"
                        ),
                    ));
                }
                blocks[a][b] = Block {
                    mean: -norm_isf(pab),
                    load_in: rc.sqrt(),
                    load_out: rd.sqrt(),
                    noise: (1.0 - rc - rd).max(0.0).sqrt(),
                    recip: 0.0,
                };
            }
        }
        for (a, &c) in cc_chain.iter().enumerate() {
            if !(-1.0..=1.0).contains(&c) {
                return Err(Error::param(
                    &format!("cc_chain[{a}]"),
                    c,
                    "infeasible: chain^2 <= conv * div is needed, i.e. cc_chain in [-1, 1]",
                ));
            }
        }
        // reciprocal: the pair-noise correlation that gives the target Gaussian correlation
        for a in 0..np {
            for b in a..np {
                let ar = alpha_recip[a][b];
                if (ar - alpha_recip[b][a]).abs() > 1e-12 {
                    return Err(Error::param(
                        &format!("alpha_recip[{a}][{b}]"),
                        ar,
                        format!("must equal alpha_recip[{b}][{a}] = {}", alpha_recip[b][a]),
                    ));
                }
                let what = format!("alpha_recip[{a}][{b}]");
                let target = alpha_to_rho(ar, p[a][b], p[b][a], &what)?;
                let (x, y) = (blocks[a][b], blocks[b][a]);
                let factor =
                    x.load_in * y.load_out * cc_chain[a] + x.load_out * y.load_in * cc_chain[b];
                let nn = x.noise * y.noise;
                let rz = if nn > 0.0 {
                    (target - factor) / nn
                } else {
                    0.0
                };
                if rz.abs() > 1.0 + 1e-12 || (nn == 0.0 && (target - factor).abs() > 1e-9) {
                    return Err(Error::param(
                        &what,
                        ar,
                        format!(
                            "infeasible with these convergent/divergent/chain motifs: the reciprocal Gaussian correlation {target:.4} needs a pair-noise correlation {rz:.4}, outside [-1, 1]"
                        ),
                    ));
                }
                blocks[a][b].recip = rz.clamp(-1.0, 1.0);
                blocks[b][a].recip = rz.clamp(-1.0, 1.0);
            }
        }
        let field = Field {
            sizes: sizes.clone(),
            blocks,
            factor_corr: cc_chain,
        };
        field.validate()?;
        Ok(Sonet { sizes, p, field })
    }

    /// One population: N neurons, probability p and the four α's (α_chain is converted into
    /// the chain fraction cc = ρ_chain / √(ρ_conv ρ_div)).
    pub fn one_population(
        n: usize,
        p: f64,
        recip: f64,
        conv: f64,
        div: f64,
        chain: f64,
    ) -> Result<Sonet> {
        let cc = chain_fraction(p, conv, div, chain)?;
        Sonet::new(
            vec![n],
            vec![vec![p]],
            vec![vec![recip]],
            vec![vec![conv]],
            vec![vec![div]],
            vec![cc],
        )
    }

    /// Samples the graph (no autapses), seeded and parallel over rows.
    /// Refused with a memory error when the dense N x N adjacency would not fit.
    pub fn sample(&self, seed: u64) -> Result<Graph> {
        let n = self.field.n();
        crate::numerics::memory::reserve(
            &format!("a SONET sample (dense {n} x {n} adjacency)"),
            (n as f64) * (n as f64),
        )?;
        let fac = self.field.factors(seed);
        let mut adj = vec![0u8; n * n];
        self.field
            .fill(seed, &fac, &mut adj, 0u8, |g| u8::from(g > 0.0));
        Ok(Graph {
            sizes: self.sizes.clone(),
            adj,
            factors: fac,
        })
    }

    /// The α's the construction produces in expectation (Gaussian covariances of the field
    /// mapped through the bivariate-normal orthant probability).
    pub fn predicted(&self) -> Alphas {
        let f = &self.field;
        let np = self.sizes.len();
        let p = &self.p;
        let r3 = |g: &dyn Fn(usize, usize, usize) -> f64| -> Vec<Vec<Vec<f64>>> {
            (0..np)
                .map(|a| {
                    (0..np)
                        .map(|b| (0..np).map(|c| g(a, b, c)).collect())
                        .collect()
                })
                .collect()
        };
        Alphas {
            p: p.clone(),
            recip: (0..np)
                .map(|a| {
                    (0..np)
                        .map(|b| rho_to_alpha(f.recip_cov(a, b), p[a][b], p[b][a]))
                        .collect()
                })
                .collect(),
            conv: r3(&|a, b, c| rho_to_alpha(f.conv_cov(a, b, c), p[a][b], p[a][c])),
            div: r3(&|b, a, c| rho_to_alpha(f.div_cov(b, a, c), p[a][b], p[c][b])),
            chain: r3(&|a, b, c| rho_to_alpha(f.chain_cov(a, b, c), p[a][b], p[b][c])),
        }
    }
}

/// The chain fraction cc_chain for a one-population α_chain, or an error naming
/// chain² ≤ conv · div.
pub fn chain_fraction(p: f64, conv: f64, div: f64, chain: f64) -> Result<f64> {
    if !(p > 0.0 && p < 1.0) {
        return Err(Error::param(
            "p",
            p,
            "a connection probability must be in (0, 1)",
        ));
    }
    let rc = alpha_to_rho(conv.max(0.0), p, p, "alpha_conv")?;
    let rd = alpha_to_rho(div.max(0.0), p, p, "alpha_div")?;
    let rch = alpha_to_rho(chain, p, p, "alpha_chain")?;
    if rch == 0.0 {
        return Ok(0.0);
    }
    let lim = (rc * rd).sqrt();
    if rch.abs() > lim * (1.0 + 1e-9) {
        return Err(Error::param(
            "alpha_chain",
            chain,
            format!(
                "infeasible: chain^2 <= conv * div is needed (Gaussian correlations: chain {rch:.4}, conv {rc:.4}, div {rd:.4})"
            ),
        ));
    }
    Ok((rch / lim).clamp(-1.0, 1.0))
}

impl Graph {
    /// Number of neurons.
    pub fn n(&self) -> usize {
        self.sizes.iter().sum()
    }
    /// Number of edges.
    pub fn edges(&self) -> usize {
        self.adj.iter().map(|&x| x as usize).sum()
    }
    /// Raw block statistics of the adjacency matrix.
    pub fn block_stats(&self) -> BlockStats {
        let n = self.n();
        block_stats(&self.sizes, |i, j| self.adj[i * n + j] as f64)
    }
    /// Achieved connection probabilities and α's.
    pub fn alphas(&self) -> Alphas {
        Alphas::from_stats(&self.block_stats())
    }
    /// The weighted matrix W_ij = J[α][β] A_ij (rows postsynaptic).
    pub fn weighted(&self, j: &[Vec<f64>]) -> Result<ndarray::Array2<f64>> {
        let p = self.sizes.len();
        check_square("J", j, p)?;
        let lab = super::field::labels(&self.sizes);
        let n = lab.len();
        Ok(ndarray::Array2::from_shape_fn((n, n), |(r, c)| {
            self.adj[r * n + c] as f64 * j[lab[r]][lab[c]]
        }))
    }
    /// The edges of block (post, pre) as CSR by presynaptic neuron (population-local indices):
    /// (offsets, targets).
    pub fn block_csr(&self, post: usize, pre: usize) -> (Vec<usize>, Vec<u32>) {
        let n = self.n();
        let start = |a: usize| self.sizes[..a].iter().sum::<usize>();
        let (s_post, s_pre) = (start(post), start(pre));
        let (n_post, n_pre) = (self.sizes[post], self.sizes[pre]);
        let mut offsets = Vec::with_capacity(n_pre + 1);
        let mut targets = Vec::new();
        offsets.push(0);
        for j in 0..n_pre {
            for i in 0..n_post {
                if self.adj[(s_post + i) * n + s_pre + j] != 0 {
                    targets.push(i as u32);
                }
            }
            offsets.push(targets.len());
        }
        (offsets, targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_rho_round_trip() {
        for &(a, p) in &[(0.3, 0.1), (-0.5, 0.2), (2.0, 0.05), (0.0, 0.3)] {
            let r = alpha_to_rho(a, p, p, "x").unwrap();
            assert!((rho_to_alpha(r, p, p) - a).abs() < 1e-9, "{a} {p} {r}");
        }
        let e = alpha_to_rho(50.0, 0.1, 0.1, "alpha_recip")
            .unwrap_err()
            .to_string();
        assert!(e.contains("alpha_recip") && e.contains("must be in"), "{e}");
    }

    /// One population, N = 2000, p = 0.1: achieved α's within sampling error of the targets.
    /// The estimators' standard deviations at this N are about 0.02 (recip) and 0.03–0.05
    /// (conv/div/chain, from row/column-sum variances): tolerance 0.1.
    #[test]
    fn sonet_one_population_hits_targets() {
        let s = Sonet::one_population(2000, 0.1, 0.5, 0.3, 0.2, 0.15).unwrap();
        let g = s.sample(3).unwrap();
        let a = g.alphas();
        println!("{a:?}");
        assert!((a.p[0][0] - 0.1).abs() < 0.002);
        assert!((a.recip[0][0] - 0.5).abs() < 0.1, "{a:?}");
        assert!((a.conv[0][0][0] - 0.3).abs() < 0.1, "{a:?}");
        assert!((a.div[0][0][0] - 0.2).abs() < 0.1, "{a:?}");
        assert!((a.chain[0][0][0] - 0.15).abs() < 0.1, "{a:?}");
        let pr = s.predicted();
        assert!((pr.chain[0][0][0] - 0.15).abs() < 1e-6 && (pr.recip[0][0] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn infeasible_sonets_name_the_constraint() {
        let e = Sonet::one_population(100, 0.1, 0.0, 0.1, 0.1, 0.5)
            .unwrap_err()
            .to_string();
        assert!(e.contains("chain^2 <= conv * div"), "{e}");
        let e = Sonet::one_population(100, 0.1, 0.0, -0.1, 0.1, 0.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("alpha_conv"), "{e}");
        let e = Sonet::one_population(100, 1.5, 0.0, 0.1, 0.1, 0.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("(0, 1)"), "{e}");
    }
}
