//! Achieved block and motif statistics of a sampled P-population matrix (weighted or binary),
//! estimated from row and column sums as in reference B.2.1:
//!
//! - block mean and variance over the off-diagonal entries of each (post α, pre β) block;
//! - reciprocal: mean of d_ij d_ji over pairs (d = entry − its block mean);
//! - convergent (i ∈ α; j ∈ β, k ∈ γ): from E[R_iβ R_iγ], R_iβ = Σ_{j∈β} d_ij, after removing
//!   the variance terms (j = k);
//! - divergent (j ∈ β; i ∈ α, k ∈ γ): from column sums likewise;
//! - chain k→j→i (i ∈ α, j ∈ β, k ∈ γ): from E[C_jα R_jγ], after removing the reciprocal
//!   terms (i = k).
//!
//! All covariances are raw (not normalised); callers normalise (by the variances for weighted
//! matrices, by the connection probabilities for binary graphs). One O(N²) pass, parallel over
//! rows.

use rayon::prelude::*;

/// Raw block statistics. Indices: `mean[α][β]`, `var[α][β]`, `recip_cov[α][β]`,
/// `conv_cov[α][β][γ]` (shared post in α), `div_cov[β][α][γ]` (shared pre in β),
/// `chain_cov[α][β][γ]` (k ∈ γ → j ∈ β → i ∈ α).
#[derive(Debug, Clone, PartialEq)]
pub struct BlockStats {
    /// Population sizes.
    pub sizes: Vec<usize>,
    /// Block means.
    pub mean: Vec<Vec<f64>>,
    /// Block variances.
    pub var: Vec<Vec<f64>>,
    /// Reciprocal covariances Cov(W_ij, W_ji), i ∈ α, j ∈ β.
    pub recip_cov: Vec<Vec<f64>>,
    /// Convergent covariances Cov(W_ij, W_ik), i ∈ α, j ∈ β, k ∈ γ.
    pub conv_cov: Vec<Vec<Vec<f64>>>,
    /// Divergent covariances Cov(W_ij, W_kj), j ∈ β, i ∈ α, k ∈ γ.
    pub div_cov: Vec<Vec<Vec<f64>>>,
    /// Chain covariances Cov(W_ij, W_jk), i ∈ α, j ∈ β, k ∈ γ.
    pub chain_cov: Vec<Vec<Vec<f64>>>,
}

/// Block statistics of a weighted matrix normalised as in reference B.2.1: means and
/// variances times N, the reciprocal correlation, and conv/div/chain covariances over
/// √(var·var), times N (indices as in [`BlockStats`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Normalised {
    /// N · mean[α][β].
    pub mean_n: Vec<Vec<f64>>,
    /// N · var[α][β].
    pub var_n: Vec<Vec<f64>>,
    /// Reciprocal correlation[α][β].
    pub recip: Vec<Vec<f64>>,
    /// N · conv[α][β][γ] / (sd_αβ sd_αγ).
    pub conv_n: Vec<Vec<Vec<f64>>>,
    /// N · div[β][α][γ] / (sd_αβ sd_γβ).
    pub div_n: Vec<Vec<Vec<f64>>>,
    /// N · chain[α][β][γ] / (sd_αβ sd_βγ).
    pub chain_n: Vec<Vec<Vec<f64>>>,
}

/// Raw covariances as functions of the block indices (so predicted statistics need not be
/// tabulated first).
pub trait RawStats {
    /// Population sizes.
    fn sizes(&self) -> &[usize];
    /// Block mean.
    fn mean(&self, a: usize, b: usize) -> f64;
    /// Block variance.
    fn var(&self, a: usize, b: usize) -> f64;
    /// Reciprocal covariance.
    fn recip_cov(&self, a: usize, b: usize) -> f64;
    /// Convergent covariance (shared post in a).
    fn conv_cov(&self, a: usize, b: usize, c: usize) -> f64;
    /// Divergent covariance (shared pre in b).
    fn div_cov(&self, b: usize, a: usize, c: usize) -> f64;
    /// Chain covariance (c -> b -> a).
    fn chain_cov(&self, a: usize, b: usize, c: usize) -> f64;

    /// The statistics normalised by the variances (see [`Normalised`]).
    fn normalised(&self) -> Normalised {
        let p = self.sizes().len();
        let n = self.sizes().iter().sum::<usize>() as f64;
        let sd = |a: usize, b: usize| self.var(a, b).max(1e-300).sqrt();
        let m2 = |g: &dyn Fn(usize, usize) -> f64| -> Vec<Vec<f64>> {
            (0..p).map(|a| (0..p).map(|b| g(a, b)).collect()).collect()
        };
        let m3 = |g: &dyn Fn(usize, usize, usize) -> f64| -> Vec<Vec<Vec<f64>>> {
            (0..p)
                .map(|a| {
                    (0..p)
                        .map(|b| (0..p).map(|c| g(a, b, c)).collect())
                        .collect()
                })
                .collect()
        };
        Normalised {
            mean_n: m2(&|a, b| self.mean(a, b) * n),
            var_n: m2(&|a, b| self.var(a, b) * n),
            recip: m2(&|a, b| self.recip_cov(a, b) / (sd(a, b) * sd(b, a))),
            conv_n: m3(&|a, b, c| self.conv_cov(a, b, c) / (sd(a, b) * sd(a, c)) * n),
            div_n: m3(&|b, a, c| self.div_cov(b, a, c) / (sd(a, b) * sd(c, b)) * n),
            chain_n: m3(&|a, b, c| self.chain_cov(a, b, c) / (sd(a, b) * sd(b, c)) * n),
        }
    }
}

impl RawStats for BlockStats {
    fn sizes(&self) -> &[usize] {
        &self.sizes
    }
    fn mean(&self, a: usize, b: usize) -> f64 {
        self.mean[a][b]
    }
    fn var(&self, a: usize, b: usize) -> f64 {
        self.var[a][b]
    }
    fn recip_cov(&self, a: usize, b: usize) -> f64 {
        self.recip_cov[a][b]
    }
    fn conv_cov(&self, a: usize, b: usize, c: usize) -> f64 {
        self.conv_cov[a][b][c]
    }
    fn div_cov(&self, b: usize, a: usize, c: usize) -> f64 {
        self.div_cov[b][a][c]
    }
    fn chain_cov(&self, a: usize, b: usize, c: usize) -> f64 {
        self.chain_cov[a][b][c]
    }
}

/// Measures [`BlockStats`] of the N × N matrix `get(i, j)` with consecutive populations of
/// the given sizes (diagonal ignored).
pub fn block_stats(sizes: &[usize], get: impl Fn(usize, usize) -> f64 + Sync) -> BlockStats {
    let p = sizes.len();
    let lab = super::field::labels(sizes);
    let n = lab.len();
    let nf: Vec<f64> = sizes.iter().map(|&x| x as f64).collect();
    // pair counts per block (off-diagonal)
    let cnt = |a: usize, b: usize| nf[a] * (nf[b] - if a == b { 1.0 } else { 0.0 });
    // pass 1: block means
    let sums = (0..n)
        .into_par_iter()
        .fold(
            || vec![0.0; p * p],
            |mut acc, i| {
                let a = lab[i];
                for j in 0..n {
                    if j != i {
                        acc[a * p + lab[j]] += get(i, j);
                    }
                }
                acc
            },
        )
        .reduce(|| vec![0.0; p * p], add);
    let mean: Vec<Vec<f64>> = (0..p)
        .map(|a| {
            (0..p)
                .map(|b| sums[a * p + b] / cnt(a, b).max(1.0))
                .collect()
        })
        .collect();
    // pass 2: variances, reciprocal products, row sums, column sums
    struct Acc {
        sq: Vec<f64>,
        rc: Vec<f64>,
        col: Vec<f64>,
    }
    let zero = || Acc {
        sq: vec![0.0; p * p],
        rc: vec![0.0; p * p],
        col: vec![0.0; n * p],
    };
    let rows: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let a = lab[i];
            let mut r = vec![0.0; p];
            for j in 0..n {
                if j != i {
                    r[lab[j]] += get(i, j) - mean[a][lab[j]];
                }
            }
            r
        })
        .collect();
    let acc = (0..n)
        .into_par_iter()
        .fold(zero, |mut acc, i| {
            let a = lab[i];
            for (j, &b) in lab.iter().enumerate() {
                if j == i {
                    continue;
                }
                let d = get(i, j) - mean[a][b];
                acc.sq[a * p + b] += d * d;
                acc.col[j * p + a] += d;
                if j < i {
                    let e = get(j, i) - mean[b][a];
                    acc.rc[a * p + b] += d * e;
                    if a != b {
                        acc.rc[b * p + a] += d * e;
                    }
                }
            }
            acc
        })
        .reduce(zero, |mut x, y| {
            x.sq = add(x.sq, y.sq);
            x.rc = add(x.rc, y.rc);
            x.col = add(x.col, y.col);
            x
        });
    let var: Vec<Vec<f64>> = (0..p)
        .map(|a| {
            (0..p)
                .map(|b| acc.sq[a * p + b] / cnt(a, b).max(1.0))
                .collect()
        })
        .collect();
    // reciprocal pairs {i ∈ α, j ∈ β}: cnt(α, β) ordered pairs; within a block each unordered
    // pair was summed once (cnt/2 of them)
    let recip_cov: Vec<Vec<f64>> = (0..p)
        .map(|a| {
            (0..p)
                .map(|b| {
                    let pairs = if a == b { cnt(a, b) / 2.0 } else { cnt(a, b) };
                    acc.rc[a * p + b] / pairs.max(1.0)
                })
                .collect()
        })
        .collect();
    let (conv_cov, div_cov, chain_cov) =
        motif_covariances(&lab, &nf, &rows, &acc.col, &var, &recip_cov);
    BlockStats {
        sizes: sizes.to_vec(),
        mean,
        var,
        recip_cov,
        conv_cov,
        div_cov,
        chain_cov,
    }
}

/// Convergent, divergent and chain covariances from the centred row sums `rows[i][β]`, the
/// centred column sums `col[j * P + α]`, the block variances and reciprocal covariances,
/// after removing the variance (conv, div) and reciprocal (chain) terms.
#[allow(clippy::type_complexity)]
fn motif_covariances(
    lab: &[usize],
    nf: &[f64],
    rows: &[Vec<f64>],
    col: &[f64],
    var: &[Vec<f64>],
    recip_cov: &[Vec<f64>],
) -> (Vec<Vec<Vec<f64>>>, Vec<Vec<Vec<f64>>>, Vec<Vec<Vec<f64>>>) {
    let p = nf.len();
    let n = lab.len();
    let mut conv_cov = vec![vec![vec![0.0; p]; p]; p];
    let mut div_cov = vec![vec![vec![0.0; p]; p]; p];
    let mut chain_cov = vec![vec![vec![0.0; p]; p]; p];
    // number of j in β excluding neuron i itself when i ∈ β
    let others = |pop: usize, own: usize| nf[pop] - if pop == own { 1.0 } else { 0.0 };
    for a in 0..p {
        for b in 0..p {
            for c in 0..p {
                // convergent: rows i ∈ α, sums over β and γ
                let (mut s, mut m) = (0.0f64, 0.0f64);
                for i in (0..n).filter(|&i| lab[i] == a) {
                    s += rows[i][b] * rows[i][c];
                    m += 1.0;
                }
                let (nb, nc) = (others(b, a), others(c, a));
                let mut v = s / m.max(1.0);
                let mut pairs = nb * nc;
                if b == c {
                    v -= nb * var[a][b];
                    pairs -= nb;
                }
                conv_cov[a][b][c] = v / pairs.max(1.0);
                // divergent: columns j ∈ b (here index roles: shared pre = a)
                let (mut s, mut m) = (0.0f64, 0.0f64);
                for j in (0..n).filter(|&j| lab[j] == a) {
                    s += col[j * p + b] * col[j * p + c];
                    m += 1.0;
                }
                let (nb, nc) = (others(b, a), others(c, a));
                let mut v = s / m.max(1.0);
                let mut pairs = nb * nc;
                if b == c {
                    v -= nb * var[b][a];
                    pairs -= nb;
                }
                div_cov[a][b][c] = v / pairs.max(1.0);
                // chain k (γ) → j (β) → i (α): column sum of j over α times row sum over γ
                let (mut s, mut m) = (0.0f64, 0.0f64);
                for j in (0..n).filter(|&j| lab[j] == b) {
                    s += col[j * p + a] * rows[j][c];
                    m += 1.0;
                }
                let (na, nc) = (others(a, b), others(c, b));
                let mut v = s / m.max(1.0);
                let mut pairs = na * nc;
                if a == c {
                    v -= na * recip_cov[a][b];
                    pairs -= na;
                }
                chain_cov[a][b][c] = v / pairs.max(1.0);
            }
        }
    }
    (conv_cov, div_cov, chain_cov)
}

fn add(mut x: Vec<f64>, y: Vec<f64>) -> Vec<f64> {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
    x
}
