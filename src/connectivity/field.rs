//! The latent-factor Gaussian field behind both motif generators, and normal-distribution
//! helpers.
//!
//! Every weight (or, for binary graphs, the Gaussian variable that is thresholded) is
//!
//! ```text
//! G_ij = mean_αβ + in_αβ · a_i + out_αβ · b_j + noise_αβ · Z_ij,     α = α(i), β = α(j), i ≠ j
//! ```
//!
//! with per-neuron factors (a_i, b_i) ~ N(0, [[1, ρ_α], [ρ_α, 1]]) (a: input factor, shared by
//! the row; b: output factor, shared by the column; ρ_α the chain correlation of population
//! α), and Z_ij unit normal, independent across unordered pairs, with Corr(Z_ij, Z_ji) = r_αβ.
//! Hence, for distinct indices:
//!
//! | pair | covariance |
//! |---|---|
//! | Var G_ij | in² + out² + noise² |
//! | convergent (G_ij, G_ik) | in_αβ in_αγ |
//! | divergent (G_ij, G_kj) | out_αβ out_γβ |
//! | chain (G_ij, G_jk), j ∈ β | out_αβ in_βγ ρ_β |
//! | reciprocal (G_ij, G_ji) | in_αβ out_βα ρ_α + out_αβ in_βα ρ_β + noise_αβ noise_βα r_αβ |
//!
//! The weighted construction (reference B.2.1) uses mean J̄/N, in κᶜ/N, out κᵈ/N and noise
//! σ/√N; the binary one (SONETs, B.2.2) thresholds G at 1 with O(1) loadings. This is the
//! large-N form of the SONETs row/column-sum construction, with the row and column sums
//! replaced by explicit standard-normal factors (so marginals are exact at any N).
//!
//! Sampling is parallel over rows and seeded per row, so the result does not depend on the
//! number of threads.

use crate::error::{Error, Result};
use crate::numerics::random::fill_normal;
use crate::numerics::random::mix_seed;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Parameters of one (post α, pre β) block of the field.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Block {
    /// Constant part.
    pub mean: f64,
    /// Loading on the postsynaptic neuron's input factor a_i.
    pub load_in: f64,
    /// Loading on the presynaptic neuron's output factor b_j.
    pub load_out: f64,
    /// Amplitude of the pair-specific part Z_ij.
    pub noise: f64,
    /// Correlation of Z_ij and Z_ji (must equal that of the transposed block).
    pub recip: f64,
}

/// A P-population latent-factor field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Population sizes.
    pub sizes: Vec<usize>,
    /// Blocks `[post][pre]`.
    pub blocks: Vec<Vec<Block>>,
    /// Correlation of each neuron's input and output factors, per population.
    pub factor_corr: Vec<f64>,
}

/// Per-neuron latent factors of a sampled field.
#[derive(Debug, Clone)]
pub struct Factors {
    /// Input factors a_i.
    pub a: Vec<f64>,
    /// Output factors b_i.
    pub b: Vec<f64>,
}

struct Ptr<T>(*mut T);
// SAFETY: used only for writes to disjoint indices from different rayon tasks (see `fill`).
unsafe impl<T: Send> Sync for Ptr<T> {}
unsafe impl<T: Send> Send for Ptr<T> {}

impl Field {
    /// Total number of neurons.
    pub fn n(&self) -> usize {
        self.sizes.iter().sum()
    }

    /// Population index of every neuron.
    pub fn labels(&self) -> Vec<usize> {
        labels(&self.sizes)
    }

    /// Checks shapes, finiteness and correlations.
    pub fn validate(&self) -> Result<()> {
        let p = self.sizes.len();
        if p == 0 {
            return Err(Error::param("N", "[]", "at least one population is needed"));
        }
        if self.blocks.len() != p || self.blocks.iter().any(|r| r.len() != p) {
            return Err(Error::param(
                "blocks",
                format!("{} rows", self.blocks.len()),
                format!("must be {p} x {p}"),
            ));
        }
        if self.factor_corr.len() != p {
            return Err(Error::param(
                "rho_chain",
                format!("{:?}", self.factor_corr),
                format!("needs one value per population ({p})"),
            ));
        }
        for (a, &r) in self.factor_corr.iter().enumerate() {
            if !(-1.0..=1.0).contains(&r) {
                return Err(Error::param(
                    &format!("rho_chain[{a}]"),
                    r,
                    "a correlation must be in [-1, 1]",
                ));
            }
        }
        for a in 0..p {
            for b in 0..p {
                let k = self.blocks[a][b];
                if ![k.mean, k.load_in, k.load_out, k.noise, k.recip]
                    .iter()
                    .all(|x| x.is_finite())
                {
                    return Err(Error::param(
                        &format!("block[{a}][{b}]"),
                        format!("{k:?}"),
                        "all parameters must be finite",
                    ));
                }
                if !(-1.0..=1.0).contains(&k.recip) {
                    return Err(Error::param(
                        &format!("rho_recip[{a}][{b}]"),
                        k.recip,
                        "a correlation must be in [-1, 1]",
                    ));
                }
                if (k.recip - self.blocks[b][a].recip).abs() > 1e-12 {
                    return Err(Error::param(
                        &format!("rho_recip[{a}][{b}]"),
                        k.recip,
                        format!(
                            "must equal rho_recip[{b}][{a}] = {} (it is the correlation of one pair)",
                            self.blocks[b][a].recip
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Draws the per-neuron factors, standardised within each population.
    pub fn factors(&self, seed: u64) -> Factors {
        let lab = self.labels();
        let n = lab.len();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix_seed(seed, 0xFAC7, 0));
        let mut z = vec![0.0; 2 * n];
        fill_normal(&mut rng, &mut z);
        let mut a = vec![0.0; n];
        let mut b = vec![0.0; n];
        for i in 0..n {
            let r = self.factor_corr[lab[i]];
            a[i] = z[2 * i];
            b[i] = r * z[2 * i] + (1.0 - r * r).max(0.0).sqrt() * z[2 * i + 1];
        }
        // Standardise within each population (zero mean, unit variance): removes the
        // O(1/√N_α) drift of every block's mean that the shared factors would otherwise add.
        let mut start = 0;
        for &m in &self.sizes {
            if m >= 2 {
                for v in [&mut a, &mut b] {
                    let s = &mut v[start..start + m];
                    let mean = s.iter().sum::<f64>() / m as f64;
                    let sd = (s.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / m as f64).sqrt();
                    if sd > 0.0 {
                        s.iter_mut().for_each(|x| *x = (*x - mean) / sd);
                    }
                }
            }
            start += m;
        }
        Factors { a, b }
    }

    /// Fills a row-major N × N buffer with `map(G_ij)` off the diagonal and `diag` on it.
    pub fn fill<T: Copy + Send + Sync>(
        &self,
        seed: u64,
        f: &Factors,
        out: &mut [T],
        diag: T,
        map: impl Fn(f64) -> T + Sync,
    ) {
        let n = self.n();
        assert_eq!(out.len(), n * n, "buffer must be N x N");
        let lab = self.labels();
        let ptr = Ptr(out.as_mut_ptr());
        (0..n).into_par_iter().for_each(|i| {
            let ptr = &ptr;
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix_seed(seed, 0x2D0F, i as u64));
            let mut z = vec![0.0; 3 * i];
            fill_normal(&mut rng, &mut z);
            let al = lab[i];
            for j in 0..i {
                let be = lab[j];
                let bij = &self.blocks[al][be];
                let bji = &self.blocks[be][al];
                let r = bij.recip;
                let (c, d) = (r.abs().sqrt(), (1.0 - r.abs()).sqrt());
                let s = z[3 * j + 2];
                let zij = d * z[3 * j] + c * s;
                let zji = d * z[3 * j + 1] + c * r.signum() * s;
                let gij = bij.mean + bij.load_in * f.a[i] + bij.load_out * f.b[j] + bij.noise * zij;
                let gji = bji.mean + bji.load_in * f.a[j] + bji.load_out * f.b[i] + bji.noise * zji;
                // SAFETY: task i writes only (i, j) and (j, i) with j < i. An entry (r, c) with
                // r > c is written only by task r, one with r < c only by task c, so no two
                // tasks write the same index, and every index is < n².
                unsafe {
                    *ptr.0.add(i * n + j) = map(gij);
                    *ptr.0.add(j * n + i) = map(gji);
                }
            }
            // SAFETY: the diagonal entry (i, i) is written only by task i.
            unsafe {
                *ptr.0.add(i * n + i) = diag;
            }
        });
    }

    /// Predicted covariance of two entries sharing a node, by kind (see the module table).
    pub fn var(&self, a: usize, b: usize) -> f64 {
        let k = self.blocks[a][b];
        k.load_in * k.load_in + k.load_out * k.load_out + k.noise * k.noise
    }
    /// Predicted convergent covariance of (G_ij, G_ik), i ∈ α, j ∈ β, k ∈ γ.
    pub fn conv_cov(&self, a: usize, b: usize, c: usize) -> f64 {
        self.blocks[a][b].load_in * self.blocks[a][c].load_in
    }
    /// Predicted divergent covariance of (G_ij, G_kj), j ∈ β, i ∈ α, k ∈ γ.
    pub fn div_cov(&self, b: usize, a: usize, c: usize) -> f64 {
        self.blocks[a][b].load_out * self.blocks[c][b].load_out
    }
    /// Predicted chain covariance of (G_ij, G_jk), i ∈ α, j ∈ β, k ∈ γ.
    pub fn chain_cov(&self, a: usize, b: usize, c: usize) -> f64 {
        self.blocks[a][b].load_out * self.blocks[b][c].load_in * self.factor_corr[b]
    }
    /// Predicted reciprocal covariance of (G_ij, G_ji), i ∈ α, j ∈ β.
    pub fn recip_cov(&self, a: usize, b: usize) -> f64 {
        let (x, y) = (self.blocks[a][b], self.blocks[b][a]);
        x.load_in * y.load_out * self.factor_corr[a]
            + x.load_out * y.load_in * self.factor_corr[b]
            + x.noise * y.noise * x.recip
    }
}

/// Population index of every neuron for consecutive populations of the given sizes.
pub fn labels(sizes: &[usize]) -> Vec<usize> {
    sizes
        .iter()
        .enumerate()
        .flat_map(|(a, &n)| std::iter::repeat_n(a, n))
        .collect()
}
