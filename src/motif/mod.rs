//! Random connectivity with second-order motifs and its 2P-variable mean field (Zhang, Yu, Tao
//! & Shao 2026; only the abstract is public, so the construction and the mean field are **our
//! reconstruction** from the project reference, part B, and its predecessors: SONETs, Zhao et
//! al. 2011; Hu & Sompolinsky 2022; Shao & Ostojic 2023; Shao et al. 2025).
//!
//! Convention: `w[i][j]` is the weight from j onto i (rows are postsynaptic).
//!
//! The generators (latent-factor field, Gaussian motif matrices, SONETs, estimators) live in
//! [`crate::connectivity`], shared with the spiking engine; this module holds the theory:
//!
//! - [`meanfield`]: Gaussian moments of non-negative nonlinearities and the 2P mean field
//!   (B.3) with its low-rank eigenvalue prediction;
//! - [`ratenet`]: rate-network simulation of a sampled matrix;
//! - [`fit`]: fitting block statistics to target activity means and variances.

pub mod fit;
pub mod meanfield;
pub mod ratenet;

pub use meanfield::{MotifMeanField, Phi};
