//! Random connectivity shared by the spiking engine and the motif mean field: the latent-factor
//! Gaussian field, weighted Gaussian motif matrices, binary SONETs and the estimators of their
//! block and motif statistics.
//!
//! Convention: `w[i][j]` is the weight from j onto i (rows are postsynaptic).
//!
//! - [`field`]: the latent-factor Gaussian field both generators sample from;
//! - [`gaussian`]: weighted Gaussian networks with block means, variances and motif loadings
//!   (reference B.2.1);
//! - [`sonet`]: binary second-order networks with prescribed motif frequencies (B.2.2);
//! - [`stats`]: achieved block and motif statistics of a sampled matrix;
//! - [`options`]: the generators' options (`motif_gaussian`, `sonet`).

pub mod field;
pub mod gaussian;
pub mod options;
pub mod sonet;
pub mod stats;

pub use field::{Block, Factors, Field};
pub use gaussian::{GaussianMotifs, MotifTargets, WeightMatrix};
pub use sonet::{Graph, Sonet};
pub use stats::{BlockStats, block_stats};
