//! Weighted Gaussian networks with block statistics and motifs (reference B.2.1, our
//! reconstruction):
//!
//! ```text
//! W_ij = (J̄_αβ + κᶜ_αβ a_i + κᵈ_αβ b_j) / N + σ_αβ / √N · Z_ij,   α = α(i), β = α(j)
//! ```
//!
//! with (a_i, b_i) ~ N(0, [[1, ρ_α], [ρ_α, 1]]), Corr(Z_ij, Z_ji) = ρʳ_αβ and a zero
//! diagonal. To leading order: mean J̄/N, variance σ²/N, convergent covariance κᶜ_αβ κᶜ_αγ/N²,
//! divergent κᵈ_αβ κᵈ_γβ/N², chain κᵈ_αβ κᶜ_βγ ρ_β/N², reciprocal ρʳ σ_αβ σ_βα/N. Entries can
//! have either sign (the theory's setting).

use super::field::{Block, Factors, Field};
use crate::error::{Error, Result};
use ndarray::Array2;

/// Block statistics of the Gaussian construction for P populations.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMotifs {
    /// Population sizes N_α.
    pub sizes: Vec<usize>,
    /// Mean coupling J̄_αβ (the mean weight is J̄/N).
    pub jbar: Vec<Vec<f64>>,
    /// Weight spread σ_αβ (the weight variance is σ²/N).
    pub sigma: Vec<Vec<f64>>,
    /// Convergent factor loadings κᶜ_αβ.
    pub kappa_c: Vec<Vec<f64>>,
    /// Divergent factor loadings κᵈ_αβ.
    pub kappa_d: Vec<Vec<f64>>,
    /// Chain parameter ρ_α per population (correlation of a neuron's input and output factors).
    pub rho_chain: Vec<f64>,
    /// Reciprocal correlation ρʳ_αβ (symmetric).
    pub rho_recip: Vec<Vec<f64>>,
}

/// One population's normalised motif targets: convergent, divergent and chain coefficients
/// (motif covariance divided by the weight variance σ²/N; all O(1/N)).
#[derive(Debug, Clone, Copy)]
pub struct MotifTargets {
    /// Normalised convergent motif coefficient (≥ 0).
    pub conv: f64,
    /// Normalised divergent motif coefficient (≥ 0).
    pub div: f64,
    /// Normalised chain motif coefficient; needs chain² ≤ conv · div.
    pub chain: f64,
}

/// A sampled weighted matrix with the factors it was built from.
#[derive(Debug, Clone)]
pub struct WeightMatrix {
    /// Population sizes.
    pub sizes: Vec<usize>,
    /// Weights, rows postsynaptic.
    pub w: Array2<f64>,
    /// The per-neuron factors (input a, output b); empty when the matrix did not come from a
    /// factor model.
    pub factors: Option<Factors>,
}

fn square(name: &str, m: &[Vec<f64>], p: usize) -> Result<()> {
    if m.len() != p || m.iter().any(|r| r.len() != p) {
        return Err(Error::param(
            name,
            format!("{m:?}"),
            format!("must be a {p} x {p} matrix (one entry per [post][pre] population pair)"),
        ));
    }
    if m.iter().flatten().any(|x| !x.is_finite()) {
        return Err(Error::param(
            name,
            format!("{m:?}"),
            "entries must be finite",
        ));
    }
    Ok(())
}

impl GaussianMotifs {
    /// A P-population network from its block parameters; checks shapes and ranges.
    pub fn new(
        sizes: Vec<usize>,
        jbar: Vec<Vec<f64>>,
        sigma: Vec<Vec<f64>>,
        kappa_c: Vec<Vec<f64>>,
        kappa_d: Vec<Vec<f64>>,
        rho_chain: Vec<f64>,
        rho_recip: Vec<Vec<f64>>,
    ) -> Result<Self> {
        let g = GaussianMotifs {
            sizes,
            jbar,
            sigma,
            kappa_c,
            kappa_d,
            rho_chain,
            rho_recip,
        };
        g.validate()?;
        Ok(g)
    }

    /// Checks shapes, signs and correlations.
    pub fn validate(&self) -> Result<()> {
        let p = self.sizes.len();
        if p == 0 || self.sizes.contains(&0) {
            return Err(Error::param(
                "N",
                format!("{:?}", self.sizes),
                "every population needs at least one neuron",
            ));
        }
        if self.n() < 2 {
            return Err(Error::param("N", self.n(), "at least 2 neurons are needed"));
        }
        square("J", &self.jbar, p)?;
        square("sigma", &self.sigma, p)?;
        square("kappa_c", &self.kappa_c, p)?;
        square("kappa_d", &self.kappa_d, p)?;
        square("rho_recip", &self.rho_recip, p)?;
        if let Some(x) = self.sigma.iter().flatten().find(|x| **x < 0.0) {
            return Err(Error::param("sigma", x, "spreads must be >= 0"));
        }
        self.field().validate()
    }

    /// A one-population network of N neurons with mean J̄, spread σ, reciprocal correlation
    /// ρʳ and normalised motif targets; fails naming the violated constraint when they are
    /// infeasible. κᶜ = σ√(N·conv), κᵈ = σ√(N·div), ρ = chain/√(conv·div).
    pub fn one_population(
        n: usize,
        jbar: f64,
        sigma: f64,
        recip: f64,
        t: MotifTargets,
    ) -> Result<Self> {
        if n < 2 {
            return Err(Error::param("N", n, "at least 2 neurons are needed"));
        }
        if !(sigma > 0.0 && sigma.is_finite()) {
            return Err(Error::param("sigma", sigma, "must be > 0"));
        }
        let (kc, kd, rho) = loadings(n, sigma, t)?;
        GaussianMotifs::new(
            vec![n],
            vec![vec![jbar]],
            vec![vec![sigma]],
            vec![vec![kc]],
            vec![vec![kd]],
            vec![rho],
            vec![vec![recip]],
        )
    }

    /// Total number of neurons.
    pub fn n(&self) -> usize {
        self.sizes.iter().sum()
    }

    /// Population fractions f_α = N_α / N.
    pub fn fractions(&self) -> Vec<f64> {
        let n = self.n() as f64;
        self.sizes.iter().map(|&x| x as f64 / n).collect()
    }

    /// The latent-factor field of this construction.
    pub fn field(&self) -> Field {
        let p = self.sizes.len();
        let nn = self.n() as f64;
        let blocks = (0..p)
            .map(|a| {
                (0..p)
                    .map(|b| Block {
                        mean: self.jbar[a][b] / nn,
                        load_in: self.kappa_c[a][b] / nn,
                        load_out: self.kappa_d[a][b] / nn,
                        noise: self.sigma[a][b] / nn.sqrt(),
                        recip: self.rho_recip[a][b],
                    })
                    .collect()
            })
            .collect();
        Field {
            sizes: self.sizes.clone(),
            blocks,
            factor_corr: self.rho_chain.clone(),
        }
    }

    /// Samples the dense weight matrix (rows postsynaptic, zero diagonal), seeded; parallel
    /// over rows, independent of the number of threads.
    pub fn sample(&self, seed: u64) -> Result<WeightMatrix> {
        self.validate()?;
        let f = self.field();
        let n = f.n();
        crate::numerics::memory::reserve(
            &format!("a Gaussian motif sample (dense {n} x {n} float64 matrix)"),
            8.0 * (n as f64) * (n as f64),
        )?;
        let fac = f.factors(seed);
        let mut buf = vec![0.0; n * n];
        f.fill(seed, &fac, &mut buf, 0.0, |x| x);
        let w = Array2::from_shape_vec((n, n), buf)
            .map_err(|e| Error::numerical(format!("weight matrix shape: {e}")))?;
        Ok(WeightMatrix {
            sizes: self.sizes.clone(),
            w,
            factors: Some(fac),
        })
    }

    /// The 2P × 2P matrix whose eigenvalues are the nonzero eigenvalues of the low-rank part
    /// of W (its outliers at large N), in coordinates (population means, input-factor loadings):
    ///
    /// ```text
    /// M = [[ J̄ F,  κᵈ F R ],
    ///      [ κᶜ F,    0   ]],   F = diag(f_β), R = diag(ρ_β)
    /// ```
    ///
    /// For one population its eigenvalues are λ± = (J̄ ± √(J̄² + 4κᶜκᵈρ))/2.
    pub fn low_rank_matrix(&self) -> Vec<Vec<f64>> {
        let p = self.sizes.len();
        let f = self.fractions();
        let mut m = vec![vec![0.0; 2 * p]; 2 * p];
        for a in 0..p {
            for b in 0..p {
                m[a][b] = self.jbar[a][b] * f[b];
                m[a][p + b] = self.kappa_d[a][b] * f[b] * self.rho_chain[b];
                m[p + a][b] = self.kappa_c[a][b] * f[b];
            }
        }
        m
    }

    /// Predicted outlier eigenvalues of W (eigenvalues of [`Self::low_rank_matrix`]) as
    /// (re, im) pairs, sorted by decreasing real part.
    pub fn predicted_outliers(&self) -> Vec<(f64, f64)> {
        let m = self.low_rank_matrix();
        let k = m.len();
        let r = self.bulk_radius();
        crate::numerics::linalg::sorted_eigenvalues(&nalgebra::DMatrix::from_fn(k, k, |i, j| {
            m[i][j]
        }))
        .into_iter()
        .filter(|&(re, im)| re.hypot(im) > r)
        .collect()
    }

    /// Predicted radius of the random bulk of the spectrum: √ of the spectral radius of
    /// [σ²_αβ f_β] (Rajan–Abbott / Aljadeff et al. for block-structured variances; reciprocal
    /// correlations stretch it into an ellipse with semi-axes r(1 ± ρʳ) when uniform).
    pub fn bulk_radius(&self) -> f64 {
        let p = self.sizes.len();
        let f = self.fractions();
        let dm = nalgebra::DMatrix::from_fn(p, p, |a, b| self.sigma[a][b].powi(2) * f[b]);
        crate::numerics::linalg::spectral_radius(&dm).sqrt()
    }
}

/// Factor loadings (κᶜ, κᵈ, ρ) for one block's normalised targets, with the named
/// feasibility constraints.
pub fn loadings(n: usize, sigma: f64, t: MotifTargets) -> Result<(f64, f64, f64)> {
    if t.conv < 0.0 || t.div < 0.0 || !t.conv.is_finite() || !t.div.is_finite() {
        return Err(Error::param(
            "c_conv/c_div",
            format!("{}/{}", t.conv, t.div),
            "convergent and divergent coefficients must be finite and >= 0",
        ));
    }
    if !t.chain.is_finite() || t.chain * t.chain > t.conv * t.div * (1.0 + 1e-12) {
        return Err(Error::param(
            "c_chain",
            t.chain,
            format!(
                "infeasible: chain^2 <= conv * div is needed (conv = {}, div = {})",
                t.conv, t.div
            ),
        ));
    }
    let nn = n as f64;
    let kc = sigma * (nn * t.conv).sqrt();
    let kd = sigma * (nn * t.div).sqrt();
    let rho = if t.conv * t.div > 0.0 {
        (t.chain / (t.conv * t.div).sqrt()).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    Ok((kc, kd, rho))
}

/// The statistics a Gaussian motif construction has in expectation (its latent field).
pub struct Predicted {
    sizes: Vec<usize>,
    field: super::Field,
}

impl GaussianMotifs {
    /// Expected block and motif statistics (normalise with
    /// [`super::stats::RawStats::normalised`]).
    pub fn predicted(&self) -> Predicted {
        Predicted {
            sizes: self.sizes.clone(),
            field: self.field(),
        }
    }
}

impl super::stats::RawStats for Predicted {
    fn sizes(&self) -> &[usize] {
        &self.sizes
    }
    fn mean(&self, a: usize, b: usize) -> f64 {
        self.field.blocks[a][b].mean
    }
    fn var(&self, a: usize, b: usize) -> f64 {
        self.field.var(a, b)
    }
    fn recip_cov(&self, a: usize, b: usize) -> f64 {
        self.field.recip_cov(a, b)
    }
    fn conv_cov(&self, a: usize, b: usize, c: usize) -> f64 {
        self.field.conv_cov(a, b, c)
    }
    fn div_cov(&self, b: usize, a: usize, c: usize) -> f64 {
        self.field.div_cov(b, a, c)
    }
    fn chain_cov(&self, a: usize, b: usize, c: usize) -> f64 {
        self.field.chain_cov(a, b, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectivity::stats::block_stats;

    /// Achieved statistics match the targets within sampling error (N = 1500; the motif
    /// coefficients are O(1/N), so they are compared after multiplying by N). The row/column
    /// sum estimators of conv/div/chain·N have a standard deviation of about 0.05–0.07 at this
    /// N (the random bulk adds σ² to each row-sum variance): tolerance 0.15.
    #[test]
    fn gaussian_construction_hits_targets() {
        let n = 1500;
        let t = MotifTargets {
            conv: 0.4 / n as f64,
            div: 0.3 / n as f64,
            chain: 0.2 / n as f64,
        };
        let g = GaussianMotifs::one_population(n, -2.0, 1.0, 0.3, t).unwrap();
        let w = g.sample(7).unwrap();
        let st = block_stats(&w.sizes, |i, j| w.w[[i, j]]);
        let nn = n as f64;
        let v = st.var[0][0];
        println!("{st:?}");
        assert!((st.mean[0][0] * nn + 2.0).abs() < 0.1, "{st:?}");
        assert!((v * nn - 1.0).abs() < 0.03, "{st:?}");
        assert!((st.recip_cov[0][0] / v - 0.3).abs() < 0.01, "{st:?}");
        assert!((st.conv_cov[0][0][0] / v * nn - 0.4).abs() < 0.15, "{st:?}");
        assert!((st.div_cov[0][0][0] / v * nn - 0.3).abs() < 0.15, "{st:?}");
        assert!(
            (st.chain_cov[0][0][0] / v * nn - 0.2).abs() < 0.15,
            "{st:?}"
        );
        // seeded and thread-count independent
        let w2 = g.sample(7).unwrap();
        assert_eq!(w.w, w2.w);
    }

    #[test]
    fn infeasible_chain_names_the_constraint() {
        let t = MotifTargets {
            conv: 1e-4,
            div: 1e-4,
            chain: 2e-4,
        };
        let e = GaussianMotifs::one_population(100, 0.0, 1.0, 0.0, t)
            .unwrap_err()
            .to_string();
        assert!(e.contains("chain^2 <= conv * div"), "{e}");
    }

    #[test]
    fn one_population_outliers_match_the_closed_form() {
        let g = GaussianMotifs::new(
            vec![100],
            vec![vec![-1.0]],
            vec![vec![0.5]],
            vec![vec![1.2]],
            vec![vec![1.5]],
            vec![0.6],
            vec![vec![0.0]],
        )
        .unwrap();
        let ev = g.predicted_outliers();
        let (j, q) = (-1.0f64, 1.2 * 1.5 * 0.6);
        let lp = (j + (j * j + 4.0 * q).sqrt()) / 2.0;
        let lm = (j - (j * j + 4.0 * q).sqrt()) / 2.0;
        assert!((ev[0].0 - lp).abs() < 1e-12 && (ev[1].0 - lm).abs() < 1e-12);
        assert!((g.bulk_radius() - 0.5).abs() < 1e-12);
    }
}
