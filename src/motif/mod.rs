//! Random connectivity with second-order motifs and its 2P-variable mean field (Zhang, Yu, Tao
//! & Shao 2026; only the abstract is public, so the construction and the mean field are **our
//! reconstruction** from the project reference, part B, and its predecessors: SONETs, Zhao et
//! al. 2011; Hu & Sompolinsky 2022; Shao & Ostojic 2023; Shao et al. 2025).
//!
//! Convention: `w[i][j]` is the weight from j onto i (rows are postsynaptic).
//!
//! - [`field`]: the latent-factor Gaussian field both generators sample from;
//! - [`gaussian`]: weighted Gaussian networks with block means, variances and motif loadings
//!   (reference B.2.1);
//! - [`sonet`]: binary second-order networks with prescribed motif frequencies (B.2.2);
//! - [`stats`]: achieved block and motif statistics of a sampled matrix;
//! - [`meanfield`]: Gaussian moments of non-negative nonlinearities and the 2P mean field
//!   (B.3) with its low-rank eigenvalue prediction;
//! - [`ratenet`]: rate-network simulation of a sampled matrix;
//! - [`fit`]: fitting block statistics to target activity means and variances.

pub mod field;
pub mod fit;
pub mod gaussian;
pub mod meanfield;
pub mod ratenet;
pub mod sonet;
pub mod stats;

pub use field::{Block, Factors, Field};
pub use gaussian::{GaussianMotifs, MotifTargets, WeightMatrix};
pub use meanfield::{MotifMeanField, Phi};
pub use sonet::{Graph, Sonet};
pub use stats::{BlockStats, block_stats};
